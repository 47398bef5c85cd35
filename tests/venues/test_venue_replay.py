"""Unmodified ccxt, real HTTP to the loopback replay server, through our adapters.

Every expected value below was worked out by hand from the raw reply the server sends (the ccxt
recorded reply or the written one named in each test), not copied from ccxt's parsed output.
"""

from __future__ import annotations

import contextlib
import math
from decimal import Decimal as D

import pytest

from cockpit.model import Layer, MarginMode, OrderStatus, Side
from cockpit.model.errors import VenueError
from cockpit.venues.ccxt_adapter import FUNDING_TTL, ORDERS_TTL
from cockpit.venues.open import open_account
from tests.fixtures.keys import DYDX_ADDRESS, account, put_keys

NOW = 1_722_161_200.0  # the fake clock of these tests (seconds)


async def snap(replay, store, venue, *, options=None, clock=lambda: NOW, **kw):
    """Connect an account on `venue` to the replay server and take one snapshot."""
    put_keys(store, venue, f"{venue}-t")
    venue_ = open_account(account(venue, replay.url, **kw), secrets=store, clock=clock,
                          options=options, rate_limit=False)
    await venue_.connect()
    try:
        return venue_, await venue_.snapshot()
    finally:
        await venue_.close()


def by_symbol(items):
    return {i.symbol: i for i in items}


def close(a, b):
    return a is not None and math.isclose(a, b, rel_tol=1e-12)


async def test_binanceusdm(replay, store):
    """Positions: ccxt's recorded /fapi/v3/positionRisk; account: its recorded /fapi/v3/account;
    funding: written premiumIndex + fundingInfo (ccxt recorded none)."""
    venue, s = await snap(replay, store, "binanceusdm")
    (p,) = s.positions
    assert (p.symbol, p.asset, p.side, p.size) == ("BTC/USDT:USDT", "BTC", Side.LONG, D("0.009"))
    assert p.entry_price == D("67445.9") and p.mark_price == D("67502.68519858")
    assert p.liquidation_price == D("64846.98753790")
    assert p.unrealized_pnl == 0.51106678 and p.margin_mode is MarginMode.CROSS
    assert p.initial_margin == 7.59405208 and p.maintenance_margin == 2.43009666  # raw, not ccxt's
    # v3 has no leverage: notional / initial margin = 0.009 * 67502.68519858 / 7.59405208
    assert p.leverage == 80.0
    c = s.collateral
    assert (c.layer, c.currency) == (Layer.CEX, "USDT")
    assert (c.equity, c.used, c.free, c.withdrawable, c.maintenance) == (
        31.022612, 0.0, 31.022612, 31.022612, 0.0)
    f = by_symbol(s.funding)
    assert f["BTC/USDT:USDT"].rate == 0.0001 and f["BTC/USDT:USDT"].interval_hours == 8.0
    assert close(f["BTC/USDT:USDT"].apr, 0.0001 * 3 * 365)
    # LTC is listed in fundingInfo with 4h; BTC and ETH are not listed, so 8h.
    assert f["LTC/USDT:USDT"].interval_hours == 4.0 and close(f["LTC/USDT:USDT"].apr, 0.657)
    assert f["ETH/USDT:USDT"].rate == -0.000025 and f["ETH/USDT:USDT"].interval_hours == 8.0
    assert f["BTC/USDT:USDT"].next_time == 1722182400.0
    assert f["LTC/USDT:USDT"].mark_price == 72.41 and f["BTC/USDT:USDT"].predicted_rate is None
    (o,) = s.open_orders
    assert (o.client_id, o.symbol, o.side, o.amount, o.filled) == (
        "trim-btc-0001", "BTC/USDT:USDT", Side.SHORT, D("0.004"), D(0))
    assert o.reduce_only and o.status is OrderStatus.OPEN and o.price == D("70000")
    assert o.venue_id == "4011297765" and o.type == "limit"
    assert s.mark("LTC/USDT:USDT") == 72.41 and s.fetched_at == NOW
    inst = venue.instruments()["BTC/USDT:USDT"]
    assert inst.amount_step == D("0.001") and inst.price_step == D("0.1")
    assert inst.min_amount == D("0.001") and inst.contract_size == 1
    # One call per kind of data: funding for all symbols in one request, never one per symbol.
    assert len(replay.sent("/fapi/v1/premiumIndex")) == 1
    assert "symbol" not in replay.sent("/fapi/v1/premiumIndex")[0].query


