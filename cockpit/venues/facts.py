"""Per-venue facts the ccxt adapter and the key commands need: no ccxt import, no I/O.

One table says, for each supported venue, which ccxt class speaks to it, where its collateral
settles, the funding interval to assume when the venue does not say, which credentials it needs
(and which of them a read-only account can do without), how client order ids must look, and the
ccxt options that keep it from making calls we do not want.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from cockpit.model import Layer


@dataclass(frozen=True, slots=True)
class Credential:
    """One field stored in the keyring for an account.

    Attributes:
        name: the keyring field name (what `cockpit keys set` asks for).
        ccxt_key: where it goes in ccxt: an exchange attribute, or ``options.<key>``.
        label: the prompt shown to the user.
        for_reads: needed even by a read-only account (False: only for trading).
        secret: a value that must never be shown (addresses are identifiers, not secrets).
    """

    name: str
    ccxt_key: str
    label: str
    for_reads: bool = True
    secret: bool = True


@dataclass(frozen=True, slots=True)
class VenueFacts:
    """What cockpit knows about one venue.

    Attributes:
        venue: the id used in the config file; also the ccxt class name.
        layer: where this venue's collateral settles by default.
        currency: the currency its account collateral is reported in.
        funding_hours: the interval to assume when a symbol's own interval is not reported
            (Binance lists only the symbols that differ from 8h); None where the venue always
            reports it, so a missing one is unknown, never guessed.
        client_id: how a client order id must look: ``ascii36`` (<= 36 of ``[A-Za-z0-9._:/-]``),
            ``alnum32`` (<= 32 letters and digits), ``hex128`` (``0x`` + 32 hex) or ``uint32``.
        sandbox: ccxt knows the venue's testnet URLs.
        funding_from_markets: the venue has no bulk funding call; read funding from its market
            list (one call, all symbols) instead.
        options: ccxt options set on every instance, each with the reason in a comment.
    """

    venue: str
    title: str
    layer: Layer
    currency: str
    funding_hours: float | None
    credentials: tuple[Credential, ...]
    client_id: str
    sandbox: bool = True
    funding_from_markets: bool = False
    options: Mapping[str, object] = field(default_factory=dict)

    def fields(self, readonly: bool) -> tuple[Credential, ...]:
        """The credentials an account needs: all of them to trade, fewer to only read."""
        return tuple(c for c in self.credentials if c.for_reads or not readonly)


_CEX_KEYS = (
    Credential("apiKey", "apiKey", "API key"),
    Credential("secret", "secret", "API secret"),
)
_WALLET = Credential("walletAddress", "walletAddress", "wallet address", secret=False)

VENUES: Mapping[str, VenueFacts] = MappingProxyType({
    "binanceusdm": VenueFacts(
        "binanceusdm", "Binance USDⓈ-M", Layer.CEX, "USDT", 8.0, _CEX_KEYS, "ascii36",
        # With keys, load_markets would also call two signed spot endpoints we never need.
        options={"fetchCurrencies": False,
                 # One open-orders call for all symbols is what we want, not a warning.
                 "warnOnFetchOpenOrdersWithoutSymbol": False},
    ),
    "bybit": VenueFacts(
        "bybit", "Bybit", Layer.CEX, "USD", 8.0, _CEX_KEYS, "ascii36",
        options={
            # Skip the two account-discovery calls ccxt makes before the first private call.
            "enableUnifiedAccount": True, "enableUnifiedMargin": False,
            "fetchMarkets": {"types": ["linear"]},
        },
    ),
    "okx": VenueFacts(
        # OKX's interval is its next funding time minus this one's: without both, unknown.
        "okx", "OKX", Layer.CEX, "USD", None,
        _CEX_KEYS + (Credential("passphrase", "password", "API passphrase"),), "alnum32",
        options={"fetchMarkets": {"types": ["swap"]}},
    ),
    "hyperliquid": VenueFacts(
        "hyperliquid", "Hyperliquid", Layer.HYPERLIQUID, "USDC", 1.0,
        (_WALLET, Credential("privateKey", "privateKey", "API (agent) wallet private key",
                             for_reads=False)),
        "hex128",
        options={
            "fetchMarkets": {"types": ["swap"]},
            # No third-party builder fee, no referral: see ccxt_build.py.
            "builderFee": False, "approvedBuilderFee": False, "refSet": True,
        },
    ),
    "dydx": VenueFacts(
        "dydx", "dYdX v4", Layer.DYDX, "USDC", 1.0,
        (_WALLET, Credential("privateKey", "options.privateKey", "dYdX chain private key (hex)",
                             for_reads=False)),
        "uint32", funding_from_markets=True,
    ),
    "paradex": VenueFacts(
        "paradex", "Paradex", Layer.STARKNET, "USDC", 8.0,
        # Every private read goes through a JWT signed with a key derived from the L1 key.
        (_WALLET, Credential("privateKey", "privateKey", "Ethereum (L1) private key")),
        "ascii36",
    ),
})


def venue_facts(venue: str) -> VenueFacts:
    """The facts of `venue`; KeyError names the venues that exist."""
    try:
        return VENUES[venue]
    except KeyError:
        raise KeyError(f"unknown venue {venue!r}; use one of {', '.join(VENUES)}") from None
