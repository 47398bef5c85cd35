"""The model's enumerations: what a venue, an order or a transfer can be.

They live apart from the values that use them so that `market` and `orders` (which both need
`Side` and `Layer`) import this module and never each other the wrong way round. All are `str`
enums: their values are the text the wire, the journal and the config already use.
"""

from __future__ import annotations

from enum import Enum


class Layer(str, Enum):
    """Where an account's collateral settles. See DESIGN.md, "Words"."""

    CEX = "cex"
    HYPERLIQUID = "hyperliquid"
    DYDX = "dydx"
    STARKNET = "starknet"
    ARBITRUM = "arbitrum"
    ETHEREUM = "ethereum"


class Side(str, Enum):
    """Direction of a position or an order."""

    LONG = "long"
    SHORT = "short"

    @property
    def sign(self) -> int:
        """+1 for long, -1 for short."""
        return 1 if self is Side.LONG else -1

    @property
    def opposite(self) -> "Side":
        """The side that reduces a position on this side."""
        return Side.SHORT if self is Side.LONG else Side.LONG


class MarginMode(str, Enum):
    """Cross margin shares an account's collateral; isolated margin is per position."""

    CROSS = "cross"
    ISOLATED = "isolated"


class Health(str, Enum):
    """How fresh an account's data is: LIVE, STALE (older than the stale limit) or DOWN."""

    LIVE = "LIVE"
    STALE = "STALE"
    DOWN = "DOWN"


class TransferStatus(str, Enum):
    """Where a transfer stands."""

    PENDING = "pending"
    QUEUED = "queued"
    IN_FLIGHT = "in_flight"
    STUCK = "stuck"
    DONE = "done"
    FAILED = "failed"


class IntentSource(str, Enum):
    """Who asked: a hotkey, a kill-switch rule, or an unwind playbook step."""

    HOTKEY = "hotkey"
    KILL_SWITCH = "kill_switch"
    PLAYBOOK = "playbook"


class OrderStatus(str, Enum):
    """Lifecycle of an order in the journal and at the venue."""

    INTENDED = "intended"  # journaled, not yet sent
    OPEN = "open"
    PARTIAL = "partial"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    UNKNOWN = "unknown"  # sent, outcome not known: resolve by lookup, never by resending a new id
