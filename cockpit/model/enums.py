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

    @property
    def in_flight(self) -> bool:
        """The order may still change the position: intended, open, partial or unknown."""
        return self in IN_FLIGHT


IN_FLIGHT = (OrderStatus.INTENDED, OrderStatus.OPEN, OrderStatus.PARTIAL, OrderStatus.UNKNOWN)
"""Orders in these states may still change the position: they count as in flight. The one
definition: the journal's open orders, the executor's resends and the screen all use it."""

TERMINAL = tuple(s for s in OrderStatus if s not in IN_FLIGHT)
"""Orders in these states are done: filled, canceled or rejected; nothing more can happen."""


class KillMode(str, Enum):
    """What the kill switch does with a cut it proposes."""

    ADVISE = "advise"  # show it and ask a person
    AUTO = "auto"  # the engine sends it itself


class LiqKind(str, Enum):
    """Which liquidation a position's distance measures (`PositionRisk.liq_kind`)."""

    POSITION = "position"  # its own liquidation price
    ACCOUNT = "account"  # cross margin: the move that liquidates the whole account
    UNKNOWN = "unknown"
