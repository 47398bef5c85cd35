"""OKX checked against ccxt's recorded OKX replies (tests/fixtures/ccxt/okx.json), and order acks
that carry ids only (OKX's recorded one, Bybit's written in its documented format).

Expected values are worked out by hand from the raw replies, not copied from ccxt's parse.
"""

from __future__ import annotations

import math
from decimal import Decimal as D

import pytest

from cockpit.engine.bookstate import BookState
from cockpit.engine.executor import ExecutionError, Executor
from cockpit.engine.journal import Journal
from cockpit.model import Intent, IntentSource, MarginMode, OrderRequest, OrderStatus, Side
from cockpit.model.errors import MalformedReply
from cockpit.risk.evaluate import RiskEngine
from tests.fixtures.replay_server import load, recorded

NOW = 1_722_161_200.0
POSITIONS = "/api/v5/account/positions"


@pytest.fixture
def okx(open_venue):
    """A connected OKX trading account on the replay server (call it to get it)."""
    return lambda venue="okx": open_venue(venue, clock=lambda: NOW)


def serve(replay, path, body):
    replay.route("GET", path, lambda r: (200, body))


def close(a, b):
    return a is not None and math.isclose(a, b, rel_tol=1e-9)


async def test_inverse_position_is_sized_in_coin_and_valued_in_usd(okx, replay):
    """ccxt's "Inverse swap cross" case: 1 BTC-USD-SWAP contract = $100 (ctVal 100 USD), mark
    92057.4. It holds 100 / 92057.4 BTC worth $100, not 100 BTC worth $9.2M; its margins and
    PnL are counted in BTC by the venue, shown in USD at mark."""
    serve(replay, POSITIONS, recorded("okx", "fetchPosition", 1))
    v = await okx()
    (p,) = (await v.snapshot()).positions
    mark = 92057.4
    assert (p.symbol, p.asset, p.side, p.margin_mode) == (
        "BTC/USD:BTC", "BTC", Side.LONG, MarginMode.CROSS)
    assert p.size == D("0.00108627877824") and p.mark_price == D("92057.4")  # 100 / 92057.4
    assert math.isclose(p.notional, 100.0, rel_tol=1e-11)
    assert p.entry_price == D("91957.1") and p.leverage == 20
    assert close(p.unrealized_pnl, 0.0000011848325084 * mark)
    assert close(p.initial_margin, 0.000054313938912 * mark)  # imr
    assert close(p.maintenance_margin, 0.000004345115113 * mark)  # mmr
    assert p.liquidation_price == D("89.11497615226264")  # the venue's, as sent


async def test_inverse_isolated_position(okx, replay):
    """ccxt's "Inverse swap isolated" case: imr is empty, the isolated margin is `margin`."""
    serve(replay, POSITIONS, recorded("okx", "fetchPosition", 2))
    v = await okx()
    (p,) = (await v.snapshot()).positions
    mark = 92376.7
    assert p.margin_mode is MarginMode.ISOLATED and p.size == D("0.00108252405639")
    assert close(p.initial_margin, 0.0003611412062116 * mark)
    assert close(p.maintenance_margin, 0.0000043300962256 * mark)
    assert p.leverage == 3 and p.liquidation_price == D("69536.6125000014")
    assert p.contracts == 1 and p.order_size == 1  # its orders are counted in contracts


def _inverse(replay, index, pos, pos_side):
    """ccxt's recorded inverse position `index`, holding `pos` contracts in `pos_side` mode."""
    reply = recorded("okx", "fetchPosition", index)
    reply["data"][0].update(pos=pos, availPos=pos, posSide=pos_side)
    serve(replay, POSITIONS, reply)


async def _trim(v, tmp_path, fraction):
    """The executor's plan and preview of a hotkey trim of the inverse BTC position."""
    state = BookState([v.info])
    state.update(await v.snapshot())
    book = state.freeze(NOW)
    executor = Executor({"acc": v}, Journal(tmp_path / "j.sqlite"), clock=lambda: NOW)
    executor.reconciled.add("acc")
    intent = Intent(id="t1", account="acc", symbol="BTC/USD:BTC", source=IntentSource.HOTKEY,
                    reason="test", fraction=fraction)
    return executor, intent, book


@pytest.mark.parametrize("index,pos_side,td_mode", [(1, "net", "cross"),
                                                    (2, "long", "isolated")])
