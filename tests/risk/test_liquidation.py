"""Liquidation: distance to a position's own price, and the account-level move of a cross account."""

from __future__ import annotations

import numpy as np
import pytest

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
