"""Messages from the engine to the screen."""

from __future__ import annotations

from textual.message import Message

from cockpit.model import Frame


class FrameArrived(Message):
    """The engine published a frame. A newer one replaces any still waiting in the queue."""

    def __init__(self, frame: Frame) -> None:
        super().__init__()
        self.frame = frame

    def can_replace(self, message: Message) -> bool:
        """Only the newest frame matters."""
        return isinstance(message, FrameArrived)
