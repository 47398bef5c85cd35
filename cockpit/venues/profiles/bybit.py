"""Bybit v5, unified account, linear perpetuals (ccxt ``bybit``)."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

import uuid
from decimal import Decimal
from typing import Iterable

from cockpit.model import Layer, MalformedReply, MarginMode, Rejected, TransferStatus
from cockpit.redact import clip
from cockpit.venues.envelope import Check, Envelope, list_of, within
from cockpit.venues.numbers import dig, num
from cockpit.venues.profiles.base import CEX_KEYS, Numbers, TopUp, VenueProfile

# Internal transfer ``status``.
_TRANSFER_STATUS = {"SUCCESS": TransferStatus.DONE, "PENDING": TransferStatus.IN_FLIGHT,
                    "FAILED": TransferStatus.FAILED}
# The namespace of the transfer ids cockpit derives (a fixed, arbitrary UUID).
_IDS = uuid.UUID("6f1b0c2e-8a4d-5e7f-9b3a-2c4d6e8f0a1b")


def transfer_id(client_id: str) -> str:
    """The UUID Bybit takes as a transfer's ``transferId`` for cockpit's `client_id` (the same
    every time: Bybit refuses a transferId twice, so a resend cannot move it again)."""
    return str(uuid.uuid5(_IDS, client_id))


def _result(reply: Any, what: str) -> Any:
    """The ``result`` of a v5 reply. A non-zero ``retCode`` is the venue's refusal (`Rejected`,
    with its code and ``retMsg``: nothing was done, retrying will not change it); a reply without
    a code is `MalformedReply`."""
    code = dig(reply, "retCode")
    if code is None or isinstance(code, bool):
        raise MalformedReply(f"bybit: {what}: unexpected reply")
    if str(code) != "0":
        raise Rejected(f"bybit refused the {what} (code {clip(code, 20)}: {clip(dig(reply, 'retMsg') or '', 100)})",
                       code=str(code))
    return dig(reply, "result")


def _v5(inner: Check) -> Check:
    # Every v5 reply: {"retCode": 0, "retMsg": "OK", "result": {...}, "time": ms}.
    return within("result", within("list", inner, what="result"), code=("retCode", 0))


class Bybit(VenueProfile):
    """Bybit: unified account in USD; orders looked up by orderLinkId among open and closed."""

    venue = "bybit"
    title = "Bybit"
    layer = Layer.CEX
    currency = "USD"
    funding_hours = 8.0
    credentials = CEX_KEYS
    client_id = "ascii36"
    redact_names = ("x-bapi-api-key", "x-bapi-sign")
    trading = True
    sandbox = True
    # Disconnect protection (DCP) fires when the account's private WebSocket drops, and Bybit's
    # account manager must enable it first: cockpit polls over REST and holds no WebSocket.
    dead_man_absent = ("Bybit's disconnect protection fires when a private WebSocket drops (and "
                       "needs enabling by Bybit's account manager); cockpit polls over REST and "
                       "holds none, so it would protect nothing")
    options = MappingProxyType({
        # Skip the two account-discovery calls ccxt makes before the first private call.
        "enableUnifiedAccount": True, "enableUnifiedMargin": False,
        "fetchMarkets": {"types": ["linear"]},
    })
    raw_margins = MappingProxyType({"initial": ("positionIM",), "maintenance": ("positionMM",)})
    duplicate_codes = ("110072",)
    # Internal transfer FUND → UNIFIED: POST /v5/asset/transfer/inter-transfer with a transferId
    # (a UUID cockpit derives from its client id), looked up by it
    # (GET /v5/asset/transfer/query-inter-transfer-list).
    top_up_route = "funding account → unified trading account (internal transfer)"
    top_up_currency = "USDT"
    top_up_client_id = True  # the transferId: Bybit refuses it twice
    envelopes = (
        Envelope(re.compile(r"/v5/position/list$"), None, _v5(list_of("positions", keys=("symbol",)))),
        Envelope(re.compile(r"/v5/account/wallet-balance$"),
                 None, _v5(list_of("wallet", nonempty=True, keys=("totalEquity",)))),
        Envelope(re.compile(r"/v5/market/tickers$"),
                 None, _v5(list_of("tickers", nonempty=True, keys=("symbol",)))),
        Envelope(re.compile(r"/v5/order/realtime$"), None, _v5(list_of("orders"))),
    )

    async def lookup_order(self, exchange: Any, venue_cid: str, symbol: str) -> Any:
        """Bybit's fetchOrder sees only recent orders: search open and closed by orderLinkId."""
        params = {"orderLinkId": venue_cid}
        orders = (await exchange.fetch_open_orders(symbol, params=params)
                  + await exchange.fetch_closed_orders(symbol, params=params))
        return next((o for o in orders if str(o.get("clientOrderId")) == venue_cid), None)

    async def top_up_available(self, exchange: Any) -> float:
        """What the funding account can transfer now (``transferBalance``)."""
        result = _result(await exchange.privateGetV5AssetTransferQueryAccountCoinBalance(
            {"accountType": "FUND", "coin": self.top_up_currency}), "funding balance")
        return num(dig(result, "balance", "transferBalance")) or 0.0

    async def top_up(self, exchange: Any, amount: Decimal, client_id: str) -> TopUp:
        """FUND → UNIFIED under the transferId derived from cockpit's id."""
        result = _result(await exchange.privatePostV5AssetTransferInterTransfer({
            "transferId": transfer_id(client_id), "coin": self.top_up_currency, "amount": format(amount, "f"),
            "fromAccountType": "FUND", "toAccountType": "UNIFIED"}), "internal transfer")
        tid = dig(result, "transferId")
        if not tid:
            raise MalformedReply("bybit: internal transfer answered without a transferId")
        return str(tid), _TRANSFER_STATUS.get(str(dig(result, "status")), TransferStatus.IN_FLIGHT)

    async def top_up_status(self, exchange: Any, client_id: str, amount: Decimal, since: float,
                            known: str | None, claimed: Iterable[str]) -> TopUp | None:
        """The transfer by its transferId; None when Bybit has none."""
        tid = transfer_id(client_id)
        result = _result(await exchange.privateGetV5AssetTransferQueryInterTransferList({"transferId": tid}),
                         "internal transfer list")
        rows = dig(result, "list")
        if not isinstance(rows, list):
            raise MalformedReply("bybit: internal transfer list without a list")
        row = next((r for r in rows if isinstance(r, dict) and r.get("transferId") == tid), None)
        return None if row is None else (tid, _TRANSFER_STATUS.get(str(row.get("status")), TransferStatus.IN_FLIGHT))

    def collateral(self, info: Any) -> Numbers:
        """Unified account, in USD: margin balance minus initial margin is exactly the
        available."""
        acc = dig(info, "result", "list", 0)
        return (num(dig(acc, "totalMarginBalance")), num(dig(acc, "totalInitialMargin")),
                num(dig(acc, "totalAvailableBalance")), None,
                num(dig(acc, "totalMaintenanceMargin")))

    def margin_mode(self, raw: Any) -> MarginMode:
        """tradeMode 1 is isolated."""
        info = raw.get("info") or {}
        return MarginMode.ISOLATED if str(info.get("tradeMode")) == "1" else MarginMode.CROSS

    def server_times(self, reply: Any) -> Any:
        """Every v5 reply carries the server time."""
        return (reply.body.get("time"),) if isinstance(reply.body, dict) else ()


    def funding_payment(self, entry: Any) -> tuple[Any, Any]:
        """Bybit books funding as an execution whose ``execFee`` is positive when the account
        paid (a fee), and ccxt passes it through unsigned as ``amount``: received is its
        negative. ``execValue`` is the position's value it was paid on."""
        fee = dig(entry, "info", "execFee")
        if fee is None or fee == "":
            return None, None
        text = str(fee)
        return (text[1:] if text.startswith("-") else "-" + text), num(dig(entry, "info", "execValue"))


PROFILE = Bybit()
