"""The venue error classes (defined in `cockpit.model.errors`, re-exported here)."""

from cockpit.model.errors import (
    AuthError,
    MalformedReply,
    NotSupported,
    RateLimited,
    Rejected,
    Unavailable,
    UnknownOutcome,
    VenueError,
    VenueTimeout,
)

__all__ = [
    "VenueError", "AuthError", "RateLimited", "Unavailable", "VenueTimeout", "UnknownOutcome",
    "Rejected", "MalformedReply", "NotSupported",
]
