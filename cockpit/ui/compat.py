"""Every use of Textual's private API, in one place: the reason Textual is pinned to one version.

Each piece says what it relies on and why no public API does it. `tests/ui/test_compat.py`
checks each against the installed Textual (the name exists, with the signature used, and behaves
as relied on), so an upgrade that changes one fails there, loudly, rather than silently elsewhere.
"""

from __future__ import annotations

from rich.color import ColorSystem
from rich.console import Console, RenderableType
from rich.control import Control
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.app import App
from textual.geometry import Region, Size
from textual.keys import _character_to_key
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.theme import Theme

__all__ = ["CrashExitApp", "CroppedChopsUpdate", "CroppedUpdatesApp", "DirectLines", "FewToastsApp", "SteadyScrollView", "StyledOnceScreen",
           "character_to_key", "start_with_theme", "write_to_terminal"]


def character_to_key(character: str) -> str:
    """Textual's name for the key that types `character` ("?" → "question_mark", "t" → "t").

    Bindings and the input parser name single characters this way, so a keymap must too.
    Private: `textual.keys._character_to_key`. `Binding.make_bindings` applies it publicly, but
    it splits keys on "," and strips spaces, so it cannot name every character.
    """
    return _character_to_key(character)


def write_to_terminal(app: App, sequence: str) -> bool:
    """Write `sequence` (escape sequences: a desktop notification, the bell) to the terminal as
    is, between two frames; False when the app has no driver (not running).

    Private: `App._driver`, the running driver, whose public `write` queues text on the same
    writer thread as the frames, in order (called from the app's thread, it never lands inside
    a frame). Textual's own `bell` and `copy_to_clipboard` write this way; there is no public
    call for an arbitrary sequence (`bell` writes BEL only, and not when headless).
    """
    driver = app._driver
    if driver is None:
        return False
    driver.write(sequence)
    driver.flush()
    return True


def start_with_theme(app: App, theme: Theme) -> None:
    """Make `theme` the theme `app` starts with, before it runs, as `App.__init__` does for
    Textual's default theme: its variables in the stylesheet (not parsed yet), the app's theme
    classes, and the mapping of the terminal's ANSI colours.

    Setting `App.theme` once the app runs (the public way) re-parses every stylesheet and restyles
    every widget: `App._watch_theme` queues `refresh_css`. Done at start, that is 8-10 ms of an
    attached terminal's first frame spent parsing the same CSS twice. Setting it in `__init__`
    (also public) queues the same, as the watcher runs for any value set.

    Private: `App._refresh_truecolor_filter(ansi_theme)`, which `_watch_theme` calls to map the
    ANSI colours by the new theme's darkness; the rest is public (`set_reactive` skips watchers
    by design, `Stylesheet.set_variables`, `DOMNode.set_class`).
    """
    app.register_theme(theme)
    app.set_reactive(App.theme, theme.name)
    app.stylesheet.set_variables(app.get_css_variables())
    app.set_class(theme.dark, "-dark-mode", update=False)
    app.set_class(not theme.dark, "-light-mode", update=False)
    app.set_class(True, f"-theme-{theme.name}", update=False)
    app._refresh_truecolor_filter(app.ansi_theme)


