"""Prices and funding: correlation, clustering, crashes, calm funding, leverage resets, intervals."""

from __future__ import annotations

import numpy as np
import pytest

from cockpit.sim import build_world, load_scenario
from cockpit.sim.funding import INTEREST
from cockpit.sim.scenario import parse_scenario

QUIET = parse_scenario('description = "no drift"\n[settings]\nregime_switching = false', "quiet")


def _record(world, seconds: int, every: int) -> np.ndarray:
    rows = []
    for _ in range(seconds // every):
        world.advance(every)
        rows.append(world.prices.index.copy())
    return np.log(np.array(rows))


@pytest.fixture(scope="module")
def minute_returns() -> np.ndarray:
    """One-minute log returns of 12 assets over six quiet hours (computed once per module)."""
    world = build_world(21, QUIET, assets=12)
    return np.diff(_record(world, 6 * 3600, 60), axis=0)


def test_cross_asset_returns_are_correlated_within_band(minute_returns):
    corr = np.corrcoef(minute_returns.T)
    pairs = corr[np.triu_indices_from(corr, k=1)]
    assert 0.35 <= pairs.mean() <= 0.75
    assert pairs.min() > 0.0  # one market: nothing moves against it on average
    # BTC and ETH move together more than BTC and a meme coin.
    assert corr[0, 1] > corr[0, 10]


def test_annualized_volatility_is_realistic(minute_returns):
    vol = minute_returns.std(axis=0) * np.sqrt(365 * 24 * 60)
    assert 0.3 < vol[0] < 0.8  # BTC about 50%
    assert vol[10] > vol[0]  # WIF wilder than BTC


def test_volatility_clusters_after_a_crash():
    world = build_world(5, load_scenario("flash-crash"), assets=12)
    calm = np.diff(_record(world, 110, 1), axis=0)[:, 0].std()
    world.advance(400)  # the crash is under way: panic volatility
    wild = np.diff(_record(world, 300, 1), axis=0)[:, 0].std()
    assert wild > 2 * calm


def test_flash_crash_drops_the_market_and_gives_part_back():
    world = build_world(5, load_scenario("flash-crash"), assets=12)
    start = world.prices.index.copy()
    world.advance(120 + 180)
    bottom = world.prices.index / start - 1
    assert np.median(bottom) < -0.12
    assert (bottom < -0.05).all()
    world.advance(40 * 60)
    after = world.prices.index / start - 1
    assert np.median(bottom) < np.median(after) < -0.03


def test_mark_and_index_have_a_small_basis_between_venues():
    world = build_world(5, QUIET, assets=12)
    world.advance(600)
    btc = [world.mark(v, 0) for v in range(len(world.venues))]
    spread = (max(btc) - min(btc)) / world.prices.index[0]
    assert 0 < spread < 0.002
    index = [world.index_prices(v)[0] for v in range(len(world.venues))]
    assert len(set(index)) == len(index)  # each venue's own index basket
    assert (max(index) - min(index)) / world.prices.index[0] < 0.002
    # The mark's premium over the venue's index is the funding premium.
    basis = world.marks(0) / world.index_prices(0) - 1
    assert np.allclose(basis, world.funding.premium[0])
    # PEPE is quoted per 1000 tokens on Binance, as 1000PEPE.
    assert world.marks(0)[11] == pytest.approx(1000 * world.prices.index[11], rel=0.01)


def test_mean_funding_in_the_calm_regime_is_within_its_band():
    world = build_world(9, QUIET, assets=12)
    samples = []
    for _ in range(24):
        world.advance(300)
        rate8 = world.funding.rates() * 8.0 / world.funding.interval
        samples.append(rate8[world.listed])
    mean = float(np.mean(samples))
    # About +0.01% per 8h (11% APR): the interest component dominates a calm market.
    assert 0.5 * INTEREST <= mean <= 2.0 * INTEREST
    assert float(np.median(samples)) == pytest.approx(INTEREST, rel=0.05)
    assert (world.funding.regime == 0).all()


def test_a_leverage_reset_raises_funding_on_most_assets_at_once():
    world = build_world(3, "funding-squeeze", assets=16)
    world.advance(290)
    before = world.funding.apr()[world.listed]
    assert np.median(np.abs(before)) < 0.5
    world.advance(15 * 60)
    after = world.funding.apr()[world.listed]
    assert np.mean(after > 1.0) >= 0.7  # most cells above 100% APR within 15 minutes
    assert np.median(after) > 2.0  # hundreds of % APR
    # Every venue sees it at once: the reset is cross-market, not pairwise.
    for v in range(len(world.venues)):
        row = world.funding.apr()[v][world.listed[v]]
        assert np.mean(row > 1.0) >= 0.6


def test_funding_normalises_within_the_hour_after_the_reset():
    world = build_world(3, "funding-squeeze", assets=12)
    world.advance(70 * 60)
    apr = world.funding.apr()[world.listed]
    assert np.median(np.abs(apr)) < 0.3


def test_intervals_shorten_under_an_extreme_premium_and_come_back():
    world = build_world(3, QUIET, assets=12)
    pepe = 11
    mask = np.zeros(12, dtype=bool)
    mask[pepe] = True
    binance = 0
    assert world.funding.interval[binance, pepe] == 8.0
    world.funding.set_regime("euphoric", mask, 3.0)
    world.advance(40 * 60)
    changes = [e for e in world.log.since(0) if e.kind == "interval" and "1000PEPE" in e.text]
    assert any("8h -> 4h" in e.text for e in changes)
    assert any("4h -> 1h" in e.text for e in changes)
    assert world.funding.interval[binance, pepe] == 1.0
    # The next payment was brought forward to the new interval's boundary.
    assert world.funding.next_time[binance, pepe] - world.t <= 3600
    # Hyperliquid's 1h interval never changes: it has a one-rung ladder.
    assert world.funding.interval[3, pepe] == 1.0
    world.funding.set_regime("calm", mask)
    world.advance(3 * 3600)
    assert world.funding.interval[binance, pepe] == 8.0


def test_quotes_carry_next_payment_and_prediction():
    world = build_world(3, QUIET, assets=12)
    world.advance(30)
    nxt = world.funding.next_time
    assert (nxt > world.t).all()
    assert set(np.unique(nxt - world.start)) <= {3600.0, 4 * 3600.0, 8 * 3600.0}
    assert np.isfinite(world.funding.predicted()).all()


HOT = parse_scenario('description = "euphoric"\n[settings]\nregime_switching = false\n'
                     '[[event]]\nat = 0\nkind = "funding_regime"\nregime = "euphoric"', "hot")


def test_funding_is_paid_on_open_positions_at_each_payment():
    world = build_world(3, HOT, assets=12)
    acc = world.account("hyperliquid")  # 1h interval: a payment at 01:00
    world.advance(3599)
    arr = world.ledger.rebuild()
    marks = world.position_marks(arr)
    mine = arr.account == acc.index
    rates = world.funding.rates()[arr.venue, arr.asset]
    expected = float(-(arr.size * marks * rates)[mine].sum())
    wallet = world.ledger.wallet[acc.index]
    world.advance(1)
    paid = world.ledger.wallet[acc.index] - wallet
    assert paid == pytest.approx(expected, rel=0.02)
    assert abs(paid) > 10  # at euphoric rates the ETH long pays real money
    line = [e for e in world.log.since(0) if e.kind == "funding" and e.account == "hyperliquid"]
    assert line and line[-1].time == world.t
    assert all(p.funding != 0 for p in acc.positions.values())
