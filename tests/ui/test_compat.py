"""Each use of Textual's private API (`cockpit.ui.compat`) against the installed Textual.

These fail loudly when an upgrade renames, re-signs or changes the behaviour of what compat
relies on: fix `cockpit/ui/compat.py` (or replace the use with public API), then the pin.
"""

from __future__ import annotations

import inspect

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView

from cockpit.ui.compat import CrashExitApp, SteadyScrollView, character_to_key, write_to_terminal


# -- textual.keys._character_to_key ---------------------------------------------------------------

def test_character_to_key_exists_with_one_character_argument():
    from textual import keys

    assert list(inspect.signature(keys._character_to_key).parameters) == ["character"]


def test_character_to_key_names_characters_as_bindings_do():
    assert character_to_key("?") == "question_mark"
    assert character_to_key("t") == "t" and character_to_key("T") == "T"
    assert character_to_key(" ") == "space" and character_to_key(",") == "comma"
    # The name a Binding gets for the character is the name the keymap must use: they agree
    # on every printable ASCII character that `make_bindings` can take (it splits "," and strips " ").
    for code in range(0x21, 0x7F):
        character = chr(code)
        if character == ",":
            continue
        (binding,) = Binding.make_bindings([Binding(character, "noop")])
        assert binding.key == character_to_key(character), character


# -- App._fatal_error -----------------------------------------------------------------------------

def test_app_private_crash_path_exists_as_compat_uses_it():
    assert list(inspect.signature(App._fatal_error).parameters) == ["self"]
    assert list(inspect.signature(App._close_messages_no_wait).parameters) == ["self"]
    app = App()
    assert app._exception is None and app._exit_renderables == []
    # `_handle_exception` is what calls the hook, for errors that are not Rich renderables.
    assert "self._fatal_error()" in inspect.getsource(App._handle_exception)


class _Crashing(CrashExitApp):
    def crash_renderable(self, error: BaseException) -> Text:
        return Text(f"crashed: {error}")

    def on_mount(self) -> None:
        secret_local = "hunter2"  # noqa: F841 — Textual's own traceback would print it
        raise RuntimeError("boom")


async def test_an_unhandled_error_prints_our_renderable_and_not_textuals_traceback():
    app = _Crashing()
    printed: list = []
    app._print_error_renderables = lambda: printed.extend(app._exit_renderables)  # what would reach the terminal
    try:
        async with app.run_test():
            pass
    except RuntimeError as error:
        assert str(error) == "boom"
    assert app.return_code == 1
    assert [str(r) for r in printed] == ["crashed: boom"]


# -- ScrollView._size_updated ---------------------------------------------------------------------

def test_scroll_view_size_updated_exists_with_the_signature_compat_overrides():
    params = inspect.signature(ScrollView._size_updated).parameters
    assert list(params) == ["self", "size", "virtual_size", "container_size", "layout"]
    assert params["layout"].default is True


class _Counting(SteadyScrollView):
    passes = 0

    def _scroll_update(self, virtual_size: Size) -> None:  # inside ScrollView._size_updated
        type(self).passes += 1
        super()._scroll_update(virtual_size)

    def on_mount(self) -> None:
        self.virtual_size = Size(10, 100)


class _ScrollApp(App):
    def compose(self) -> ComposeResult:
        yield _Counting()


async def test_the_screen_calls_size_updated_and_an_unchanged_layout_is_skipped():
    app = _ScrollApp()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        view = app.query_one(_Counting)
        assert _Counting.passes >= 1  # the screen's layout reaches the override
        assert view.max_scroll_y == 100 - view.scrollable_content_region.height
        before = _Counting.passes
        app.screen.refresh(layout=True)
        await pilot.pause()
        assert _Counting.passes == before  # nothing changed: ScrollView's pass skipped
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        assert _Counting.passes > before  # a real change still goes through
        assert view.max_scroll_y == 100 - view.scrollable_content_region.height


# -- ChopsUpdate and App._display -----------------------------------------------------------------

