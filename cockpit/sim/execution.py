"""The matching side of the simulated venues: order checks, market and limit execution.

Orders are checked the way the venues check them, in the same order, and refused with the venue's
own code and message: client id, duplicate id, symbol, tick, size step, minimum size, reduce-only
(a reduce-only order larger than the position is refused, like Binance -2022), margin. Market
orders walk the book and pay the taker fee; what the book cannot give is cancelled (IOC). Limit
orders take what the book offers up to their price, rest the remainder, and fill as maker, a slice
at a time, while the market trades through their price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Callable

from cockpit.model import Instrument, Order, OrderRequest, OrderStatus, Rejected, Side
from cockpit.model.steps import on_step
from cockpit.sim.accounts import Account, Ledger
from cockpit.sim.book import Level, half_spread, levels, walk
from cockpit.sim.events import EventLog
from cockpit.sim.universe import AssetSpec

PARTICIPATION = 0.15  # share of the touch a resting order fills per step when the market trades through
CLIENT_ID = re.compile(r"^[A-Za-z0-9._:/\-]{1,36}$")


@dataclass(slots=True)
class OrderRecord:
    """An order as the venue keeps it, mutable while it lives."""

    client_id: str
    venue_id: str
    account: str
    symbol: str
    side: Side
    amount: Decimal
    reduce_only: bool
    type: str
    price: Decimal | None
    timestamp: float
    status: OrderStatus = OrderStatus.OPEN
    filled: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    fee: float = 0.0

    def to_order(self) -> Order:
        """The frozen model value the venue protocol returns."""
        average = (self.cost / self.filled).quantize(Decimal("1e-10")).normalize() if self.filled else None
        return Order(
            client_id=self.client_id, account=self.account, symbol=self.symbol, side=self.side,
            amount=self.amount, filled=self.filled, status=self.status,
            reduce_only=self.reduce_only, type=self.type, price=self.price, average=average,
            fee=self.fee, venue_id=self.venue_id, timestamp=self.timestamp,
        )


def reject(acc: Account, reason: str, detail: str = "") -> Rejected:
    """The venue-style refusal for `reason` ("precision", "reduce_only" ...), one line."""
    message, code = acc.spec.say(reason, detail)
    return Rejected(message, account=acc.name, code=code)


class Exchange:
    """Orders of every account: checks, execution against the depth model, resting orders."""

    def __init__(self, ledger: Ledger, assets: list[AssetSpec], log: EventLog,
                 mark: Callable[[int, int], float], vol_mult: Callable[[], float],
                 liquidity: Callable[[int, int], float]):
        self.ledger = ledger
        self.assets = assets
        self.log = log
        self.mark = mark
        self.vol_mult = vol_mult
        self.liquidity = liquidity
        self.orders: dict[tuple[str, str], OrderRecord] = {}
        self.resting: list[OrderRecord] = []
        self.count = 0

    def book(self, acc: Account, symbol: str, taker: Side) -> list[Level]:
        """The levels a `taker` order on `symbol` would consume now."""
        a = acc.assets[symbol]
        return levels(self.mark(acc.venue, a), taker, acc.instruments[symbol], self.assets[a].tier,
                      depth=acc.spec.depth, spread=acc.spec.spread,
                      liquidity=self.liquidity(acc.venue, a), vol_mult=self.vol_mult())

    # --- checks --------------------------------------------------------------------------------

    def check(self, acc: Account, req: OrderRequest) -> None:
        """Refuse `req` the way the venue would; return quietly when it is acceptable.

        The venue's order of checks: identity, then the order's shape, then what it does to the
        position (reduce-only, margin). The first refusal wins.
        """
        inst = self._check_identity(acc, req)
        self._check_shape(acc, req, inst)
        held = self.ledger.position_size(acc, req.symbol)
        if req.reduce_only:
            self._check_reduces(acc, req, held)
        else:
            self._check_margin(acc, req, held)

    def _check_identity(self, acc: Account, req: OrderRequest) -> Instrument:
        """Client id well formed and new, symbol listed; returns the symbol's instrument."""
        if not CLIENT_ID.match(req.client_id or ""):
            raise reject(acc, "client_id", repr(req.client_id)[:40])
        if (acc.name, req.client_id) in self.orders:
            raise reject(acc, "duplicate", req.client_id)
        inst = acc.instruments.get(req.symbol)
        if inst is None:
            raise reject(acc, "symbol", req.symbol)
        return inst

    @staticmethod
    def _check_shape(acc: Account, req: OrderRequest, inst: Instrument) -> None:
        """Order type, price on the tick, amount on the step and above the minimum."""
        if req.type not in ("market", "limit"):
            raise reject(acc, "type", f"unsupported order type {req.type!r}")
        if req.type == "limit":
            if req.price is None or req.price <= 0 or req.price % inst.price_step:
                raise reject(acc, "tick", f"price {req.price}, tick {inst.price_step}")
        if req.amount <= 0 or req.amount % inst.amount_step:
            raise reject(acc, "precision", f"amount {req.amount}, step {inst.amount_step}")
        if req.amount < inst.min_amount:
            raise reject(acc, "min_size", f"amount {req.amount}, minimum {inst.min_amount}")

    @staticmethod
    def _check_reduces(acc: Account, req: OrderRequest, held: Decimal) -> None:
        """A reduce-only order must face the position and be no larger than it."""
        reduces = held != 0 and (held > 0) != (req.side is Side.LONG)
        if not reduces or req.amount > abs(held):
            raise reject(acc, "reduce_only", f"amount {req.amount}, position {held}")

    def _check_margin(self, acc: Account, req: OrderRequest, held: Decimal) -> None:
        """Free margin covers the part of the order that opens (or flips past zero)."""
        same = held == 0 or (held > 0) == (req.side is Side.LONG)
        opening = req.amount if same else max(req.amount - abs(held), Decimal(0))
        price = float(req.price) if req.price else self.mark(acc.venue, acc.assets[req.symbol])
        need = float(opening) * price / acc.leverage
        if need > self.ledger.free(acc):
            raise reject(acc, "margin", f"needs {need:,.0f}")

    # --- orders --------------------------------------------------------------------------------

    def submit(self, acc: Account, req: OrderRequest, now: float) -> Order:
        """Check and execute an order; returns it as the venue reports it right after."""
        self.check(acc, req)
        self.count += 1
        rec = OrderRecord(req.client_id, f"{acc.spec.id[:3]}{100000 + self.count}", acc.name,
                          req.symbol, req.side, req.amount, req.reduce_only, req.type, req.price, now)
        self.orders[(acc.name, req.client_id)] = rec
        taken = walk(self.book(acc, req.symbol, req.side), req.amount, req.side,
                     req.price if req.type == "limit" else None)
        for level in taken.fills:
            self._fill(acc, rec, level.price, level.amount, acc.spec.taker)
        if taken.fills:
            self.log.add(now, "fill", f"{acc.name}: {req.side.value} {taken.filled} {req.symbol} "
                         f"@ {taken.average:.8g} avg over {len(taken.fills)} level"
                         f"{'s' if len(taken.fills) > 1 else ''} (taker, fee {rec.fee:,.2f})", acc.name)
        if rec.filled == rec.amount:
            rec.status = OrderStatus.FILLED
        elif req.type == "market":
            rec.status = OrderStatus.CANCELED  # IOC: what the book could not give is cancelled
            self.log.add(now, "order", f"{acc.name}: market {req.side.value} {req.symbol} filled "
                         f"{rec.filled} of {rec.amount}; the book had no more", acc.name)
        else:
            rec.status = OrderStatus.PARTIAL if rec.filled else OrderStatus.OPEN
            self.resting.append(rec)
        return rec.to_order()

    def _fill(self, acc: Account, rec: OrderRecord, price: Decimal, amount: Decimal,
              fee_rate: float) -> float:
        fee = float(price * amount) * fee_rate
        self.ledger.fill(acc, rec.symbol, rec.side, amount, price, fee)
        rec.filled += amount
        rec.cost += price * amount
        rec.fee += fee
        return fee

    def cancel(self, acc: Account, client_id: str, now: float) -> None:
        """Cancel a resting order; refuses an order the venue does not have open."""
        rec = self.orders.get((acc.name, client_id))
        if rec is None or rec not in self.resting:
            raise reject(acc, "unknown_order", client_id)
        self.resting.remove(rec)
        rec.status = OrderStatus.CANCELED
        self.log.add(now, "order", f"{acc.name}: cancelled {client_id} ({rec.filled} of {rec.amount} filled)",
                     acc.name)

    def lookup(self, acc: Account, client_id: str) -> Order | None:
        """The order with this client id, or None when the venue never saw it."""
        rec = self.orders.get((acc.name, client_id))
        return rec.to_order() if rec else None

    def open_orders(self, acc: Account) -> tuple[Order, ...]:
        """The account's resting orders."""
        return tuple(r.to_order() for r in self.resting if r.account == acc.name)

    def match(self, now: float) -> None:
        """One step of resting orders: fill a slice of each one the market trades through."""
        for rec in list(self.resting):
            acc = self.ledger.by_name[rec.account]
            a = acc.assets[rec.symbol]
            mark = self.mark(acc.venue, a)
            touch = half_spread(self.assets[a].tier, acc.spec.spread, self.vol_mult())
            assert rec.price is not None
            if rec.side is Side.LONG:
                crossed = mark * (1 - touch) <= float(rec.price)
            else:
                crossed = mark * (1 + touch) >= float(rec.price)
            if not crossed:
                continue
            top = self.book(acc, rec.symbol, rec.side.opposite)[0].amount
            step = acc.instruments[rec.symbol].amount_step
            slice_ = max(on_step(top * Decimal(PARTICIPATION), step, ROUND_HALF_EVEN), step)
            amount = min(rec.amount - rec.filled, slice_)
            if rec.reduce_only:
                held = self.ledger.position_size(acc, rec.symbol)
                still = held != 0 and (held > 0) != (rec.side is Side.LONG)
                amount = min(amount, abs(held)) if still else Decimal(0)
                if amount <= 0:
                    self._expire(rec, now, "reduce-only: position already closed")
                    continue
            fee = self._fill(acc, rec, rec.price, amount, acc.spec.maker)
            self.log.add(now, "fill", f"{acc.name}: {rec.side.value} {amount} {rec.symbol} @ "
                         f"{rec.price} (maker, fee {fee:,.2f})", acc.name)
            if rec.filled == rec.amount:
                rec.status = OrderStatus.FILLED
                self.resting.remove(rec)
            else:
                rec.status = OrderStatus.PARTIAL

    def _expire(self, rec: OrderRecord, now: float, why: str) -> None:
        self.resting.remove(rec)
        rec.status = OrderStatus.CANCELED
        self.log.add(now, "order", f"{rec.account}: {rec.client_id} cancelled by the venue: {why}",
                     rec.account)

    def cancel_all(self, name: str, now: float, why: str) -> int:
        """Cancel every resting order of account `name` (its dead-man's switch fired); how many."""
        mine = [r for r in self.resting if r.account == name]
        for rec in mine:
            self._expire(rec, now, why)
        return len(mine)

    def drop_symbol(self, acc: Account, symbol: str, now: float) -> None:
        """Cancel the account's resting orders on `symbol` (after a liquidation)."""
        for rec in [r for r in self.resting if r.account == acc.name and r.symbol == symbol]:
            self._expire(rec, now, "position liquidated")
