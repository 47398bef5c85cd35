"""Orders the cockpit sends and the intents that ask for them.

An `Intent` is what a person or a rule wants ("cut this position by 25%"). The engine's executor
turns an accepted intent into an `OrderRequest`: exact size, reduce-only, a deterministic client
order id. Every order the cockpit sends reduces risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from cockpit.model.enums import IntentSource, Layer, OrderStatus, Side
from cockpit.model.ids import PositionKey


@dataclass(frozen=True, slots=True)
class Intent:
    """A request to reduce one position.

    Exactly one of `fraction` (0 < f <= 1 of the current size) or `amount` (in the instrument's
    order unit: base units, contracts on an inverse swap) is set.
    `id` is unique per intent and is the seed of the order's client id, so a retried intent never
    becomes a second order.
    """

    id: str
    account: str
    symbol: str
    source: IntentSource
    reason: str
    fraction: float | None = None
    amount: Decimal | None = None
    limit: Decimal | None = None  # a limit price (on the venue's tick): a resting order, not market

    @property
    def key(self) -> PositionKey:
        """The position this intent reduces."""
        return PositionKey(self.account, self.symbol)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """An order ready to send: sizes already rounded down to the venue's step."""

    client_id: str
    account: str
    symbol: str
    side: Side
    amount: Decimal
    reduce_only: bool = True
    type: str = "market"
    price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the venue reports it."""

    client_id: str
    account: str
    symbol: str
    side: Side
    amount: Decimal
    filled: Decimal
    status: OrderStatus
    reduce_only: bool = True
    type: str = "market"
    price: Decimal | None = None
    average: Decimal | None = None
    fee: float = 0.0
    venue_id: str | None = None
    timestamp: float | None = None

    @property
    def remaining(self) -> Decimal:
        """Size not yet filled."""
        return self.amount - self.filled


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkingOrder(Order):
    """An order of ours that is not done yet, as the engine's journal knows it (`Frame.working`):
    the `Order` (its fields declared there once), with the intent that asked for it.

    It may rest at the venue (a ladder rung, a limit trim), be on its way (journaled, not yet
    acknowledged) or have an unknown outcome that the engine is still looking up. The venue's own
    list of open orders (`VenueSnapshot.open_orders`) shows only what reached it; this shows what
    the cockpit has in flight, whether or not the venue has it yet. Its fields are given by name.

    Attributes:
        intent_id: the intent that asked for it: ``trim:…`` (a hotkey trim or close),
            ``kill:<episode>:…`` (the kill switch's cut), ``unwind:<run>:<step>:<attempt>:<slice>``
            (a step of a guided unwind run).
        source: who asked (a hotkey, the kill switch, a playbook run).
        reason: why, in the asker's words ("hotkey trim 25%").
        created: when it was journaled (the engine's clock, POSIX seconds; `Order.timestamp` is
            the venue's, which the journal does not know).
        detail: what the journal last noted about it ("sending", "not at the venue yet …").
    """

    intent_id: str
    source: IntentSource
    reason: str
    created: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of an order."""

    client_id: str
    account: str
    symbol: str
    side: Side
    amount: Decimal
    price: Decimal
    fee: float
    timestamp: float


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """A request to move collateral from one account's layer to another layer."""

    client_id: str
    account: str
    to_layer: Layer
    amount: Decimal
    currency: str = "USDC"
    route: str = ""
