"""The mutable side of the book: each account's latest snapshot, failures and health.

Only the engine writes it; everyone else reads the frozen `Book` that `freeze()` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Mapping

from cockpit.model import (
    AccountInfo, AccountState, AuthError, Book, Health, LiquidationReport, Side, VenueSnapshot,
)


@dataclass
class _Slot:
    info: AccountInfo
    snapshot: VenueSnapshot | None = None
    error: str | None = None
    failures: int = 0
    fatal: bool = False  # an error retrying cannot fix (bad keys): DOWN until it is fixed
    first_failure: float | None = None
    fresh_at: float | None = None  # when the venue's own clock last moved forward
    slack: float = 0.0  # seconds its next poll comes later than the engine's closest interval


@dataclass
class BookState:
    """Latest snapshot per account with its failures; `freeze(now)` gives the frozen Book.

    Attributes:
        stale_after: seconds without a good snapshot before an account is STALE.
        down_after: seconds without a good snapshot (or of failing before the first one)
            before it is DOWN.

    An account polled less often than the engine's closest interval (see `expect`) gets the
    difference on top of both: late by the same margin, it goes STALE and DOWN alike.
    """

    accounts: list[AccountInfo]
    stale_after: float = 3.0
    down_after: float = 10.0
    _slots: dict[str, _Slot] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._slots = {a.name: _Slot(a) for a in self.accounts}

    def update(self, snapshot: VenueSnapshot) -> None:
        """Record a good snapshot: clears the account's errors."""
        slot = self._slots[snapshot.account.name]
        previous = slot.snapshot
        # A venue that keeps answering with the same venue time (or block height) is serving
        # frozen data: its age runs from the last time that clock moved, so it goes STALE like
        # a silent venue.
        frozen = previous is not None and any(
            now is not None and before is not None and now <= before
            for now, before in ((snapshot.venue_time, previous.venue_time),
                                (snapshot.venue_height, previous.venue_height)))
        if not frozen:
            slot.fresh_at = snapshot.fetched_at
        slot.snapshot = snapshot
        slot.error = None
        slot.failures = 0
        slot.fatal = False
        slot.first_failure = None

    def fail(self, account: str, error: Exception, now: float) -> None:
        """Record a failed poll or connect; keeps the last good snapshot."""
        slot = self._slots[account]
        slot.failures += 1
        slot.error = error.reason if hasattr(error, "reason") else type(error).__name__
        slot.fatal = isinstance(error, AuthError)
        if slot.first_failure is None:
            slot.first_failure = now

    def expect(self, account: str, slack: float) -> None:
        """`account`'s next poll comes `slack` seconds later than the closest interval's."""
        self._slots[account].slack = max(0.0, slack)

    def snapshot(self, account: str) -> VenueSnapshot | None:
        """The latest good snapshot of `account`."""
        return self._slots[account].snapshot

    def health(self, account: str, now: float) -> tuple[Health, float | None]:
        """(health, age) of `account` at `now`."""
        slot = self._slots[account]
        if slot.snapshot is None:
            failing_for = 0.0 if slot.first_failure is None else now - slot.first_failure
            if slot.fatal or failing_for >= self.down_after:
                return Health.DOWN, None
            # Never polled yet (or only just failing): not LIVE, since there is nothing to show.
            return Health.STALE, None
        fresh_at = slot.fresh_at if slot.fresh_at is not None else slot.snapshot.fetched_at
        age = max(0.0, now - fresh_at)
        if slot.fatal or age > self.down_after + slot.slack:
            return Health.DOWN, age
        if age > self.stale_after + slot.slack:
            return Health.STALE, age
        return Health.LIVE, age

    def freeze(self, now: float) -> Book:
        """The frozen book at `now`, health and ages computed for that moment."""
        states = []
        for slot in self._slots.values():
            health, age = self.health(slot.info.name, now)
            states.append(
                AccountState(
                    info=slot.info,
                    snapshot=slot.snapshot,
                    health=health,
                    age=age,
                    error=slot.error,
                    failures=slot.failures,
                )
            )
        return Book(now=now, accounts=tuple(states))


@dataclass(frozen=True, slots=True)
class Closure:
    """A position that vanished or shrank between two good snapshots of its account, with no
    order of ours to explain it: liquidated (the venue says so) or closed outside the cockpit.

    Attributes:
        size: how much of it went (base units).
        price: the venue's liquidation price, else the mark at the time (None when unknown).
        pnl: estimated realized P&L of what went, at `price` (negative: a loss); the venue's own
            loss figure when it reports one.
    """

    account: str
    symbol: str
    side: Side
    size: Decimal
    price: float | None
    pnl: float | None
    liquidated: bool


def closures(
    previous: VenueSnapshot,
    current: VenueSnapshot,
    explained: Mapping[str, Decimal],
    reports: Iterable[LiquidationReport] = (),
) -> list[Closure]:
    """What went from `previous` to `current` that our orders do not explain.

    `explained` is, per symbol, how much our own orders may have closed in between (filled since,
    plus still in flight): only a shrink beyond it counts. `reports` are the venue's liquidation
    reports not seen before; each is a closure of its own, and its symbol is not inferred again.
    """
    out = [Closure(r.account, r.symbol, r.side, r.size, r.price, None if r.loss is None else -r.loss, True)
           for r in reports]
    reported = {r.symbol for r in out}
    # In each position's order unit, as `explained` is: an inverse swap's contracts, whose size
    # in coin shrinks as the price rises with nothing closed.
    now = {(p.symbol, p.side): p.order_size for p in current.positions}
    for p in previous.positions:
        if p.symbol in reported:
            continue
        gone = p.order_size - now.get((p.symbol, p.side), Decimal(0)) - explained.get(p.symbol, Decimal(0))
        if gone <= 0:
            continue
        gone = p.base_amount(gone)
        mark = current.mark(p.symbol)
        price = mark if mark is not None else (float(p.mark_price) if p.mark_price is not None else None)
        sign = 1.0 if p.side is Side.LONG else -1.0
        pnl = None if price is None else sign * (price - float(p.entry_price)) * float(gone)
        out.append(Closure(p.account, p.symbol, p.side, gone, price, pnl, False))
    return out