def test_app_display_and_chops_update_exist_as_compat_uses_them():
    from textual._compositor import ChopsUpdate

    assert list(inspect.signature(App._display).parameters) == ["self", "screen", "renderable"]
    assert "renderable.render_segments(console)" in inspect.getsource(App._display)
    assert list(inspect.signature(ChopsUpdate).parameters) == ["chops", "spans", "chop_ends"]
    assert list(inspect.signature(ChopsUpdate.render_segments).parameters) == ["self", "console"]
    update = ChopsUpdate([{}], [(0, 0, 1)], [[1]])
    assert (update.chops, update.spans, update.chop_ends) == ([{}], [(0, 0, 1)], [[1]])
    style = Style(bold=True, color="red")
    assert hasattr(style, "_attributes") and hasattr(style, "_set_attributes") and style._link is None


def _random_update(rng, width: int, height: int):
    """Chops of random widgets' lines (random cuts, segments and styles) and random spans."""
    from textual.strip import Strip

    styles = [None, Style(color="red", bgcolor="blue"), Style(bold=True, color="green", bgcolor="blue"),
              Style(bgcolor="blue"), Style(underline=True, bgcolor="blue"), Style(reverse=True, color="red"),
              Style(color=Color.from_rgb(10, 200, 30), bgcolor=Color.from_rgb(1, 2, 3)),
              Style(dim=True, bgcolor="blue"), Style(italic=True, color="red", bgcolor="black"),
              Style(color="red", bgcolor="black"), Style(color="green", bgcolor="black")]
    cuts = [sorted({0, width, *rng.sample(range(1, width), rng.randint(0, 4))}) for _ in range(height)]
    chops = []
    for line in cuts:
        chop = {}
        for x, end in zip(line, line[1:]):
            segments, left = [], end - x
            while left:
                n = rng.randint(1, left)
                text = "".join(rng.choice("ab  -+1.k▲") for _ in range(n))
                segments.append(Segment(text, rng.choice(styles)))
                left -= n
            chop[x] = Strip(segments, end - x)
        chops.append(chop)
    spans = []
    for y in sorted(rng.sample(range(height), rng.randint(1, height))):
        edges = sorted(rng.sample(range(width + 1), 2 * rng.randint(1, 3)))
        spans += [(y, a, b) for a, b in zip(edges[::2], edges[1::2]) if a < b]
    return chops, spans, [line[1:] for line in cuts]


def test_the_cropped_update_leaves_the_cells_textuals_leaves_and_writes_less():
    import random

    from rich.console import Console
    from textual._compositor import ChopsUpdate

    from cockpit.ui.compat import CroppedChopsUpdate
    from tests.ui.vt import Screen

    rng = random.Random(11)
    width, height = 24, 5
    ours_total = theirs_total = 0
    for color_system in ("256", "truecolor"):
        console = Console(color_system=color_system, force_terminal=True)
        for _ in range(400):
            chops, spans, ends = _random_update(rng, width, height)
            if not spans:
                continue
            whole = ChopsUpdate(chops, [(y, 0, width) for y in range(height)], ends).render_segments(console)
            theirs = ChopsUpdate(chops, spans, ends).render_segments(console)
            ours = CroppedChopsUpdate(chops, spans, ends).render_segments(console)
            a, b = Screen(width, height), Screen(width, height)
            for screen in (a, b):
                screen.feed(whole)  # what is on screen: the chops, with garbage where the spans are
                screen.feed("\x1b[0;1;7m" + "".join(f"\x1b[{y + 1};{x1 + 1}H" + "#" * (x2 - x1)
                                                     for y, x1, x2 in spans) + "\x1b[0m")
            a.feed(theirs)
            b.feed("\x1b[0;4;31m")  # whatever style the terminal had before
            b.feed(ours)
            assert a.looks() == b.looks(), (spans, ours)
            assert (b.attrs, b.fg, b.bg) == (set(), None, None)  # it leaves the style reset
            ours_total += len(ours)
            theirs_total += len(theirs)
    assert ours_total < theirs_total * 0.7


