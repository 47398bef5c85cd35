"""Messages from the engine to the screen."""

from __future__ import annotations

import threading
from typing import Callable

from textual.message import Message

from cockpit.model import Frame
from cockpit.present.alerts import Alert


class FrameArrived(Message):
    """The engine published a frame. A newer one replaces any still waiting in the queue."""

    def __init__(self, frame: Frame) -> None:
        super().__init__()
        self.frame = frame

    def can_replace(self, message: Message) -> bool:
        """Only the newest frame matters."""
        return isinstance(message, FrameArrived)


class NewestFrame:
    """The newest frame not yet shown, handed from the engine's thread to a screen's.

    Frames that arrive while one render is pending replace each other: a slow terminal skips
    frames rather than queueing them up. `arrived` runs on any thread and posts one
    `FrameArrived` per render; the screen's handler `take`s the newest frame then.
    """

    def __init__(self, post: Callable[[Message], object]) -> None:
        self._post = post
        self._frame: Frame | None = None
        self._lock = threading.Lock()

    def arrived(self, frame: Frame) -> None:
        """A frame from the engine (any thread): keep it, and ask for a render if none is pending."""
        with self._lock:
            first = self._frame is None
            self._frame = frame
        if first:
            self._post(FrameArrived(frame))

    def take(self, message: FrameArrived) -> Frame:
        """The frame to render now (the newest), once per render."""
        with self._lock:
            frame, self._frame = self._frame or message.frame, None
        return frame


class AlertArrived(Message):
    """An engine event called for an alert (`cockpit.present.alerts.alert_for`)."""

    def __init__(self, alert: Alert) -> None:
        super().__init__()
        self.alert = alert
