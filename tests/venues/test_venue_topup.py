"""Top-ups within a venue (`TopUpVenue`) through real ccxt against the loopback replay server: the
request each venue's profile sends, and its documented reply read back. Replies are written here in
each venue's documented format:

* Binance: GET /api/v3/account (spot ``balances``), POST /sapi/v1/asset/transfer
  (``{"tranId": n}``) and GET /sapi/v1/asset/transfer (``{"total", "rows": [{asset, amount, type,
  status, tranId, timestamp}]}``): developers.binance.com, Wallet › Asset › User Universal
  Transfer and Query User Universal Transfer History; Spot › Account information.
* OKX: GET /api/v5/asset/balances, POST /api/v5/asset/transfer, GET /api/v5/asset/transfer-state
  (``{"code": "0", "msg": "", "data": [...]}``): okx.com/docs-v5, Funding account › Get balance,
  Funds transfer, Get funds transfer state.
* Bybit: GET /v5/asset/transfer/query-account-coin-balance, POST
  /v5/asset/transfer/inter-transfer, GET /v5/asset/transfer/query-inter-transfer-list
  (``{"retCode": 0, "retMsg": "success", "result": {...}, "time": ms}``):
  bybit-exchange.github.io/docs/v5/asset, Get Single Coin Balance, Create Internal Transfer, Get
  Internal Transfer Records.
* Hyperliquid: POST /info ``spotClearinghouseState`` (``{"balances": [{coin, token, hold, total,
  entryNtl}]}``) and ``userNonFundingLedgerUpdates`` (``[{time, hash, delta: {type:
  "accountClassTransfer", usdc, toPerp}}]``), POST /exchange ``usdClassTransfer`` (``{"status":
  "ok", "response": {"type": "default"}}``): hyperliquid.gitbook.io, API › Info endpoint › Spot
  and Perpetuals; Exchange endpoint › Transfer from Spot account to Perp account.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.model import NotSupported, TransferStatus, UnknownOutcome
from cockpit.venues.profiles.bybit import transfer_id
from cockpit.venues.profiles.okx import transfer_client_id
from cockpit.venues.protocol import TopUpVenue
from tests.fixtures.keys import FAKE

NOW = 1_780_000_000.0
CID = "unwind:r1:2:topup"


@pytest.fixture
def opened(open_venue):
    """Connected trading accounts on the replay server (call it with a venue id)."""
    return lambda venue: open_venue(venue, clock=lambda: NOW)


async def test_binance_moves_spot_to_usdm_futures_and_finds_it_again_by_amount_and_time(opened, replay):
    history = []
    replay.route("GET", "/api/v3/account", lambda r: (200, {
        "makerCommission": 10, "canTrade": True, "accountType": "SPOT",
        "balances": [{"asset": "BTC", "free": "0.1", "locked": "0"},
                     {"asset": "USDT", "free": "20000.50", "locked": "12.00"}]}))

    def transfer(r):
        history.append({"asset": r.params["asset"], "amount": r.params["amount"], "type": r.params["type"],
                        "status": "CONFIRMED", "tranId": 13526853623, "timestamp": int(NOW * 1000) + 500})
        return 200, {"tranId": 13526853623}

    replay.route("POST", "/sapi/v1/asset/transfer", transfer)
    replay.route("GET", "/sapi/v1/asset/transfer", lambda r: (200, {"total": len(history), "rows": [
        {**history[0], "amount": "99", "tranId": 1}, *history] if history else []}))
    venue = await opened("binanceusdm")
    assert isinstance(venue, TopUpVenue)
    assert await venue.top_up_available() == 20000.50
    sent = await venue.top_up(Decimal("15000.25"), CID)
    assert sent.id == "13526853623" and sent.status is TransferStatus.IN_FLIGHT and sent.currency == "USDT"
    (post,) = replay.sent("/sapi/v1/asset/transfer")[:1]
    assert post.params["type"] == "MAIN_UMFUTURE" and post.params["asset"] == "USDT"
    assert post.params["amount"] == "15000.25"
    venue._top_ups.clear()  # a restart: only the history knows it
    found = await venue.top_up_status(CID, Decimal("15000.25"), NOW)
    assert found.id == "13526853623" and found.status is TransferStatus.DONE  # not the 99 USDT one
    query = replay.sent("/sapi/v1/asset/transfer")[-1]
    assert query.params["type"] == "MAIN_UMFUTURE" and query.params["startTime"] == str(int(NOW * 1000))
    assert await venue.top_up_status("unwind:r1:7:topup", Decimal("5"), NOW) is None


async def test_binance_finds_a_top_up_after_a_restart_by_the_tran_id_its_send_answered(opened, replay):
    """The engine keeps the tranId the send answered (`top_up_venue_id`) and gives it back after a
    restart: that row is the top-up, not the earlier one of the same amount; a history without it
    has none (never a match by amount)."""
    rows = [{"asset": "USDT", "amount": "15000.25", "type": "MAIN_UMFUTURE", "status": "CONFIRMED",
             "tranId": 1, "timestamp": int(NOW * 1000) + 100},
            {"asset": "USDT", "amount": "15000.25", "type": "MAIN_UMFUTURE", "status": "PENDING",
             "tranId": 13526853623, "timestamp": int(NOW * 1000) + 500}]
    replay.route("GET", "/sapi/v1/asset/transfer", lambda r: (200, {"total": len(rows), "rows": rows}))
    venue = await opened("binanceusdm")
    assert venue.top_up_venue_id is True and venue.top_up_keyed is False
    found = await venue.top_up_status(CID, Decimal("15000.25"), NOW, venue_id="13526853623")
    assert found.id == "13526853623" and found.status is TransferStatus.IN_FLIGHT
    venue._top_ups.clear()
    assert await venue.top_up_status(CID, Decimal("15000.25"), NOW, venue_id="13526853624") is None


async def test_okx_moves_funding_to_trading_under_a_client_id_and_looks_it_up_by_it(opened, replay):
    ok = {"code": "0", "msg": ""}
    replay.route("GET", "/api/v5/asset/balances", lambda r: (200, {**ok, "data": [
        {"availBal": "8000.5", "bal": "8000.5", "ccy": "USDT", "frozenBal": "0"}]}))
    replay.route("POST", "/api/v5/asset/transfer", lambda r: (200, {**ok, "data": [
        {"transId": "754147", "ccy": "USDT", "clientId": r.json()["clientId"], "from": "6", "amt": r.json()["amt"],
         "to": "18"}]}))
    states = {transfer_client_id(CID): "success"}
    replay.route("GET", "/api/v5/asset/transfer-state", lambda r: (200, {**ok, "data": [
        {"amt": "5000", "ccy": "USDT", "clientId": r.params["clientId"], "from": "6", "instId": "",
         "state": states[r.params["clientId"]], "subAcct": "", "to": "18", "toInstId": "", "transId": "754147",
         "type": "0"}] if r.params["clientId"] in states else []}))
    venue = await opened("okx")
    assert await venue.top_up_available() == 8000.5
    assert replay.sent("/api/v5/asset/balances")[0].params["ccy"] == "USDT"
    sent = await venue.top_up(Decimal("5000"), CID)
    body = replay.sent("/api/v5/asset/transfer")[0].json()
    assert body == {"ccy": "USDT", "amt": "5000", "from": "6", "to": "18", "type": "0",
                    "clientId": transfer_client_id(CID)}
    assert len(body["clientId"]) == 32 and body["clientId"].isalnum() and sent.id == "754147"
    found = await venue.top_up_status(CID, Decimal("5000"), NOW)
    assert found.status is TransferStatus.DONE and found.id == "754147"
    assert await venue.top_up_status("unwind:r1:9:topup", Decimal("5000"), NOW) is None


async def test_bybit_moves_fund_to_unified_under_a_derived_uuid_and_a_lost_answer_is_unknown(opened, replay):
    def v5(result):
        return 200, {"retCode": 0, "retMsg": "success", "result": result, "retExtInfo": {}, "time": replay.now_ms()}

    replay.route("GET", "/v5/asset/transfer/query-account-coin-balance", lambda r: v5({
        "accountType": "FUND", "bizType": 1, "accountId": "1631385",
        "balance": {"coin": "USDT", "walletBalance": "21000", "transferBalance": "20000", "bonus": "0"}}))
    replay.route("POST", "/v5/asset/transfer/inter-transfer",
                 lambda r: v5({"transferId": r.json()["transferId"], "status": "SUCCESS"}))
    replay.route("GET", "/v5/asset/transfer/query-inter-transfer-list", lambda r: v5({"list": [
        {"transferId": r.params["transferId"], "coin": "USDT", "amount": "16349", "fromAccountType": "FUND",
         "toAccountType": "UNIFIED", "timestamp": "1780000000500", "status": "SUCCESS"}], "nextPageCursor": ""}))
    venue = await opened("bybit")
    assert await venue.top_up_available() == 20000.0
    sent = await venue.top_up(Decimal("16349"), CID)
    body = replay.sent("/v5/asset/transfer/inter-transfer")[0].json()
    assert body == {"transferId": transfer_id(CID), "coin": "USDT", "amount": "16349",
                    "fromAccountType": "FUND", "toAccountType": "UNIFIED"}
    assert sent.id == transfer_id(CID) == transfer_id(CID) and sent.status is TransferStatus.DONE
    found = await venue.top_up_status(CID, Decimal("16349"), NOW)
    assert found.status is TransferStatus.DONE
    assert replay.sent("/v5/asset/transfer/query-inter-transfer-list")[0].params["transferId"] == transfer_id(CID)
    replay.fault("/v5/asset/transfer/inter-transfer", status=503, times=1)
    with pytest.raises(UnknownOutcome):
        await venue.top_up(Decimal("1"), "unwind:r1:5:topup")


@pytest.mark.parametrize("venue_id", ["dydx", "paradex"])
async def test_dydx_and_paradex_say_they_have_no_top_up(venue_id, opened):
    venue = await opened(venue_id)
    with pytest.raises(NotSupported, match="subaccount|Starknet"):
        await venue.top_up_available()


async def test_hyperliquid_signs_a_usd_class_transfer_to_perp_and_finds_it_in_the_ledger(opened, replay):
    info, exchange = replay._routes[("POST", "/info")], replay._routes[("POST", "/exchange")]
    ledger = []

    def info_topup(r):
        kind = (r.json() or {}).get("type")
        if kind == "spotClearinghouseState":
            return 200, {"balances": [{"coin": "USDC", "token": 0, "hold": "500.0", "total": "12500.0",
                                       "entryNtl": "0.0"}]}
        if kind == "userNonFundingLedgerUpdates":
            return 200, ledger
        return info(r)

    def exchange_topup(r):
        action = (r.json() or {}).get("action", {})
        if action.get("type") != "usdClassTransfer":
            return exchange(r)
        ledger.append({"time": int(NOW * 1000) + 300, "hash": "0x" + "ab" * 32,
                       "delta": {"type": "accountClassTransfer", "usdc": action["amount"], "toPerp": action["toPerp"]}})
        return 200, {"status": "ok", "response": {"type": "default"}}

    replay.route("POST", "/info", info_topup)
    replay.route("POST", "/exchange", exchange_topup)
    venue = await opened("hyperliquid")
    assert venue.top_up_venue_id is False  # its answer names no transfer: no id to keep
    assert await venue.top_up_available() == 12000.0  # total less what is on hold
    asked = [r.json() for r in replay.sent("/info") if r.json().get("type") == "spotClearinghouseState"]
    assert asked[0]["user"].lower() == FAKE["walletAddress"].lower()
    sent = await venue.top_up(Decimal("11000.5"), CID)
    assert sent.status is TransferStatus.DONE and sent.currency == "USDC"
    (post,) = [r for r in replay.sent("/exchange") if r.json()["action"]["type"] == "usdClassTransfer"]
    action = post.json()["action"]
    assert action["toPerp"] is True and action["amount"] == "11000.5" and post.json()["signature"]
    venue._top_ups.clear()  # a restart: only the ledger knows it
    found = await venue.top_up_status(CID, Decimal("11000.5"), NOW)
    assert found.id == "0x" + "ab" * 32 and found.status is TransferStatus.DONE
    assert await venue.top_up_status(CID, Decimal("42"), NOW) is None


class _Exchange:
    """The ccxt client at the edge: each implicit call answers the reply it is given (a refusal
    that ccxt left to the profile, as it does for codes it does not raise on)."""

    def __init__(self, **replies):
        self.calls = []
        for name, reply in replies.items():
            setattr(self, name, self._answer(name, reply))

    def _answer(self, name, reply):
        async def call(params):
            self.calls.append((name, params))
            return reply
        return call


async def test_a_bybit_refusal_of_a_transfer_is_a_rejection_with_its_message_never_malformed():
    from cockpit.model import MalformedReply, Rejected
    from cockpit.venues.profiles.bybit import PROFILE

    refused = {"retCode": 10001, "retMsg": "amount must be greater than zero", "result": {}, "retExtInfo": {},
               "time": 1780000000123}
    exchange = _Exchange(privatePostV5AssetTransferInterTransfer=refused,
                         privateGetV5AssetTransferQueryInterTransferList=refused)
    with pytest.raises(Rejected) as error:
        await PROFILE.top_up(exchange, Decimal("100"), CID)
    assert not isinstance(error.value, MalformedReply)
    assert "10001" in str(error.value) and "amount must be greater than zero" in str(error.value)
    assert error.value.code == "10001"
    with pytest.raises(Rejected):
        await PROFILE.top_up_status(exchange, CID, Decimal("100"), NOW, None, ())
    with pytest.raises(MalformedReply):  # no code at all: a reply that cannot be trusted
        await PROFILE.top_up(_Exchange(privatePostV5AssetTransferInterTransfer={"result": {}}), Decimal("1"), CID)


async def test_an_okx_refusal_of_a_transfer_is_a_rejection_with_its_message_never_malformed():
    from cockpit.model import MalformedReply, Rejected
    from cockpit.venues.profiles.okx import PROFILE

    refused = {"code": "58350", "msg": "Insufficient balance", "data": []}
    with pytest.raises(Rejected) as error:
        await PROFILE.top_up(_Exchange(privatePostAssetTransfer=refused), Decimal("100"), CID)
    assert not isinstance(error.value, MalformedReply)
    assert "58350" in str(error.value) and "Insufficient balance" in str(error.value)
    with pytest.raises(MalformedReply):
        await PROFILE.top_up(_Exchange(privatePostAssetTransfer={"data": []}), Decimal("1"), CID)


async def test_a_bybit_refusal_through_ccxt_fails_the_transfer_as_rejected(opened, replay):
    from cockpit.model import Rejected

    replay.route("POST", "/v5/asset/transfer/inter-transfer", lambda r: (200, {
        "retCode": 10001, "retMsg": "amount must be greater than zero", "result": {}, "retExtInfo": {},
        "time": replay.now_ms()}))
    venue = await opened("bybit")
    with pytest.raises(Rejected, match="10001"):
        await venue.top_up(Decimal("100"), CID)


@pytest.mark.parametrize(("venue_id", "keyed"), [("bybit", True), ("okx", True), ("binanceusdm", False),
                                                 ("hyperliquid", False)])
async def test_each_venue_says_whether_it_keeps_a_client_id_on_a_top_up(venue_id, keyed, opened):
    """Bybit's transferId and OKX's clientId are kept and refused twice; Binance's universal
    transfer and Hyperliquid's usdClassTransfer take none (a lost answer is never resent)."""
    venue = await opened(venue_id)
    assert venue.top_up_keyed is keyed and venue.top_up_route


async def test_a_hyperliquid_err_reply_to_a_transfer_is_a_rejection_not_an_unknown_outcome(opened, replay):
    """{"status": "err"} is the venue refusing the action (nothing moved): the step fails with the
    venue's words; an unknown outcome would pause the run for a person to check (no client id)."""
    from cockpit.model import Rejected

    exchange = replay._routes[("POST", "/exchange")]

    def refuse(r):
        if (r.json() or {}).get("action", {}).get("type") != "usdClassTransfer":
            return exchange(r)
        return 200, {"status": "err", "response": "Insufficient balance for transfer"}

    replay.route("POST", "/exchange", refuse)
    venue = await opened("hyperliquid")
    with pytest.raises(Rejected, match="Insufficient balance for transfer") as error:
        await venue.top_up(Decimal("11000.5"), CID)
    assert not isinstance(error.value, UnknownOutcome)
    replay.fault("/exchange", status=503, times=1)  # no answer it can read: still unknown
    with pytest.raises(UnknownOutcome):
        await venue.top_up(Decimal("1"), "unwind:r1:5:topup")