async def test_inverse_trim_is_sent_in_whole_contracts(okx, replay, tmp_path, index, pos_side,
                                                       td_mode):
    """A 25 % trim of 10 BTC-USD-SWAP contracts ($1,000) is 2 contracts (2.5 rounded down, never
    more than held), sent as sz=2 with the position's tdMode; reduceOnly in net mode, posSide in
    long/short mode (which takes no reduceOnly). Its preview is in contracts, worth $200."""
    _inverse(replay, index, "10", pos_side)
    v = await okx()
    executor, intent, book = await _trim(v, tmp_path, 0.25)
    preview = executor.preview(intent, book)
    assert (preview.size, preview.cut, preview.after, preview.unit) == (
        D(10), D(2), D(8), "contracts")
    assert close(preview.notional, 200.0)
    try:
        await executor.submit(intent, book)
    finally:  # what was sent is checked even if reading the ack fails
        (sent,) = replay.sent("/api/v5/trade/batch-orders")[0].json()
        assert (sent["instId"], sent["side"], sent["sz"], sent["tdMode"]) == (
            "BTC-USD-SWAP", "sell", "2", td_mode)
        if pos_side == "net":
            assert sent["reduceOnly"] is True and "posSide" not in sent
        else:
            assert sent["posSide"] == "long" and "reduceOnly" not in sent


async def test_inverse_one_contract_trim_is_refused_locally(okx, replay, tmp_path):
    """25 % of 1 contract is below the venue's minimum of 1 contract: refused, nothing sent."""
    _inverse(replay, 1, "1", "net")
    v = await okx()
    executor, intent, book = await _trim(v, tmp_path, 0.25)
    before = len(replay.requests)
    with pytest.raises(ExecutionError, match="below the venue minimum of 1"):
        await executor.submit(intent, book)
    assert len(replay.requests) == before


async def test_inverse_position_drives_risk_at_its_usd_value(okx, replay):
    """Through the risk engine: the inverse position's notional and funding per day are those
    of $100, and the BTC@okx heatmap cell shows the USDT-margined swap, not the inverse one
    whose symbol sorts first."""
    serve(replay, POSITIONS, recorded("okx", "fetchPosition", 1))
    rates = load("written", "okx")["fundingRates"]
    inverse = {**rates["data"][0], "instId": "BTC-USD-SWAP", "fundingRate": "0.0003"}
    replay.route("GET", "/api/v5/public/funding-rate", lambda r: (200, {
        **rates, "data": [inverse, *rates["data"]]}))
    v = await okx()
    s = await v.snapshot()
    assert [q.symbol for q in s.funding if q.asset == "BTC"] == ["BTC/USDT:USDT", "BTC/USD:BTC"]
    state = BookState([v.info])
    state.update(s)
    book = state.freeze(NOW)
    instruments = {"acc": {**v.instruments()}}
    a = RiskEngine().evaluate(book, instruments, NOW)
    (row,) = a.positions
    assert close(row.notional, 100.0)
    # its own symbol's funding: 0.0003 per 8h, a long pays it on $100
    assert close(row.funding_per_day, -0.0003 * 3 * 100.0)
    cell = next(c for c in a.funding if c.asset == "BTC" and c.venue == "okx")
    assert (cell.symbol, cell.rate) == ("BTC/USDT:USDT", 0.0001)


async def test_hedged_position_is_closed_with_its_pos_side(okx, replay):
    """ccxt's "fetch position" case: LTC-USDT-SWAP long in long/short mode (posSide long),
    cross. A reduce-only sell must say posSide=long and tdMode=cross; that mode takes no
    reduceOnly (ccxt drops it)."""
    serve(replay, POSITIONS, recorded("okx", "fetchPosition", 0))
    v = await okx()
    (p,) = (await v.snapshot()).positions
    assert (p.symbol, p.side, p.size) == ("LTC/USDT:USDT", Side.LONG, D(2))
    try:
        await v.place_order(OrderRequest(client_id="trim1", account="acc",
                                         symbol="LTC/USDT:USDT", side=Side.SHORT, amount=D(1)))
    finally:  # what was sent is checked even if reading the ack fails
        (sent,) = replay.sent("/api/v5/trade/batch-orders")[0].json()  # ccxt: a batch of one
        assert (sent["side"], sent.get("posSide"), sent["tdMode"], sent["sz"]) == (
            "sell", "long", "cross", "1")
        assert "reduceOnly" not in sent and sent["clOrdId"] == "trim1"


async def test_isolated_position_is_closed_isolated(okx, replay):
    """The written ETH short is isolated, in net mode: tdMode=isolated, reduceOnly, no posSide."""
    v = await okx()
    await v.snapshot()
    try:
        await v.place_order(OrderRequest(client_id="trim2", account="acc",
                                         symbol="ETH/USDT:USDT", side=Side.LONG, amount=D("0.1")))
    finally:  # what was sent is checked even if reading the ack fails
        (sent,) = replay.sent("/api/v5/trade/batch-orders")[0].json()  # ccxt: a batch of one
        assert (sent["side"], sent["tdMode"], sent["reduceOnly"], sent["sz"]) == (
            "buy", "isolated", True, "1")
        assert "posSide" not in sent


