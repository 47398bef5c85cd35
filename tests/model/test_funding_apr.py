"""One APR formula (`cockpit.model.funding.annualized`) serves every place that annualises a
funding rate: the quote's and the sample's `apr`, risk's quote columns, the simulator's rates and
the carry scanner's rate per interval. Each must give, to the bit, what its own copy of the
formula gave before it was replaced (the copies are kept here as the reference)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import FundingQuote
from cockpit.model.funding import FundingSample, annualized, per_interval
from cockpit.present import carry as pc
from cockpit.risk.table import _apr
from cockpit.sim.funding import FundingModel

RATES = st.floats(min_value=-0.05, max_value=0.05, allow_nan=False, allow_subnormal=False)
HOURS = st.one_of(st.sampled_from([1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0, 0.5]),
                  st.floats(min_value=1 / 60, max_value=48.0, allow_nan=False))


def _quote_before(rate: float, hours: float | None) -> float | None:
    """`FundingQuote.apr` as it was written in model/market.py."""
    if hours is None:
        return None
    return rate * (24.0 / hours) * 365.0


def _sample_before(rate: float, hours: float | None) -> float:
    """`FundingSample.apr` as it was written in model/funding.py."""
    if hours is None or hours <= 0:
        return float("nan")
    return rate * (24.0 / hours) * 365.0


def _same(a, b) -> bool:
    """Equal to the bit, NaN equal to NaN, None to None."""
    if a is None or b is None:
        return a is b
    return a == b or (math.isnan(a) and math.isnan(b))


@settings(max_examples=300, deadline=None)
@given(RATES, st.one_of(st.none(), HOURS))
def test_quote_and_sample_apr_are_the_formula_they_replaced(rate, hours):
    quote = FundingQuote("binance", "BTC/USDT:USDT", "BTC", rate, hours)
    assert _same(quote.apr, _quote_before(rate, hours))
    assert _same(FundingSample(0.0, rate, hours).apr, _sample_before(rate, hours))
    if hours is not None:
        assert annualized(rate, hours) == rate * (24.0 / hours) * 365.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(RATES, st.one_of(st.none(), HOURS)), min_size=1, max_size=12))
def test_risk_quote_columns_are_the_formula_they_replaced(pairs):
    rates = tuple(r for r, _ in pairs)
    hours = tuple(h for _, h in pairs)
    got = _apr(rates, hours)
    # risk/table.py's own vectorised copy: rate array × (24 / interval array) × 365.
    before = np.asarray(rates, float) * (24.0 / np.asarray(hours, float)) * 365.0
    assert np.array_equal(got, before, equal_nan=True)
    assert not got.flags.writeable
    for value, (r, h) in zip(got, pairs):  # and each equals its quote's own property
        assert _same(float(value), float("nan") if h is None else FundingQuote("v", "s", "a", r, h).apr)


def test_risk_quote_columns_raise_on_an_interval_of_zero_as_the_property_does():
    with pytest.raises(ZeroDivisionError):
        _apr((0.0001,), (0.0,))
    with pytest.raises(ZeroDivisionError):
        _ = FundingQuote("v", "s", "a", 0.0001, 0.0).apr


@settings(max_examples=100, deadline=None)
@given(st.lists(RATES, min_size=6, max_size=6), st.lists(HOURS, min_size=6, max_size=6))
def test_sim_apr_is_the_formula_it_replaced(rates, hours):
    r, h = np.array(rates).reshape(2, 3), np.array(hours).reshape(2, 3)
    model = SimpleNamespace(rates=lambda: r, interval=h)
    got = FundingModel.apr(model)
    assert np.array_equal(got, r * (24.0 / h) * 365.0)  # sim/funding.py's copy


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-50.0, max_value=50.0, allow_nan=False), HOURS)
def test_carry_rate_per_interval_is_the_formula_it_replaced(apr, hours):
    assert per_interval(apr, hours) == apr * hours / 24.0 / 365.0  # present/carry.py's copy
    text = pc._leg("long", "okx", apr, hours)
    assert f"({pc.fmt.rate(apr * hours / 24.0 / 365.0)}/" in text


@settings(max_examples=300, deadline=None)
@given(RATES, HOURS)
def test_per_interval_undoes_annualized(rate, hours):
    assert per_interval(annualized(rate, hours), hours) == pytest.approx(rate, rel=1e-12, abs=1e-18)
