"""Frozen values shared by every layer of cockpit: the venue data, the book, intents and the frame.

This package imports the standard library only. Everything in it is immutable, so a value handed
from the engine to the UI can never change under the reader.
"""

from cockpit.model.classcache import compiled_methods

# The dataclasses' methods compiled once, not on every start (see `classcache`).
with compiled_methods("model"):
    from cockpit.model.enums import (
        IN_FLIGHT,
        TERMINAL,
        Health,
        IntentSource,
        KillMode,
        Layer,
        LiqKind,
        MarginMode,
        OrderStatus,
        Side,
        TransferStatus,
    )
    from cockpit.model.ids import PositionKey
    from cockpit.model.market import (
        Instrument,
        FundingQuote,
        Position,
        Collateral,
        Transfer,
        AccountInfo,
        LiquidationReport,
        VenueSnapshot,
    )
    from cockpit.model.orders import (
        OrderRequest,
        Order,
        Fill,
        Intent,
        TransferRequest,
        WorkingOrder,
    )
    from cockpit.model.book import AccountState, Book
    from cockpit.model.assessment import (
        PositionRisk,
        AssetExposure,
        FundingCell,
        CarryPair,
        CarryScan,
        DepthSource,
        LayerCollateral,
        PlaybookStep,
        StressRow,
        RescueStatus,
        StepReason,
        Cover,
        KillState,
        KillStatus,
        KillEvent,
        KillLatch,
        PlannedCut,
        ProposedCut,
        Assessment,
    )
    from cockpit.model.frame import Frame, Mode
    from cockpit.model.deadman import DeadMan, DeadManMode, DeadManPolicy, DeadManState, DeadManStatus
    from cockpit.model.errors import (
        VenueError,
        AuthError,
        RateLimited,
        Unavailable,
        VenueTimeout,
        UnknownOutcome,
        Rejected,
        MalformedReply,
        NotSupported,
    )

__all__ = [
    "IN_FLIGHT", "TERMINAL", "KillMode", "LiqKind",
    "PositionKey",
    "Health", "Layer", "MarginMode", "Side", "Instrument", "FundingQuote", "Position", "Collateral",
    "Transfer", "TransferStatus", "AccountInfo", "LiquidationReport", "VenueSnapshot",
    "OrderRequest", "OrderStatus", "Order", "Fill", "Intent", "IntentSource", "TransferRequest",
    "WorkingOrder",
    "AccountState", "Book",
    "PositionRisk", "AssetExposure", "FundingCell", "CarryPair", "CarryScan", "DepthSource", "LayerCollateral", "PlaybookStep", "StressRow",
    "RescueStatus", "StepReason", "Cover",
    "KillState", "KillStatus", "KillEvent", "KillLatch", "PlannedCut", "ProposedCut", "Assessment",
    "Frame", "Mode",
    "DeadMan", "DeadManMode", "DeadManPolicy", "DeadManState", "DeadManStatus",
    "VenueError", "AuthError", "RateLimited", "Unavailable", "VenueTimeout", "UnknownOutcome",
    "Rejected", "MalformedReply", "NotSupported",
]
