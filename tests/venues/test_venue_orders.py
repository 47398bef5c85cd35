"""Reduce-only orders with deterministic client ids, lookup and cancel, through real ccxt.

Binance's order replies are written in its documented format (ccxt recorded none for USDⓈ-M);
Hyperliquid's order ack is ccxt's recorded one, its order status the recorded shape.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cockpit.model import OrderRequest, OrderStatus, Side
from cockpit.model.errors import NotSupported, Rejected, UnknownOutcome
from cockpit.venues.mapping import venue_client_id
from cockpit.venues.open import open_account
from tests.fixtures.keys import account, put_keys


@pytest.fixture
def trader(open_venue):
    """A connected trading account on a venue (call it with the venue id)."""
    return lambda venue, readonly=False, **kw: open_venue(venue, name="tr", readonly=readonly, snapshot=True, **kw)


def trim(symbol, amount, cid="trim-0001", side=Side.SHORT):
    return OrderRequest(client_id=cid, account="tr", symbol=symbol, side=side, amount=D(amount))


async def test_binance_reduce_only_with_client_id(trader, replay):
    venue = await trader("binanceusdm")
    order = await venue.place_order(trim("BTC/USDT:USDT", "0.004"))
    (sent,) = replay.sent("/fapi/v1/order")
    params = sent.params
    assert params["newClientOrderId"] == "trim-0001" and params["reduceOnly"] == "true"
    assert (params["side"], params["type"], params["quantity"]) == ("SELL", "MARKET", "0.004")
    assert (order.client_id, order.amount, order.side, order.reduce_only) == (
        "trim-0001", D("0.004"), Side.SHORT, True)
    found = await venue.fetch_order("trim-0001", "BTC/USDT:USDT")
    assert found is not None and found.venue_id == order.venue_id
    assert replay.sent("/fapi/v1/order")[-1].params["origClientOrderId"] == "trim-0001"
    assert await venue.fetch_order("never-sent", "BTC/USDT:USDT") is None
    await venue.cancel_order("trim-0001", "BTC/USDT:USDT")
    assert (await venue.fetch_order("trim-0001", "BTC/USDT:USDT")).status is OrderStatus.CANCELED


async def test_duplicate_id_adopts_the_first_order(trader, replay):
    """-4116: the same client id already landed; the adapter returns that order, no new one."""
    venue = await trader("binanceusdm")
    first = await venue.place_order(trim("BTC/USDT:USDT", "0.004"))
    again = await venue.place_order(trim("BTC/USDT:USDT", "0.004"))
    assert again.venue_id == first.venue_id
    assert len(replay.orders["binanceusdm"]) == 1


async def test_long_client_ids_are_hashed_deterministically(trader, replay):
    venue = await trader("binanceusdm")
    cid = "unwind-plan-42-step-7-attempt-1-with-a-long-suffix"
    vcid = venue_client_id("ascii36", cid)
    assert len(vcid) == 36 and vcid == venue_client_id("ascii36", cid)
    await venue.place_order(trim("BTC/USDT:USDT", "0.002", cid=cid))
    assert replay.sent("/fapi/v1/order")[0].params["newClientOrderId"] == vcid
    found = await venue.fetch_order(cid, "BTC/USDT:USDT")
    assert found is not None and found.client_id == cid


async def test_amounts_are_exact(trader, replay):
    """A size off the venue's step is refused before anything is sent, never rounded."""
    venue = await trader("binanceusdm")
    with pytest.raises(Rejected, match="multiple"):
        await venue.place_order(trim("BTC/USDT:USDT", "0.0045"))
    assert replay.sent("/fapi/v1/order") == []


async def test_readonly_account_sends_nothing(trader, replay):
    venue = await trader("binanceusdm", readonly=True)
    with pytest.raises(NotSupported, match="read-only"):
        await venue.place_order(trim("BTC/USDT:USDT", "0.004"))
    with pytest.raises(NotSupported):
        await venue.cancel_order("x", "BTC/USDT:USDT")
    assert replay.sent("/fapi/v1/order") == []


async def test_venue_rejection_is_rejected(trader, replay):
    venue = await trader("binanceusdm")
    replay.fault("/fapi/v1/order", status=400,
                 body='{"code": -2022, "msg": "ReduceOnly Order is rejected."}')
    with pytest.raises(Rejected) as info:
        await venue.place_order(trim("BTC/USDT:USDT", "0.004"))
    assert info.value.code == "-2022" and "ReduceOnly" in str(info.value)


