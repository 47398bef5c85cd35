"""The carry scanner: net APR of a long-venue / short-venue pair after fees and slippage, worked by
hand; capacity, break-even, interval mismatch, stability, held pairs and the both-legs warning."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import DepthSource, FundingCell, Side
from cockpit.risk import RiskEngine, carry
from cockpit.risk.orders import impact

from .factory import account, book, instruments_for, position, quote

A_RATE, B_RATE = 0.0001, -0.00005  # venue A: +0.01% per 8h (longs pay); venue B: −0.005% per 1h (shorts pay)


def cell(venue: str, rate: float, interval: float | None, *, asset="BTC", held=None, history=(), stale=False,
         next_time=None) -> FundingCell:
    """A funding cell of ASSET on `venue`, its APR from rate and interval as `FundingQuote.apr`."""
    apr = math.nan if interval is None else rate * (24 / interval) * 365
    return FundingCell(asset, venue, f"{asset}/USDT:USDT", apr, rate, interval, next_time=next_time, held=held,
                       history=tuple(history), stale=stale)


def test_net_apr_at_100k_worked_by_hand():
    """Venue A pays +0.01% per 8h (longs pay shorts), venue B −0.005% per 1h (shorts pay longs);
    5 bps taker on every leg, each way; $100k per leg; a 30-day hold; the cost model's slippage.

        APR A = 0.0001 × 3 × 365 = 0.1095           APR B = −0.00005 × 24 × 365 = −0.438
        best pair: long B (earns 0.438), short A (earns 0.1095): gross = 0.1095 − (−0.438) = 0.5475
        fees = 2 legs × 2 ways × 0.0005 = 0.002
        slippage per leg per way = 0.001 × √(100,000 / 1,000,000) = 0.000316228; × 4 = 0.001264911
        costs = 0.003264911; over 30 days they are 0.003264911 × 365 / 30 = 0.039723085 a year
        net = 0.5475 − 0.039723085 = 0.507776915  (50.78 %)
        break-even = 0.003264911 / (0.5475 / 365) = 2.1766 days
        capacity (net = 0): √N = (0.5475 × 30/365 − 0.002) / (2 × 2 × 0.001/√1e6) = 0.043 / 4e-6 = 10,750
                            N = 115,562,500
        capacity (net = half): √N = (0.0225 − 0.002) / 4e-6 = 5,125 → N = 26,265,625
        timing: the intervals differ (8h vs 1h); one payment of the 8h leg is 0.0001 of notional ($10)
    """
    s = carry.scan([cell("A", A_RATE, 8), cell("B", B_RATE, 1)], [0.0005, 0.0005], 100_000.0, 30.0)
    assert s.depth is DepthSource.MODEL and s.size == 100_000.0 and s.horizon_days == 30.0
    (p,) = s.pairs
    assert (p.long_venue, p.short_venue) == ("B", "A")
    assert p.gross_apr == pytest.approx(0.5475)
    assert p.fees == pytest.approx(0.002)
    assert p.slippage == pytest.approx(0.001264911064)
    assert p.net_apr == pytest.approx(0.507776915388)
    assert p.breakeven_days == pytest.approx(2.176607376)
    assert p.capacity_zero == pytest.approx(115_562_500)
    assert p.capacity_half == pytest.approx(26_265_625)
    assert p.mismatch and p.timing == pytest.approx(0.0001)
    assert (p.long_interval, p.short_interval) == (1, 8)
    assert not p.held and not p.pays_both


def test_the_scanner_uses_the_cost_model_of_the_trims():
    """Slippage per leg per way is exactly `cockpit.risk.orders.impact` at the size."""
    s = carry.scan([cell("A", A_RATE, 8), cell("B", B_RATE, 1)], [0.0, 0.0], 250_000.0, 30.0)
    assert s.pairs[0].slippage == pytest.approx(4 * impact(250_000.0))


def test_without_slippage_net_is_gross_less_fees_and_capacity_is_unbounded():
    """Venue depth given as no impact at all (k = 0): net = 0.5475 − 0.002 × 365/30 = 0.523166667."""
    s = carry.scan([cell("A", A_RATE, 8), cell("B", B_RATE, 1)], [0.0005, 0.0005], 100_000.0, 30.0, k=[0.0, 0.0])
    (p,) = s.pairs
    assert s.depth is DepthSource.VENUE
    assert p.net_apr == pytest.approx(0.5475 - 0.002 * 365 / 30)
    assert p.capacity_zero == math.inf and p.capacity_half == math.inf


def test_fees_that_exceed_the_carry_leave_no_capacity_and_no_break_even_when_gross_is_negative():
    """Equal rates: gross 0, so the best pair never breaks even and has no capacity."""
    s = carry.scan([cell("A", A_RATE, 8), cell("B", A_RATE, 8)], [0.0005, 0.0005], 100_000.0, 30.0)
    (p,) = s.pairs
    assert p.gross_apr == pytest.approx(0.0) and p.breakeven_days is None
    assert p.capacity_zero == 0.0 and p.capacity_half == 0.0 and p.net_apr < 0
    assert not p.mismatch and p.timing == 0.0


def test_a_held_pair_that_pays_on_both_legs_is_listed_first_as_a_warning():
    """Long A (+0.01%/8h: the long pays) and short B (−0.005%/1h: the short pays): both legs pay.
    It comes first, marked held; the best pair (long B, short A) follows."""
    cells = [cell("A", A_RATE, 8, held=Side.LONG), cell("B", B_RATE, 1, held=Side.SHORT)]
    s = carry.scan(cells, [0.0005, 0.0005], 100_000.0, 30.0)
    first, best = s.pairs
    assert (first.long_venue, first.short_venue) == ("A", "B") and first.held and first.pays_both
    assert first.gross_apr == pytest.approx(-0.5475)
    assert (best.long_venue, best.short_venue) == ("B", "A") and not best.held


def test_a_held_pair_that_is_the_best_is_listed_once_and_marked():
    cells = [cell("A", A_RATE, 8, held=Side.SHORT), cell("B", B_RATE, 1, held=Side.LONG)]
    (p,) = carry.scan(cells, [0.0005, 0.0005], 100_000.0, 30.0).pairs
    assert p.held and not p.pays_both and (p.long_venue, p.short_venue) == ("B", "A")


def test_best_pair_per_asset_ranked_by_net_apr_and_stale_or_unknown_quotes_make_no_best_pair():
    cells = [
        cell("A", 0.0001, 8, asset="ETH"), cell("B", -0.0001, 8, asset="ETH"),  # gross 21.9 %
        cell("A", 0.0003, 8), cell("B", -0.0003, 8), cell("C", -0.0009, 8, stale=True),  # BTC: 65.7 %; C stale
        cell("A", 0.01, None, asset="SOL"), cell("B", 0.0, 8, asset="SOL"),  # SOL on A: interval unknown
    ]
    s = carry.scan(cells, [0.0005] * len(cells), 100_000.0, 30.0)
    assert [(p.asset, p.long_venue, p.short_venue) for p in s.pairs] == [("BTC", "B", "A"), ("ETH", "B", "A")]
    assert s.pairs[0].net_apr > s.pairs[1].net_apr


def test_spread_stability_from_the_cells_histories_aligned_at_the_newest_sample():
    """Long B's history is one sample longer; aligned at the newest, the spread short − long is
    0.1 − (−0.4) = 0.5, 0.1 − (−0.5) = 0.6, 0.1 − 0.2 = −0.1: positive 2 of 3, median 0.5, min −0.1."""
    cells = [cell("A", A_RATE, 8, history=[0.1, 0.1, 0.1]), cell("B", B_RATE, 1, history=[9.0, -0.4, -0.5, 0.2])]
    (p,) = carry.scan(cells, [0.0005, 0.0005], 100_000.0, 30.0).pairs
    assert p.samples == 3
    assert p.positive_share == pytest.approx(2 / 3)
    assert p.spread_median == pytest.approx(0.5) and p.spread_min == pytest.approx(-0.1)


def test_without_history_stability_is_unknown_not_stable():
    (p,) = carry.scan([cell("A", A_RATE, 8, history=[0.1]), cell("B", B_RATE, 1)], [0.0, 0.0], 1e5, 30.0).pairs
    assert p.samples == 0 and p.positive_share is None and p.spread_median is None


def test_one_venue_makes_no_pair():
    assert carry.scan([cell("A", A_RATE, 8)], [0.0005], 1e5, 30.0).pairs == ()
    assert carry.scan([], [], 1e5, 30.0).pairs == ()


aprs = st.floats(-5, 5, allow_nan=False)
fee = st.floats(0, 0.01, allow_nan=False)
sizes = st.floats(1_000, 1e9, allow_nan=False)
horizon = st.floats(1, 3650, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(aprs, fee), min_size=2, max_size=5), sizes, horizon)
def test_net_apr_never_exceeds_gross(legs, size, days):
    cells = [cell(f"V{i}", apr / (3 * 365), 8) for i, (apr, _) in enumerate(legs)]
    for p in carry.scan(cells, [f for _, f in legs], size, days).pairs:
        assert p.net_apr <= p.gross_apr
        assert p.fees >= 0 and p.slippage >= 0
        # The scan's vectorised figures are the one-pair definitions.
        want = carry.breakeven_days(p.gross_apr, p.fees + p.slippage)
        assert (p.breakeven_days is None) == (want is None)
        assert want is None or p.breakeven_days == pytest.approx(want)
        assert p.capacity_half == pytest.approx(carry.capacity(p.gross_apr, p.fees, 2 * carry.MODEL_K, days, 0.5))


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 5, allow_nan=False), fee, fee, horizon, st.sampled_from([1.0, 0.5]))
def test_capacity_is_monotone_in_fees(gross, f1, f2, days, q):
    lo, hi = sorted((f1, f2))
    k = 2 * carry.MODEL_K
    assert carry.capacity(gross, 4 * lo, k, days, q) >= carry.capacity(gross, 4 * hi, k, days, q)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.01, 5, allow_nan=False), st.floats(0, 0.002, allow_nan=False), horizon)
def test_at_its_capacity_the_net_apr_is_zero_or_half(gross, fees, days):
    k = 2 * carry.MODEL_K
    for q, left in ((1.0, 0.0), (0.5, 0.5)):
        n = carry.capacity(gross, fees, k, days, q)
        if n > 0:
            assert carry.net_apr(gross, fees, k, n, days) == pytest.approx(gross * left, abs=1e-9)


# -- in the evaluation -------------------------------------------------------------------------


def _book():
    return book(0.0,
                account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, 50_000)],
                        funding=[quote("binance", "BTC", A_RATE, 8)]),
                account("hl", "hyperliquid", [position("hl", "hyperliquid", "BTC", "short", 1, 50_000)],
                        funding=[quote("hyperliquid", "BTC", B_RATE, 1)]))


def test_the_evaluation_carries_the_scan_at_the_engine_size_with_the_instruments_fees():
    """Long binance (pays +0.01%/8h) and short hyperliquid (pays −0.005%/1h): both legs pay, and
    with 2 bps fees the best pair (the other way round) nets 0.5475 − (4 × 0.0002 + 4 × impact) × 365/30."""
    b = _book()
    engine = RiskEngine()
    a = engine.evaluate(b, instruments_for(b, fee=0.0002), 0.0)
    warn, best = a.carry.pairs
    assert warn.pays_both and (warn.long_venue, warn.short_venue) == ("binance", "hyperliquid")
    assert best.fees == pytest.approx(0.0008)
    assert best.net_apr == pytest.approx(0.5475 - (0.0008 + 4 * impact(100_000.0)) * 365 / 30)
    engine.set_carry_size(1_000_000.0)
    a = engine.evaluate(b, instruments_for(b, fee=0.0002), 1.0)
    assert a.carry.size == 1_000_000.0
    assert a.carry.pairs[1].slippage == pytest.approx(4 * impact(1_000_000.0))


def test_the_scan_is_kept_until_its_inputs_change_or_it_is_due():
    b = _book()
    ins = instruments_for(b)
    engine = RiskEngine()
    first = engine.evaluate(b, ins, 0.0).carry
    assert engine.evaluate(b, ins, 1.0).carry is first  # nothing it depends on changed
    assert engine.evaluate(b, ins, 11.0).carry is not first  # due again
    engine.set_carry_size(50_000.0)
    assert engine.evaluate(b, ins, 12.0).carry.size == 50_000.0  # a new size: at once


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.floats(-3, 3, allow_nan=False), max_size=6), min_size=2, max_size=6))
def test_the_vectorised_stability_is_spread_stats_pair_by_pair(histories):
    cells = [cell(f"V{i}", 0.0001 * i, 8, history=h) for i, h in enumerate(histories)]
    s = carry.scan(cells, [0.0] * len(cells), 1e5, 30.0)
    for p in s.pairs:
        lo = next(c for c in cells if c.venue == p.long_venue)
        sh = next(c for c in cells if c.venue == p.short_venue)
        n, share, median, low = carry.spread_stats(lo.history, sh.history)
        assert p.samples == n
        for got, want in ((p.positive_share, share), (p.spread_median, median), (p.spread_min, low)):
            assert (got is None) == (want is None) and (want is None or got == pytest.approx(want))


def test_in_the_evaluation_stability_is_over_the_stress_index_samples_at_common_times():
    """Three funding samples 5 minutes apart (the default spacing). Binance turns from +0.01% to
    −0.02% per 8h at the third sample (−21.9% APR), hyperliquid stays at −0.000625% per 1h
    (−5.475%): the best pair is now long binance, short hyperliquid, whose spread (short − long)
    was −16.4% twice before it turned positive: positive in 1 of 3 samples. The scan says the
    spacing, so the screen can say "of the last 15m"."""
    engine = RiskEngine()
    for k, rate in enumerate((A_RATE, A_RATE, -0.0002)):
        b = book(k * 300.0,
                 account("bn", "binance", funding=[quote("binance", "BTC", rate, 8)]),
                 account("hl", "hyperliquid", funding=[quote("hyperliquid", "BTC", B_RATE / 8, 1)]))
        a = engine.evaluate(b, instruments_for(b), k * 300.0)
    s = a.carry
    assert s.sample_seconds == 300.0
    (best,) = s.pairs
    assert (best.long_venue, best.short_venue) == ("binance", "hyperliquid")
    assert best.samples == 3 and best.positive_share == pytest.approx(1 / 3)
    assert best.spread_min == pytest.approx(-0.05475 - 0.1095)
