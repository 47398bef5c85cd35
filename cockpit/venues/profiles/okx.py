"""OKX v5 swaps, linear and inverse (ccxt ``okx``)."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any, Iterable

import hashlib
from decimal import Decimal

from cockpit.model import Layer, MalformedReply, Rejected, TransferStatus
from cockpit.redact import clip
from cockpit.venues.envelope import Check, Envelope, list_of, within
from cockpit.venues.numbers import dig, num
from cockpit.venues.profiles.base import CEX_KEYS, Credential, Numbers, TopUp, VenueProfile

# GET /api/v5/asset/transfer-state ``state``.
_TRANSFER_STATE = {"success": TransferStatus.DONE, "pending": TransferStatus.IN_FLIGHT,
                   "failed": TransferStatus.FAILED}


def transfer_client_id(client_id: str) -> str:
    """The ``clientId`` OKX takes (1-32 letters and digits) for cockpit's `client_id`: a hash of
    it, the same every time."""
    return hashlib.sha256(client_id.encode()).hexdigest()[:32]


def _first(reply: Any, what: str) -> dict | None:
    """The first ``data`` entry of a v5 reply (None when the list is empty). A ``code`` other
    than "0" is the venue's refusal (`Rejected`, with its code and ``msg``, or the entry's
    ``sMsg``); a reply without a code, or another shape, is a `MalformedReply`."""
    code, data = dig(reply, "code"), dig(reply, "data")
    if code is None or isinstance(code, bool):
        raise MalformedReply(f"okx: {what}: unexpected reply")
    if str(code) != "0":
        entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        msg = dig(reply, "msg") or entry.get("sMsg") or ""
        raise Rejected(f"okx refused the {what} (code {clip(code, 20)}: {clip(msg, 100)})", code=str(code))
    if not isinstance(data, list):
        raise MalformedReply(f"okx: {what}: unexpected reply")
    return data[0] if data and isinstance(data[0], dict) else None


def _v5(inner: Check) -> Check:
    # Every v5 reply: {"code": "0", "msg": "", "data": [...]}.
    return within("data", inner, code=("code", "0"))


class Okx(VenueProfile):
    """OKX: a passphrase besides the keys; reducing orders carry the position's tdMode/posSide."""

    venue = "okx"
    title = "OKX"
    layer = Layer.CEX
    currency = "USD"
    # OKX's interval is its next funding time minus this one's: without both, unknown.
    funding_hours = None
    credentials = CEX_KEYS + (Credential("passphrase", "password", "API passphrase"),)
    client_id = "alnum32"
    redact_names = ("ok-access-key", "ok-access-sign", "ok-access-passphrase")
    trading = True
    sandbox = True
    options = MappingProxyType({"fetchMarkets": {"types": ["swap"]}})
    raw_margins = MappingProxyType({"initial": ("imr",), "maintenance": ("mmr",)})
    duplicate_codes = ("51016",)
    # POST /api/v5/trade/cancel-all-after: timeOut in seconds, 0 or 10..120 (0 disables it).
    dead_man_range = (10.0, 120.0)
    # Funds transfer within the account, funding (6) → trading (18): POST /api/v5/asset/transfer
    # with a clientId (1-32 letters and digits), looked up by it (GET /api/v5/asset/transfer-state).
    top_up_route = "funding account → trading account (funds transfer)"
    top_up_currency = "USDT"
    top_up_client_id = True  # the clientId
    envelopes = (
        Envelope(re.compile(r"/api/v5/account/positions$"),
                 None, _v5(list_of("positions", keys=("instId", "pos")))),
        Envelope(re.compile(r"/api/v5/account/balance$"),
                 None, _v5(list_of("balance", nonempty=True, keys=("details",)))),
        Envelope(re.compile(r"/api/v5/public/funding-rate$"),
                 None, _v5(list_of("funding", nonempty=True, keys=("instId", "fundingRate")))),
        Envelope(re.compile(r"/api/v5/trade/orders-pending$"), None, _v5(list_of("orders"))),
    )

    async def top_up_available(self, exchange: Any) -> float:
        """The funding account's available USDT (GET /api/v5/asset/balances ``availBal``)."""
        line = _first(await exchange.privateGetAssetBalances({"ccy": self.top_up_currency}), "funding balance")
        return num((line or {}).get("availBal")) or 0.0

    async def top_up(self, exchange: Any, amount: Decimal, client_id: str) -> TopUp:
        """Funding → trading under a clientId derived from cockpit's id."""
        line = _first(await exchange.privatePostAssetTransfer({
            "ccy": self.top_up_currency, "amt": format(amount, "f"), "from": "6", "to": "18", "type": "0",
            "clientId": transfer_client_id(client_id)}), "funds transfer")
        if line is None or not line.get("transId"):
            raise MalformedReply("okx: funds transfer answered without a transId")
        return str(line["transId"]), TransferStatus.IN_FLIGHT

    async def top_up_status(self, exchange: Any, client_id: str, amount: Decimal, since: float,
                            known: str | None, claimed: Iterable[str]) -> TopUp | None:
        """The transfer's state by its clientId; None when OKX has none under it."""
        line = _first(await exchange.privateGetAssetTransferState(
            {"clientId": transfer_client_id(client_id)}), "transfer state")
        if line is None:
            return None
        return str(line.get("transId")), _TRANSFER_STATE.get(str(line.get("state")), TransferStatus.IN_FLIGHT)

    def collateral(self, info: Any) -> Numbers:
        """Account-level adjusted equity and margins; the USDT line in single-currency mode."""
        acc = dig(info, "data", 0)
        equity = num(dig(acc, "adjEq")) or num(dig(acc, "totalEq"))
        # availEq is the venue's own available equity (it leaves out currencies restricted by the
        # borrowing limit, so it is not adjEq - imr).
        used, mmr, free = num(dig(acc, "imr")), num(dig(acc, "mmr")), num(dig(acc, "availEq"))
        usdt = next((d for d in dig(acc, "details") or [] if d.get("ccy") == "USDT"), {})
        if used is None:
            # Single-currency margin: the account-level figures are empty; use the USDT line.
            used, mmr = num(usdt.get("imr")) or num(usdt.get("frozenBal")), num(usdt.get("mmr"))
        if free is None:
            free = num(usdt.get("availEq"))
        return equity, used, free, None, mmr

    def order_params(self, raw: Any) -> dict[str, Any]:
        """The position's own margin mode as ``tdMode`` (an isolated position is not reduced by a
        cross order), and in long/short mode its ``posSide``: ccxt sets it from ``hedged`` (for a
        reduce-only sell, ``posSide=long``) and drops ``reduceOnly``, which that mode does not
        take."""
        info = raw.get("info") or {}
        params: dict[str, Any] = {}
        if info.get("mgnMode") in ("cross", "isolated"):
            params["marginMode"] = info["mgnMode"]
        if info.get("posSide") in ("long", "short"):
            params["hedged"] = True
        return params

    async def arm_dead_man(self, exchange: Any, seconds: float, symbols: Iterable[str]) -> float:
        """Cancel-all-after for the whole account (ccxt takes ms, sends whole seconds); the reply's
        ``triggerTime`` (ms) is when it fires."""
        reply = await exchange.cancel_all_orders_after(int(seconds) * 1000)
        trigger = num(dig(reply, "data", 0, "triggerTime"))
        if not trigger:
            raise MalformedReply("okx: cancel-all-after answered without a triggerTime")
        return trigger / 1000.0

    async def disarm_dead_man(self, exchange: Any, symbols: Iterable[str]) -> None:
        """A timeOut of 0 disables it."""
        await exchange.cancel_all_orders_after(0)

    clock_in_funding = True  # see server_times

    def server_times(self, reply: Any) -> Any:
        """Funding entries carry the server time ``ts``."""
        body = reply.body
        if reply.path.endswith("/funding-rate") and isinstance(body, dict):
            return (e.get("ts") for e in body.get("data") or () if isinstance(e, dict))
        return ()


PROFILE = Okx()
