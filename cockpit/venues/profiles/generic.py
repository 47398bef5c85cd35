"""Any other ccxt venue, read-only: unified positions, balance and funding rates only.

A venue without its own profile is served by ccxt's unified calls alone: what they leave out
stays unknown (no venue-specific raw fields are read), its layer is ``cex`` unless the config
says otherwise, and no order is ever sent (`read_only_reason`). Its credential fields are the ones
ccxt's class for it requires, read when they are first needed (that imports ccxt).
"""

from __future__ import annotations

from functools import cached_property
from types import MappingProxyType
from typing import Any

from cockpit.model import Layer
from cockpit.venues.numbers import dig, num
from cockpit.venues.profiles.base import Credential, Numbers, Read, VenueProfile

# Every credential ccxt knows (``Exchange.requiredCredentials``): (label, secret).
CCXT_CREDENTIALS: dict[str, tuple[str, bool]] = {
    "apiKey": ("API key", True), "secret": ("API secret", True),
    "password": ("API passphrase", True), "uid": ("user id", False),
    "accountId": ("account id", False), "login": ("login", False), "twofa": ("2FA secret", True),
    "privateKey": ("private key", True), "walletAddress": ("wallet address", False),
    "token": ("API token", True),
}
# The unified calls one snapshot makes.
_NEEDED = ("fetchPositions", "fetchBalance", "fetchFundingRates", "fetchOpenOrders")
# The collateral currencies looked for in a unified balance, most likely first.
_STABLES = ("USDT", "USDC", "USD")


class Generic(VenueProfile):
    """A ccxt venue cockpit has no profile for: read-only, unified fields only."""

    layer = Layer.CEX
    currency = "USDT"  # until a balance says which of `_STABLES` the account holds
    funding_hours = None  # an interval the venue does not report is unknown
    client_id = "ascii36"
    # Every name ccxt may send a secret under, whatever the venue asks for.
    redact_names = tuple(name for name, (_, secret) in CCXT_CREDENTIALS.items() if secret)
    trading = False
    sandbox = False  # not known without ccxt; a testnet is for venues with a profile
    options = MappingProxyType({})
    dead_man_absent = "read-only venue (no cockpit profile): cockpit sends it nothing"

    def __init__(self, venue: str) -> None:
        self.venue = venue
        self.title = venue

    @cached_property
    def credentials(self) -> tuple[Credential, ...]:  # type: ignore[override]
        """The fields ccxt's class for the venue requires (imports ccxt on first use)."""
        import importlib

        ccxt_async = importlib.import_module("ccxt.async_support")
        required = getattr(ccxt_async, self.venue)().requiredCredentials
        return tuple(Credential(name, name, label, secret=secret)
                     for name, (label, secret) in CCXT_CREDENTIALS.items() if required.get(name))

    def missing_calls(self, exchange: Any) -> str | None:
        """The unified calls a snapshot needs that ccxt does not have for this venue."""
        lacking = [call for call in _NEEDED if not exchange.has.get(call)]
        if not lacking:
            return None
        return (f"{self.venue}: ccxt has no unified {', '.join(lacking)} for it — cockpit "
                "cannot show this venue without a profile")

    async def account_info(self, exchange: Any, read: Read) -> Any:
        """The unified balance (per currency free/used/total), not its raw ``info``."""
        return await read(exchange.fetch_balance())

    def collateral_currency(self, info: Any) -> str:
        """The first of USDT, USDC, USD the balance holds (USDT when none)."""
        return next((c for c in _STABLES if num(dig(info, "total", c)) is not None), self.currency)

    def collateral(self, info: Any) -> Numbers:
        """Total, used and free of the collateral currency; withdrawable and maintenance
        unknown (unified ccxt does not have them)."""
        line = dig(info, self.collateral_currency(info))
        return (num(dig(line, "total")), num(dig(line, "used")), num(dig(line, "free")),
                None, None)