class CroppedChopsUpdate(ChopsUpdate):
    """A partial screen update that writes the refreshed cells and nothing else, each colour once.

    Textual's `ChopsUpdate.render_segments` crops each widget's line ("chop") at the right end
    of the refreshed span only: a cell refreshed at the right of a wide widget rewrote the line
    from the widget's left edge (the status line's clock rewrote the whole status line). Here
    each chop is cropped to the span at both ends, and the newline Textual writes after each
    line is left out, as every piece starts with an absolute cursor move.

    Textual also writes every segment as "set style, text, reset". Here a style is set only when
    it differs from the one in force (cursor moves keep it): the colour that changed alone when
    the attributes and the other colour are the same, else "reset and set" in one sequence.
    Blanks are written in the style in force when it has their background and nothing that
    draws on a blank (underline, reverse, strike, overline). The pieces are written grouped by
    their leading style (each starts with its own cursor move, inside Textual's synchronized
    update), so ten green figures and eight red ones cost two colour changes, not eighteen. The
    terminal ends up with the same cells.

    Private: `textual._compositor.ChopsUpdate(chops, spans, chop_ends)`, its three attributes,
    and `render_segments(console)`, which `App._display` calls to write a partial update; Rich's
    `Style._attributes`/`_set_attributes`/`_link` and Textual's `Strip.render_ansi` and
    `Strip.render_style` for the SGR text of a style, as Textual writes it.
    """

    def render_segments(self, console: Console) -> str:
        """The update as terminal sequences: a cursor move and the cells, per refreshed span."""
        sgr = _Sgr(console._color_system or ColorSystem.TRUECOLOR)
        pieces: list[tuple[str, int, int, Strip]] = []
        for y, x1, x2 in self.spans:
            for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items()):
                if strip is None or x >= x2 or end <= x1:
                    continue
                left, right = max(x, x1), min(end, x2)
                if left != x or right != end:
                    strip = strip.crop(left - x, right - x)
                pieces.append((sgr.lead(strip), y, left, strip))
        pieces.sort(key=lambda piece: piece[0])
        out: list[str] = []
        append = out.append
        move_to = Control.move_to
        for _, y, x, strip in pieces:
            append(move_to(x, y).segment.text)
            for text, style, _ in strip:
                append(sgr.switch(style, blank=not text.strip(" ")))
                append(text if style is None or not style._link else sgr.linked(style, text))
        append(sgr.switch(None, blank=False))
        return "".join(out)


class _Sgr:
    """The SGR sequences that take the terminal from the style in force to the next one."""

    _UNKNOWN = Style()  # before the first sequence: the terminal's style is not known

    def __init__(self, color_system: ColorSystem) -> None:
        self.color_system = color_system
        self.state: Style | None = self._UNKNOWN
        self._codes: dict[Style, tuple[str, str, str, int]] = {}

    def codes(self, style: Style) -> tuple[str, str, str, int]:
        """(all codes, foreground codes, background codes, attribute bits) of `style`."""
        found = self._codes.get(style)
        if found is None:
            cs = self.color_system
            fg = ";".join(style.color.downgrade(cs).get_ansi_codes()) if style.color else "39"
            bg = ";".join(style.bgcolor.downgrade(cs).get_ansi_codes(False)) if style.bgcolor else "49"
            ansi = style._ansi if style._ansi is not None else Strip.render_ansi(style, cs)
            found = self._codes[style] = (ansi, fg, bg, style._attributes & style._set_attributes)
        return found

    def lead(self, strip: Strip) -> str:
        """The codes of the first style of `strip` that draws more than blanks (for grouping)."""
        for text, style, _ in strip:
            if style is not None and text.strip(" "):
                return self.codes(style)[0]
        return ""

    def switch(self, style: Style | None, *, blank: bool) -> str:
        """What to write before text in `style` (blank text: only spaces)."""
        state = self.state
        if style is state:
            return ""
        if style is None or style._link:
            self.state = None
            return "" if state is None else "\x1b[0m"
        if blank and state is not None and state is not self._UNKNOWN and _blank_fits(style, state):
            return ""
        ansi, fg, bg, bits = self.codes(style)
        self.state = style
        if state is None:
            return f"\x1b[{ansi}m" if ansi else ""
        if state is self._UNKNOWN:
            return f"\x1b[0;{ansi}m" if ansi else "\x1b[0m"
        was_ansi, was_fg, was_bg, was_bits = self.codes(state)
        if ansi == was_ansi:
            return ""
        if bits == was_bits and bg == was_bg:
            return f"\x1b[{fg}m"
        if bits == was_bits and fg == was_fg:
            return f"\x1b[{bg}m"
        return f"\x1b[0;{ansi}m" if ansi else "\x1b[0m"

    def linked(self, style: Style, text: str) -> str:
        """Text with a link, as Textual writes it (it resets the style after it)."""
        return Strip.render_style(style, text, self.color_system)


