"""Liquidation: distance to a position's own price, and the account-level move of a cross account."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import Health
from cockpit.risk import RiskEngine
from cockpit.risk import liquidation

from .factory import account, book, instruments_for, position


def test_position_distance_worked_by_hand():
    # Long at 60,000 with liquidation at 51,000: the mark must fall 9,000 / 60,000 = 15 %.
    # Short at 3,000 with liquidation at 3,300: the mark must rise 300 / 3,000 = 10 %.
    d = liquidation.position_distance(np.array([1.0, -1.0, 1.0, 1.0]),
                                      np.array([60_000.0, 3_000.0, 100.0, np.nan]),
                                      np.array([51_000.0, 3_300.0, 120.0, 90.0]))
    assert d[:2] == pytest.approx([0.15, 0.10])
    assert d[2] == 0.0  # already beyond its liquidation price
    assert np.isnan(d[3])  # no mark: unknown, not 0


def test_account_level_cross_move_worked_by_hand():
    # Equity 10,000, maintenance 2,000, net long 50,000. A move x gives equity 10,000 + 50,000·x and
    # maintenance 2,000·(1 + x); they meet at x = (10,000 − 2,000) / (2,000 − 50,000) = −1/6:
    # equity 1,666.67 = maintenance 1,666.67. A fall of 16.7 % liquidates the account.
    x = liquidation.account_move(np.array([10_000.0]), np.array([2_000.0]), np.array([50_000.0]))
    assert x[0] == pytest.approx(-1 / 6)
    assert 10_000 + 50_000 * x[0] == pytest.approx(2_000 * (1 + x[0]))
    # Net short 40,000 on the same equity: (10,000 − 2,000) / (2,000 + 40,000) = +19.05 %.
    up = liquidation.account_move(np.array([10_000.0]), np.array([2_000.0]), np.array([-40_000.0]))
    assert up[0] == pytest.approx(8_000 / 42_000)


def test_account_move_edges_are_unknown_or_zero_never_a_false_zero():
    x = liquidation.account_move(np.array([10_000.0, 10_000.0, 1_000.0, 5_000.0]),
                                 np.array([np.nan, 500.0, 2_000.0, 500.0]),
                                 np.array([50_000.0, 8_000.0, 50_000.0, 500.0]))
    assert np.isnan(x[0])  # maintenance unknown
    assert np.isnan(x[1])  # equity exceeds the net long: no fall reaches liquidation
    assert x[2] == 0.0  # already below maintenance
    assert np.isnan(x[3])  # maintenance grows as fast as equity: no finite move


def test_cross_position_without_a_price_says_account_level():
    b = book(0.0, account("dx", "dydx", [position("dx", "dydx", "BTC", "long", 1, 50_000),
                                         position("dx", "dydx", "ETH", "short", 5, 2_000,
                                                  isolated=True)],
                          equity=10_000.0, maintenance=2_000.0),
             account("hl", "hyperliquid", [position("hl", "hyperliquid", "SOL", "long", 10, 100,
                                                    liq=95)]))
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    btc, eth, sol = a.positions
    # Net cross notional 50,000 (the isolated short does not offset): x = 8,000 / −48,000.
    assert (btc.liq_price, btc.liq_kind) == (None, "account")
    assert btc.liq_distance == pytest.approx(1 / 6)
    assert (eth.liq_price, eth.liq_distance, eth.liq_kind) == (None, None, "unknown")
    assert (sol.liq_price, sol.liq_kind) == (95.0, "position") and sol.liq_distance == pytest.approx(0.05)
    assert "near-liq" in sol.flags and "near-liq" not in btc.flags
    dx = next(c for c in a.collateral if c.account == "dx")
    assert dx.liq_move == pytest.approx(-1 / 6) and dx.margin_ratio == pytest.approx(5.0)


def test_stale_positions_are_shown_flagged():
    b = book(0.0, account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, 50_000)],
                          health=Health.STALE, age=40.0))
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    assert "stale" in a.positions[0].flags and a.partial == ("bn",)
    assert a.collateral[0].stale


def test_a_long_in_a_net_short_cross_account_is_liquidated_by_a_rise():
    # Cross: long 50,000 BTC and short 60,000 ETH; net −10,000. Equity 10,000, maintenance 1,000.
    # x = (10,000 − 1,000) / (1,000 + 10,000) = +81.8 %: at that rise equity is
    # 10,000 − 10,000·0.818 = 1,818 and maintenance 1,000·1.818 = 1,818. The *long* dies on a rise.
    b = book(0.0, account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, 50_000),
                                            position("bn", "binance", "ETH", "short", 30, 2_000)],
                          equity=10_000.0, maintenance=1_000.0),
             account("hl", "hyperliquid", [position("hl", "hyperliquid", "SOL", "long", 10, 100, liq=95),
                                           position("hl", "hyperliquid", "ETH", "short", 1, 2_000,
                                                    liq=2_200)]))
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    btc, eth, sol, short = a.positions
    x = 9_000 / 11_000
    assert 10_000 - 10_000 * x == pytest.approx(1_000 * (1 + x))
    assert (btc.liq_kind, btc.liq_direction) == ("account", +1) and btc.liq_distance == pytest.approx(x)
    assert (eth.liq_kind, eth.liq_direction) == ("account", +1)
    # A position's own price lies against it: a long falls to it, a short rises to it.
    assert (sol.liq_kind, sol.liq_direction) == ("position", -1)
    assert (short.liq_kind, short.liq_direction) == ("position", +1)
    assert next(c for c in a.collateral if c.account == "bn").liq_move == pytest.approx(x)


_LEG = st.tuples(st.sampled_from(["BTC", "ETH", "SOL"]), st.sampled_from(["long", "short"]),
                 st.integers(1, 400))


@settings(max_examples=40, deadline=None)
@given(legs=st.lists(_LEG, min_size=1, max_size=3, unique_by=lambda leg: leg[0]),
       equity=st.floats(1_000.0, 200_000.0), maint_rate=st.floats(0.002, 0.05))
def test_the_account_move_reaches_liquidation_the_way_it_says(legs, equity, maint_rate):
    # Whatever the book: moving every mark by the distance, the way the direction says, takes the
    # account to equity = maintenance (maintenance proportional to notional); the direction is a
    # rise exactly when the account is short more than its maintenance.
    marks = {"BTC": 50_000.0, "ETH": 2_000.0, "SOL": 100.0}
    ps = [position("bn", "binance", asset, side, size / 100, marks[asset]) for asset, side, size in legs]
    gross = sum(float(p.size) * marks[p.asset] for p in ps)
    net = sum(float(p.signed_size) * marks[p.asset] for p in ps)
    maint = maint_rate * gross
    b = book(0.0, account("bn", "binance", ps, equity=equity, maintenance=maint))
    a = RiskEngine().evaluate(b, instruments_for(b, step="0.01", minimum="0.01"), 0.0)
    for p in a.positions:
        assert p.liq_kind == "account"
        if p.liq_distance is None:  # no uniform move gets there: equity outgrows maintenance
            assert maint < equity and maint <= net <= equity
            continue
        if p.liq_distance == 0:
            assert equity <= maint
            continue
        x = p.liq_direction * p.liq_distance
        assert p.liq_direction == (1 if net < maint else -1)
        assert equity + net * x == pytest.approx(maint * (1 + x), rel=1e-6, abs=1e-6)


async def test_the_account_move_agrees_with_the_simulators_own_margin_engine():
    # The demo's cross accounts, checked against the simulator's margin check (tiered
    # maintenance brackets): move every mark by x and find where cross equity meets cross
    # maintenance. The direction must agree everywhere (Binance is net short: a rise, although
    # its BTC is long); the distance within 5 %: the risk side scales maintenance in proportion to
    # notional, the venue's brackets grow a little faster on a rise (Binance: +396 % vs +385 %).
    from cockpit.engine.demo import demo_engine

    engine = demo_engine(seed=7, clock=lambda: 1_780_000_000.0)
    await engine.poll_once()
    a = engine.latest.assessment
    world = engine.sim.world
    ledger = world.ledger
    arr = ledger.rebuild()
    marks = ledger.marks(arr)

    def below(i: int, x: float) -> bool:
        chk = arr.check(marks * (1 + x), ledger.wallet)
        return chk.cross_maint[i] > 0 and chk.cross_equity[i] < chk.cross_maint[i]

    def crossing(i: int, far: float) -> float | None:
        if not below(i, far):
            return None
        lo, hi = 0.0, far
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if below(i, mid) else (mid, hi)
        return hi

    for c in a.collateral:
        i = world.account(c.account).index
        up, down = crossing(i, 20.0), crossing(i, -0.999)
        if c.liq_move is None:
            assert up is None and down is None, c.account
            continue
        sim = up if c.liq_move > 0 else down
        assert sim is not None and (up is None or down is None), c.account
        assert c.liq_move == pytest.approx(sim, rel=0.05), c.account


def test_isolated_equity_from_its_margin_else_read_back_from_its_liquidation_price():
    # A 50,000 SOL long on 8,276 of margin with 500 of maintenance is liquidated at 84.29 from
    # 100 (s* = −15.71 %): there 8,276 − 50,000 × 0.1571 = 421 = 500 × 0.8429. Without the
    # margin, the same equity is read back from the price; a short's the same way up; a cross
    # position has none of its own.
    s_star = np.array([84.29 / 100 - 1, 0.1, np.nan, -0.1])
    e = liquidation.isolated_equity(np.array([False, False, False, True]),
                                    np.array([np.nan, np.nan, 1_000.0, 5_000.0]),
                                    np.array([0.0, 0.0, -200.0, 0.0]), np.array([500.0, 100.0, 10.0, 10.0]),
                                    np.array([50_000.0, -20_000.0, 10_000.0, 10_000.0]), s_star)
    assert e[0] == pytest.approx(8_276.0, abs=1.0)
    assert e[1] == pytest.approx(100 * 1.1 + 20_000 * 0.1)  # a short liquidated 10 % up
    assert e[2] == 800.0  # margin plus uPnL
    assert np.isnan(e[3])
