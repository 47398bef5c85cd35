"""Messages from the engine to the screen."""

from __future__ import annotations

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


class AlertArrived(Message):
    """An engine event called for an alert (`cockpit.present.alerts.alert_for`)."""

    def __init__(self, alert: Alert) -> None:
        super().__init__()
        self.alert = alert
