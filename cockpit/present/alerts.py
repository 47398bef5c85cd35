"""Alerts: which events reach the trader away from the screen, in what words, and how often.

`alert_for(event)` is the rule: kill-switch transitions (to WARN, REDUCING, HALTED, and back to
NORMAL), an account DOWN while it holds positions, a liquidation (or a position closed outside
the cockpit), a position entering near-liquidation, and a guard that stops. Nothing else: an
order filled or a terminal attached is on the screen and in the journal, never on a phone.

`RateLimiter` collapses repeats of one alert (same `key`) within a window; the next one that
passes says how many were held back. `terminal_notification` builds the escape sequences that
make a terminal raise a desktop notification (OSC 9 and OSC 777, wrapped for tmux).

Every text that leaves here is `sanitize`d: an event's text comes from venues and exceptions,
and a control character in it could end the escape sequence early and make the terminal run
whatever follows. Pure functions and values, no clock and no I/O: the engine's sender and the UI
both use them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from cockpit.model.events import Event, EventKind, Severity
from cockpit.present.format import clock

#: Seconds within which repeats of one alert are collapsed, unless the config says otherwise.
DEFAULT_RATE_LIMIT = 60.0
TITLE_LIMIT = 80
BODY_LIMIT = 300

# Bidirectional overrides and isolates: they reorder what the reader sees (a "+" shown as "-").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SPACES = re.compile(r"\s+")


def sanitize(text: object, limit: int = BODY_LIMIT) -> str:
    """`text` as one printable line of at most `limit` characters.

    Every control character (C0 such as ESC, BEL and newlines; DEL; C1 such as CSI, OSC and ST
    U+009C), line and paragraph separators, bidirectional overrides and lone surrogates become a
    space; runs of spaces become one. What is left cannot end or open an escape sequence.
    """
    out = []
    for ch in str(text):
        category = unicodedata.category(ch)
        out.append(" " if category in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI else ch)
    line = _SPACES.sub(" ", "".join(out)).strip()
    return line if len(line) <= limit else line[:max(0, limit - 1)] + "…"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert, ready to send.

    Attributes:
        title: a few words ("cockpit: kill switch HALTED").
        body: the event's one line (scrubbed by the engine, sanitised here).
        severity: how loud.
        key: alerts with the same key are rate-limited together (one kill-switch state, one
            account's health, one position's liquidation).
        time: when it happened (POSIX seconds).
    """

    title: str
    body: str
    severity: Severity
    key: str
    time: float = 0.0


def _alert(event: Event, title: str, key: str, severity: Severity | None = None) -> Alert:
    return Alert(title=sanitize(f"cockpit: {title}", TITLE_LIMIT), body=sanitize(event.text),
                 severity=severity or event.severity, key=key, time=event.time)


def alert_for(event: Event) -> Alert | None:
    """The alert `event` calls for, or None (most events: orders, terminals, notices)."""
    kind = event.kind
    if kind is EventKind.KILL:
        after = event.field("after")
        if event.field("restored") == "yes" or after not in ("WARN", "REDUCING", "HALTED", "NORMAL"):
            return None  # a restart putting back a latch is not news: its transition was told
        severity = {"NORMAL": Severity.INFO, "WARN": Severity.WARNING}.get(after, Severity.CRITICAL)
        title = "kill switch reset to NORMAL" if event.field("reset") == "yes" else f"kill switch {after}"
        return _alert(event, title, f"kill:{after}", severity)
    if kind is EventKind.HEALTH:
        if event.field("health") != "DOWN" or event.field("holding") != "yes":
            return None
        return _alert(event, f"{event.account} DOWN while holding positions", f"health:{event.account}",
                      Severity.CRITICAL)
    if kind is EventKind.LIQUIDATION:
        what = "LIQUIDATED" if event.field("liquidated") == "yes" else "position closed outside the cockpit"
        return _alert(event, f"{event.account} {event.symbol} {what}",
                      f"liquidation:{event.account}:{event.symbol}", Severity.CRITICAL)
    if kind is EventKind.NEAR_LIQ:
        return _alert(event, f"{event.account} {event.symbol} near liquidation",
                      f"near-liq:{event.account}:{event.symbol}", Severity.CRITICAL)
    if kind is EventKind.NOTICE and event.field("dead_man") == "expired":
        # The venue is cancelling the account's orders: a person must look at what is left.
        return _alert(event, f"{event.account} dead-man's switch expired: its orders are cancelled",
                      f"dead-man:{event.account}", Severity.CRITICAL)
    if kind is EventKind.GUARD and event.field("stopping") == "yes":
        return _alert(event, "guard stopping: nothing is watching the book", "guard", Severity.CRITICAL)
    return None


