"""Paradex perpetuals on Starknet (ccxt ``paradex``)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from cockpit.model import Layer
from cockpit.venues.envelope import Envelope, list_of, object_with, within
from cockpit.venues.numbers import dig, num
from cockpit.venues.profiles.base import (
    EVM_ADDRESS, PRIVATE_KEY, Credential, Numbers, Read, VenueProfile,
)


class Paradex(VenueProfile):
    """Paradex: every private read goes through a JWT signed with a key derived from the L1 key."""

    venue = "paradex"
    title = "Paradex"
    layer = Layer.STARKNET
    currency = "USDC"
    funding_hours = 8.0
    credentials = (
        Credential("walletAddress", "walletAddress", "wallet address", secret=False,
                   pattern=EVM_ADDRESS[0], shape=EVM_ADDRESS[1]),
        Credential("privateKey", "privateKey", "Ethereum (L1) private key",
                   pattern=PRIVATE_KEY[0], shape=PRIVATE_KEY[1]),
    )
    client_id = "ascii36"
    redact_names = ("paradex-starknet-signature", "paradex-starknet-account")
    trading = True
    sandbox = True
    options: dict[str, Any] = {}
    dead_man_absent = ("Paradex's cancel-on-disconnect belongs to one WebSocket connection "
                       "(order.cancel_on_disconnect); cockpit polls over REST and holds none")
    # ccxt's position "notional" is the entry cost there, so no mark follows from it.
    cost_notional = True
    # Paradex has no spot wallet, and moves USDC between its addresses (sub-accounts included) only
    # as a Starknet transaction, not through its REST API; ccxt has no `transfer` for it.
    top_up_absent = ("Paradex moves USDC between its accounts only as a Starknet transaction, not through "
                     "its API; move it in the Paradex app")
    envelopes = (
        Envelope(re.compile(r"/v1/positions$"),
                 None, within("results", list_of("positions", keys=("market", "size")))),
        Envelope(re.compile(r"/v1/account$"),
                 None, object_with("account", "account_value", "free_collateral",
                                   "initial_margin_requirement")),
        Envelope(re.compile(r"/v1/markets/summary$"),
                 None, within("results", list_of("summary", nonempty=True, keys=("symbol",)))),
        Envelope(re.compile(r"/v1/balance$"), None, within("results", list_of("balance"))),
        Envelope(re.compile(r"/v1/orders$"), None, within("results", list_of("orders"))),
    )

    def exchange_class(self, ccxt_async: Any, base: type) -> type:
        """ccxt's class, signing in once at a time: a snapshot's calls start together, and each
        would otherwise see no valid JWT and make its own sign-in (a StarkNet signature, about
        0.4 s of the event loop each, every time the token expires)."""

        class OneSignIn(base):  # type: ignore[misc, valid-type]
            """Paradex whose concurrent calls share one sign-in."""

            _sign_in: asyncio.Lock | None = None

            async def authenticate_rest(self, params: dict | None = None) -> Any:
                """ccxt's sign-in, one at a time: who waited finds the fresh token cached."""
                if self._sign_in is None:
                    self._sign_in = asyncio.Lock()
                async with self._sign_in:
                    return await super().authenticate_rest({} if params is None else params)

        return OneSignIn

    async def account_info(self, exchange: Any, read: Read) -> Any:
        """GET /v1/account: the balance call gives only the cash balance, not the margin
        picture. A raw call does not sign in by itself (ccxt's unified ones do): without a
        token, or with an expired one, it would fail as rejected keys."""
        await read(exchange.authenticate_rest())
        return await read(exchange.privateGetAccount())

    def collateral(self, info: Any) -> Numbers:
        """Account value, margin requirements and free collateral of /v1/account."""
        return (num(dig(info, "account_value")), num(dig(info, "initial_margin_requirement")),
                num(dig(info, "free_collateral")), None,
                num(dig(info, "maintenance_margin_requirement")))

    clock_in_funding = True  # see server_times

    def server_times(self, reply: Any) -> Any:
        """Market summaries carry their creation time."""
        body = reply.body
        if reply.path.endswith("/markets/summary") and isinstance(body, dict):
            return (e.get("created_at") for e in body.get("results") or () if isinstance(e, dict))
        return ()


PROFILE = Paradex()
