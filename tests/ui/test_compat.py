"""Each use of Textual's private API (`cockpit.ui.compat`) against the installed Textual.

These fail loudly when an upgrade renames, re-signs or changes the behaviour of what compat
relies on: fix `cockpit/ui/compat.py` (or replace the use with public API), then the pin.
"""

from __future__ import annotations

import inspect

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView

from cockpit.ui.compat import CrashExitApp, SteadyScrollView, character_to_key


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
