"""The book: the latest snapshot of every account, with how old it is."""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.model.ids import PositionKey
from cockpit.model.enums import Health
from cockpit.model.market import AccountInfo, Position, VenueSnapshot


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account in the book: its last good snapshot (if any), its health and why.

    Attributes:
        snapshot: the last snapshot that arrived whole; kept while the account is STALE or DOWN
            so the book still shows what it last knew, marked as such.
        health: LIVE, STALE or DOWN, as of the book's `now`.
        age: seconds since `snapshot.fetched_at` (None before the first snapshot).
        error: the reason of the last failed poll, already scrubbed of secrets.
    """

    info: AccountInfo
    snapshot: VenueSnapshot | None
    health: Health
    age: float | None = None
    error: str | None = None
    failures: int = 0

    @property
    def name(self) -> str:
        """The account's name."""
        return self.info.name


@dataclass(frozen=True, slots=True)
class Book:
    """Every account's state at one moment, `now`."""

    now: float
    accounts: tuple[AccountState, ...]

    def account(self, name: str) -> AccountState | None:
        """The state of the named account, or None."""
        for acc in self.accounts:
            if acc.info.name == name:
                return acc
        return None

    def positions(self) -> tuple[Position, ...]:
        """Every position of every account that has a snapshot, stale ones included."""
        return tuple(p for a in self.accounts if a.snapshot for p in a.snapshot.positions)

    def position(self, key: PositionKey) -> Position | None:
        """The position with `Position.key == key`, or None."""
        for p in self.positions():
            if p.key == key:
                return p
        return None
