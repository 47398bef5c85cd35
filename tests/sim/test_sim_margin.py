"""Margin: tiers, liquidation prices, and liquidation exactly when the ratio falls below 1."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, strategies as st

from cockpit.model import MarginMode
from cockpit.sim.margin import BRACKETS, bracket_table, isolated_liq_price, maintenance


@given(tier=st.sampled_from(sorted(BRACKETS)), a=st.floats(1.0, 5e7), b=st.floats(1.0, 5e7))
def test_maintenance_is_continuous_and_rises_with_size(tier, a, b):
    lo, hi = sorted((a, b))
    m_lo, _, _ = maintenance(lo, tier)
    m_hi, _, _ = maintenance(hi, tier)
    assert 0 < m_lo <= m_hi + 1e-9
    floors, rates, _ = bracket_table(tier)
    for f in floors[1:]:  # no jump at any bracket floor
        below, _, _ = maintenance(f * (1 - 1e-12), tier)
        at, _, _ = maintenance(f, tier)
        assert at == pytest.approx(below, rel=1e-6)
    assert (np.diff(rates) > 0).all()


@given(size=st.floats(-100, 100).filter(lambda s: abs(s) > 1e-3), entry=st.floats(1, 1e5),
       lev=st.floats(1.5, 50), rate=st.floats(0.001, 0.05))
def test_isolated_liquidation_price_is_where_equity_meets_maintenance(size, entry, lev, rate):
    margin = abs(size) * entry / lev
    price = isolated_liq_price(size, entry, margin, rate, 0.0)
    if price is None:
        assert size < 0 or rate * lev >= 1  # a short's liquidation is always above; see below
        return
    equity = margin + size * (price - entry)
    assert equity == pytest.approx(abs(size) * price * rate, rel=1e-6, abs=1e-6)


async def _snap(session, name):
    return await next(v for v in session.venues if v.info.name == name).snapshot()


async def test_isolated_position_is_liquidated_at_its_price_and_not_before(session, clock):
    world = session.world
    acc = world.account("bybit")
    sol = "SOL/USDT:USDT"
    a = acc.assets[sol]
    pos = next(p for p in (await _snap(session, "bybit")).positions if p.symbol == sol)
    assert pos.margin_mode is MarginMode.ISOLATED
    liq = float(pos.liquidation_price)
    # Step the price to just above the liquidation price: still alive.
    world.prices.shock(a, liq * 1.002 / world.mark(acc.venue, a) - 1)
    world.step()
    assert sol in acc.positions
    marks, chk = world.ledger.evaluate()
    i = world.ledger.arrays.keys.index((acc.index, sol))
    assert chk.iso_equity[i] / chk.maint[i] > 1.0
    # Just below it: liquidated in that very step.
    world.prices.shock(a, liq * 0.997 / world.mark(acc.venue, a) - 1)
    wallet = world.ledger.wallet[acc.index]
    world.step()
    assert sol not in acc.positions
    event = [e for e in world.log.since(0) if e.kind == "liquidation"][-1]
    assert "bybit: LIQUIDATED long" in event.text and "SOL/USDT:USDT (isolated)" in event.text
    ratio = float(event.text.split("margin ratio ")[1].split(",")[0])
    assert 0.5 < ratio < 1.0  # 0.3% past the price is a third of the maintenance margin
    # The leftover margin (after the venue's fee) came back; the position is gone from the snapshot.
    assert world.ledger.wallet[acc.index] >= wallet
    snap = await _snap(session, "bybit")
    assert sol not in {p.symbol for p in snap.positions}


async def test_cross_account_is_liquidated_when_its_margin_ratio_falls_below_one(session):
    world = session.world
    acc = world.account("dydx")
    snap = await _snap(session, "dydx")
    assert snap.collateral.margin_ratio > 1
    # Drain the wallet step by step (as funding or losses would) and watch the ratio.
    ratios = []
    while acc.positions:
        world.ledger.wallet[acc.index] -= 250.0
        world.version += 1
        c = (await _snap(session, "dydx")).collateral
        ratio_before = c.margin_ratio
        world.step()
        ratios.append(ratio_before)
        if not acc.positions or len(acc.positions) < len(snap.positions):
            break
    liquidations = [e for e in world.log.since(0) if e.kind == "liquidation" and e.account == "dydx"]
    assert liquidations
    # Nothing was liquidated while the ratio stood above 1 (allowing for the one step of drift).
    assert all(r > 1.0 for r in ratios[:-1])
    assert ratios[-1] < 1.02
    after = (await _snap(session, "dydx")).collateral
    assert after.margin_ratio is None or after.margin_ratio >= 1.0


async def test_liquidation_cancels_resting_orders_on_the_symbol(session):
    from cockpit.model import OrderRequest, Side

    world = session.world
    acc = world.account("bybit")
    sol = "SOL/USDT:USDT"
    world.submit_order("bybit", OrderRequest("tp1", "bybit", sol, Side.SHORT, Decimal("100"),
                                             type="limit", price=Decimal("200.000")))
    assert world.exchange.open_orders(acc)
    world.prices.shock(acc.assets[sol], -0.12)
    world.step()
    assert sol not in acc.positions
    assert not world.exchange.open_orders(acc)
    assert world.exchange.lookup(acc, "tp1").status.value == "canceled"
