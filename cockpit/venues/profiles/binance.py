"""Binance USDⓈ-M futures (ccxt ``binanceusdm``)."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any, Iterable
from urllib.parse import urlsplit

from decimal import Decimal

from cockpit.model import Layer, MalformedReply, TransferStatus
from cockpit.venues.envelope import Envelope, list_of, object_with
from cockpit.venues.numbers import dec, dig, num
from cockpit.venues.profiles.base import CEX_KEYS, Numbers, TopUp, VenueProfile

# The universal transfer's statuses (GET /sapi/v1/asset/transfer rows).
_TRANSFER_STATUS = {"CONFIRMED": TransferStatus.DONE, "PENDING": TransferStatus.IN_FLIGHT,
                    "FAILED": TransferStatus.FAILED}


class Binance(VenueProfile):
    """Binance USDⓈ-M: HMAC keys, v3 positions without leverage, intervals only where not 8h."""

    venue = "binanceusdm"
    title = "Binance USDⓈ-M"
    layer = Layer.CEX
    currency = "USDT"
    funding_hours = 8.0  # fundingInfo lists only the symbols whose interval is not 8h
    credentials = CEX_KEYS
    client_id = "ascii36"
    redact_names = ("x-mbx-apikey",)
    trading = True
    sandbox = True
    options = MappingProxyType({
        # With keys, load_markets would also call two signed spot endpoints we never need.
        "fetchCurrencies": False,
        # One open-orders call for all symbols is what we want, not a warning.
        "warnOnFetchOpenOrdersWithoutSymbol": False,
    })
    # ccxt recomputes the maintenance margin from bracket tables: the venue's own is preferred.
    raw_margins = MappingProxyType({"initial": ("initialMargin",),
                                    "maintenance": ("maintMargin",)})
    duplicate_codes = ("-4116", "DUPLICATED_CLIENT_ORDER_ID")
    # POST /fapi/v1/countdownCancelAll (symbol, countdownTime ms; 0 stops it): one timer per
    # symbol; the venue suggests a 120 s countdown refreshed every 30 s. It documents no bounds:
    # cockpit keeps to 10..600 s.
    dead_man_range = (10.0, 600.0)
    dead_man_per_symbol = True
    # User universal transfer, type MAIN_UMFUTURE (spot wallet → USDⓈ-M futures): POST
    # /sapi/v1/asset/transfer answers {"tranId": n}; the API key needs "Permits Universal
    # Transfer". It takes no client id (only the master account's sub-account universal
    # transfer has a clientTranId): its history (GET /sapi/v1/asset/transfer) is searched by the
    # tranId the send answered (ccxt's `transfer()` parses the same reply: its id is the tranId),
    # which the engine journals on the step so a restart finds it too; without one (the answer
    # lost) only by amount and time, which proves nothing. So a top-up whose answer is lost is
    # never sent again.
    top_up_route = "spot wallet → USDⓈ-M futures (universal transfer)"
    top_up_currency = "USDT"
    top_up_client_id = False
    top_up_venue_id = True
    envelopes = (
        Envelope(re.compile(r"/fapi/v\d/positionRisk$"),
                 None, list_of("positionRisk", keys=("symbol", "positionAmt"))),
        Envelope(re.compile(r"/fapi/v\d/account$"),
                 None, object_with("account", "totalMarginBalance", "availableBalance", "assets")),
        Envelope(re.compile(r"/fapi/v1/premiumIndex$"),
                 None, list_of("premiumIndex", nonempty=True, keys=("symbol", "lastFundingRate"))),
        Envelope(re.compile(r"/fapi/v1/fundingInfo$"), None, list_of("fundingInfo", keys=("symbol",))),
        Envelope(re.compile(r"/fapi/v1/openOrders$"), None, list_of("openOrders", keys=("symbol",))),
    )

    def exchange_class(self, ccxt_async: Any, base: type) -> type:
        """`base` with its error codes chosen by request path, not host."""
        class Binance(base):  # type: ignore[misc, valid-type]
            """Binance USDⓈ-M with its error codes chosen by path (see below)."""

            def get_exceptions_by_url(self, url, exactOrBroad):
                """The error table of the API the URL's path belongs to."""
                # ccxt picks the USDⓈ-M error-code table by host name; behind an api_url override
                # the host is ours, so pick it by path (-2022 reduce-only rejected, -2013 not found).
                path = urlsplit(url).path if url else ""
                kind = ("linear" if path.startswith(("/fapi/", "/futures/"))
                        else "inverse" if path.startswith("/dapi/")
                        else "spot" if path.startswith(("/api/", "/sapi/")) else None)
                table = self.safe_dict(self.exceptions, kind, {}) if kind else {}
                return self.safe_dict(table, exactOrBroad, {})

        return Binance

    async def arm_dead_man(self, exchange: Any, seconds: float, symbols: Iterable[str]) -> None:
        """One countdown per symbol with resting orders (Binance has no account-wide timer); no
        deadline in the reply (it echoes the symbol and the countdown)."""
        for symbol in sorted(set(symbols)):
            await exchange.fapiPrivatePostCountdownCancelAll(
                {"symbol": exchange.market_id(symbol), "countdownTime": int(seconds * 1000)})
        return None

    async def disarm_dead_man(self, exchange: Any, symbols: Iterable[str]) -> None:
        """A countdown of 0 stops each symbol's timer."""
        for symbol in sorted(set(symbols)):
            await exchange.fapiPrivatePostCountdownCancelAll(
                {"symbol": exchange.market_id(symbol), "countdownTime": 0})

    async def top_up_available(self, exchange: Any) -> float:
        """The spot wallet's free USDT (GET /api/v3/account ``balances``)."""
        reply = await exchange.privateGetAccount({"omitZeroBalances": "true"})
        balances = dig(reply, "balances")
        if not isinstance(balances, list):
            raise MalformedReply("binanceusdm: spot account reply without balances")
        line = next((b for b in balances if isinstance(b, dict) and b.get("asset") == self.top_up_currency), {})
        return num(line.get("free")) or 0.0

    async def top_up(self, exchange: Any, amount: Decimal, client_id: str) -> TopUp:
        """MAIN_UMFUTURE of `amount` USDT; its ``tranId`` is the venue's id (no client id)."""
        reply = await exchange.sapiPostAssetTransfer(
            {"type": "MAIN_UMFUTURE", "asset": self.top_up_currency, "amount": format(amount, "f")})
        tran = dig(reply, "tranId")
        if tran is None:
            raise MalformedReply("binanceusdm: universal transfer answered without a tranId")
        return str(tran), TransferStatus.IN_FLIGHT

    async def top_up_status(self, exchange: Any, client_id: str, amount: Decimal, since: float,
                            known: str | None, claimed: Iterable[str]) -> TopUp | None:
        """The MAIN_UMFUTURE row with `known`'s tranId; without one (after a restart), the
        earliest row of the same amount since `since` not claimed by another top-up."""
        reply = await exchange.sapiGetAssetTransfer(
            {"type": "MAIN_UMFUTURE", "startTime": int(since * 1000), "size": 100})
        rows = dig(reply, "rows") or []
        if not isinstance(rows, list):
            raise MalformedReply("binanceusdm: transfer history without rows")
        taken = set(claimed)
        for row in sorted((r for r in rows if isinstance(r, dict)), key=lambda r: r.get("timestamp") or 0):
            tran = str(row.get("tranId"))
            same = tran == known if known else (dec(row.get("amount")) == amount and tran not in taken)
            if same and row.get("asset") == self.top_up_currency:
                return tran, _TRANSFER_STATUS.get(str(row.get("status")), TransferStatus.IN_FLIGHT)
        return None

    def collateral(self, info: Any) -> Numbers:
        """totalMarginBalance = wallet + unrealized PnL; availableBalance is what new margin
        can use."""
        return (num(dig(info, "totalMarginBalance")), num(dig(info, "totalInitialMargin")),
                num(dig(info, "availableBalance")), num(dig(info, "maxWithdrawAmount")),
                num(dig(info, "totalMaintMargin")))

    clock_in_funding = True  # see server_times

    def server_times(self, reply: Any) -> Any:
        """premiumIndex entries carry the mark-price time."""
        body = reply.body
        if reply.path.endswith("/premiumIndex") and isinstance(body, list):
            return (e.get("time") for e in body if isinstance(e, dict))
        return ()


    def funding_payment(self, entry: Any) -> tuple[Any, Any]:
        """The income record's own ``income`` text (exact; negative when paid)."""
        income = dig(entry, "info", "income")
        return (income if income is not None else entry.get("amount")), None


PROFILE = Binance()