async def test_free_is_the_venues_available_equity(okx, replay):
    """ccxt's recorded swap balance: free is its account-level availEq, not adjEq - imr."""
    reply = recorded("okx", "fetchBalance")
    serve(replay, "/api/v5/account/balance", reply)
    acc = reply["data"][0]
    v = await okx()
    c = (await v.snapshot()).collateral
    assert c.free == float(acc["availEq"]) == 151083.76008402856
    assert c.free != float(acc["adjEq"]) - float(acc["imr"])
    assert (c.equity, c.used) == (float(acc["adjEq"]), float(acc["imr"]))


async def test_missing_next_funding_time_is_an_unknown_interval(okx, replay):
    """OKX's interval is nextFundingTime - fundingTime; without nextFundingTime it is unknown:
    the BTC quote is kept with no interval and no APR (never a guessed 8h), its cell shows, and
    the stress index and the position's funding are over what is known."""
    rates = load("written", "okx")["fundingRates"]
    btc = {**rates["data"][0], "nextFundingTime": ""}
    eth = {**rates["data"][1], "fundingRate": "0.003"}  # per 4h: a squeeze, 657 % APR
    replay.route("GET", "/api/v5/public/funding-rate", lambda r: (200, {
        **rates, "data": [btc, eth]}))
    v = await okx()
    s = await v.snapshot()
    assert [(q.symbol, q.interval_hours, q.apr) for q in s.funding] == [
        ("BTC/USDT:USDT", None, None), ("ETH/USDT:USDT", 4.0, 0.003 * 6 * 365)]
    state = BookState([v.info])
    state.update(s)
    book = state.freeze(NOW)
    a = RiskEngine().evaluate(book, {"acc": {**v.instruments()}}, NOW)
    cell = next(c for c in a.funding if (c.asset, c.venue) == ("BTC", "okx"))
    assert cell.interval_hours is None and math.isnan(cell.apr) and cell.rate == 0.0001
    eth = next(c for c in a.funding if (c.asset, c.venue) == ("ETH", "okx"))
    assert eth.interval_hours == 4.0 and not math.isnan(eth.apr)
    # The index reads the ETH cell alone, fully stressed: 100, not diluted by the BTC cell.
    assert a.funding_stress == 100.0
    # The BTC position's funding is unknown (not 8h-annualised, not 0); ETH's is known.
    by_asset = {p.asset: p for p in a.positions}
    assert (by_asset["BTC"].funding_apr, by_asset["BTC"].funding_per_day) == (None, None)
    assert by_asset["ETH"].funding_apr == 0.003 * 6 * 365


async def test_unknown_instrument_is_refused_then_markets_are_re_read(okx, replay):
    """A position in a market listed after connect: no "FOO-USDT-SWAP" row with a guessed size;
    the snapshot is refused and the market list read again, then the position shows."""
    w = load("written", "okx")
    foo = {**w["positions"]["data"][0], "instId": "FOO-USDT-SWAP", "pos": "3"}
    serve(replay, POSITIONS, {**w["positions"], "data": [foo]})
    v = await okx()
    with pytest.raises(MalformedReply, match="FOO-USDT-SWAP"):
        await v.snapshot()
    listed = {**w["instruments"]["data"][0], "instId": "FOO-USDT-SWAP", "ctVal": "10",
              "ctValCcy": "FOO", "uly": "FOO-USDT", "instFamily": "FOO-USDT"}
    instruments = {**w["instruments"], "data": [*w["instruments"]["data"], listed]}
    replay.route("GET", "/api/v5/public/instruments", lambda r: (200, instruments))
    (p,) = (await v.snapshot()).positions
    assert (p.symbol, p.asset, p.size) == ("FOO/USDT:USDT", "FOO", D(30))  # 3 x 10


@pytest.mark.parametrize("venue,path", [("okx", "/api/v5/trade/batch-orders"),
                                        ("bybit", "/v5/order/create")])
async def test_ack_without_amount_takes_the_requested_size(okx, replay, venue, path):
    """OKX's recorded ack and Bybit's documented one hold ids only: the order is the one
    requested (OPEN, its size), not MalformedReply, and no look-up is needed."""
    v = await okx(venue)
    await v.snapshot()
    symbol, amount = {"okx": ("BTC/USDT:USDT", D("0.1")),
                      "bybit": ("LTC/USDT:USDT", D("0.1"))}[venue]
    before = len(replay.requests)
    order = await v.place_order(OrderRequest(client_id="ack1", account="acc", symbol=symbol,
                                             side=Side.SHORT, amount=amount))
    assert (order.client_id, order.symbol, order.side, order.amount, order.filled) == (
        "ack1", symbol, Side.SHORT, amount, D(0))
    assert order.status is OrderStatus.OPEN and order.venue_id
    assert [r.path for r in replay.requests[before:]] == [path]  # no look-up
