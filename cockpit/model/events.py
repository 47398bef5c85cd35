"""Events: what happened in the engine, one at a time, for terminals, the guard's log and alerts.

Frames say how things are; events say what changed and when. Each carries its one-line text
(already scrubbed of secrets, the same words on the screen, in the guard's log and in an alert)
and the fields a program needs to act on it without parsing that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class EventKind(str, Enum):
    """What an event is about."""

    NOTICE = "notice"  # anything else worth a line: a recovery, a refusal, a failed listener
    ORDER = "order"  # an order's outcome (sent, filled, rejected, unknown, resolved)
    KILL = "kill"  # a kill-switch transition
    HEALTH = "health"  # an account went LIVE / STALE / DOWN (with the reason)
    LIQUIDATION = "liquidation"  # a position liquidated, or closed outside the cockpit
    NEAR_LIQ = "near-liq"  # a position came within the near-liquidation distance
    WORKFLOW = "workflow"  # a workflow (a kill-switch cut, an unwind run) changed state
    TERMINAL = "terminal"  # a terminal attached to or detached from the guard
    GUARD = "guard"  # the guard started or is stopping


class Severity(str, Enum):
    """How loudly an event should be told."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened.

    Attributes:
        seq: increases by one per event of one engine run.
        time: wall-clock time (POSIX seconds).
        kind: what it is about.
        text: one line for a person, scrubbed.
        severity: how loudly to tell it.
        account: the account it concerns, if one.
        symbol: the market it concerns, if one.
        fields: what a program needs (the kill switch's before/after, an order's status, ...).
    """

    seq: int
    time: float
    kind: EventKind
    text: str
    severity: Severity = Severity.INFO
    account: str = ""
    symbol: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    def field(self, name: str, default: str = "") -> str:
        """The value of field `name` (or `default`)."""
        for key, value in self.fields:
            if key == name:
                return value
        return default