# -- App._driver (write_to_terminal) ---------------------------------------------------------------

def test_the_apps_driver_is_where_textual_itself_writes_raw_sequences():
    from textual.driver import Driver

    assert list(inspect.signature(Driver.write).parameters) == ["self", "data"]
    assert list(inspect.signature(Driver.flush).parameters) == ["self"]
    assert "self._driver.write(" in inspect.getsource(App.bell)
    assert "self._driver.write(" in inspect.getsource(App.copy_to_clipboard)


async def test_write_to_terminal_reaches_the_running_driver_as_is(monkeypatch):
    app = App()
    assert write_to_terminal(app, "\x07") is False  # not running: nothing to write to
    async with app.run_test():
        written: list[str] = []
        monkeypatch.setattr(app._driver, "write", written.append)
        assert write_to_terminal(app, "\x1b]9;hello\x07") is True
        assert written == ["\x1b]9;hello\x07"]


# -- StylesCache's per-line pass (DirectLines) ----------------------------------------------------

async def test_direct_lines_draw_what_textuals_styles_cache_draws(monkeypatch):
    from textual.geometry import Region

    from cockpit.ui.compat import DirectLines
    from cockpit.ui.widgets.table import Column, KeyedTable, Styled

    columns = [Column("name", "Name", 8, 0, "left"), Column("side", "Side", 6, 0, "left"),
               Column("value", "Value", 9, 0), Column("note", "Note", 6, 0)]
    spans = Text("ab")
    spans.stylize("bold", 0, 1)

    class _TableApp(App):
        def compose(self) -> ComposeResult:
            yield KeyedTable(columns)

    def textuals(table, crop):
        with monkeypatch.context() as patch:
            patch.setattr(DirectLines, "_draws_plain", lambda self: False)
            table._styles_cache.clear()
            return table.render_lines(crop)

    app = _TableApp()
    async with app.run_test(size=(40, 14)) as pilot:
        table = app.query_one(KeyedTable)
        table.show([(i, (f"row{i}", Styled("LONG", "green") if i % 2 else "SHORT", f"{i * 1.5:.1f}",
                         spans if i % 3 else Text("x", style="red"))) for i in range(60)])
        table.focus()
        table.move_cursor(row=25)
        await pilot.pause()
        assert table._draws_plain()
        width, height = table.size
        for crop in (Region(0, 0, width, height), Region(0, 4, width, 3), Region(3, 2, 12, 5)):
            assert table.render_lines(crop) == textuals(table, crop)
        table.styles.padding = (0, 1)  # a style drawn around the content: Textual's way
        await pilot.pause()
        assert not table._draws_plain()


