"""Exposure: net and gross per asset, hedged legs across venues, effective leverage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cockpit.model import PositionKey
from cockpit.risk import RiskEngine
from cockpit.risk import exposure

from .factory import account, book, instruments_for, position, quote


def _book():
    return book(0.0,
                account("bn", "binance", [position("bn", "binance", "BTC", "long", 2, 50_000),
                                          position("bn", "binance", "ETH", "short", 10, 3_000)],
                        equity=50_000.0),
                account("bn2", "binance", [position("bn2", "binance", "ETH", "long", 5, 3_000)],
                        equity=10_000.0),
                account("hl", "hyperliquid", [position("hl", "hyperliquid", "BTC", "short", 1, 50_000)],
                        equity=40_000.0, funding=[quote("hyperliquid", "SOL", 0.0001)]))


def test_net_gross_and_hedged_legs():
    a = RiskEngine().evaluate(_book(), instruments_for(_book()), 0.0)
    btc, eth = a.exposures
    assert (btc.asset, btc.long, btc.short, btc.net, btc.gross, btc.legs, btc.hedged) == (
        "BTC", 100_000.0, 50_000.0, 50_000.0, 150_000.0, 2, True)
    # The ETH legs are on the same venue (two accounts): not a cross-venue hedge.
    assert (eth.net, eth.gross, eth.legs, eth.hedged) == (-15_000.0, 45_000.0, 2, False)
    flags = {p.key: p.flags for p in a.positions}
    assert "hedged" in flags[PositionKey("bn", "BTC/USDT:USDT")] and "hedged" in flags[PositionKey("hl", "BTC/USDT:USDT")]
    assert "hedged" not in flags[PositionKey("bn", "ETH/USDT:USDT")]
    assert (a.gross, a.net, a.equity) == (195_000.0, 35_000.0, 100_000.0)
    assert a.gross_leverage == pytest.approx(1.95)
    # Heatmap rows by gross then name (SOL is only quoted); columns in account order.
    assert a.assets == ("BTC", "ETH", "SOL") and a.venues == ("binance", "hyperliquid")


def test_effective_leverage_offsets_cross_positions_within_an_account():
    # Same account, cross: long 100k BTC (two symbols) and short 40k BTC net to 60k; an isolated
    # 20k counts in full. Over equity 40k: (60k + 20k) / 40k = 2.
    signed = np.array([60_000.0, 40_000.0, -40_000.0, 20_000.0, 10_000.0])
    acct = np.array([0, 0, 0, 0, 1])
    asset = np.array([0, 0, 0, 1, 0])
    cross = np.array([True, True, True, False, True])
    gross = exposure.account_gross(signed, acct, asset, cross, 2, 2)
    assert gross == pytest.approx([80_000.0, 10_000.0])
    assert exposure.leverage(gross, np.array([40_000.0, 0.0]))[0] == pytest.approx(2.0)
    assert np.isnan(exposure.leverage(gross, np.array([40_000.0, 0.0]))[1])
    a = RiskEngine().evaluate(_book(), instruments_for(_book()), 0.0)
    assert {c.account: c.leverage for c in a.collateral} == pytest.approx(
        {"bn": 130_000 / 50_000, "bn2": 15_000 / 10_000, "hl": 50_000 / 40_000})


def test_hedged_needs_an_opposite_side_on_another_venue():
    sign = np.array([1.0, -1.0, 1.0, 1.0])
    asset = np.array([0, 0, 1, 1])
    venue = np.array([0, 1, 0, 1])
    assert exposure.hedged(sign, asset, venue, 2, 2).tolist() == [True, True, False, False]


def test_the_assessment_carries_effective_leverage_after_offsets_beside_gross():
    # One cross account long 2 BTC on BTC/USDT and short 1 BTC on BTC/USDC: the venue nets them
    # to 50k. Gross leverage counts both legs, 150k / 50k = 3; effective leverage 50k / 50k = 1.
    long = position("bn", "binance", "BTC", "long", 2, 50_000)
    short = dataclasses.replace(position("bn", "binance", "BTC", "short", 1, 50_000), symbol="BTC/USDC:USDC")
    b = book(0.0, account("bn", "binance", [long, short], equity=50_000.0))
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    assert a.gross_leverage == pytest.approx(3.0)
    assert a.effective_leverage == pytest.approx(1.0)
    assert a.collateral[0].leverage == pytest.approx(1.0)
