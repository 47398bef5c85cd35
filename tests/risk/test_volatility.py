"""Volatility: EWMA realized volatility from mark history, and its percentile in its own history."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.risk.volatility import (
    SECONDS_PER_YEAR,
    VolTracker,
    asset_marks,
    ewma,
    percentile_rank,
    trigger_reading,
)


def test_ewma_recovers_a_known_volatility():
    # Returns of 80 % a year sampled each minute: σ per step = 0.8 × sqrt(60 / year).
    rng = np.random.default_rng(5)
    v = VolTracker(60.0, 6 * 3600.0, 500, 30)
    price = np.array([100.0, 50.0])
    step = 0.8 * math.sqrt(60.0 / SECONDS_PER_YEAR)
    for k in range(3000):
        v.sample(60.0 * k, price)
        price = price * np.exp(rng.normal(0, [step, step / 4]))
    assert v.vol[0] == pytest.approx(0.8, rel=0.1)
    assert v.vol[1] == pytest.approx(0.2, rel=0.1)
    vol, pct = v.estimate(3, default=0.7)
    assert vol[2] == 0.7 and np.isnan(pct[2])  # a new asset: the default until measured


def test_ewma_weights_by_elapsed_time():
    # After one half-life the new observation has weight ½.
    assert ewma(np.array([1.0]), np.array([3.0]), np.array([10.0]), 10.0) == pytest.approx([2.0])
    assert ewma(np.array([np.nan]), np.array([3.0]), np.array([10.0]), 10.0) == pytest.approx([3.0])
    assert ewma(np.array([1.0]), np.array([np.nan]), np.array([10.0]), 10.0) == pytest.approx([1.0])


def test_percentile_against_its_own_history_and_warm_up():
    history = np.array([[1.0, 2.0, 3.0, 4.0, np.nan], [1.0, np.nan, np.nan, np.nan, np.nan]])
    pct = percentile_rank(history, np.array([3.0, 1.0]), min_count=3)
    assert pct[0] == pytest.approx(75.0) and np.isnan(pct[1])


def test_a_volatility_spike_ranks_high():
    rng = np.random.default_rng(9)
    v = VolTracker(60.0, 1800.0, 600, 30)
    price = np.array([100.0])
    for k in range(600):
        v.sample(60.0 * k, price)
        sigma = 0.002 if k < 570 else 0.02
        price = price * math.exp(rng.normal(0, sigma))
    assert v.percentile[0] > 95


def test_sampling_is_due_only_after_the_spacing_and_marks_average_live_venues():
    v = VolTracker(60.0, 3600.0, 10, 3)
    assert v.due(0.0)
    v.sample(0.0, np.array([100.0]))
    assert not v.due(59.0) and v.due(60.0)
    marks = asset_marks(np.array([0, 0, 1, 1]), np.array([100.0, 102.0, 5.0, 9.0]),
                        np.array([True, True, True, False]), 3)
    assert marks[:2] == pytest.approx([101.0, 5.0]) and np.isnan(marks[2])


def test_the_engine_reports_each_assets_volatility_once_measured():
    from cockpit.risk import RiskEngine, RiskSettings

    from .factory import account, book, instruments_for, position

    engine = RiskEngine(RiskSettings(vol_min_samples=5))
    rng = np.random.default_rng(2)
    price = 100.0
    for k in range(8):
        b = book(60.0 * k, account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, round(price, 2))]))
        a = engine.evaluate(b, instruments_for(b), 60.0 * k)
        if k == 2:
            assert a.exposures[0].vol is None and a.exposures[0].vol_percentile is None
        price *= math.exp(rng.normal(0, 0.003))
    assert a.exposures[0].vol > 0 and 0 <= a.exposures[0].vol_percentile <= 100


def _engine_day(engine, sigmas, seed=3):
    """Evaluate `engine` on a one-position BTC book whose mark takes one step of each sigma per
    minute; returns the last assessment."""
    from .factory import account, book, instruments_for, position

    rng = np.random.default_rng(seed)
    price = 100.0
    for k, sigma in enumerate(sigmas):
        b = book(60.0 * k, account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, round(price, 6))]))
        a = engine.evaluate(b, instruments_for(b), 60.0 * k)
        price *= math.exp(rng.normal(0, sigma))
    return a


def test_a_volatility_on_thin_history_does_not_trip_the_kill_switch():
    # The calm-market false trip: after a quiet start the EWMA climbs toward its level, so after
    # 30-40 samples the current value is the highest of its short history and read the 100th
    # percentile, which tripped REDUCING. Two hours of history are needed before it counts.
    from cockpit.model import KillStatus
    from cockpit.risk import RiskEngine

    a = _engine_day(RiskEngine(), [0.0005 * (1 + k / 30) for k in range(100)])
    assert a.exposures[0].vol_percentile == 100  # the rank itself is still shown
    levels = {name: value for name, value, _ in a.kill.levels}
    assert levels["vol percentile"] == 0.0
    assert a.kill.status is KillStatus.NORMAL and not a.kill.events


def test_a_calm_days_high_stays_below_the_trigger_but_a_real_spike_trips_it():
    from cockpit.model import KillStatus
    from cockpit.risk import RiskEngine

    calm = [0.0005] * 400
    # Volatility 1.5x its level for two hours: the highest of the day (on this seed, the 100th
    # percentile), yet ordinary in size.
    a = _engine_day(RiskEngine(), calm + [0.00075] * 120, seed=0)
    assert a.exposures[0].vol_percentile >= 95
    assert a.kill.status is KillStatus.NORMAL and not a.kill.events
    # A crash-sized move (10x the calm step for a few minutes) is abnormal in rank and in size.
    a = _engine_day(RiskEngine(), calm + [0.005] * 5)
    assert a.kill.status is KillStatus.REDUCING
    assert a.kill.cause.startswith("vol percentile")


@settings(max_examples=200, deadline=None)
@given(pct=st.floats(0, 100), vol=st.floats(1e-4, 50), median=st.floats(1e-4, 50),
       multiple=st.floats(1, 10))
def test_the_trigger_reads_a_percentile_in_full_only_beyond_the_magnitude_bound(pct, vol, median, multiple):
    reading = float(trigger_reading(np.array([pct]), np.array([vol]), np.array([median]), multiple)[0])
    assert 0 <= reading <= pct
    if vol >= multiple * median:
        assert reading == pct
    else:  # scaled by how far the volatility is from the bound: never at the 95th below 0.95x it
        assert reading == pytest.approx(pct * vol / (multiple * median))
        if vol < 0.95 * multiple * median:
            assert reading < 95


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sigma=st.floats(1e-4, 0.05), n=st.integers(1, 119),
       growth=st.floats(0, 0.2))
def test_no_trigger_reading_before_the_minimum_history(seed, sigma, n, growth):
    rng = np.random.default_rng(seed)
    v = VolTracker(60.0, 3600.0, 1440, 30, trigger_samples=120, trigger_multiple=2.0)
    price = np.array([100.0, 5.0])
    for k in range(n):
        v.sample(60.0 * k, price)
        price = price * np.exp(rng.normal(0, sigma * (1 + growth * k), 2))
    assert np.isnan(v.trigger).all()
