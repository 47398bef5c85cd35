"""The simulator's event log: what happened in the market and to the accounts, in order."""

from __future__ import annotations

from dataclasses import dataclass


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
    """An append-only list of `SimEvent`, read incrementally by sequence number."""

    def __init__(self) -> None:
        self._events: list[SimEvent] = []

    def add(self, time: float, kind: str, text: str, account: str = "") -> SimEvent:
        """Append an event and return it."""
        event = SimEvent(len(self._events) + 1, time, kind, text, account)
        self._events.append(event)
        return event

    def since(self, seq: int = 0) -> tuple[SimEvent, ...]:
        """Every event with a sequence number above `seq` (seq numbers start at 1)."""
        return tuple(self._events[max(seq, 0):])

    def __len__(self) -> int:
        return len(self._events)