@pytest.mark.parametrize("fault", [
    {"status": 503, "body": "<html>Service Unavailable</html>"},
    {"status": 502, "body": ""},
    {"status": 429, "body": '{"code": -1003, "msg": "Too many requests."}',
     "headers": {"Retry-After": "3"}},
    {"status": 200, "body": '{"orderId": 1, "clientOrderId": "tri'},
    {"status": 200, "delay": 1.5},
])
async def test_open_outcomes_are_unknown(trader, replay, fault):
    """Timeout, 5xx, 429 and an unreadable ack: the order may have landed -> UnknownOutcome."""
    venue = await trader("binanceusdm", timeout=0.5)
    replay.fault("/fapi/v1/order", **fault)
    with pytest.raises(UnknownOutcome) as info:
        await venue.place_order(trim("BTC/USDT:USDT", "0.004"))
    assert info.value.client_id == "trim-0001" and "look it up" in str(info.value)


async def test_hyperliquid_order_has_no_builder_fee(trader, replay):
    """No approveBuilderFee, no setReferrer, no builder field: only our order action is signed."""
    venue = await trader("hyperliquid")
    order = await venue.place_order(trim("SOL/USDC:USDC", "0.5"))
    actions = [r.json()["action"] for r in replay.sent("/exchange")]
    assert [a["type"] for a in actions] == ["order"]
    (placed,) = actions[0]["orders"]
    assert "builder" not in actions[0] and "builder" not in placed
    assert placed["r"] is True and placed["s"] == "0.5" and placed["b"] is False
    assert placed["c"] == venue_client_id("hex128", "trim-0001")
    assert order.status is OrderStatus.FILLED and order.filled == D("0.5")
    assert order.average == D("25.585") and order.client_id == "trim-0001"
    found = await venue.fetch_order("trim-0001", "SOL/USDC:USDC")
    assert found is not None and found.reduce_only and found.status is OrderStatus.FILLED
    assert await venue.fetch_order("other", "SOL/USDC:USDC") is None  # unknownOid
    await venue.cancel_order("trim-0001", "SOL/USDC:USDC")
    cancel = replay.sent("/exchange")[-1].json()["action"]
    assert cancel["type"] == "cancelByCloid" and cancel["cancels"][0]["cloid"] == placed["c"]
    assert not any("Builder" in r.body or "setReferrer" in r.body for r in replay.requests)


async def test_readonly_hyperliquid_never_gets_a_private_key(replay, store):
    """A read-only account hands ccxt the address only: nothing can be signed."""
    put_keys(store, "hyperliquid", "ro")
    venue = open_account(account("hyperliquid", replay.url, name="ro"), secrets=store,
                         rate_limit=False)
    await venue.connect()
    try:
        assert not venue._exchange.privateKey and venue._exchange.walletAddress
    finally:
        await venue.close()


async def test_transfers_are_not_offered(trader):
    from cockpit.model import Layer, TransferRequest

    venue = await trader("binanceusdm")
    with pytest.raises(NotSupported):
        await venue.request_transfer(TransferRequest("t1", "tr", Layer.ARBITRUM, D(1)))


async def test_an_open_order_that_is_not_ours_is_cancelled_by_the_venues_order_id(trader, replay):
    """The written openOrders' order was not placed by this cockpit: its client id was never sent
    in our format, so it is cancelled by Binance's orderId; ours still go by client id."""
    venue = await trader("binanceusdm")
    (theirs,) = (await venue.snapshot()).open_orders
    assert (theirs.client_id, theirs.venue_id) == ("trim-btc-0001", "4011297765")
    await venue.cancel_order(theirs.client_id, theirs.symbol)
    (sent,) = replay.sent("/fapi/v1/order")
    assert sent.method == "DELETE" and sent.params["orderId"] == "4011297765"
    assert "origClientOrderId" not in sent.params
    await venue.place_order(trim("BTC/USDT:USDT", "0.004", cid="ours-0001"))
    await venue.cancel_order("ours-0001", "BTC/USDT:USDT")
    assert replay.sent("/fapi/v1/order")[-1].params["origClientOrderId"] == "ours-0001"


async def test_a_hyperliquid_order_placed_elsewhere_is_cancelled_by_its_oid(trader, replay):
    """ccxt's recorded open order has no cloid: its id on screen is the venue's oid, which hashed as
    a cloid would name no order; it is cancelled by oid ("cancel"), ours by cloid."""
    venue = await trader("hyperliquid")
    (theirs,) = (await venue.snapshot()).open_orders
    assert (theirs.client_id, theirs.venue_id, theirs.symbol) == ("6928553534", "6928553534", "SOL/USDC:USDC")
    await venue.cancel_order(theirs.client_id, theirs.symbol)
    cancel = replay.sent("/exchange")[-1].json()["action"]
    assert cancel["type"] == "cancel" and cancel["cancels"][0]["o"] == 6928553534
