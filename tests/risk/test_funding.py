"""Funding: APR from each symbol's own interval, funding per day, and the funding stress index."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.risk import RiskEngine
from cockpit.risk import funding
from cockpit.risk.settings import RiskSettings

from .factory import account, book, instruments_for, position, quote


def test_apr_from_1h_4h_and_8h_rates_worked_by_hand():
    # 0.01% per 8h = 3 payments a day: 0.0001 × 3 × 365 = 10.95 %
    # 0.01% per 4h = 6 payments a day: 0.0001 × 6 × 365 = 21.90 %
    # 0.00125% per 1h = 24 payments a day: 0.0000125 × 24 × 365 = 10.95 %
    b = book(0.0, account("bn", "binance", funding=[quote("binance", "BTC", 0.0001, 8),
                                                  quote("binance", "ETH", 0.0001, 4)]),
             account("hl", "hyperliquid", funding=[quote("hyperliquid", "BTC", 0.0000125, 1)]))
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    assert a.cell("BTC", "binance").apr == pytest.approx(0.1095)
    assert a.cell("ETH", "binance").apr == pytest.approx(0.2190)
    assert a.cell("BTC", "hyperliquid").apr == pytest.approx(0.1095)
    assert a.cell("BTC", "hyperliquid").interval_hours == 1


def test_funding_per_day_sign_a_long_pays_a_positive_rate():
    # 100k notional at 10.95 % APR: 100_000 × 0.1095 / 365 = $30 a day.
    b = book(0.0, account("bn", "binance", [position("bn", "binance", "BTC", "long", 2, 50_000),
                                            position("bn", "binance", "ETH", "short", 10, 3_000)],
                          funding=[quote("binance", "BTC", 0.0001), quote("binance", "ETH", 0.0001)]))
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    long_btc, short_eth = a.positions
    assert long_btc.funding_per_day == pytest.approx(-30.0)  # pays
    assert short_eth.funding_per_day == pytest.approx(0.1095 / 365 * 30_000)  # earns
    assert a.funding_per_day == pytest.approx(-30.0 + 9.0)
    assert a.cell("BTC", "binance").held.value == "long"


def test_per_day_is_unknown_without_a_quote_never_zero():
    b = book(0.0, account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, 50_000)]))
    (p,) = RiskEngine().evaluate(b, instruments_for(b), 0.0).positions
    assert p.funding_apr is None and p.funding_per_day is None


def _index(apr: np.ndarray, k: float = 3.0, prior: float = 0.1095, floor: float = 0.10,
           weights: np.ndarray | None = None) -> float:
    base, scale = funding.robust_baseline(np.full((apr.size, 0), np.nan), prior, floor, 12)
    z = (apr - base) / scale
    w = np.ones_like(apr) if weights is None else weights
    return funding.stress_index(funding.severity(z, k), w)


def test_index_worked_example():
    # Four equal cells against the calm prior (10.95 %, scale 10 points, k = 3):
    # calm, calm, one at 10.95 % + 3.5 scales (sev = ½ + ½·0.5/3), one at 10.95 % + 9 scales (sev 1).
    apr = np.array([0.1095, 0.12, 0.1095 + 0.35, 0.1095 + 0.90])
    expected = 100 * (0 + 0 + (0.5 + 0.5 * 0.5 / 3) + 1.0) / 4
    assert _index(apr) == pytest.approx(expected)


# Cells as (APR, open interest in USD, your gross there); OI of at least $1 keeps every weight
# representable next to the others.
cells = st.lists(st.tuples(st.floats(-5.0, 5.0), st.floats(1.0, 1e9), st.floats(0.0, 1e7)),
                 min_size=1, max_size=16)


def _columns(rows):
    apr, oi, mine = (np.array(c) for c in zip(*rows))
    return apr, oi, mine


@settings(max_examples=1000)
@given(cells, st.floats(0.0, 0.99), st.lists(st.booleans(), min_size=16, max_size=16))
def test_index_is_within_0_and_100(rows, alpha, live):
    apr, oi, mine = _columns(rows)
    w = funding.cell_weights(oi, mine, np.array(live[: apr.size]), alpha)
    value = _index(apr, weights=w)
    assert 0.0 <= value <= 100.0


@settings(max_examples=1000)
@given(cells, st.data())
def test_index_rises_when_more_cells_deviate(rows, data):
    apr, oi, mine = _columns(rows)
    w = funding.cell_weights(oi, mine, np.ones(apr.size, bool), 0.5)
    calm = np.abs(apr - 0.1095) <= 0.30  # within k·floor of the prior: not deviating
    if not calm.any():
        return
    i = data.draw(st.sampled_from(np.flatnonzero(calm).tolist()))
    moved = apr.copy()
    moved[i] = 0.1095 + data.draw(st.sampled_from([-1, 1])) * data.draw(st.floats(0.31, 20.0))
    assert _index(moved, weights=w) > _index(apr, weights=w)


def test_weights_ignore_cells_without_a_live_quote_and_mix_exposure():
    w = funding.cell_weights(np.array([1e6, 4e6, np.nan]), np.array([0.0, 0.0, 5e5]),
                             np.array([True, True, False]), 0.5)
    assert w[2] == 0.0
    assert w[1] == pytest.approx(2 * w[0])  # √OI: 2000 vs 1000
    w2 = funding.cell_weights(np.array([1e6, 1e6]), np.array([1e5, 0.0]), np.ones(2, bool), 0.5)
    assert w2[0] == pytest.approx(0.5 * 0.5 + 0.5 * 1.0) and w2[1] == pytest.approx(0.25)


def test_baseline_learns_from_history_and_blends_with_the_prior():
    hist = np.full((1, 24), 0.30)
    base, scale = funding.robust_baseline(hist, 0.1095, 0.10, 12)
    w = 24 / 36
    assert base[0] == pytest.approx(w * 0.30 + (1 - w) * 0.1095)
    assert scale[0] == pytest.approx(0.10)  # MAD 0 is floored
    noisy = np.array([[0.0, 1.0, 2.0, 3.0, 4.0, np.nan]])
    b2, s2 = funding.robust_baseline(noisy, 0.0, 0.01, 0)
    assert b2[0] == pytest.approx(2.0) and s2[0] == pytest.approx(1.4826 * 1.0)


def test_row_medians_match_numpy():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(50, 17))
    values[rng.random(values.shape) < 0.3] = np.nan
    values[0] = np.nan
    expected = np.array([np.nan if np.all(np.isnan(r)) else np.nanmedian(r) for r in values])
    np.testing.assert_allclose(funding.row_medians(values), expected)


def _squeeze_book(now: float, rate: float, n_assets: int = 8) -> tuple:
    """Three venues quoting `n_assets` assets at `rate` per 8h; two longs on each."""
    venues = ("binance", "bybit", "hyperliquid")
    assets = [f"A{i}" for i in range(n_assets)]
    accounts = [account(v, v, [position(v, v, a, "long", 1, 100) for a in assets[:2]],
                        funding=[quote(v, a, rate, 8) for a in assets], fetched_at=now) for v in venues]
    b = book(now, *accounts)
    return b, instruments_for(b)


def test_warm_up_a_fresh_session_detects_a_leverage_reset_at_once():
    engine = RiskEngine()
    b, ins = _squeeze_book(0.0, 0.0001)
    assert engine.evaluate(b, ins, 0.0).funding_stress == 0.0
    # Two minutes later every cell pays 0.1 % per 8h (110 % APR): 10 robust scales out.
    b, ins = _squeeze_book(120.0, 0.001)
    a = engine.evaluate(b, ins, 120.0)
    assert a.funding_stress == pytest.approx(100.0)
    assert a.funding_stress > a.funding_stress_threshold
    assert set(a.funding_stress_drivers) <= {f"A{i}" for i in range(8)} and a.funding_stress_drivers
    assert all(c.deviation > 9 for c in a.funding)


@pytest.mark.parametrize("calm_hours, squeeze_hours", [(0, 1), (24, 6)])
def test_a_squeeze_does_not_become_the_baseline(calm_hours, squeeze_hours):
    # Samples enter the history winsorized, so an hour-long squeeze in a fresh session, or six
    # hours after a day of calm, is still stress at its end; calm funding reads calm again after.
    engine = RiskEngine()
    t = 0.0
    for _ in range(calm_hours * 12):
        engine.evaluate(*_squeeze_book(t, 0.0001), t)
        t += 300.0
    for _ in range(squeeze_hours * 12):
        squeezed = engine.evaluate(*_squeeze_book(t, 0.002), t)
        t += 300.0
    assert squeezed.funding_stress > 60
    assert engine.evaluate(*_squeeze_book(t, 0.0001), t).funding_stress < 35
    assert len(squeezed.funding[0].history) == min(funding.HISTORY_SHOWN, (calm_hours + squeeze_hours) * 12)


def test_index_history_is_sampled_and_bounded():
    s = RiskSettings(index_sample_seconds=10.0, index_history_samples=5)
    engine = RiskEngine(s)
    for t in range(0, 100, 5):
        b, ins = _squeeze_book(float(t), 0.0001 if t < 50 else 0.003)
        a = engine.evaluate(b, ins, float(t))
    assert len(a.funding_stress_history) == 5
    assert a.funding_stress_history[-1] == pytest.approx(100.0) and a.funding_stress_history[0] == 100.0


def test_stale_quotes_are_shown_but_do_not_count():
    b = book(0.0, account("bn", "binance", funding=[quote("binance", "BTC", 0.01)],
                          health=__import__("cockpit.model", fromlist=["Health"]).Health.STALE),
             account("hl", "hyperliquid", funding=[quote("hyperliquid", "BTC", 0.0001)]))
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    assert a.cell("BTC", "binance").stale and not a.cell("BTC", "hyperliquid").stale
    assert a.funding_stress == 0.0


def test_without_a_live_quote_the_index_is_unknown_and_its_history_has_a_gap_not_a_zero():
    from cockpit.model import Health

    s = RiskSettings(index_sample_seconds=10.0, index_history_samples=5)
    engine = RiskEngine(s)
    b, ins = _squeeze_book(0.0, 0.003)
    assert engine.evaluate(b, ins, 0.0).funding_stress == pytest.approx(100.0)
    # Every account goes stale: no quote is live, so nothing measures the index.
    stale = book(10.0, *(dataclasses.replace(a, health=Health.STALE) for a in b.accounts))
    dark = engine.evaluate(stale, ins, 10.0)
    assert dark.funding_stress is None
    assert dark.funding_stress_history == (pytest.approx(100.0), None)
    back = engine.evaluate(_squeeze_book(20.0, 0.003)[0], ins, 20.0)
    assert back.funding_stress_history == (pytest.approx(100.0), None, pytest.approx(100.0))
