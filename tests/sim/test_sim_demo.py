"""The demo book looks like a real trader's, and every account speaks the venue protocol."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from cockpit.model import Layer, MarginMode, Side, VenueSnapshot
from cockpit.sim import build_demo
from cockpit.venues.protocol import Venue


async def _snaps(session) -> dict[str, VenueSnapshot]:
    out = {}
    for v in session.venues:
        await v.connect()
        out[v.info.name] = await v.snapshot()
    return out


async def test_six_accounts_on_at_least_four_layers_all_speak_the_protocol(session):
    assert len(session.venues) == 6
    assert all(isinstance(v, Venue) for v in session.venues)
    layers = {v.info.layer for v in session.venues}
    assert {Layer.CEX, Layer.HYPERLIQUID, Layer.DYDX, Layer.STARKNET} <= layers
    snaps = await _snaps(session)
    for name, snap in snaps.items():
        assert snap.account.name == name
        assert 20_000 <= snap.collateral.equity <= 500_000, name
        assert snap.collateral.margin_ratio is not None
        # One bulk funding call: a quote and a mark for every listed symbol.
        symbols = set(session.venues[0].instruments()) if name == "binance" else None
        if symbols:
            assert {q.symbol for q in snap.funding} == symbols
        assert {s for s, _ in snap.marks} == {q.symbol for q in snap.funding}
        assert snap.venue_time == session.world.t


async def test_book_has_hedges_a_near_liquidation_a_thin_account_and_a_cross_account(session):
    snaps = await _snaps(session)
    positions = [p for s in snaps.values() for p in s.positions]
    assert len(positions) >= 15
    sides = {(p.asset, p.side) for p in positions}
    assert (("ETH", Side.LONG) in sides) and (("ETH", Side.SHORT) in sides)
    eth = {p.account: p.side for p in positions if p.asset == "ETH"}
    assert eth["hyperliquid"] is Side.LONG and eth["binance"] is Side.SHORT
    notionals = [float(p.size) * snaps[p.account].mark(p.symbol) for p in positions]
    assert min(notionals) >= 5_000 and max(notionals) <= 400_000
    # The isolated position within 5-8% of its liquidation price.
    iso = [p for p in positions if p.margin_mode is MarginMode.ISOLATED]
    assert len(iso) == 1
    p = iso[0]
    distance = abs(float(p.mark_price) - float(p.liquidation_price)) / float(p.mark_price)
    assert 0.05 <= distance <= 0.08
    # A thin account: free collateral below 20% of equity.
    thin = [s for s in snaps.values() if s.collateral.free < 0.2 * s.collateral.equity]
    assert [s.account.name for s in thin] == ["paradex"]
    # A cross account whose positions have no liquidation price of their own.
    assert all(p.liquidation_price is None and p.margin_mode is MarginMode.CROSS
               for p in snaps["dydx"].positions)
    # A deposit on its way is visible as such.
    assert snaps["paradex"].collateral.in_flight


async def test_prices_are_realistic(session):
    snap = await session.venues[0].snapshot()
    assert 75_000 < snap.mark("BTC/USDT:USDT") < 95_000
    assert 2_800 < snap.mark("ETH/USDT:USDT") < 3_600


async def test_frozen_clock_freezes_the_world(session, clock):
    t0 = session.sim_time()
    await session.venues[0].snapshot()
    assert session.sim_time() == t0
    clock.tick(5)
    assert session.sim_time() == t0 + 5


def test_speed_maps_wall_to_sim_time_and_catch_up_is_capped(clock):
    s = build_demo(seed=1, clock=clock, speed=60, assets=12)
    t0 = s.sim_time()
    clock.tick(2)
    assert s.sim_time() == t0 + 120
    s.max_catchup = 100
    clock.tick(10)  # 600 sim seconds behind: only 100 steps, then the lost time is given up
    assert s.sim_time() == t0 + 220
    clock.tick(1)
    assert s.sim_time() == t0 + 280


def test_speed_can_change_without_a_jump(clock):
    s = build_demo(seed=1, clock=clock, speed=1, assets=12)
    clock.tick(10)
    t = s.sim_time()
    s.speed = 60
    assert s.sim_time() == t
    clock.tick(1)
    assert s.sim_time() == t + 60
    with pytest.raises(ValueError):
        s.speed = 0


def test_bad_asset_count_is_a_clear_error():
    with pytest.raises(ValueError, match="assets must be between"):
        build_demo(assets=3)


def test_the_simulator_imports_only_model_numpy_and_the_standard_library():
    code = ("import sys, cockpit.sim; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('textual', 'ccxt', 'rich') or m.startswith(('cockpit.venues', 'cockpit.engine', "
            "'cockpit.risk', 'cockpit.ui'))]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_instruments_have_exact_steps(session):
    for v in session.venues:
        for inst in v.instruments().values():
            assert inst.amount_step > 0 and inst.min_amount >= inst.amount_step
            assert inst.min_amount % inst.amount_step == 0
            assert "E+" not in str(inst.amount_step)  # 1000, not 1E+3
            assert inst.price_step > 0 and isinstance(inst.price_step, Decimal)
