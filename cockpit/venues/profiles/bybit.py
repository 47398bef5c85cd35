"""Bybit v5, unified account, linear perpetuals (ccxt ``bybit``)."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

from cockpit.model import Layer, MarginMode
from cockpit.venues.envelope import Check, Envelope, list_of, within
from cockpit.venues.numbers import dig, num
from cockpit.venues.profiles.base import CEX_KEYS, Numbers, VenueProfile


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


PROFILE = Bybit()