async def test_binance_intervals_are_re_read(replay, store):
    """fundingInfo is read again after 10 minutes, and a changed interval is taken."""
    t = [NOW]
    put_keys(store, "binanceusdm", "bn")
    venue = open_account(account("binanceusdm", replay.url, name="bn"), secrets=store,
                         clock=lambda: t[0], rate_limit=False)
    await venue.connect()
    try:
        await venue.snapshot()
        await venue.snapshot()
        assert len(replay.sent("/fapi/v1/fundingInfo")) == 1
        from tests.fixtures import replay_routes  # the written reply, changed as the venue would

        info = [{"symbol": "LTCUSDT", "fundingIntervalHours": 1}]
        replay.route("GET", "/fapi/v1/fundingInfo", lambda r: (200, info))
        t[0] += 601
        s = await venue.snapshot()
        assert len(replay.sent("/fapi/v1/fundingInfo")) == 2
        assert by_symbol(s.funding)["LTC/USDT:USDT"].interval_hours == 1.0
        assert replay_routes is not None
    finally:
        await venue.close()


async def test_binance_intervals_are_re_read_after_refresh(replay, store):
    """`refresh()` reads fundingInfo afresh at the next snapshot, within its 10 minutes, and a
    changed interval is taken (the rate's APR is per the symbol's own interval)."""
    put_keys(store, "binanceusdm", "bn")
    venue = open_account(account("binanceusdm", replay.url, name="bn"), secrets=store,
                         clock=lambda: NOW, rate_limit=False)
    await venue.connect()
    try:
        s = await venue.snapshot()
        assert by_symbol(s.funding)["LTC/USDT:USDT"].interval_hours == 4.0
        info = [{"symbol": "LTCUSDT", "fundingIntervalHours": 1}]
        replay.route("GET", "/fapi/v1/fundingInfo", lambda r: (200, info))
        venue.refresh()
        s = await venue.snapshot()
        assert len(replay.sent("/fapi/v1/fundingInfo")) == 2
        ltc = by_symbol(s.funding)["LTC/USDT:USDT"]
        assert ltc.interval_hours == 1.0 and close(ltc.apr, ltc.rate * 24 * 365)
        await venue.snapshot()
        assert len(replay.sent("/fapi/v1/fundingInfo")) == 2  # then kept for its 10 minutes again
    finally:
        await venue.close()

async def test_symbol_filter_limits_funding_not_positions(replay, store):
    """symbols = ["ETH"]: funding for ETH and for the held BTC; the position is always shown."""
    _, s = await snap(replay, store, "binanceusdm", symbols=["ETH"])
    assert {q.symbol for q in s.funding} == {"ETH/USDT:USDT", "BTC/USDT:USDT"}
    assert len(s.positions) == 1


async def test_hyperliquid(replay, store):
    """Positions and account: ccxt's recorded clearinghouseState (SOL and ETH, cross 20x);
    markets and funding: its recorded per-market entries in a metaAndAssetCtxs reply."""
    venue, s = await snap(replay, store, "hyperliquid")
    p = by_symbol(s.positions)
    sol, eth = p["SOL/USDC:USDC"], p["ETH/USDC:USDC"]
    assert (sol.side, sol.size, sol.entry_price) == (Side.LONG, D("3.34"), D("112.0945"))
    assert sol.mark_price == D("138.91")  # positionValue / size = 463.9594 / 3.34
    assert sol.leverage == 20 and sol.margin_mode is MarginMode.CROSS
    assert sol.unrealized_pnl == 89.563507 and sol.initial_margin == 23.19797
    assert sol.liquidation_price is None and sol.maintenance_margin is None  # unknown, not 0
    assert (eth.size, eth.entry_price, eth.mark_price) == (D("3.6"), D("1100.0"), D("3803.9"))
    assert eth.initial_margin == 684.702 and eth.unrealized_pnl == 9734.04
    c = s.collateral
    assert (c.layer, c.currency) == (Layer.HYPERLIQUID, "USDC")
    assert (c.equity, c.used, c.withdrawable, c.maintenance) == (
        19762.483455, 707.89997, 19047.685485, 141.579994)
    assert close(c.free, 19762.483455 - 707.89997)
    f = by_symbol(s.funding)
    assert f["SOL/USDC:USDC"].rate == 0.00004814 and f["SOL/USDC:USDC"].interval_hours == 1.0
    assert close(f["SOL/USDC:USDC"].apr, 0.00004814 * 24 * 365)
    assert f["BTC/USDC:USDC"].mark_price == 67681.0
    nxt = f["BTC/USDC:USDC"].next_time
    assert nxt is not None and nxt % 3600 == 0  # ccxt: the next top of the hour
    (o,) = s.open_orders
    assert (o.symbol, o.side, o.amount, o.price) == ("SOL/USDC:USDC", Side.LONG, D("0.1"), D(60))
    assert o.reduce_only is False  # not reported: not counted as reducing
    assert venue.instruments()["SOL/USDC:USDC"].amount_step == D("0.01")  # szDecimals 2


