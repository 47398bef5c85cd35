"""A scriptable venue for engine tests: exact control over replies, failures and order outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from cockpit.model import (
    AccountInfo, Assessment, Book, KillLatch, Collateral, Instrument, Layer, Order, OrderRequest, OrderStatus,
    Position, Side, Unavailable, VenueSnapshot,
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeVenue:
    """One account whose replies the test scripts."""

    info: AccountInfo
    clock: Clock
    positions: dict[str, Position] = field(default_factory=dict)
    fail_snapshots: int = 0
    down: bool = False
    order_errors: list[Exception] = field(default_factory=list)
    land_despite_error: bool = True
    sent: list[OrderRequest] = field(default_factory=list)
    orders: dict[str, Order] = field(default_factory=dict)
    on_place: object = None
    step: Decimal = Decimal("0.01")
    allow_open: bool = False  # accept orders that are not reduce-only (an unwind run's hedge)
    mark: str = "100"  # the mark of a position an opening order creates

    async def connect(self) -> None:
        if self.down:
            raise Unavailable("venue down", account=self.info.name)

    def instruments(self):
        return {
            sym: Instrument(venue=self.info.venue, symbol=sym, asset=sym.split("/")[0],
                            amount_step=self.step, min_amount=self.step)
            for sym in self.positions
        } | {"BTC/USDT:USDT": Instrument(venue=self.info.venue, symbol="BTC/USDT:USDT", asset="BTC",
                                         amount_step=self.step, min_amount=self.step)}

    async def snapshot(self) -> VenueSnapshot:
        if self.down:
            raise Unavailable("venue down", account=self.info.name)
        if self.fail_snapshots > 0:
            self.fail_snapshots -= 1
            raise Unavailable("503 from venue", account=self.info.name)
        return VenueSnapshot(
            account=self.info,
            fetched_at=self.clock(),
            positions=tuple(self.positions.values()),
            collateral=Collateral(account=self.info.name, layer=self.info.layer, currency="USDT",
                                  equity=10_000.0, used=1_000.0, free=9_000.0),
            funding=(),
        )

    def _open(self, request: OrderRequest) -> None:
        assert self.allow_open, "an order that is not reduce-only reached a venue that refuses them"
        pos = self.positions.get(request.symbol)
        if pos is None:
            self.positions[request.symbol] = replace(
                position(self.info.name, request.symbol, request.side, str(request.amount), self.mark),
                venue=self.info.venue)
        elif pos.side is request.side:
            self.positions[request.symbol] = replace(pos, size=pos.size + request.amount)
        else:
            raise AssertionError("a hedge never reduces the venue's own position")

    def _fill(self, request: OrderRequest) -> Order:
        if not request.reduce_only:
            self._open(request)
            order = Order(client_id=request.client_id, account=request.account, symbol=request.symbol,
                          side=request.side, amount=request.amount, filled=request.amount,
                          status=OrderStatus.FILLED, reduce_only=False)
            self.orders[request.client_id] = order
            return order
        pos = self.positions[request.symbol]
        assert request.reduce_only and request.side is pos.side.opposite
        assert request.amount <= pos.size, "venue-side reduce-only: would flip"
        left = pos.size - request.amount
        if left == 0:
            del self.positions[request.symbol]
        else:
            self.positions[request.symbol] = replace(pos, size=left)
        order = Order(client_id=request.client_id, account=request.account, symbol=request.symbol,
                      side=request.side, amount=request.amount, filled=request.amount,
                      status=OrderStatus.FILLED)
        self.orders[request.client_id] = order
        return order

    async def place_order(self, request: OrderRequest) -> Order:
        if callable(self.on_place):
            self.on_place(request)
        self.sent.append(request)
        if request.client_id in self.orders:  # venues dedupe client ids
            return self.orders[request.client_id]
        if self.order_errors:
            error = self.order_errors.pop(0)
            if self.land_despite_error:
                self._fill(request)
            raise error
        return self._fill(request)

    async def cancel_order(self, client_id: str, symbol: str) -> None:
        pass

    async def fetch_order(self, client_id: str, symbol: str):
        return self.orders.get(client_id)

    async def request_transfer(self, request):
        raise NotImplementedError

    async def close(self) -> None:
        pass


def position(account: str, symbol: str, side: Side, size: str, mark: str = "100") -> Position:
    """A position with a mark, for fakes."""
    return Position(account=account, venue="fake", symbol=symbol, asset=symbol.split("/")[0], side=side,
                    size=Decimal(size), entry_price=Decimal(mark), mark_price=Decimal(mark))


def account(name: str, layer: Layer = Layer.CEX, readonly: bool = False) -> AccountInfo:
    """An account on the fake venue."""
    return AccountInfo(name=name, venue="fake", layer=layer, readonly=readonly)


class NullRisk:
    """An evaluator that only counts calls: engine tests test the engine, not risk."""

    def __init__(self) -> None:
        self.calls = 0

    def evaluate(self, book: Book, instruments, now: float) -> Assessment:
        self.calls += 1
        return Assessment(now=now)

    def reset_kill(self, now: float) -> bool:
        return False

    def kill_latch(self) -> KillLatch:
        return _NO_LATCH

    def restore_kill(self, latch: KillLatch) -> None:
        pass


_NO_LATCH = KillLatch()
