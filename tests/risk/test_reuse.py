"""What evaluate keeps between calls or works out only when needed: heatmap cells of unchanged
quotes are the same objects, the standing scenarios follow the volatility tracker, and asset marks
are still there for open interest quoted without one."""

from __future__ import annotations

import math

from cockpit.risk import RiskEngine

from .factory import account, book, instruments_for, position, quote


def _account(name: str, venue: str, rate: float):
    return account(name, venue, [position(name, venue, "BTC", "long", 1, 60_000)],
                   funding=[quote(venue, a, rate) for a in ("BTC", "ETH", "SOL")])


def test_cells_of_unchanged_quotes_are_kept_and_the_others_rebuilt():
    engine = RiskEngine()
    bn, hl = _account("bn", "binance", 1e-4), _account("hl", "hyperliquid", 1e-4)
    b = book(0.0, bn, hl)
    first = engine.evaluate(b, instruments_for(b), 0.0)
    again = engine.evaluate(b, instruments_for(b), 1.0)
    assert all(x is y for x, y in zip(first.funding, again.funding))
    hl2 = _account("hl", "hyperliquid", 2e-4)
    b2 = book(2.0, bn, hl2)
    later = engine.evaluate(b2, instruments_for(b2), 2.0)
    kept = {(c.asset, c.venue) for c, old in zip(later.funding, again.funding) if c is old}
    assert kept == {(a, "binance") for a in ("BTC", "ETH", "SOL")}
    assert [c.rate for c in later.funding if c.venue == "hyperliquid"] == [2e-4] * 3


def test_scenarios_kept_between_volatility_samples_are_the_ones_recomputed_each_time():
    cached, fresh = RiskEngine(), RiskEngine()
    for k in range(110):  # every 20 s: three evaluations per volatility sample, 36 samples
        price = 60_000 * (1 + 0.01 * math.sin(k / 3) + 0.002 * (k % 5))
        b = book(20.0 * k, account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, round(price, 2)),
                                                     position("bn", "binance", "ETH", "short", 9, 3_000)],
                                   funding=[quote("binance", "BTC", 1e-4)]))
        fresh._scen_cache = (None, None)  # forget, so this one recomputes them every time
        a, f = cached.evaluate(b, instruments_for(b), 20.0 * k), fresh.evaluate(b, instruments_for(b), 20.0 * k)
        assert a.stress == f.stress
    assert all(e.vol_percentile is not None for e in a.exposures)  # the betas were measured ones


def test_open_interest_without_a_quoted_mark_is_valued_at_the_asset_mark():
    def index(eth_quote_mark, eth_mark):
        quotes = [quote("binance", "BTC", 0.003, oi=50.0, mark=60_000.0),  # a squeeze: deviates
                  quote("binance", "ETH", 1e-4, oi=1_000.0, mark=eth_quote_mark)]
        b = book(0.0, account("bn", "binance", [position("bn", "binance", "ETH", "long", 1, eth_mark)],
                              funding=quotes))
        return RiskEngine().evaluate(b, instruments_for(b), 0.0).funding_stress

    assert index(2_000.0, 2_000.0) == index(None, 2_000.0)  # the position's mark stands in
    assert index(None, 4_000.0) != index(None, 2_000.0)  # and is used
