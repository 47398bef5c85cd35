"""When a blind venue returns, the cuts the run adds are priced at risk's mark, as the plan's are:
a venue whose positions carry no mark (dYdX) still gets an estimated price and cost, so the report
can weigh its fills against them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from cockpit.engine import Engine
from cockpit.engine.core import EngineSettings
from cockpit.engine.handling import send
from cockpit.model import Health, Instrument, Side
from cockpit.model.commands import ConfirmHedge, ResumeRun, StartUnwind
from cockpit.model.unwind import StepKind, TargetKind, UnwindTarget, Why
from tests.engine.fakes import Clock, FakeVenue, account, position

NOW = 1_780_000_000.0
FAST = EngineSettings(poll_interval=0.05, coalesce=0.01, min_frame_interval=0.02, stale_after=3.0, down_after=6.0)


@dataclass
class MarklessVenue(FakeVenue):
    """Positions without a mark of their own; the snapshot's marks carry it (as dYdX's indexer)."""

    async def snapshot(self):
        snap = await super().snapshot()
        positions = tuple(replace(p, mark_price=None) for p in snap.positions)
        return replace(snap, positions=positions, marks=tuple((s, 100.0) for s in self.positions))


@dataclass
class ListingVenue(FakeVenue):
    """Lists ETH without holding it: where the hedge goes."""

    def instruments(self):
        eth = Instrument(venue=self.info.venue, symbol="ETH/USDT:USDT", asset="ETH", amount_step=self.step,
                         min_amount=self.step)
        return FakeVenue.instruments(self) | {"ETH/USDT:USDT": eth}


async def until(check, timeout=5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_the_cuts_added_when_a_markless_blind_venue_returns_are_priced():
    clock = Clock(NOW)
    live = ListingVenue(account("a"), clock, allow_open=True)
    live.positions["BTC/USDT:USDT"] = position("a", "BTC/USDT:USDT", Side.LONG, "1")
    blind = MarklessVenue(account("d"), clock)
    blind.positions["ETH/USDT:USDT"] = position("d", "ETH/USDT:USDT", Side.LONG, "10")
    engine = Engine([live, blind], clock=clock, settings=FAST)
    await engine.poll_once()
    engine.start()
    try:
        blind.down = True
        clock.now += 8
        await until(lambda: engine.latest.book.account("d").health is Health.DOWN)
        assert (await send(engine, StartUnwind(UnwindTarget(TargetKind.FLAT), id="r1"))).ok
        hedge = next(s for s in engine.unwind.run.steps if s.kind is StepKind.HEDGE)
        await send(engine, ResumeRun("r1"))
        assert (await send(engine, ConfirmHedge("r1", hedge.seq))).ok
        await until(lambda: engine.unwind.run.step(hedge.seq).filled > 0)
        blind.down = False
        await until(lambda: engine.unwind.run.state.over, timeout=10)
        returned = [s for s in engine.unwind.run.steps if Why.BLIND_RETURNED in s.why]
        mine = next(s for s in returned if s.key.account == "d")
        assert mine.est_price is not None and 99 < mine.est_price <= 100  # a sell at risk's mark of 100
        assert mine.est_cost is not None and mine.est_cost > 0 and mine.notional is not None
    finally:
        await engine.stop()
