"""A trim's new liquidation price (`cockpit.risk.trim`, `liquidation.*_after_cut`).

Reducing a position never brings its liquidation nearer the mark when the cut pays at most the
maintenance it frees: isolated (its margin is released in proportion), cross with a price of its
own (this price moves, the others hold), and cross at account level when the account's positions
are all on one side. Cutting a leg that hedges the others can bring it nearer: the result says so.
A full close has no liquidation price.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import LiqKind, PositionKey
from cockpit.risk import liquidation
from cockpit.risk.trim import trim_liquidation
from tests.risk.factory import account, book, instruments_for, position

ASSETS = ("BTC", "ETH", "SOL", "ARB")


def _trim(b, key, fraction, cost=0.0):
    return trim_liquidation(b, instruments_for(b), key, fraction, cost)


def _key(asset, name="a"):
    return PositionKey(name, f"{asset}/USDT:USDT")


def _not_nearer(before, after, mark):
    """`after` is no nearer the mark than `before` (None: out of reach, or none)."""
    if before is None:
        return after is None
    return after is None or abs(after - mark) >= abs(before - mark) * (1 - 1e-9)


# -- cross, account level ----------------------------------------------------------------------


def test_one_long_by_hand():
    """E 10,000; LONG 500 @ 100 (50,000) with maintenance 500: the account dies at a uniform
    move x = (E − M)/(M − N). A 25% cut at a cost of 30 takes 12,500 of notional and 125 of
    maintenance off, and 30 off the equity."""
    b = book(0.0, account("a", "binance", [position("a", "binance", "BTC", "long", 500, 100, mm=500.0)],
                          equity=10_000.0))
    r = _trim(b, _key("BTC"), 0.25, cost=30.0)
    x = (10_000 - 500) / (500 - 50_000)
    x2 = (10_000 - 30 - 375) / (375 - 37_500)
    assert r.kind is LiqKind.ACCOUNT and r.cross and r.mark == 100.0
    assert math.isclose(r.before, 100 * (1 + x)) and math.isclose(r.after, 100 * (1 + x2))
    assert r.after < r.before and not r.closer  # a long's liquidation moves down: farther
    assert _trim(b, _key("BTC"), 1.0).after is None  # closed: none


@st.composite
def one_sided(draw):
    """A cross account whose positions are all long (or all short), not yet liquidated, a
    position of it, a fraction to cut and a cost at most the maintenance that frees."""
    side = draw(st.sampled_from(["long", "short"]))
    n = draw(st.integers(1, 4))
    rows = []
    for asset in ASSETS[:n]:
        mark = draw(st.floats(0.01, 100_000))
        size = round(draw(st.floats(1_000, 1_000_000)) / mark, 6) or 1.0
        rate = draw(st.floats(0.002, 0.1))
        rows.append((asset, size, mark, rate * size * mark, rate))
    maint = sum(r[3] for r in rows)
    gross = sum(r[1] * r[2] for r in rows)
    equity = draw(st.floats(maint * 1.001, max(maint * 1.002, gross * 2)))
    i = draw(st.integers(0, n - 1))
    fraction = draw(st.floats(0.01, 0.99))
    cost = fraction * rows[i][3] * draw(st.floats(0.0, 1.0))
    positions = [position("a", "binance", a, side, s, m, mm=mm) for a, s, m, mm, _ in rows]
    return book(0.0, account("a", "binance", positions, equity=equity)), _key(rows[i][0]), fraction, cost


@settings(max_examples=150, deadline=None)
@given(one_sided())
def test_cutting_a_one_sided_cross_account_never_brings_liquidation_nearer(case):
    b, key, fraction, cost = case
    r = _trim(b, key, fraction, cost)
    assert r.kind is LiqKind.ACCOUNT
    assert _not_nearer(r.before, r.after, r.mark) and not r.closer
    assert _trim(b, key, 1.0, cost).after is None


def test_cutting_a_hedge_leg_brings_account_liquidation_nearer_and_says_so():
    """LONG 100k BTC, SHORT 90k ETH, equity 5,000: the account is net long 10k and dies on a
    fall of 38%. Cutting half the short leaves it net long 55k: a fall of 6.6% now."""
    b = book(0.0, account("a", "binance", [
        position("a", "binance", "BTC", "long", 2, 50_000, mm=1_000.0),
        position("a", "binance", "ETH", "short", 30, 3_000, mm=900.0)], equity=5_000.0))
    r = _trim(b, _key("ETH"), 0.5)
    x = (5_000 - 1_900) / (1_900 - 10_000)
    x2 = (5_000 - 1_450) / (1_450 - 55_000)
    assert math.isclose(r.before, 3_000 * (1 + x)) and math.isclose(r.after, 3_000 * (1 + x2))
    assert r.closer
    # a tenth of the leg it leans on makes it flat: only a rise of 178% reaches it then
    lean = _trim(b, _key("BTC"), 0.1)
    assert math.isclose(lean.after, 50_000 * (1 + (5_000 - 1_800) / 1_800)) and not lean.closer
    # but half of it leaves it net short 40k: a rise of 8.7% now
    assert _trim(b, _key("BTC"), 0.5).closer


# -- cross, its own price ------------------------------------------------------------------------


def test_own_cross_price_by_hand():
    """Mark 100, liquidation 80 (long), slack 9,500: half cut, freeing 250 of maintenance at a
    cost of 25, doubles the size's share of the slack: 20 × 2 × (9,500 + 250 − 25)/9,500."""
    b = book(0.0, account("a", "binance", [position("a", "binance", "BTC", "long", 500, 100, liq=80, mm=500.0)],
                          equity=10_000.0))
    r = _trim(b, _key("BTC"), 0.5, cost=25.0)
    assert r.kind is LiqKind.POSITION and r.before == 80.0
    assert math.isclose(r.after, 100 - 20 * 2 * (9_750 - 25) / 9_500)
    assert _trim(b, _key("BTC"), 1.0).after is None


