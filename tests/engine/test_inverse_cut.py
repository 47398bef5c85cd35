"""The kill switch's proportional cut over a book holding an inverse (coin-margined) swap: planned
in whole contracts, sent, filled, and the switch reaches HALTED (it could not while such orders
were refused). The real risk engine and executor; a fake venue that fills what it is sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from decimal import Decimal as D

from cockpit.engine import Engine, EngineSettings
from cockpit.engine.journal import Journal
from cockpit.model import (
    FundingQuote, Instrument, KillStatus, Order, OrderRequest, OrderStatus, Position,
    Side, VenueSnapshot,
)
from cockpit.risk import RiskSettings
from cockpit.risk.evaluate import RiskEngine
from tests.engine.fakes import Clock, FakeVenue, account

ETH, INV = "ETH/USDT:USDT", "BTC/USD:BTC"
MARK = D("50000")
SQUEEZE = 0.003  # per 8 h: 328 % APR, far past the funding-stress threshold


def inverse(contracts: D) -> Position:
    """`contracts` BTC-USD-SWAP contracts of $100 each, long, at MARK: size in coin."""
    return Position(account="a", venue="fake", symbol=INV, asset="BTC", side=Side.LONG,
                    size=contracts * 100 / MARK, entry_price=MARK, mark_price=MARK,
                    contracts=contracts)


@dataclass
class InverseVenue(FakeVenue):
    """The fake venue with an inverse swap: its orders and fills count contracts."""

    def instruments(self):
        return {ETH: Instrument(venue="fake", symbol=ETH, asset="ETH", amount_step=D("0.01"),
                                min_amount=D("0.01")),
                INV: Instrument(venue="fake", symbol=INV, asset="BTC", settle="BTC",
                                amount_step=D(1), min_amount=D(1), contract_size=D(100),
                                inverse=True)}

    async def snapshot(self) -> VenueSnapshot:
        snap = await super().snapshot()
        funding = tuple(FundingQuote(venue="fake", symbol=s, asset=s[:3], rate=SQUEEZE,
                                     interval_hours=8.0) for s in (ETH, INV))
        return replace(snap, funding=funding)

    def _fill(self, request: OrderRequest) -> Order:
        pos = self.positions[request.symbol]
        if pos.contracts is None:
            return super()._fill(request)
        assert request.reduce_only and request.side is pos.side.opposite
        # Whole contracts, never more than held (the venue's own reduce-only check).
        assert request.amount == request.amount.to_integral_value()
        assert request.amount <= pos.contracts, "venue-side reduce-only: would flip"
        self.positions[request.symbol] = inverse(pos.contracts - request.amount)
        order = Order(client_id=request.client_id, account=request.account, symbol=request.symbol,
                      side=request.side, amount=request.amount, filled=request.amount,
                      status=OrderStatus.FILLED)
        self.orders[request.client_id] = order
        return order


async def settle() -> None:
    """Let the engine's auto-mode sends run."""
    for _ in range(50):
        await asyncio.sleep(0)


async def test_kill_switch_cut_over_an_inverse_position_fills_and_halts(tmp_path):
    clock = Clock()
    eth = Position(account="a", venue="fake", symbol=ETH, asset="ETH", side=Side.LONG,
                   size=D("3"), entry_price=D("3000"), mark_price=D("3000"))
    venue = InverseVenue(account("a"), clock, positions={ETH: eth, INV: inverse(D(50))})
    risk = RiskEngine(RiskSettings(kill_mode="auto", cut_fraction=0.3))
    engine = Engine([venue], risk=risk, clock=clock, journal=Journal(tmp_path / "j.sqlite"),
                    settings=EngineSettings())
    engine.executor.resolve_delays = (0.0,)
    for _ in range(5):
        clock.now += 1
        await engine.poll_once()
        await settle()
        if engine.latest.assessment.kill.status is KillStatus.HALTED:
            break
    kill = engine.latest.assessment.kill
    assert kill.status is KillStatus.HALTED, kill.cause
    sent = {r.symbol: r for r in venue.sent}
    # 30 % of 50 contracts ($5,000) is 15 contracts: whole, reduce-only, a sell of the long.
    assert sent[INV].amount == D(15) and sent[INV].reduce_only and sent[INV].side is Side.SHORT
    assert sent[ETH].amount == D("0.9")
    assert venue.positions[INV].contracts == 35
    rows = {r.symbol: r for r in engine.journal.rows()}
    assert rows[INV].status is OrderStatus.FILLED and rows[INV].filled == 15
