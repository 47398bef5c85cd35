"""A book's depth within a slippage bound (the unwind run slices its steps by it): the model's
arithmetic, Binance USDⓈ-M's ``GET /fapi/v1/depth`` through real ccxt against the loopback replay
server (reply in Binance's documented format: ``{"lastUpdateId", "E", "T", "bids": [[price, qty]],
"asks": [...]}``, strings), a malformed book, and the simulator."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.model import Instrument, MalformedReply, Side
from cockpit.sim import build_demo
from cockpit.venues.open import open_account
from tests.fixtures.keys import account, put_keys


def test_depth_counts_levels_within_the_bound_only_in_usd_of_the_order_unit():
    linear = Instrument(venue="v", symbol="BTC/USDT:USDT", asset="BTC")
    levels = [(Decimal("100"), Decimal("2")), (Decimal("99.5"), Decimal("3")), (Decimal("98"), Decimal("50"))]
    assert linear.depth_within(levels, 100.0, 0.01) == pytest.approx(2 * 100 + 3 * 99.5)
    assert linear.depth_within([], 100.0, 0.01) == 0.0
    inverse = Instrument(venue="v", symbol="BTC/USD:BTC", asset="BTC", inverse=True, contract_size=Decimal("100"))
    assert inverse.depth_within(levels, 100.0, 0.01) == pytest.approx((2 + 3) * 100)  # contracts of $100


@pytest.fixture
async def binance(replay, store):
    put_keys(store, "binanceusdm", "tr")
    venue = open_account(account("binanceusdm", replay.url, name="tr"), secrets=store, rate_limit=False)
    await venue.connect()
    yield venue
    await venue.close()


async def test_binance_depth_takes_the_side_the_order_consumes(binance, replay):
    replay.route("GET", "/fapi/v1/depth", lambda r: (200, {
        "lastUpdateId": 1, "E": 1780000000000, "T": 1780000000000,
        "bids": [["60000.0", "1.5"], ["59800.0", "2.0"], ["58000.0", "9.0"]],
        "asks": [["60010.0", "0.5"], ["60500.0", "4.0"]]}))
    sell = await binance.depth("BTC/USDT:USDT", Side.SHORT, 0.005, 60000.0)
    assert sell == pytest.approx(1.5 * 60000 + 2.0 * 59800)  # the bids within 0.5%
    buy = await binance.depth("BTC/USDT:USDT", Side.LONG, 0.005, 60000.0)
    assert buy == pytest.approx(0.5 * 60010)
    (sent, *_) = replay.sent("/fapi/v1/depth")
    assert sent.params["symbol"] == "BTCUSDT"


async def test_a_book_without_bids_is_an_error_never_zero_depth(binance, replay):
    replay.route("GET", "/fapi/v1/depth", lambda r: (200, {"lastUpdateId": 1, "asks": [["1", "1"]]}))
    with pytest.raises(MalformedReply):
        await binance.depth("BTC/USDT:USDT", Side.SHORT, 0.005, 60000.0)


async def test_the_simulators_depth_grows_with_the_bound():
    session = build_demo(seed=7, clock=lambda: 1_780_000_000.0)
    venue = session.venues[0]
    await venue.connect()
    snap = await venue.snapshot()
    p = snap.positions[0]
    mark = float(p.mark_price)
    narrow = await venue.depth(p.symbol, p.side.opposite, 0.001, mark)
    wide = await venue.depth(p.symbol, p.side.opposite, 0.01, mark)
    assert 0 < narrow < wide
