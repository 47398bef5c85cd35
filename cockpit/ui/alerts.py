"""Alerts in the terminal: a desktop notification, the bell and a notification on screen.

Every attached terminal tells the engine's alerts itself (the engine's `Alerter` sends them to
phones and chats): an OSC 9 and an OSC 777 notification (wrapped for tmux passthrough when
``$TMUX`` is set; tmux ≥ 3.3 needs ``set -g allow-passthrough on``), the bell, and a Textual
notification with the alert's severity. Repeats within the rate limit are held back here too;
the next one that passes says how many.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Callable, Mapping

from textual.app import App
from textual.message_pump import MessagePump

from cockpit.model.events import Event, Severity
from cockpit.present import privacy
from cockpit.present.alerts import DEFAULT_RATE_LIMIT, Alert, RateLimiter, alert_for, terminal_notification
from cockpit.ui.compat import write_to_terminal
from cockpit.ui.messages import AlertArrived

_SEVERITY = {Severity.INFO: "information", Severity.WARNING: "warning", Severity.CRITICAL: "error"}
_TIMEOUT = {Severity.INFO: 8, Severity.WARNING: 15, Severity.CRITICAL: 30}


class TerminalAlerts:
    """Turns engine events into alerts for one screen.

    Args:
        target: where `AlertArrived` is posted (the screen: its handler calls `tell`).
        rate_limit: seconds within which repeats of one alert are held back.
        env: where ``$TMUX`` is looked up (default: this process's environment).
    """

    def __init__(self, target: MessagePump, *, rate_limit: float = DEFAULT_RATE_LIMIT,
                 env: Mapping[str, str] | None = None) -> None:
        self.target = target
        self.limiter = RateLimiter(rate_limit)
        self.env = os.environ if env is None else env

    def on_event(self, event: Event) -> None:
        """An engine event, on any thread: post its alert, if it calls for one (thread-safe)."""
        alert = alert_for(event)
        if alert is not None:
            self.target.post_message(AlertArrived(alert))

    def tell(self, app: App, alert: Alert, write: Callable[[App, str], bool] = write_to_terminal) -> bool:
        """Notify `alert` on screen and in the terminal (on the app's thread); False when the
        rate limit held it back."""
        passed = self.limiter.admit(alert, alert.time)
        if passed is None:
            return False
        # The desktop notification is a screen too: under the privacy mask its figures are masked.
        passed = replace(passed, title=privacy.private(passed.title), body=privacy.private(passed.body))
        app.notify(passed.body, title=passed.title, severity=_SEVERITY.get(passed.severity, "information"),
                   timeout=_TIMEOUT.get(passed.severity, 8), markup=False)  # "[" in a venue's text is text
        write(app, terminal_notification(passed, tmux=bool(self.env.get("TMUX"))))
        return True
