"""The alert sender: the engine's events, as alerts, to the trader's phone, chat or mail.

`Alerter` listens to an engine's events, turns those that matter into alerts
(`cockpit.present.alerts.alert_for`), rate-limits them per key, and hands them to a worker
thread that sends each to every target at once, each send bounded by `timeout`. The engine's
thread only ever appends to a queue: a slow, failing or hanging target never delays a poll or
the kill switch. A target that fails is said once, as a NOTICE event on the engine's thread
("alert to phone failed: ..."), and again only after it worked in between.

Targets are anything with a `name` and a `send(alert)` that raises `AlertFailed`; the real one is
`AppriseTarget` (ntfy, Telegram, Pushover, e-mail, ... through the optional `apprise` package).
Their URLs hold tokens: they come from the keyring (the caller reads them), their secret parts
are registered for scrubbing before anything can print them, and no repr, reason or notice
shows one.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import queue
import threading
import time
from collections import deque
from typing import Callable, Iterable, Protocol

from cockpit.model.events import Event, Severity
from cockpit.present.alerts import DEFAULT_RATE_LIMIT, Alert, RateLimiter, alert_for
from cockpit.redact import clip, register_url

log = logging.getLogger("cockpit.alerts")

#: Seconds one send to one target may take before it counts as failed.
SEND_TIMEOUT = 15.0
#: Alerts waiting for the worker; more are dropped (and counted) rather than piling up.
BACKLOG = 64
APPRISE_HINT = 'alert targets need the apprise package: pip install "cockpit[alerts]"'
REASON_LIMIT = 160


class AlertFailed(Exception):
    """One send failed; `str()` is the reason in one scrubbed line."""


class AlertsUnavailable(Exception):
    """Alerts cannot be sent at all (apprise missing, a URL it does not know): one line."""


class Target(Protocol):
    """Where alerts go."""

    name: str

    def send(self, alert: Alert) -> None:
        """Deliver `alert` or raise `AlertFailed` (any other exception counts as a failure too)."""


def apprise_available() -> bool:
    """Whether the optional apprise package is installed (it is not imported)."""
    return importlib.util.find_spec("apprise") is not None


_NOTIFY_TYPE = {Severity.INFO: "info", Severity.WARNING: "warning", Severity.CRITICAL: "failure"}


class AppriseTarget:
    """A notification URL that apprise understands (``ntfys://topic``, ``tgram://token/chat``, ...).

    The URL's secret parts are registered for scrubbing here, before anything could print them;
    the URL itself is kept only inside apprise and is never shown. Raises `AlertsUnavailable`
    when apprise is missing or does not know the URL (the message names neither the URL nor
    any part of it).

    Args:
        name: the target's name in the config (``phone``).
        url: the notification URL, from the keyring.
        timeout: seconds apprise may take (given to apprise ≥ 2, which bounds its own calls).
    """

    def __init__(self, name: str, url: str, *, timeout: float = SEND_TIMEOUT) -> None:
        register_url(url)
        if not apprise_available():
            raise AlertsUnavailable(APPRISE_HINT)
        # apprise's own log lines (from its import on) would reach stderr (Python's last-resort
        # handler) in the middle of the guard's output or the terminal's screen; its reason for
        # a failure is read from its result and told, scrubbed, as a notice instead.
        quiet = logging.getLogger("apprise")
        quiet.propagate = False
        if not quiet.handlers:
            quiet.addHandler(logging.NullHandler())
        import apprise

        self.name = name
        self.timeout = timeout
        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            raise AlertsUnavailable(f"alert target {name!r}: apprise does not understand its URL "
                                    f"(see apprise's list of services) — run: cockpit alerts add {name}")
        self._timed = "timeout" in inspect.signature(self._apprise.notify).parameters

    def __repr__(self) -> str:
        return f"AppriseTarget({self.name!r}, url='***')"

    def send(self, alert: Alert) -> None:
        """Send `alert` with apprise; `AlertFailed` with apprise's own reason when it fails."""
        kwargs = {"timeout": self.timeout} if self._timed else {}
        try:
            result = self._apprise.notify(body=alert.body, title=alert.title,
                                          notify_type=_NOTIFY_TYPE.get(alert.severity, "info"), **kwargs)
        except Exception as error:  # a plugin's bug is this target's failure, not the worker's
            raise AlertFailed(f"{type(error).__name__}: {clip(error, REASON_LIMIT)}") from None
        try:
            if not result:
                raise AlertFailed(_reason(result))
        finally:
            close = getattr(result, "close", None)
            if callable(close):
                close()


def _reason(result: object) -> str:
    """The last warning apprise logged for a failed `result` (apprise ≥ 2 keeps them on it)."""
    logs = getattr(result, "logs", None)
    lines = [e.message for e in logs() if e.level in ("WARNING", "ERROR", "CRITICAL")] if callable(logs) else []
    status = getattr(getattr(result, "status", None), "name", "")
    why = lines[-1] if lines else (f"apprise says {status}" if status else "apprise reported a failure")
    return clip(why, REASON_LIMIT)


class Alerter:
    """Sends the alerts of an engine's events to every target, in the background.

    Use: ``alerter = Alerter(targets, rate_limit=60); alerter.attach(engine)`` before the engine
    starts (or on its thread), and ``alerter.close()`` after it stopped. `send_now` sends one
    alert at once and says per target what happened (``cockpit alerts test``).

    Args:
        targets: where alerts go (none: nothing is sent, nothing is started).
        rate_limit: seconds within which repeats of one alert key are collapsed.
        timeout: seconds one send to one target may take.
        backlog: alerts that may wait for the worker; beyond it they are dropped and counted.
    """

    def __init__(self, targets: Iterable[Target], *, rate_limit: float = DEFAULT_RATE_LIMIT,
                 timeout: float = SEND_TIMEOUT, backlog: int = BACKLOG) -> None:
        self.targets: tuple[Target, ...] = tuple(targets)
        self.timeout = timeout
        self.limiter = RateLimiter(rate_limit)
        self._lock = threading.Lock()  # the limiter and the counters: events may come from any thread
        self._queue: queue.Queue[Alert | None] = queue.Queue(maxsize=max(1, backlog))
        self._worker: threading.Thread | None = None
        self._busy: set[str] = set()  # targets whose last send has not returned yet
        self._failing: dict[str, str] = {}  # target -> the reason it was last said to fail
        self._notices: deque[str] = deque(maxlen=32)
        self._dropped = 0
        self._detach: list[Callable[[], None]] = []

    # -- wiring ---------------------------------------------------------------------------

    def attach(self, engine) -> None:
        """Listen to `engine`'s events; tell its frames how many targets there are; report
        failures as its notices (on its own thread, at its next frame)."""
        self._detach.append(engine.on_event(self.on_event))
        self._detach.append(engine.subscribe(lambda frame: self.tick(frame.now, engine.notice)))
        engine.alerts = len(self.targets)

    def on_event(self, event: Event) -> None:
        """An engine event: queue its alert, if it calls for one and the rate limit lets it."""
        alert = alert_for(event)
        if alert is not None:
            with self._lock:
                alert = self.limiter.admit(alert, event.time)
            if alert is not None:
                self.offer(alert)

    def tick(self, now: float, notice: Callable[[str], None] | None = None) -> None:
        """Send what the rate limit held back and may now go; hand failures to `notice`."""
        with self._lock:
            due = self.limiter.due(now)
        for alert in due:
            self.offer(alert)
        if notice is not None:
            for text in self.take_notices():
                notice(text)

    def offer(self, alert: Alert) -> None:
        """Queue `alert` for every target; never blocks (a full queue drops it, counted)."""
        if not self.targets:
            return
        self._start()
        try:
            self._queue.put_nowait(alert)
        except queue.Full:
            with self._lock:
                self._dropped += 1
                if self._dropped == 1:
                    self._notices.append("alerts are being dropped: the targets are not keeping up")

    def take_notices(self) -> list[str]:
        """The failure notices not yet told (each told once)."""
        out = []
        while self._notices:
            out.append(self._notices.popleft())
        return out

    def drain(self, timeout: float) -> bool:
        """Wait until every queued alert was handled (tests, a clean stop); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout: float = 2.0) -> None:
        """Stop listening and let the worker end after what is queued (up to `timeout` s)."""
        for detach in self._detach:
            detach()
        self._detach.clear()
        if self._worker is not None:
            try:
                self._queue.put(None, timeout=timeout)
            except queue.Full:
                return  # the daemon worker ends with the process
            self._worker.join(timeout)

    # -- sending --------------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="cockpit-alerts", daemon=True)
                self._worker.start()

    def _work(self) -> None:
        while True:
            alert = self._queue.get()
            try:
                if alert is None:
                    return
                self._record(self.send_now(alert))
            except Exception:  # the worker must outlive any one alert
                log.exception("sending an alert failed")
            finally:
                self._queue.task_done()

    def send_now(self, alert: Alert) -> dict[str, str | None]:
        """Send `alert` to every target at once, waiting at most `timeout` seconds: per target
        name, None when it went, else the reason (one scrubbed line)."""
        boxes: dict[str, dict] = {}
        for target in self.targets:
            boxes[target.name] = self._launch(target, alert)
        deadline = time.monotonic() + self.timeout
        results: dict[str, str | None] = {}
        for name, box in boxes.items():
            if "error" in box and "done" not in box:  # not started
                results[name] = box["error"]
                continue
            box["done"].wait(max(0.0, deadline - time.monotonic()))
            if not box["done"].is_set():
                results[name] = f"no answer within {self.timeout:g} s"
            else:
                results[name] = box.get("error")
        return results

    def _launch(self, target: Target, alert: Alert) -> dict:
        """Start one send on a thread of its own (a hanging one must not hold the others)."""
        with self._lock:
            if target.name in self._busy:
                return {"error": f"its previous send has not returned (over {self.timeout:g} s)"}
            self._busy.add(target.name)
        box: dict = {"done": threading.Event()}

        def run() -> None:
            try:
                target.send(alert)
            except AlertFailed as error:
                box["error"] = clip(error, REASON_LIMIT)
            except Exception as error:
                box["error"] = f"{type(error).__name__}: {clip(error, REASON_LIMIT)}"
            finally:
                with self._lock:
                    self._busy.discard(target.name)
                box["done"].set()

        threading.Thread(target=run, name=f"cockpit-alert-{target.name}", daemon=True).start()
        return box

    def _record(self, results: dict[str, str | None]) -> None:
        """Say each target's first failure of a run, and its recovery."""
        with self._lock:
            for name, reason in results.items():
                if reason is None:
                    if self._failing.pop(name, None) is not None:
                        self._notices.append(f"alerts to {name} work again")
                elif name not in self._failing:
                    self._failing[name] = reason
                    self._notices.append(f"alert to {name} failed: {reason} (said once until it works again)")
            if self._queue.empty():  # caught up: a later drop is news again
                self._dropped = 0
