"""dYdX v4 (ccxt ``dydx``): the public indexer for reads, the chain for orders."""

from __future__ import annotations

import re
from typing import Any, Iterable

from cockpit.model import Layer, MarginMode
from cockpit.venues.envelope import Envelope, list_of, object_with, within
from cockpit.venues.numbers import dig, num
from cockpit.venues.profiles.base import PRIVATE_KEY, Credential, Numbers, VenueProfile


def _height(body: Any) -> int | None:
    """``subaccount.latestProcessedBlockHeight`` of a dYdX subaccount reply, as an int."""
    sub = body.get("subaccount") if isinstance(body, dict) else None
    value = sub.get("latestProcessedBlockHeight") if isinstance(sub, dict) else None
    return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None


class Dydx(VenueProfile):
    """dYdX v4: reads need only the dydx1… address; funding comes from the market list."""

    venue = "dydx"
    title = "dYdX v4"
    layer = Layer.DYDX
    currency = "USDC"
    funding_hours = 1.0
    credentials = (
        Credential("walletAddress", "walletAddress", "wallet address", secret=False,
                   pattern=r"dydx1[0-9a-z]{38}", shape="a dydx1… chain address"),
        Credential("privateKey", "options.privateKey", "dYdX chain private key (hex)",
                   for_reads=False, pattern=PRIVATE_KEY[0], shape=PRIVATE_KEY[1]),
    )
    client_id = "uint32"
    redact_names = ()
    trading = True
    sandbox = True
    options: dict[str, Any] = {}
    dead_man_absent = ("dYdX v4 has no cancel-all-after (ccxt: cancelAllOrdersAfter is False); its "
                       "short-term orders expire by themselves within 20 blocks")
    # No bulk funding call: its market list carries each market's next rate.
    funding_from_markets = True
    # Leverage is not value / initial margin there: margin fractions are per market.
    leverage_from_margin = False
    # dYdX moves USDC between an address's subaccounts in one block (MsgCreateTransfer; ccxt's
    # `transfer` builds it from a subaccount number to another). Cockpit's dYdX account is one
    # subaccount and it knows no other to draw from, so it sends none: not wired yet.
    top_up_absent = ("a transfer from another subaccount exists on dYdX but cockpit knows no subaccount to "
                     "draw from; move it in the dYdX app")
    envelopes = (
        Envelope(re.compile(r"/v4/perpetualPositions$"),
                 None, within("positions", list_of("positions", keys=("market", "size")))),
        Envelope(re.compile(r"/v4/addresses/[^/]+/subaccountNumber/\d+$"),
                 None, within("subaccount", object_with("subaccount", "equity", "freeCollateral"))),
        Envelope(re.compile(r"/v4/perpetualMarkets$"),
                 None, within("markets", lambda m: None if isinstance(m, dict) and m
                              else "markets is not a non-empty object")),
        Envelope(re.compile(r"/v4/orders$"), None, list_of("orders")),
    )

    async def lookup_order(self, exchange: Any, venue_cid: str, symbol: str) -> Any:
        """dYdX looks orders up by venue id only: search the account's orders by client id."""
        orders = await exchange.fetch_orders(symbol)
        return next((o for o in orders if str(o.get("clientOrderId")) == venue_cid), None)

    def collateral(self, info: Any) -> Numbers:
        """ccxt keeps the subaccount object itself as info; free collateral is also what can
        leave."""
        sub = info.get("subaccount", info) if isinstance(info, dict) else None
        equity, free = num(dig(sub, "equity")), num(dig(sub, "freeCollateral"))
        used = equity - free if equity is not None and free is not None else None
        return equity, used, free, free, None

    def margin_mode(self, raw: Any) -> MarginMode:
        """Subaccounts 0-127 are cross; isolated positions live in 128 and above."""
        number = num((raw.get("info") or {}).get("subaccountNumber"))
        return MarginMode.ISOLATED if number is not None and number >= 128 else MarginMode.CROSS

    def height(self, replies: Iterable[Any]) -> int | None:
        """The block height its indexer had processed when it answered (the subaccount reply's
        ``latestProcessedBlockHeight``); it stops when the indexer serves frozen data."""
        found = [h for h in (_height(r.body) for r in replies if "/subaccountNumber/" in r.path)
                 if h is not None]
        return max(found) if found else None


PROFILE = Dydx()
