"""`FollowingScreen`: a full screen that follows the engine's frames itself while it is shown
(the carry scanner, the funding ledger, the open orders, the plots).

The cockpit screen stops handling frames while such a screen covers it (Textual would repaint
the screen in front for every message handled behind it), so each of these subscribes on mount,
renders only the newest frame (`NewestFrame`), and unsubscribes when it goes.
"""

from __future__ import annotations

from textual.screen import Screen

from cockpit.engine.api import EngineAPI
from cockpit.model import Frame
from cockpit.ui.messages import FrameArrived, NewestFrame


class FollowingScreen(Screen):
    """A screen that shows frames as they come: subclasses implement `show(frame)` and call
    `follow()` from `on_mount` once their widgets are there.

    Args:
        api: the engine's port.
    """

    def __init__(self, api: EngineAPI) -> None:
        super().__init__()
        self.api = api
        self.frame: Frame | None = None
        self._newest = NewestFrame(self.post_message)  # see `_arrived`
        self._unsubscribe = None

    def follow(self) -> bool:
        """Subscribe to frames and show the newest; False when there is none yet."""
        self._unsubscribe = self.api.subscribe(self._arrived)
        if self.api.latest is None:
            return False
        self.show(self.api.latest)
        return True

    def show(self, frame: Frame) -> None:
        """Render `frame` (subclasses)."""
        raise NotImplementedError

    def on_unmount(self) -> None:
        """Stop listening: no frame may arrive after the widgets are gone. (Textual calls this
        besides a subclass's own `on_unmount`, which need not call it.)"""
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None

    def _arrived(self, frame: Frame) -> None:
        """A frame (on any thread): keep the newest, ask for one render."""
        self._newest.arrived(frame)

    def on_frame_arrived(self, message: FrameArrived) -> None:
        """Render the newest frame."""
        self.show(self._newest.take(message))

    def redraw(self) -> None:
        """Draw the frame on screen again (the privacy mask changed)."""
        if self.frame is not None:
            self.show(self.frame)

    def action_back(self) -> None:
        """Back to the cockpit."""
        self.app.pop_screen()


__all__ = ["FollowingScreen"]