async def test_hyperliquid_short_with_liquidation(replay, store):
    """ccxt's recorded short SOL position with its liquidation price."""
    replay.hl_state = "short"
    _, s = await snap(replay, store, "hyperliquid")
    sol = by_symbol(s.positions)["SOL/USDC:USDC"]
    assert (sol.side, sol.size, sol.entry_price) == (Side.SHORT, D("0.5"), D("138.76"))
    assert sol.liquidation_price == D("22881.19788911") and sol.unrealized_pnl == 0.4
    assert s.collateral.equity == 11524.216934 and s.collateral.withdrawable == 11292.922399


async def test_hyperliquid_flat_account(replay, store):
    """ccxt's recorded empty perp account: no positions, and the account still maps."""
    replay.hl_state = "empty"
    _, s = await snap(replay, store, "hyperliquid")
    assert s.positions == ()
    assert (s.collateral.equity, s.collateral.used, s.collateral.withdrawable) == (
        20.454862, 0.0, 19.954862)


async def test_dydx(replay, store):
    """ccxt's recorded indexer replies: perpetualPositions, the subaccount, perpetualMarkets
    (funding from its nextFundingRate: dYdX has no funding call) and open orders."""
    venue, s = await snap(replay, store, "dydx")
    (p,) = s.positions
    assert (p.symbol, p.side, p.size) == ("BTC/USDC:USDC", Side.SHORT, D("0.407"))
    assert p.entry_price == D(repr(118692.04840909090909090909))  # ccxt parses it to a float
    assert p.mark_price == D("118700.5426")  # the oracle price in perpetualMarkets
    assert p.unrealized_pnl == -57.26681734
    # per-market fractions (IMF 0.02, MMF 0.012) applied to size x mark
    assert close(p.initial_margin, 0.407 * 118700.5426 * 0.02)
    assert close(p.maintenance_margin, 0.407 * 118700.5426 * 0.012)
    assert p.leverage is None and p.liquidation_price is None  # not reported: unknown
    assert p.margin_mode is MarginMode.CROSS  # subaccount 0
    c = s.collateral
    assert (c.layer, c.currency, c.equity, c.free, c.withdrawable) == (
        Layer.DYDX, "USDC", 161451.040416029, 152508.0, 152508.0)
    assert close(c.used, 161451.040416029 - 152508) and c.maintenance is None
    (f,) = s.funding
    assert f.rate == 0.00016451111111111111 and f.interval_hours == 1.0
    assert f.next_time == (int(NOW // 3600) + 1) * 3600 and f.mark_price == 118700.5426
    (o,) = s.open_orders
    assert (o.client_id, o.amount, o.price, o.side) == ("522832734", D("0.001"), D(400000),
                                                        Side.LONG)
    sent = replay.sent("/v4/perpetualPositions")[0].query
    assert sent["address"] == DYDX_ADDRESS


async def test_bybit(replay, store):
    """ccxt's recorded /v5/position/list (LTC), UNIFIED wallet-balance and linear tickers."""
    venue, s = await snap(replay, store, "bybit")
    (p,) = s.positions
    assert (p.symbol, p.side, p.size, p.entry_price) == (
        "LTC/USDT:USDT", Side.LONG, D("1.2"), D("64.59947917"))
    assert p.mark_price == D("71.1") and p.leverage == 6 and p.unrealized_pnl == 7.800625
    assert p.initial_margin == 12.95542633 and p.maintenance_margin == 0.81072399
    assert p.liquidation_price is None  # liqPrice "" in the reply
    assert p.margin_mode is MarginMode.CROSS  # tradeMode 0
    c = s.collateral
    assert (c.currency, c.equity, c.used, c.free, c.maintenance, c.withdrawable) == (
        "USD", 90042.2788482, 54.3100333, 89987.9688149, 7.38826721, None)
    (f,) = s.funding
    # interval from the instrument's fundingInterval: 480 minutes
    assert (f.symbol, f.rate, f.interval_hours, f.next_time, f.mark_price) == (
        "BTC/USDT:USDT", 0.0001, 8.0, 1730736000.0, 68649.9)
    assert s.open_orders == ()


async def test_okx(replay, store):
    """OKX has no ccxt fixture file here: every reply is written in OKX's documented v5 format
    (tests/fixtures/written/okx.json). Sizes are in contracts: BTC 0.01, ETH 0.1 per contract."""
    venue, s = await snap(replay, store, "okx")
    p = by_symbol(s.positions)
    btc, eth = p["BTC/USDT:USDT"], p["ETH/USDT:USDT"]
    assert (btc.side, btc.size, btc.entry_price, btc.mark_price) == (
        Side.LONG, D("0.1"), D("61500.5"), D("62500"))  # 10 contracts x 0.01
    assert (btc.liquidation_price, btc.leverage, btc.initial_margin, btc.maintenance_margin) == (
        D("55102.3"), 10, 625.0, 25.0)
    assert btc.unrealized_pnl == 99.95 and btc.margin_mode is MarginMode.CROSS
    assert (eth.side, eth.size, eth.entry_price, eth.mark_price) == (
        Side.SHORT, D("3.0"), D("3400"), D("3300"))  # -30 contracts x 0.1, net mode
    assert eth.margin_mode is MarginMode.ISOLATED and eth.liquidation_price == D("4620.5")
    assert eth.initial_margin == 1980.0 and eth.maintenance_margin == 49.5
    c = s.collateral
    assert (c.equity, c.used, c.free, c.maintenance, c.withdrawable) == (
        25000.5, 2605.0, 22395.5, 74.5, None)
    f = by_symbol(s.funding)
    assert (f["BTC/USDT:USDT"].interval_hours, f["BTC/USDT:USDT"].predicted_rate) == (8.0, None)
    assert f["ETH/USDT:USDT"].interval_hours == 4.0  # nextFundingTime - fundingTime
    assert f["ETH/USDT:USDT"].predicted_rate == -0.00004
    assert close(f["ETH/USDT:USDT"].apr, -0.00005 * 6 * 365)
    assert f["BTC/USDT:USDT"].next_time == 1719820800.0
    inst = venue.instruments()["BTC/USDT:USDT"]
    assert (inst.contract_size, inst.amount_step) == (D("0.01"), D("0.0001"))
    assert replay.sent("/api/v5/public/funding-rate")[0].query == {"instId": "ANY"}


async def test_paradex(replay, store):
    """ccxt's recorded /v1/positions (SOL) and markets/summary (BTC); SOL market, SOL summary and
    /v1/account are written in Paradex's documented format (ccxt recorded none)."""
    options = {"authToken": "token", "expires": 10**14}  # the recorded JWT; no auth round-trip
    venue, s = await snap(replay, store, "paradex", options=options)
    (p,) = s.positions
    assert (p.symbol, p.side, p.size, p.entry_price) == (
        "SOL/USD:USDC", Side.LONG, D("3"), D("183.06499451"))
    assert p.mark_price == D("182.11666")  # mark_price of SOL-USD-PERP in markets/summary
    assert p.unrealized_pnl == -2.84428356
    assert p.liquidation_price is None and p.leverage is None  # "" and absent: unknown
    assert p.initial_margin is None and p.maintenance_margin is None
    c = s.collateral
    assert (c.layer, c.equity, c.used, c.free, c.maintenance, c.withdrawable) == (
        Layer.STARKNET, 75.69971644, 54.63, 21.06971644, 27.32, None)
    f = by_symbol(s.funding)
    assert f["BTC/USD:USDC"].rate == 0.00749938923192 and f["BTC/USD:USDC"].interval_hours == 8
    assert f["SOL/USD:USDC"].rate == 0.00002
    assert replay.sent("/v1/markets/summary")[0].query == {"market": "ALL"}


FUNDING_PATHS = {"binanceusdm": "/fapi/v1/premiumIndex", "bybit": "/v5/market/tickers",
                 "okx": "/api/v5/public/funding-rate", "hyperliquid": "/info", "dydx": "/v4/perpetualMarkets"}
# Read with every poll: the venue's clock is in it (Binance, OKX), its market orders are priced
# from its marks (Hyperliquid), or the held position's reply has no mark of its own (dYdX).
EVERY_POLL = {"binanceusdm", "okx", "hyperliquid", "dydx"}


def _funding_calls(replay, venue: str, before: int) -> int:
    return len([r for r in replay.sent(FUNDING_PATHS[venue])[before:]
                if venue != "hyperliquid" or (r.json() or {}).get("type") == "metaAndAssetCtxs"])


@pytest.mark.parametrize("venue", sorted(FUNDING_PATHS))
async def test_one_funding_call_per_poll(replay, store, venue):
    """One funding request per poll at most, however many symbols there are; once a minute
    where that reply is neither the venue's clock nor a held position's mark (Bybit here), and
    afresh after `refresh()` or once `FUNDING_TTL` has passed."""
    now = [1_700_000_000.0]
    put_keys(store, venue, "acc")
    v = open_account(account(venue, replay.url, name="acc"), secrets=store, rate_limit=False,
                     clock=lambda: now[0])
    await v.connect()
    before = len(replay.sent(FUNDING_PATHS[venue]))
    try:
        first = await v.snapshot()
        now[0] += 2.0
        second = await v.snapshot()
        assert _funding_calls(replay, venue, before) == (2 if venue in EVERY_POLL else 1)
        assert second.funding == first.funding and second.marks == first.marks
        v.refresh()
        await v.snapshot()
        assert _funding_calls(replay, venue, before) == (3 if venue in EVERY_POLL else 2)
        now[0] += FUNDING_TTL
        await v.snapshot()
        assert _funding_calls(replay, venue, before) == (4 if venue in EVERY_POLL else 3)
    finally:
        await v.close()


@pytest.mark.parametrize("venue", ["bybit", "okx"])
async def test_open_orders_read_when_they_may_have_changed(open_venue, replay, venue):
    """With no order resting, open orders are read every `ORDERS_TTL` seconds, at the next poll
    after an order or cancel of ours (whatever came of it), and after `refresh()`."""
    path = {"bybit": "/v5/order/realtime", "okx": "/api/v5/trade/orders-pending"}[venue]
    now = [1_700_000_000.0]
    v = await open_venue(venue, clock=lambda: now[0])
    before = len(replay.sent(path))
    assert not (await v.snapshot()).open_orders
    now[0] += 2.0
    await v.snapshot()
    assert len(replay.sent(path)) - before == 1
    with contextlib.suppress(VenueError):  # no such order: asked all the same
        await v.cancel_order("cockpit-none", "BTC/USDT:USDT")
    await v.snapshot()
    assert len(replay.sent(path)) - before == 2
    now[0] += ORDERS_TTL
    await v.snapshot()
    assert len(replay.sent(path)) - before == 3
    v.refresh()
    await v.snapshot()
    assert len(replay.sent(path)) - before == 4


async def test_a_held_positions_mark_is_its_own_fresh_one_while_the_funding_reply_is_kept(replay, store):
    """Bybit's funding reply is read once a minute; meanwhile a held position's mark in the
    snapshot is the one its position reply gives now, not the last snapshot's (nor the kept
    reply's): the volatility feed and the unwind's prices read these marks."""
    import copy

    from tests.fixtures.replay_routes import recorded

    mark = ["71.1"]

    def positions(_request):
        body = copy.deepcopy(recorded("bybit", "fetchPositions"))
        for row in body["result"]["list"]:
            row["markPrice"] = mark[0]
        return 200, {**body, "time": replay.now_ms()}

    replay.route("GET", "/v5/position/list", positions)
    now = [1_700_000_000.0]
    put_keys(store, "bybit", "acc")
    v = open_account(account("bybit", replay.url, name="acc"), secrets=store, rate_limit=False,
                     clock=lambda: now[0])
    await v.connect()
    try:
        first = dict((await v.snapshot()).marks)
        mark[0], now[0] = "75.3", now[0] + 2.0
        second = await v.snapshot()
        symbol = second.positions[0].symbol
        assert first[symbol] == 71.1
        assert dict(second.marks)[symbol] == 75.3 and float(second.positions[0].mark_price) == 75.3
    finally:
        await v.close()
