"""Every use of Textual's private API, in one place: the reason Textual is pinned to one version.

Each piece says what it relies on and why no public API does it. `tests/ui/test_compat.py`
checks each against the installed Textual (the name exists, with the signature used, and behaves
as relied on), so an upgrade that changes one fails there, loudly, rather than silently elsewhere.
"""

from __future__ import annotations

from rich.console import RenderableType
from textual.app import App
from textual.geometry import Size
from textual.keys import _character_to_key
from textual.scroll_view import ScrollView

__all__ = ["CrashExitApp", "SteadyScrollView", "character_to_key"]


def character_to_key(character: str) -> str:
    """Textual's name for the key that types `character` ("?" → "question_mark", "t" → "t").

    Bindings and the input parser name single characters this way, so a keymap must too.
    Private: `textual.keys._character_to_key`. `Binding.make_bindings` applies it publicly, but
    it splits keys on "," and strips spaces, so it cannot name every character.
    """
    return _character_to_key(character)


class CrashExitApp(App):
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