def _blank_fits(style: Style, state: Style) -> bool:
    """Blanks in `style` look the same drawn in `state`: same background, and neither draws
    anything on a blank."""
    if style.bgcolor != state.bgcolor:
        return False
    return not any((style.underline, style.reverse, style.strike, style.overline, style.underline2,
                    state.underline, state.reverse, state.strike, state.overline, state.underline2))


class CroppedUpdatesApp(App):
    """An App whose partial updates write only the refreshed cells (see `CroppedChopsUpdate`).

    A widget that refreshes just the regions that changed (`Widget.refresh(*regions)`) then
    costs the terminal those cells, not whole lines: what a session over SSH pays for.

    Private: `App._display(screen, renderable)`, which writes each compositor update.
    """

    def _display(self, screen: Screen, renderable: RenderableType | None) -> None:
        if type(renderable) is ChopsUpdate:
            renderable = CroppedChopsUpdate(renderable.chops, renderable.spans, renderable.chop_ends)
        super()._display(screen, renderable)


class FewToastsApp(CroppedUpdatesApp):
    """An App that shows at most `toasts_shown()` notifications: the newest; older ones go.

    In a crisis alerts come in bursts (a liquidation, the kill switch's steps, a venue going
    dark), each kept on screen 15–30 s; at 80×24 five stacked toasts hide half the screen the
    trader needs. Every alert is also in the status area, the terminal's own notification and the
    guard's log, so a dropped toast loses nothing.

    Private: `App._on_notify` (the handler of the `Notify` message `notify` posts: it adds the
    notification to `App._notifications`, a `textual.notifications.Notifications`) and
    `App._unnotify`; the public API adds (`notify`) and clears all (`clear_notifications`) but
    removes none.
    """

    def toasts_shown(self) -> int:
        """How many notifications may be on screen at once; subclasses say."""
        return 3

    def _on_notify(self, event) -> None:
        self._notifications.add(event.notification)
        shown = list(self._notifications)
        for old in shown[:max(0, len(shown) - self.toasts_shown())]:
            self._unnotify(old, refresh=False)
        self._refresh_notifications()


class CrashExitApp(FewToastsApp):
    """An App that prints `crash_renderable(error)` on an unhandled exception instead of
    Textual's traceback (which shows local variables).

    Private: `App._handle_exception` stores the error in `_exception` and calls `_fatal_error()`,
    which queues what to print after the app left the alternate screen in `_exit_renderables`
    and stops the message loop with `_close_messages_no_wait()`. There is no public hook for the
    crash exit (`App.panic` prints pre-rendered segments, and is not called for plain errors).
    """

    def crash_renderable(self, error: BaseException) -> RenderableType:
        """What the terminal shows after `error` ended the app; subclasses say."""
        raise NotImplementedError

    def _fatal_error(self) -> None:
        error = self._exception
        self.bell()
        if error is not None:
            self._exit_renderables.append(self.crash_renderable(error))
        self._close_messages_no_wait()


