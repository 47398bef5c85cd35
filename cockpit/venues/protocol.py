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
"""

from __future__ import annotations

from typing import Mapping, Protocol, runtime_checkable

from cockpit.model import (
    AccountInfo,
    Instrument,
    Order,
    OrderRequest,
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