async def test_a_burst_of_alerts_leaves_only_the_newest_toasts_on_a_small_terminal():
    from tests.ui.cockpit_app import first_frame, make_app

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        app.clear_notifications()
        for n in range(6):
            app.notify(f"alert {n}", timeout=30)
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["alert 4", "alert 5"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        app.clear_notifications()
        for n in range(6):
            app.notify(f"alert {n}", timeout=30)
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["alert 2", "alert 3", "alert 4", "alert 5"]


def test_app_private_notification_path_exists_as_compat_uses_it():
    import inspect

    from textual.app import App
    from textual.notifications import Notifications

    assert "self._notifications.add(event.notification)" in inspect.getsource(App._on_notify)
    assert list(inspect.signature(App._unnotify).parameters) == ["self", "notification", "refresh"]
    assert hasattr(Notifications, "__iter__") and hasattr(Notifications, "add")


# -- App._refresh_truecolor_filter (start_with_theme) ---------------------------------------------

def test_the_theme_watcher_does_what_start_with_theme_does_by_hand():
    assert list(inspect.signature(App._refresh_truecolor_filter).parameters) == ["self", "theme"]
    watcher = inspect.getsource(App._watch_theme)
    for step in ("-theme-", "-dark-mode", "-light-mode", "self._refresh_truecolor_filter(self.ansi_theme)",
                 "refresh_css"):
        assert step in watcher


async def test_an_app_started_with_a_theme_looks_as_one_switched_to_it_and_reads_its_css_once(monkeypatch):
    from textual.css.stylesheet import Stylesheet
    from textual.widgets import Static

    from cockpit.ui.compat import start_with_theme
    from cockpit.ui.themes import load_theme

    light = load_theme("cockpit-light")
    reparsed: list[int] = []
    real = Stylesheet.reparse
    monkeypatch.setattr(Stylesheet, "reparse", lambda self: (reparsed.append(1), real(self))[1])

    class Started(App):
        CSS = "Static { background: $primary; color: $foreground; }"

        def __init__(self) -> None:
            super().__init__()
            start_with_theme(self, light)

        def compose(self) -> ComposeResult:
            yield Static("x", id="x")

    class Switched(Started):
        def __init__(self) -> None:
            App.__init__(self)

        def on_mount(self) -> None:
            self.register_theme(light)
            self.theme = light.name

    looks = []
    for cls in (Started, Switched):
        reparsed.clear()
        app = cls()
        async with app.run_test() as pilot:
            await pilot.pause()
            static = app.query_one("#x")
            looks.append((app.theme, sorted(c for c in app.classes if c.startswith("-")),
                          static.styles.background, static.styles.color, app.ansi_theme, len(reparsed)))
    started, switched = looks
    assert started[:-1] == switched[:-1]
    assert "-light-mode" in started[1] and started[0] == "cockpit-light"
    assert started[-1] == 0 and switched[-1] >= 1  # the CSS read once, not again for the theme


# -- Screen._on_screen_resume, Screen._screen_resized (StyledOnceScreen) ---------------------------

def test_the_screen_handlers_styled_once_screen_overrides_exist_as_it_relies_on():
    from textual.screen import Screen

    assert list(inspect.signature(Screen._on_screen_resume).parameters) == ["self", "event"]
    resume = inspect.getsource(Screen._on_screen_resume)
    assert "if event.refresh_styles:" in resume and "self.update_node_styles(" in resume
    assert "self._size != size" in resume  # the first showing lays the screen out at its size
    assert list(inspect.signature(Screen._screen_resized).parameters) == ["self", "size"]
    assert "self._refresh_layout(size)" in inspect.getsource(Screen._screen_resized)


async def test_a_styled_once_screen_restyles_when_shown_again_and_lays_out_on_a_new_size(monkeypatch):
    from textual.screen import Screen
    from textual.widgets import Static

    from textual.color import Color as TextualColor

    from cockpit.ui.compat import StyledOnceScreen

    restyled: list[Screen] = []
    laid_out: list[Size] = []
    real_update, real_layout = Screen.update_node_styles, Screen._refresh_layout
    monkeypatch.setattr(Screen, "update_node_styles",
                        lambda self, animate=True: (restyled.append(self), real_update(self, animate))[1])

    class Book(StyledOnceScreen):
        def compose(self) -> ComposeResult:
            yield Static("book", id="x")

        def _refresh_layout(self, size=None, scroll=False) -> None:
            laid_out.append(size)
            real_layout(self, size, scroll)

    class Other(Screen):
        def compose(self) -> ComposeResult:
            yield Static("other")

    class Shown(App):
        CSS = "Static { color: white; } Book.-warm Static { color: red; }"

        def on_mount(self) -> None:
            self.push_screen(Book())

    app = Shown()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        book = app.screen
        assert book not in restyled  # first showing: styled as its widgets mounted, once
        static = book.query_one("#x")
        sized = [size for size in laid_out if size is not None]  # (None: a layout asked for by a widget)
        assert sized == [Size(60, 20)]  # the start's resize to the same size: not laid out again
        await app.push_screen(Other())
        book.add_class("-warm")  # changed while hidden
        app.pop_screen()
        await pilot.pause()
        assert book in restyled and static.styles.color == TextualColor.parse("red")
        await pilot.resize_terminal(70, 22)
        await pilot.pause()
        assert [size for size in laid_out if size is not None][-1] == Size(70, 22)
        assert static.region.width == 70
