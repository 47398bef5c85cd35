"""The venue protocol: what the engine needs from one account on one venue.

The embedded simulator and the ccxt adapters both implement it; nothing else in the program knows
which kind it talks to. Every method raises only `cockpit.model.errors.VenueError` subclasses:

- `AuthError`: credentials missing or rejected;
- `RateLimited`: back off at least `retry_after` seconds;
- `Unavailable` / `VenueTimeout`: down, 5xx, no answer (for reads: retry later);
- `UnknownOutcome`: an order may or may not have landed; look it up by client id;
- `Rejected`: the venue refused an order;
- `MalformedReply`: a reply that cannot be trusted (truncated, empty, wrong shape);
- `NotSupported`: the operation does not exist on this venue.

A snapshot is whole or it is an error: a malformed reply is never "no positions".

`FundingHistoryVenue` is another optional capability: past funding rates and this account's own
funding payments, for the engine's history and funding ledger.

`DeadManVenue` is an optional capability: a venue that has it can arm its exchange-side
dead-man's switch (cancel this account's orders unless refreshed). One that has no such switch
answers `DeadMan(supported=False, note=why)`, never a pretend success; a venue object without the
methods is treated the same way by the engine.

`TopUpVenue` is another: a venue that can move collateral into this account's perp margin
within the venue, in seconds (a spot or funding wallet's stablecoin, a sub-account's). One
without such a transfer answers `NotSupported` with the reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping, Protocol, runtime_checkable

from cockpit.model.funding import FundingPayment, FundingSample
from cockpit.model import (
    AccountInfo,
    DeadMan,
    Instrument,
    Order,
    OrderRequest,
    Side,
    Transfer,
    TransferRequest,
    VenueSnapshot,
)


@runtime_checkable
class Venue(Protocol):
    """One account on one venue."""

    info: AccountInfo
    """Who this is: account name, venue id, layer, read-only flag."""

    async def connect(self) -> None:
        """Load markets and check credentials. Called once before the first snapshot."""

    def instruments(self) -> Mapping[str, Instrument]:
        """Instruments by symbol, with precision and fees (valid after `connect`)."""

    async def snapshot(self) -> VenueSnapshot:
        """Poll positions, collateral, funding (one bulk call), marks and open orders."""

    async def place_order(self, request: OrderRequest) -> Order:
        """Send an order (reduce-only at the venue when `request.reduce_only`) with its client id."""

    async def cancel_order(self, client_id: str, symbol: str) -> None:
        """Cancel an open order by client id."""

    async def fetch_order(self, client_id: str, symbol: str) -> Order | None:
        """Look an order up by client id; None when the venue never saw it."""

    async def request_transfer(self, request: TransferRequest) -> Transfer:
        """Start moving collateral to another layer (withdrawal or bridge)."""

    async def close(self) -> None:
        """Release connections."""


@runtime_checkable
class DepthVenue(Protocol):
    """A venue that can tell the depth of its order book (the unwind run sizes its slices by it)."""

    async def depth(self, symbol: str, side: Side, within: float, reference: float) -> float:
        """USD a taker order on `side` could take now at prices within `within` (a fraction) of
        `reference` (`Instrument.depth_within`). Raises a `VenueError` when the call fails."""


class DeadManVenue(Protocol):
    """A venue that can arm its exchange-side dead-man's switch (see `cockpit.model.deadman`)."""

    async def arm_dead_man(self, seconds: float) -> DeadMan:
        """Arm (or refresh) the switch: the venue cancels this account's open orders unless it is
        refreshed within `seconds`. Returns what the venue answered; `supported=False` (with the
        reason in `note`) where there is none. Raises a `VenueError` when the call fails."""

    async def disarm_dead_man(self) -> None:
        """Turn the switch off (a clean stop, or a run that ended)."""


@runtime_checkable
class TopUpVenue(Protocol):
    """A venue that can top up this account's perp margin from within the venue (the unwind
    run offers it as a step where it saves a position faster than a cut)."""

    top_up_route: str
    """How a top-up moves at this venue, for people ("spot wallet → USDⓈ-M futures"); "" where
    it has none."""

    top_up_keyed: bool
    """The venue keeps a client id on the transfer (derived from cockpit's), refuses a second
    transfer under it and is looked up by it: a resend after a lost answer is the same transfer.
    False: it can only be searched by amount and time, so the engine never resends a top-up whose
    answer was lost (a person checks the venue). A venue object without it counts as False."""

    top_up_venue_id: bool
    """The send's answer carries the venue's own id of the transfer, and `top_up_status` finds
    the transfer by it (`venue_id`): the engine journals it on the step, so after a restart a
    venue that keeps no client id (Binance) still finds that very transfer. False where the
    answer names no transfer (Hyperliquid) or the client id serves (`top_up_keyed`). A venue
    object without it counts as False."""

    async def top_up_available(self) -> float:
        """USD the account can move into its perp margin within the venue in seconds (a spot or
        funding wallet's free stablecoin, or a sub-account's). Raises `NotSupported` where the
        venue has no such transfer, another `VenueError` when the call fails."""

    async def top_up(self, amount: Decimal, client_id: str) -> Transfer:
        """Move `amount` into the perp margin. Idempotent by `client_id` where the venue takes
        one (`top_up_keyed`); where it does not, a top-up whose answer is lost is never sent
        again, so it is never moved twice. An answer lost on the way is `UnknownOutcome`; a
        definite refusal is `Rejected`."""

    async def top_up_status(self, client_id: str, amount: Decimal, since: float,
                            venue_id: str | None = None) -> Transfer | None:
        """The top-up sent under `client_id` (of `amount`, not before `since`, POSIX seconds)
        as the venue has it now; None when the venue has none. `venue_id` is the venue's own id
        of it as its send answered (kept across a restart by the caller; `top_up_venue_id`):
        the transfer with that id, or None. Where the venue keeps no client id (`top_up_keyed`
        False) and neither this process nor the caller knows the venue's own id of it, the
        match is by amount and time: a likely candidate, never proof."""


@runtime_checkable
class FundingHistoryVenue(Protocol):
    """A venue that can tell past funding: the rates it settled, and the payments it booked on
    this account (ccxt's ``fetchFundingRateHistory`` and ``fetchFundingHistory``; the simulator's
    own books). Either call raises `NotSupported` where the venue has no such history."""

    async def funding_rate_history(self, symbol: str, since: float) -> tuple[FundingSample, ...]:
        """Settled funding rates of `symbol` from `since` (POSIX seconds), oldest first, each
        with the interval it was paid over where it can be told."""

    async def funding_payments(self, since: float) -> tuple[FundingPayment, ...]:
        """Funding payments booked on this account from `since`, oldest first; amounts exact,
        received positive and paid negative."""
