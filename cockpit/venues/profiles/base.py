"""What a venue profile is: the facts of one venue and the hooks the ccxt adapter asks it.

The adapter, the mapping and the key commands never test a venue's name: they ask the account's
profile. A profile declares every name in `FACTS` itself (the tests check it) and overrides the
hooks where its venue differs from unified ccxt. No ccxt import, no I/O at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Awaitable, Callable, Iterable, Mapping

from cockpit.model import Layer, MarginMode, TransferStatus
from cockpit.venues.envelope import Envelope

# (equity, used, free, withdrawable, maintenance) of an account, from its raw account reply.
Numbers = tuple[float | None, float | None, float | None, float | None, float | None]
# Awaits one ccxt read with the adapter's time limit and error translation.
Read = Callable[[Awaitable[Any]], Awaitable[Any]]
# A top-up as the venue has it: (the venue's id of the transfer, where it stands).
TopUp = tuple[str, TransferStatus]

# Client order id formats (see `cockpit.venues.mapping.venue_client_id`).
CLIENT_ID_FORMATS = ("ascii36", "alnum32", "hex128", "uint32")

_ANY = (r"\S{8,}", "at least 8 characters, no spaces")


@dataclass(frozen=True, slots=True)
class Credential:
    """One field stored in the keyring for an account.

    Attributes:
        name: the keyring field name (what `cockpit keys set` asks for).
        ccxt_key: where it goes in ccxt: an exchange attribute, or ``options.<key>``.
        label: the prompt shown to the user.
        for_reads: needed even by a read-only account (False: only for trading).
        secret: a value that must never be shown (addresses are identifiers, not secrets).
        pattern: a regular expression the whole value must match (`cockpit keys set` checks it).
        shape: what `pattern` means, for the message when a value does not match.
    """

    name: str
    ccxt_key: str
    label: str
    for_reads: bool = True
    secret: bool = True
    pattern: str = _ANY[0]
    shape: str = _ANY[1]


CEX_KEYS = (
    Credential("apiKey", "apiKey", "API key"),
    Credential("secret", "secret", "API secret"),
)
EVM_ADDRESS = (r"0x[0-9a-fA-F]{40}", "0x followed by 40 hex digits")
PRIVATE_KEY = (r"(0x)?[0-9a-fA-F]{64}", "64 hex digits (0x optional)")


class VenueProfile:
    """One venue's facts and hooks. Subclass it once per venue (`cockpit.venues.profiles`).

    Facts (each profile sets every one, see `FACTS`):
        venue: the id used in the config file; also the ccxt class name.
        title: the venue's name for people.
        layer: where this venue's collateral settles by default.
        currency: the currency its account collateral is reported in.
        funding_hours: the interval to assume when a symbol's own interval is not reported
            (Binance lists only the symbols that differ from 8h); None where the venue always
            reports it, so a missing one is unknown, never guessed.
        credentials: the keyring fields of an account, in the order `cockpit keys set` asks.
        client_id: how a client order id must look: ``ascii36`` (<= 36 of ``[A-Za-z0-9._:/-]``),
            ``alnum32`` (<= 32 letters and digits), ``hex128`` (``0x`` + 32 hex) or ``uint32``.
        redact_names: header and parameter names that carry credentials on this venue, masked
            wherever they appear (with every credential's own name; see `secret_names`).
        trading: cockpit may send orders here (False: read-only whatever the config says).
        sandbox: ccxt knows the venue's testnet URLs.
        options: ccxt options set on every instance, each with the reason in a comment.
    """

    FACTS = ("venue", "title", "layer", "currency", "funding_hours", "credentials", "client_id",
             "redact_names", "trading", "sandbox", "options")

    venue: str
    title: str
    layer: Layer
    currency: str
    funding_hours: float | None
    credentials: tuple[Credential, ...]
    client_id: str
    redact_names: tuple[str, ...]
    trading: bool
    sandbox: bool
    options: Mapping[str, Any]

    # -- quirks, with the unified-ccxt default -------------------------------------------------
    #: The venue has no bulk funding call: read funding from its market list instead.
    funding_from_markets: bool = False
    #: Where its raw position holds its own margins: {"initial"|"maintenance": path in info}.
    raw_margins: Mapping[str, tuple[Any, ...]] = MappingProxyType({})
    #: The funding reply carries the venue's clock (`server_times`): it is read with every
    #: snapshot, where other venues' is read once a minute (`cockpit.venues.ccxt_adapter`).
    clock_in_funding: bool = False
    #: ccxt's position "notional" is the entry cost, not size × mark (so no mark follows from it).
    cost_notional: bool = False
    #: Leverage may be worked out as value / initial margin when the venue leaves it out.
    leverage_from_margin: bool = True
    #: A market order needs a reference price (sent as an IOC limit around it).
    market_order_needs_price: bool = False
    #: The documented envelope of each reply a snapshot reads (`cockpit.venues.replies`).
    envelopes: tuple[Envelope, ...] = ()
    #: Error codes (or texts) that mean "this client order id is already taken".
    duplicate_codes: tuple[str, ...] = ()
    #: The dead-man's switch window (seconds, low and high) cockpit arms here; None: none it can arm.
    dead_man_range: tuple[float, float] | None = None
    #: Why there is none (when `dead_man_range` is None): the config error and the status line say it.
    dead_man_absent: str = "no dead-man's switch cockpit can arm on this venue"
    #: How many times a day the switch may fire (counted from 00:00 UTC); None: no limit.
    dead_man_daily: int | None = None
    #: It is armed per symbol (Binance): one timer for each symbol with resting orders.
    dead_man_per_symbol: bool = False

    # -- top-up within the venue (`cockpit.venues.protocol.TopUpVenue`) --------------------------
    #: How a top-up moves, for people ("spot → USDⓈ-M futures"); empty: none cockpit can send.
    top_up_route: str = ""
    #: Why there is none (when `top_up_route` is empty): `NotSupported` says it.
    top_up_absent: str = "no transfer into the perp margin within the venue that cockpit can send"
    #: The stablecoin a top-up moves.
    top_up_currency: str = "USDT"
    #: The venue keeps a client-chosen id on the transfer (derived from cockpit's), refuses a
    #: second transfer under it and finds it by it: a resend after a lost answer is the same
    #: transfer. False (the safe default): the venue can only be searched by amount and time, so
    #: a top-up whose answer is lost is never sent again (`cockpit.engine.topup`).
    top_up_client_id: bool = False
    #: The send answers with the venue's own id of the transfer and `top_up_status` finds the
    #: transfer by it (`known`): the engine journals it, so a restart finds that very transfer
    #: where the venue keeps no client id. False (the default): the answer names no transfer.
    top_up_venue_id: bool = False

    def __repr__(self) -> str:
        return f"<profile {self.venue}>"

    def fields(self, readonly: bool) -> tuple[Credential, ...]:
        """The credentials an account needs: all of them to trade, fewer to only read."""
        return tuple(c for c in self.credentials if c.for_reads or not readonly)

    def secret_names(self) -> tuple[str, ...]:
        """Every name under which this venue's secrets may travel: its secret fields (under
        cockpit's name and ccxt's) and its auth headers. Addresses are identifiers, not
        secrets: they stay readable."""
        secrets = [c for c in self.credentials if c.secret]
        names = {c.name for c in secrets} | {c.ccxt_key.removeprefix("options.") for c in secrets}
        return tuple(sorted(names | set(self.redact_names)))

    def read_only_reason(self) -> str | None:
        """Why no account on this venue may trade, whatever its config says; None when it may
        (trading needs what only a profile knows: client ids, order parameters, error codes)."""
        if self.trading:
            return None
        return f"{self.venue} is read-only: no cockpit profile; see README 'Adding a venue'"

    # -- client and calls ----------------------------------------------------------------------

    def exchange_class(self, ccxt_async: Any, base: type) -> type:
        """The ccxt class to instantiate, made from the guarded `base` (override to patch it)."""
        return base

    def missing_calls(self, exchange: Any) -> str | None:
        """Why the built client cannot serve cockpit (a call it lacks), or None."""
        return None

    async def account_info(self, exchange: Any, read: Read) -> Any:
        """The raw account reply the collateral is read from (default: balance ``info``)."""
        balance = await read(exchange.fetch_balance())
        return balance.get("info") if isinstance(balance, dict) else None

    def account_from_replies(self, account_info: Any, captured: Iterable[Any]) -> Any:
        """The account reply once the snapshot's calls are done (a venue may carry it in
        another call's reply)."""
        return account_info

    async def lookup_order(self, exchange: Any, venue_cid: str, symbol: str) -> Any:
        """The raw order with the venue client id `venue_cid`, or None."""
        return await exchange.fetch_order(None, symbol, {"clientOrderId": venue_cid})

    async def arm_dead_man(self, exchange: Any, seconds: float, symbols: Iterable[str]) -> float | None:
        """Arm (or refresh) the venue's cancel-all-after for `seconds`; `symbols` are those with
        resting orders (for a venue that arms per symbol). Returns the venue's deadline (POSIX
        seconds) when its reply carries one, else None. Only called when `dead_man_range` is set."""
        raise NotImplementedError(f"{self.venue}: {self.dead_man_absent}")

    async def disarm_dead_man(self, exchange: Any, symbols: Iterable[str]) -> None:
        """Turn the venue's cancel-all-after off (`symbols`: those it was armed for)."""
        raise NotImplementedError(f"{self.venue}: {self.dead_man_absent}")

    async def top_up_available(self, exchange: Any) -> float:
        """USD of `top_up_currency` the account can move into its perp margin now (the source
        wallet's free balance). Only called when `top_up_route` is set."""
        raise NotImplementedError(f"{self.venue}: {self.top_up_absent}")

    async def top_up(self, exchange: Any, amount: Decimal, client_id: str) -> TopUp:
        """Send the transfer of `amount` under cockpit's `client_id` (the venue's own id derived
        from it where the venue takes one)."""
        raise NotImplementedError(f"{self.venue}: {self.top_up_absent}")

    async def top_up_status(self, exchange: Any, client_id: str, amount: Decimal, since: float,
                            known: str | None, claimed: Iterable[str]) -> TopUp | None:
        """The top-up sent under `client_id` as the venue has it; None when it has none. `known`
        is the venue's id when this process sent it, or the one the engine kept from the send
        before a restart (`top_up_venue_id`); where the venue keeps no client id the
        transfer is found by amount and time (not before `since`), skipping the venue ids
        already `claimed` by other top-ups."""
        raise NotImplementedError(f"{self.venue}: {self.top_up_absent}")

    # -- mapping ---------------------------------------------------------------------------------

    def collateral_currency(self, info: Any) -> str:
        """The currency the account reply's figures are in."""
        return self.currency

    def collateral(self, info: Any) -> Numbers:
        """(equity, used, free, withdrawable, maintenance) from the account reply."""
        raise NotImplementedError(f"{self.venue}: no collateral extraction")

    def funding_payment(self, entry: Mapping[str, Any]) -> tuple[Any, Any]:
        """(amount received (+) or paid (−), exactly as booked; notional paid on, or None) of one
        ccxt funding-history entry. Unified ccxt gives ``amount`` as a float, signed as received."""
        return entry.get("amount"), None

    def margin_mode(self, raw: Mapping[str, Any]) -> MarginMode:
        """The margin mode of a position whose unified ``marginMode`` is missing."""
        return MarginMode.CROSS  # the model has no "unknown"; cross is what most accounts are

    def order_params(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The ccxt params an order that reduces the position `raw` must carry."""
        return {}

    # -- raw replies -----------------------------------------------------------------------------

    def request_kind(self, request_body: Any) -> str | None:
        """What a request asks for when its path does not say (Hyperliquid's ``/info`` type)."""
        return None

    def server_times(self, reply: Any) -> Iterable[Any]:
        """The server-time fields of one captured reply (ms), never a position's change time."""
        return ()

    def height(self, replies: Iterable[Any]) -> int | None:
        """A block height the venue's replies carry as its only clock (dYdX), else None."""
        return None