@settings(max_examples=300, deadline=None)
@given(mark=st.floats(0.01, 100_000), gap=st.floats(0.0, 0.99), long=st.booleans(), fraction=st.floats(0.0, 0.99),
       slack=st.one_of(st.floats(1e-6, 1e9), st.just(math.nan), st.floats(-1e6, 0.0)),
       freed=st.floats(0.0, 1e6), share=st.floats(0.0, 1.0))
def test_own_cross_price_never_nearer_when_the_cost_is_at_most_what_it_frees(mark, gap, long, fraction, slack,
                                                                            freed, share):
    liq = mark * (1 - gap) if long else mark * (1 + gap)
    after = liquidation.own_price_after_cut(mark, liq, fraction, slack, freed, freed * share)
    if math.isnan(after):
        assert long  # only a long's price can fall out of reach (below zero)
        return
    assert abs(after - mark) >= abs(liq - mark) * (1 - 1e-9)
    assert (after <= mark) == long or after == mark


# -- isolated ------------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(long=st.booleans(), gap=st.floats(0.01, 0.9), fraction=st.floats(0.01, 0.99), cost=st.floats(0, 1e4))
def test_an_isolated_price_stays_where_it_is_until_a_full_close(long, gap, fraction, cost):
    """Its margin is released in proportion to the cut: margin per unit, and the price, hold."""
    liq = 100 * (1 - gap) if long else 100 * (1 + gap)
    b = book(0.0, account("a", "bybit", [position("a", "bybit", "SOL", "long" if long else "short", 100, 100, liq=liq,
                                                  mm=50.0, isolated=True)]))
    r = _trim(b, _key("SOL"), fraction, cost)
    assert (r.kind, r.cross, r.before, r.after, r.closer) == (LiqKind.POSITION, False, liq, liq, False)
    assert _trim(b, _key("SOL"), 1.0, cost).after is None


def test_unknown_maintenance_or_mark_is_unknown_not_zero():
    b = book(0.0, account("a", "binance", [position("a", "binance", "BTC", "long", 1, None, entry=100)]))
    r = _trim(b, _key("BTC"), 0.25)
    assert (r.kind, r.before, r.after, r.closer) == (LiqKind.UNKNOWN, None, None, False)
    assert _trim(b, _key("ETH"), 0.25).kind is LiqKind.UNKNOWN  # no such position