def sample_alert(now: float) -> Alert:
    """The alert `cockpit alerts test` sends."""
    return Alert(title="cockpit: test alert", body="Alerts from cockpit reach you here.",
                 severity=Severity.INFO, key="test", time=now)



@dataclass
class _Held:
    """What a key's window holds back: when it was last let through, and since then."""

    passed: float
    count: int = 0
    first: float = 0.0
    last: Alert | None = None


class RateLimiter:
    """Lets one alert per key through per `window` seconds and counts the rest.

    The next alert of a key that passes after its window says how many were held back and since
    when: "(+3 more since 12:01:05)". `due(now)` lets out, with that note, the last alert held of
    every key whose window has passed, so a burst's last word is not lost when nothing follows
    it. Time is an argument (no clock of its own); not thread-safe: call it from one thread.

    Args:
        window: seconds; 0 lets everything through.
        utc: write the "since" time in UTC (else local time).
    """

    def __init__(self, window: float = DEFAULT_RATE_LIMIT, *, utc: bool = False) -> None:
        self.window = max(0.0, float(window))
        self.utc = utc
        self._keys: dict[str, _Held] = {}

    def admit(self, alert: Alert, now: float) -> Alert | None:
        """`alert` to send now (with the note of what was held back), or None when held back."""
        held = self._keys.get(alert.key)
        if held is not None and now - held.passed < self.window:
            if held.count == 0:
                held.first = now
            held.count += 1
            held.last = alert
            return None
        self._keys[alert.key] = _Held(passed=now)
        return alert if held is None or held.count == 0 else self._noted(alert, held.count, held.first)

    def due(self, now: float) -> list[Alert]:
        """The last held alert of every key whose window has passed, each noting the others."""
        out = []
        for key, held in list(self._keys.items()):
            if held.count and held.last is not None and now - held.passed >= self.window:
                out.append(self._noted(held.last, held.count - 1, held.first))
                self._keys[key] = _Held(passed=now)
        return out

    def _noted(self, alert: Alert, others: int, since: float) -> Alert:
        if others <= 0:
            return alert
        note = f" (+{others} more since {clock(since, utc=self.utc)})"
        return replace(alert, body=sanitize(alert.body, BODY_LIMIT - len(note)) + note)


# -- terminal notifications -------------------------------------------------------------------

ESC = "\x1b"
BEL = "\x07"


def osc9(alert: Alert) -> str:
    """An OSC 9 notification (iTerm2, WezTerm, kitty, Windows Terminal, ghostty): one text.

    The text never starts with a digit (ConEmu reads "OSC 9 ; 4 ; ..." as a progress bar, not a
    notification); our titles start with "cockpit" anyway.
    """
    text = f"{_field(alert.title)}: {_field(alert.body)}"
    return f"{ESC}]9;{'cockpit: ' if text[:1].isdigit() else ''}{text}{BEL}"


def osc777(alert: Alert) -> str:
    """An OSC 777 notification (urxvt, foot, ghostty, VTE): a title and a body."""
    return f"{ESC}]777;notify;{_field(alert.title)};{_field(alert.body)}{BEL}"


def _field(text: str) -> str:
    # Sanitised again (an Alert built elsewhere may hold anything); ";" separates OSC 777's
    # fields, so a title or body cannot add one.
    return sanitize(text, BODY_LIMIT).replace(";", ",")


def tmux_passthrough(sequence: str) -> str:
    """`sequence` wrapped so tmux hands it to the outer terminal (tmux ≥ 3.3 needs
    ``set -g allow-passthrough on``): ``ESC P tmux; <sequence, each ESC doubled> ESC \\``."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\"


def terminal_notification(alert: Alert, *, tmux: bool = False, bell: bool = True) -> str:
    """What to write to a terminal for `alert`: OSC 9, OSC 777 (each wrapped for tmux when
    `tmux`), then the bell (outside any wrapping: tmux rings its own and passes it on)."""
    sequences = [osc9(alert), osc777(alert)]
    if tmux:
        sequences = [tmux_passthrough(s) for s in sequences]
    return "".join(sequences) + (BEL if bell else "")
