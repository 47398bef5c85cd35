"""The simulator's event log: what happened in the market and to the accounts, in order."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import islice

#: Events the log keeps: a session that runs for days must not grow with every fault and
#: payment it logs. About 0.4 MB; nothing in the cockpit reads further back than that.
KEPT = 2000


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One line of the event log.

    Attributes:
        seq: 1, 2, 3 ... in the order the events happened.
        time: sim time (POSIX seconds).
        kind: "scenario", "regime", "interval", "funding", "liquidation", "fill", "order",
            "transfer", "fault" or "price".
        text: one human-readable line.
        account: the account concerned, or "" for market-wide events.
    """

    seq: int
    time: float
    kind: str
    text: str
    account: str = ""


class EventLog:
    """An append-only log of `SimEvent`, read incrementally by sequence number; it keeps the
    last `kept` events (older ones are dropped, their numbers are never reused)."""

    def __init__(self, kept: int = KEPT) -> None:
        self._events: deque[SimEvent] = deque(maxlen=kept)
        self._count = 0

    def add(self, time: float, kind: str, text: str, account: str = "") -> SimEvent:
        """Append an event and return it."""
        self._count += 1
        event = SimEvent(self._count, time, kind, text, account)
        self._events.append(event)
        return event

    def since(self, seq: int = 0) -> tuple[SimEvent, ...]:
        """Every kept event with a sequence number above `seq` (seq numbers start at 1)."""
        first = self._count - len(self._events) + 1  # the number of the oldest event kept
        return tuple(islice(self._events, max(seq - first + 1, 0), None))

    def __len__(self) -> int:
        """How many events were ever logged (the number of the last one), kept or not."""
        return self._count