class StyledOnceScreen(Screen):
    """A Screen whose first showing does not style every widget a second time.

    Textual styles each widget as it mounts, then, when the screen is first shown, styles them
    all again (`ScreenResume.refresh_styles`), which matters for a screen shown again after the
    theme or its classes changed while it was hidden, not the first time: nothing changed in
    between that Textual did not restyle as it happened (a class set, focus). For the cockpit's
    screen of some 25 widgets that second pass is about 10 ms of an attached terminal's first
    frame. Every later showing restyles as usual. Likewise a resize to the size the screen is laid
    out at does not lay it out again.

    Private: `Screen._screen_resized(size)`, which the app calls on a resize, and `Widget._size`,
    the size of the last layout; `Screen._on_screen_resume(event)`, Textual's handler of `ScreenResume`, which restyles
    when `event.refresh_styles` (public: Textual itself sends it False when the screen under a
    dismissed one needs no restyle).
    """

    _shown_once = False

    def _on_screen_resume(self, event) -> None:
        if not self._shown_once:
            self._shown_once = True
            event.refresh_styles = False
        super()._on_screen_resume(event)

    def _screen_resized(self, size: Size) -> None:
        # The terminal's size, sent once as the app starts, arrives after the screen was laid out
        # at that size when first shown: laying it all out again changes nothing (3 ms at start).
        if size != self._size:
            super()._screen_resized(size)


class SteadyScrollView(ScrollView):
    """A ScrollView that skips the screen's layout pass when none of its sizes changed.

    The screen's layout pass hands every ScrollView the compositor's idea of its virtual size,
    which never equals one the widget set itself, so ScrollView re-validates the scroll and
    repaints the scrollbars on every layout (then the screen paints a second time). This skips
    the pass when neither those sizes nor the widget's own virtual size changed since the last.

    Private: `ScrollView._size_updated(size, virtual_size, container_size, layout)`, which the
    screen calls on every layout; returning False means "no Resize event".
    """

    _last_sizes: tuple[Size, Size, Size, Size] | None = None

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        sizes = (size, virtual_size, container_size, self.virtual_size)
        if sizes == self._last_sizes:
            return False
        self._last_sizes = sizes
        return super()._size_updated(size, virtual_size, container_size, layout)


class DirectLines:
    """A widget mixin that draws the widget's lines without Textual's per-line styling pass when
    its styles draw nothing around or over its content: no border, outline, padding, hatch,
    tint, text opacity or opacity (a table: `KeyedTable`).

    Textual renders every line through `StylesCache.render_line`, which looks up the borders,
    padding, outline, tint and theme of the widget again for each line and makes a new Strip of
    it; with none of them set, the line is the widget's own `render_line`, cut or padded to the
    content width in the background's style, then the app's line filters. That is what this
    does, once per paint for what is looked up, and it hands the filters the widget's own strip,
    whose filtered copy Textual caches on the strip: a line the widget keeps costs nothing the
    next time. Any other styles take Textual's way.

    Private: `Widget._styles_cache.get_inner_outer` (the background style of the content) and the steps
    of `StylesCache.render` and `render_line` named above, as of the pinned Textual;
    `tests/ui/test_compat.py` checks that both ways draw the same lines.
    """

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of `crop`, as `Widget.render_lines` draws them (see the class docstring)."""
        if not self._draws_plain():
            return super().render_lines(crop)  # type: ignore[misc]
        width, height = self.region.size  # type: ignore[attr-defined]
        base_background, background = self.background_colors  # type: ignore[attr-defined]
        inner = self._styles_cache.get_inner_outer(base_background, background)[0].rich_style  # type: ignore[attr-defined]
        filters = self.get_line_filters()  # type: ignore[attr-defined]
        render_line = self.render_line  # type: ignore[attr-defined]
        strips = []
        for y in crop.line_range:
            strip = render_line(y).adjust_cell_length(width, inner) if y < height else Strip.blank(width, inner)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        if crop.column_span != (0, width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _draws_plain(self) -> bool:
        """Whether the styles draw nothing but the content (what `render_lines` relies on)."""
        styles = self.styles  # type: ignore[attr-defined]
        if self.BLANK or styles.gutter or self.opacity != 1.0 or styles.text_opacity != 1.0:  # type: ignore[attr-defined]
            return False
        if styles.tint.a or any(edge for edge, _ in styles.outline):
            return False
        if styles.has_rule("hatch") and styles.hatch != "none":
            return False
        hover = self.hover_style  # type: ignore[attr-defined]
        return not (self.auto_links and hover._link_id and hover._meta)  # type: ignore[attr-defined]
