"""Hyperliquid perpetuals (ccxt ``hyperliquid``)."""

from __future__ import annotations

import json
import re
from types import MappingProxyType
from typing import Any, Iterable

from decimal import Decimal

from cockpit.model import Layer, MalformedReply, Rejected, TransferStatus
from cockpit.redact import clip
from cockpit.venues.envelope import Envelope, list_of, object_with, within
from cockpit.venues.numbers import dec, dig, num
from cockpit.venues.profiles.base import (
    EVM_ADDRESS, PRIVATE_KEY, Credential, Numbers, Read, TopUp, VenueProfile,
)


def info_type(body: Any) -> str | None:
    """The ``type`` of a Hyperliquid ``/info`` request body (JSON text), else None."""
    if not isinstance(body, str) or not body.startswith("{"):
        return None
    try:
        kind = json.loads(body).get("type")
    except (ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


def _markets(data: Any) -> str | None:
    # metaAndAssetCtxs: [{"universe": [...]}, [ctx, ...]], one context per listed market.
    if not (isinstance(data, list) and len(data) == 2):
        return "metaAndAssetCtxs is not a [meta, contexts] pair"
    return within("universe", list_of("universe", nonempty=True), what="meta")(data[0]) or list_of(
        "contexts", nonempty=True)(data[1])


def _refusal(exc: BaseException) -> str | None:
    """The venue's words when `exc` is its ``{"status": "err", "response": ...}`` reply to an
    action (ccxt raises it as an ExchangeError carrying the body): the action was refused and
    nothing was done. None for anything else (a network error, a body it cannot read)."""
    if "ExchangeError" not in {c.__name__ for c in type(exc).__mro__}:
        return None
    text = str(exc)
    start, end = text.find("{"), text.rfind("}")
    try:
        body = json.loads(text[start:end + 1]) if 0 <= start < end else None
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("status") == "err":
        return str(body.get("response") or "no reason given")
    return None


class Hyperliquid(VenueProfile):
    """Hyperliquid: reads need only the wallet address; no builder fee or referral is sent."""

    venue = "hyperliquid"
    title = "Hyperliquid"
    layer = Layer.HYPERLIQUID
    currency = "USDC"
    funding_hours = 1.0
    credentials = (
        Credential("walletAddress", "walletAddress", "wallet address", secret=False,
                   pattern=EVM_ADDRESS[0], shape=EVM_ADDRESS[1]),
        Credential("privateKey", "privateKey", "API (agent) wallet private key", for_reads=False,
                   pattern=PRIVATE_KEY[0], shape=PRIVATE_KEY[1]),
    )
    client_id = "hex128"
    redact_names = ()
    trading = True
    sandbox = True
    options = MappingProxyType({
        "fetchMarkets": {"types": ["swap"]},
        # No third-party builder fee, no referral: see `exchange_class`.
        "builderFee": False, "approvedBuilderFee": False, "refSet": True,
    })
    raw_margins = MappingProxyType({"initial": ("position", "marginUsed")})
    # Its market orders are IOC limits around a reference price.
    market_order_needs_price = True
    # The scheduleCancel action: a time at least 5 s ahead; at most 10 triggers a day (reset at
    # 00:00 UTC); the venue refuses it below $1M traded volume (its error says so).
    dead_man_range = (10.0, 600.0)
    dead_man_daily = 10
    # usdClassTransfer (spot → perp), signed by ccxt's `transfer(..., "spot", "swap")`: it settles
    # in the block that takes it. It is a user-signed action: the venue refuses it from an agent
    # (API) wallet, so it needs the account's own key. No client id, and no id of the venue's in
    # its reply ({"status": "ok", "response": {"type": "default"}}): the ledger
    # (userNonFundingLedgerUpdates, accountClassTransfer to perp) names it by a transaction hash
    # cockpit cannot derive from the send, so it can only be searched by amount and time, which
    # proves nothing, and ccxt signs each send under a new nonce (a resend is a second transfer).
    # So a top-up whose answer is lost is never sent again; and as its answer names no transfer,
    # there is no id of the venue's to keep either (`top_up_venue_id` False): a restart that finds
    # one sent, its arrival not yet journaled, leaves it UNKNOWN for a person to check.
    top_up_route = "spot → perp (usdClassTransfer; needs the account's own key, not an agent's)"
    top_up_currency = "USDC"
    top_up_client_id = False
    top_up_venue_id = False
    envelopes = (
        Envelope(re.compile(r"/info$"), "clearinghouseState",
                 object_with("clearinghouseState", "assetPositions", "marginSummary",
                             "withdrawable")),
        Envelope(re.compile(r"/info$"), "metaAndAssetCtxs", _markets),
        Envelope(re.compile(r"/info$"), "frontendOpenOrders", list_of("open orders")),
    )

    def exchange_class(self, ccxt_async: Any, base: type) -> type:
        """`base` without ccxt's builder fee and referral."""
        class Hyperliquid(base):  # type: ignore[misc, valid-type]
            """Hyperliquid without ccxt's builder fee and referral."""

            # ccxt signs and sends approveBuilderFee (to ccxt's builder) and setReferrer before
            # the first private action, then attaches a builder fee to every order. We send
            # neither.
            async def handle_builder_fee_approval(self) -> bool:
                """Approve no builder (ccxt would approve its own at 0.01%)."""
                return True

            async def set_ref(self) -> bool:
                """Set no referrer (ccxt would set its own code)."""
                return True

        return Hyperliquid

    async def arm_dead_man(self, exchange: Any, seconds: float, symbols: Iterable[str]) -> None:
        """scheduleCancel at now + `seconds` (ccxt signs it with the nonce as now); the reply
        carries no time. An ``err`` reply (too little volume) raises through ccxt."""
        await exchange.cancel_all_orders_after(int(seconds * 1000))
        return None

    async def disarm_dead_man(self, exchange: Any, symbols: Iterable[str]) -> None:
        """scheduleCancel without a time clears it. ccxt cannot send that (a timeout of 0 asks
        for a cancel right now, which the venue refuses as under 5 s away), so it is signed here
        the way ccxt signs the armed one."""
        exchange.check_required_credentials()
        nonce = exchange.incrementing_nonce()  # strictly increasing, as ccxt's own actions take
        action = {"type": "scheduleCancel"}
        await exchange.privatePostExchange({
            "action": action, "nonce": nonce, "signature": exchange.sign_l1_action(action, nonce)})

    async def top_up_available(self, exchange: Any) -> float:
        """The spot USDC not on hold (spotClearinghouseState ``total - hold``)."""
        reply = await exchange.publicPostInfo({"type": "spotClearinghouseState", "user": exchange.walletAddress})
        balances = dig(reply, "balances")
        if not isinstance(balances, list):
            raise MalformedReply("hyperliquid: spotClearinghouseState without balances")
        line = next((b for b in balances if isinstance(b, dict) and b.get("coin") == self.top_up_currency), {})
        total, hold = num(line.get("total")) or 0.0, num(line.get("hold")) or 0.0
        return max(total - hold, 0.0)

    async def top_up(self, exchange: Any, amount: Decimal, client_id: str) -> TopUp:
        """usdClassTransfer of `amount` to perp; done when the venue says ok, `Rejected` with its
        words when it says ``err`` (ccxt raises that as an ExchangeError the adapter would take
        for an unknown outcome, which pauses the run: this venue keeps no client id). The reply names no transfer: the id returned is cockpit's own label of
        the send, never a ledger hash (`top_up_status` cannot match it)."""
        sent = exchange.milliseconds()
        try:
            await exchange.transfer(self.top_up_currency, float(amount), "spot", "swap")
        except Exception as exc:  # noqa: BLE001 - only the venue's own refusal is read here
            words = _refusal(exc)
            if words is None:
                raise  # the adapter translates it (an answer it cannot read: an unknown outcome)
        else:
            return f"usdClassTransfer@{sent}", TransferStatus.DONE
        # Raised outside the handler: ccxt's exception is not chained to ours.
        raise Rejected(f"hyperliquid refused the transfer ({clip(words, 100)})")

    async def top_up_status(self, exchange: Any, client_id: str, amount: Decimal, since: float,
                            known: str | None, claimed: Iterable[str]) -> TopUp | None:
        """The earliest accountClassTransfer to perp of `amount` since `since` not claimed by
        another top-up (its hash is the id): a match by amount and time only, which the engine
        never takes as proof (`top_up_client_id` is False)."""
        entries = await exchange.publicPostInfo({"type": "userNonFundingLedgerUpdates",
                                                 "user": exchange.walletAddress, "startTime": int(since * 1000)})
        if not isinstance(entries, list):
            raise MalformedReply("hyperliquid: userNonFundingLedgerUpdates is not a list")
        taken = set(claimed)
        for entry in sorted((e for e in entries if isinstance(e, dict)), key=lambda e: e.get("time") or 0):
            delta = entry.get("delta") or {}
            if (delta.get("type") == "accountClassTransfer" and delta.get("toPerp") is True
                    and dec(delta.get("usdc")) == amount and entry.get("hash") not in taken):
                return str(entry.get("hash")), TransferStatus.DONE
        return None

    async def account_info(self, exchange: Any, read: Read) -> Any:
        """None: the positions call reads the whole clearinghouseState, account figures
        included; taken from that reply (`account_from_replies`), not asked for twice."""
        return None

    def account_from_replies(self, account_info: Any, captured: Iterable[Any]) -> Any:
        """The clearinghouseState the positions call read."""
        return next((r.body for r in captured if r.kind == "clearinghouseState"), None)

    def collateral(self, info: Any) -> Numbers:
        """Account value and margin used; free is their difference."""
        equity = num(dig(info, "marginSummary", "accountValue"))
        used = num(dig(info, "marginSummary", "totalMarginUsed"))
        free = equity - used if equity is not None and used is not None else None
        return (equity, used, free, num(dig(info, "withdrawable")),
                num(dig(info, "crossMaintenanceMarginUsed")))

    def request_kind(self, request_body: Any) -> str | None:
        """Every read is ``POST /info``: its body's ``type`` says which."""
        return info_type(request_body)

    def server_times(self, reply: Any) -> Any:
        """clearinghouseState carries the server time."""
        if reply.kind == "clearinghouseState" and isinstance(reply.body, dict):
            return (reply.body.get("time"),)
        return ()


PROFILE = Hyperliquid()
