"""Same seed and scenario, same market: prices, funding, fills and events, at any speed."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from cockpit.model import OrderRequest, Side
from cockpit.sim import build_demo


def _sim_only(clock, speed: float, span: int, seed: int = 7):
    """Drive the world to sim `span` with an order at exactly sim minute 10."""
    s = build_demo(seed=seed, scenario="flash-crash", speed=speed, clock=clock, assets=12)
    # Accounts the scenario leaves alone: polling them must never change the market.
    polled = [v for v in s.venues if v.info.name in ("okx", "dydx", "paradex")]

    async def go():
        for target, order in ((600, True), (span, False)):
            while s.world.elapsed < target:
                step = min((target - s.world.elapsed) / speed, 1.0)
                clock.tick(step)
                for v in polled:
                    await v.snapshot()
            if order:
                v = next(v for v in s.venues if v.info.name == "hyperliquid")
                await v.place_order(OrderRequest("det-1", "hyperliquid", "ETH/USDC:USDC",
                                                 Side.SHORT, Decimal("5")))
        return (s.world.t, s.world.prices.index.copy(), s.world.funding.rates().copy(),
                [(e.seq, e.time, e.kind, e.text, e.account) for e in s.events()])
    return go()


async def test_same_seed_gives_an_identical_event_log(new_clock):
    a = await _sim_only(new_clock(), 60, 1800)
    b = await _sim_only(new_clock(), 60, 1800)
    assert a[0] == b[0]
    assert np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])
    assert a[3] == b[3]
    kinds = {k for _, _, k, _, _ in a[3]}
    assert {"fill", "scenario", "liquidation"} <= kinds


async def test_speed_1_and_speed_60_give_the_same_market_over_the_same_span(new_clock):
    slow = await _sim_only(new_clock(), 1, 900)
    fast = await _sim_only(new_clock(), 60, 900)
    assert slow[0] == fast[0]
    assert np.array_equal(slow[1], fast[1])
    assert np.array_equal(slow[2], fast[2])
    assert slow[3] == fast[3]


async def test_another_seed_gives_another_market(new_clock):
    a = await _sim_only(new_clock(), 60, 300, seed=7)
    b = await _sim_only(new_clock(), 60, 300, seed=8)
    assert not np.array_equal(a[1], b[1])
