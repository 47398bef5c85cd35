"""Sizing: each limit worked by hand, and the tightest limit falls as volatility or the stop grows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.risk import RiskEngine, RiskSettings
from cockpit.risk import sizing

from .factory import account, book, instruments_for, position, quote

S = RiskSettings()


def test_each_limit_worked_by_hand():
    # (a) 1 % of 100k = 1,000 at risk; σ 80 %/yr = 4.19 %/day; stop 2 × 4.19 % = 8.37 % -> 11,944.
    stop = sizing.stop_distance(np.array([0.8, 0.05]), 0.02, 2.0)
    assert stop == pytest.approx([2 * 0.8 / math.sqrt(365), 0.02])
    assert sizing.max_loss_limit(100_000, 0.01, stop)[0] == pytest.approx(1_000 / (1.6 / math.sqrt(365)))
    # (b) 50 % of 100k of annual volatility at σ = 80 %: 62,500.
    assert sizing.vol_target_limit(100_000, 0.5, np.array([0.8]))[0] == pytest.approx(62_500)
    # (c) edge 60 % halved = 30 %, minus 10 % of funding paid = 20 %; Kelly 0.2 / 0.64 = 0.3125;
    #     a quarter of it on 100k = 7,812.5. A position that earns 10 % gets 0.4 / 0.64 / 4 × 100k.
    kelly = sizing.kelly_limit(100_000, 0.25, 0.6, 0.5, np.array([0.10, -0.10, 0.5]), np.array([0.8] * 3))
    assert kelly == pytest.approx([7_812.5, 15_625.0, 0.0])
    # (d) an account at 8× against a 5× cap trims every position to 5/8; in high volatility to 2.5/8.
    lev = sizing.leverage_limit(np.array([8_000.0, 8_000.0]), np.array([8.0, 8.0]), 5.0,
                                np.array([50.0, 90.0]), 80.0, 0.5)
    assert lev == pytest.approx([5_000.0, 2_500.0])
    # (e) 300k of gross against a 200k cap: each position keeps 2/3.
    assert sizing.cap_share(np.array([120_000.0, 180_000.0]), 300_000.0, 200_000.0) == pytest.approx(
        [80_000.0, 120_000.0])


def test_directional_limits_bind_on_the_net_side_of_hedged_legs():
    # Long 90k and short 60k of one asset: net 30k long against a 10k limit -> the long leg
    # gives up the 20k excess; the short leg is not limited by it.
    limit = sizing.net_side_limit(np.array([90_000.0, 60_000.0]), np.array([1.0, -1.0]), np.array([0, 0]),
                                  np.array([30_000.0]), np.array([10_000.0]))
    assert limit[0] == pytest.approx(70_000.0) and limit[1] == math.inf


def test_a_stack_of_directional_limits_gives_one_row_each():
    args = (np.array([90_000.0, 60_000.0, 5_000.0]), np.array([1.0, -1.0, -1.0]), np.array([0, 0, 1]),
            np.array([30_000.0, -5_000.0]))
    stack = np.array([[10_000.0, 1_000.0], [50_000.0, 0.0], [1e9, 1e9]])
    rows = sizing.net_side_limit(*args, stack)
    assert rows.shape == (3, 3)
    for row, lim in zip(rows, stack):
        assert row.tolist() == sizing.net_side_limit(*args, lim).tolist()


def test_over_limit_position_is_flagged_with_its_trim():
    b = book(0.0, account("bn", "binance", [position("bn", "binance", "BTC", "long", 2, 50_000)],
                          equity=100_000.0, funding=[quote("binance", "BTC", 0.0001)]))
    (p,) = RiskEngine().evaluate(b, instruments_for(b), 0.0).positions
    # Default σ 80 % (not measured yet): (a) 11,944; (b) 62,500; (c) the long pays 10.95 %:
    # (0.3 − 0.1095) / 0.64 / 4 × 100k = 7,441, the tightest.
    kelly = 0.25 * (0.3 - 0.1095) / 0.64 * 100_000
    assert p.limit_reason == "kelly" and p.limit_notional == pytest.approx(kelly)
    assert p.limit_notional < 1_000 / (1.6 / math.sqrt(365))
    assert p.over_by == pytest.approx(100_000 - p.limit_notional)
    assert p.trim_fraction == pytest.approx(p.over_by / 100_000)
    assert "over-limit" in p.flags


def _limits(notional, sign, asset, vol, stop, pct, pays, lev, equity):
    return sizing.tightest(notional, sizing.position_limits(notional, sign, asset, vol, stop, pct, pays, lev,
                                                            equity, S), 0.0)[0]


book_strategy = st.lists(
    st.tuples(st.floats(0.0, 1e6), st.sampled_from([-1.0, 1.0]), st.integers(0, 3), st.floats(-2.0, 2.0),
              st.floats(0.0, 20.0)),
    min_size=1, max_size=12)


def _arrays(rows):
    notional, sign, asset, pays, lev = (np.array(c) for c in zip(*rows))
    return notional, sign, asset.astype(np.intp), pays, lev


@settings(max_examples=1000)
@given(book_strategy, st.lists(st.floats(0.05, 5.0), min_size=4, max_size=4), st.floats(1.0, 10.0),
       st.floats(1e3, 1e7), st.lists(st.floats(0.0, 100.0), min_size=4, max_size=4))
def test_limits_fall_as_volatility_rises(rows, vol, factor, equity, pct):
    notional, sign, asset, pays, lev = _arrays(rows)
    vol, pct = np.array(vol), np.array(pct)
    calm = _limits(notional, sign, asset, vol, sizing.stop_distance(vol, S.stop_floor, S.stop_vol_multiple),
                   pct, pays, lev, equity)
    wild = vol * factor
    stormy = _limits(notional, sign, asset, wild, sizing.stop_distance(wild, S.stop_floor, S.stop_vol_multiple),
                     pct, pays, lev, equity)
    assert (stormy <= calm * (1 + 1e-9) + 1e-9).all()
    for one in (sizing.vol_target_limit(equity, S.vol_target, vol), sizing.max_loss_limit(
            equity, S.risk_per_trade, sizing.stop_distance(vol, S.stop_floor, S.stop_vol_multiple))):
        assert np.all(np.diff(one[np.argsort(vol)]) <= 1e-9 * one.max())


@settings(max_examples=1000)
@given(book_strategy, st.lists(st.floats(0.05, 5.0), min_size=4, max_size=4),
       st.lists(st.floats(0.001, 0.5), min_size=4, max_size=4), st.floats(1.0, 10.0), st.floats(1e3, 1e7))
def test_limits_fall_as_the_stop_widens(rows, vol, stop, factor, equity):
    notional, sign, asset, pays, lev = _arrays(rows)
    vol, stop, pct = np.array(vol), np.array(stop), np.full(4, 50.0)
    tight = _limits(notional, sign, asset, vol, stop, pct, pays, lev, equity)
    wide = _limits(notional, sign, asset, vol, stop * factor, pct, pays, lev, equity)
    assert (wide <= tight * (1 + 1e-9) + 1e-9).all()
    assert (sizing.max_loss_limit(equity, 0.01, stop * factor) <= sizing.max_loss_limit(equity, 0.01, stop)).all()


@settings(max_examples=300)
@given(book_strategy, st.floats(0.0, 100.0), st.floats(0.0, 100.0))
def test_the_leverage_cap_tightens_with_the_volatility_percentile(rows, p1, p2):
    notional, sign, asset, pays, lev = _arrays(rows)
    lo, hi = sorted((p1, p2))
    low = sizing.leverage_limit(notional, lev, 5.0, np.full(notional.size, lo), 80.0, 0.5)
    high = sizing.leverage_limit(notional, lev, 5.0, np.full(notional.size, hi), 80.0, 0.5)
    assert (high <= low + 1e-9).all() and (low <= notional + 1e-9).all()
