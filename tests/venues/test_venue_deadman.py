"""Dead-man's switches through real ccxt against the loopback replay server, and the paper venue.

The replies are written in each venue's documented format (ccxt recorded none):
Binance USDⓈ-M ``POST /fapi/v1/countdownCancelAll`` echoes ``{"symbol", "countdownTime"}``
(developers.binance.com, "Auto-Cancel All Open Orders"); OKX ``POST /api/v5/trade/cancel-all-after``
answers ``{"code": "0", "data": [{"triggerTime", "tag", "ts"}]}`` (okx.com docs-v5, "Cancel All
After"); Hyperliquid's ``scheduleCancel`` action answers ``{"status": "ok", "response": {"type":
"default"}}``, or ``{"status": "err", "response": "..."}`` (its error text is the one ccxt quotes).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from cockpit.model import DeadMan, NotSupported, OrderRequest, OrderStatus, Rejected, Side, VenueError


@pytest.fixture
def trader(open_venue):
    """A trading account on a venue (call it with the venue id), connected unless `connect=False`."""
    return lambda venue, readonly=False, connect=True: open_venue(venue, name="tr", readonly=readonly,
                                                                  connect=connect, snapshot=connect)


async def test_binance_arms_one_countdown_per_symbol_with_resting_orders(trader, replay):
    replay.route("POST", "/fapi/v1/countdownCancelAll", lambda r: (200, {
        "symbol": r.params["symbol"], "countdownTime": r.params["countdownTime"]}))
    venue = await trader("binanceusdm")  # its open orders (written fixture) rest on BTCUSDT
    armed = await venue.arm_dead_man(60)
    (sent,) = replay.sent("/fapi/v1/countdownCancelAll")
    assert (sent.params["symbol"], sent.params["countdownTime"]) == ("BTCUSDT", "60000")
    assert armed.supported and armed.armed_until is not None
    assert "cancels orders, not positions" in armed.note and "BTC/USDT:USDT" in armed.note
    # An order that rests on another symbol is covered at once, not at the next refresh.
    order = await venue.place_order(OrderRequest("ladder-1", "tr", "ETH/USDT:USDT", Side.SHORT,
                                                 Decimal("0.01"), reduce_only=True, type="limit",
                                                 price=Decimal("9000")))
    assert order.status is OrderStatus.OPEN
    sent = replay.sent("/fapi/v1/countdownCancelAll")
    assert [(s.params["symbol"], s.params["countdownTime"]) for s in sent] == [
        ("BTCUSDT", "60000"), ("ETHUSDT", "60000")]
    await venue.disarm_dead_man()
    last = {s.params["symbol"]: s.params["countdownTime"] for s in replay.sent("/fapi/v1/countdownCancelAll")[2:]}
    assert last == {"BTCUSDT": "0", "ETHUSDT": "0"}  # every symbol it was armed for


async def test_okx_cancel_all_after_in_seconds_with_the_venues_trigger_time(trader, replay):
    def reply(r):
        timeout = int((r.json() or {})["timeOut"])
        return 200, {"code": "0", "msg": "", "data": [
            {"triggerTime": str(1_780_000_000_000 + timeout * 1000) if timeout else "0",
             "tag": "", "ts": "1780000000000"}]}

    replay.route("POST", "/api/v5/trade/cancel-all-after", reply)
    venue = await trader("okx")
    armed = await venue.arm_dead_man(60)
    (sent,) = replay.sent("/api/v5/trade/cancel-all-after")
    assert sent.json() == {"timeOut": 60}
    assert armed.armed_until == 1_780_000_060.0  # the venue's own deadline
    assert "all of the account's orders" in armed.note
    await venue.disarm_dead_man()
    assert replay.sent("/api/v5/trade/cancel-all-after")[-1].json() == {"timeOut": 0}
    with pytest.raises(Rejected, match="10..120"):
        await venue.arm_dead_man(200)  # OKX takes 10..120 s
    assert len(replay.sent("/api/v5/trade/cancel-all-after")) == 2


async def test_hyperliquid_schedule_cancel_and_clear(trader, replay):
    actions = []

    def exchange(r):
        body = r.json()
        actions.append((body["action"], body["nonce"]))
        return 200, {"status": "ok", "response": {"type": "default"}}

    replay.route("POST", "/exchange", exchange)
    venue = await trader("hyperliquid")
    armed = await venue.arm_dead_man(60)
    (action, nonce), = actions
    assert action == {"type": "scheduleCancel", "time": nonce + 60_000}  # the signed action
    assert armed.supported and "not positions" in armed.note
    assert armed.daily_limit == 10  # it may fire 10 times a day: the engine counts them
    await venue.disarm_dead_man()
    assert actions[-1][0] == {"type": "scheduleCancel"}  # no time: clears it (not "cancel now")
    assert actions[-1][1] > nonce


async def test_hyperliquid_refusal_is_an_error_not_an_armed_switch(trader, replay):
    replay.route("POST", "/exchange", lambda r: (200, {"status": "err", "response": (
        "Cannot set scheduled cancel time until enough volume traded. Required: $1000000. "
        "Traded: $373.47205.")}))
    venue = await trader("hyperliquid")
    with pytest.raises(VenueError, match="enough volume"):
        await venue.arm_dead_man(60)


@pytest.mark.parametrize(("venue", "why"), [
    ("bybit", "WebSocket"), ("dydx", "20 blocks"), ("paradex", "cancel_on_disconnect"),
    ("bitget", "read-only"),
])
async def test_venues_without_one_say_so(trader, replay, venue, why):
    v = await trader(venue, connect=False)
    answer = await v.arm_dead_man(60)
    assert answer.supported is False and answer.armed_until is None and why in answer.note
    await v.disarm_dead_man()  # nothing to turn off: no error, no request
    assert replay.requests == []


async def test_a_read_only_account_arms_nothing(trader, replay):
    venue = await trader("okx", readonly=True)
    with pytest.raises(NotSupported, match="read-only"):
        await venue.arm_dead_man(60)
    assert replay.sent("/api/v5/trade/cancel-all-after") == []


def test_the_paper_venue_forwards_it():
    from tests.venues.test_venue_paper import Served
    from cockpit.venues.paper import open_paper

    served = Served()
    try:
        async def go():
            session = open_paper(served.path)
            venue = next(v for v in session.venues if v.info.name == "binance")
            armed = await venue.arm_dead_man(30)
            held = dict(served.session.world.dead_men)
            await venue.disarm_dead_man()
            await venue.close()
            return armed, held, dict(served.session.world.dead_men)

        armed, held, after = asyncio.run(go())
    finally:
        served.close()
    assert isinstance(armed, DeadMan) and armed.supported
    assert set(held) == {"binance"} and after == {}
