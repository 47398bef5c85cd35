"""The error classes every venue raises, the simulator and ccxt adapters alike.

They live in `model` (not `venues`) because the simulator must raise them and may import only
`model` and numpy. `cockpit.venues.errors` re-exports them.

Messages are user-facing: they never contain a secret, a signed URL or a header.
"""

from __future__ import annotations


class VenueError(Exception):
    """Base of every error a venue adapter raises. `account` names who raised it."""

    def __init__(self, message: str, *, account: str = "", code: str | None = None) -> None:
        super().__init__(message)
        self.account = account
        self.code = code

    @property
    def reason(self) -> str:
        """A short reason for the status line: class name and message."""
        return f"{type(self).__name__}: {self}"


class AuthError(VenueError):
    """Credentials missing, rejected or lacking a permission. Retrying will not help."""


class RateLimited(VenueError):
    """The venue said 429 (or 418). Wait at least `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class Unavailable(VenueError):
    """The venue is down, in maintenance, or answered 5xx to a read. Retry later."""


class VenueTimeout(Unavailable):
    """No answer in time. For a read, retry; for an order, see `UnknownOutcome`."""


class UnknownOutcome(VenueError):
    """An order was sent and we do not know whether it landed (timeout, 5xx, reset).

    Resolve by looking the order up by its client id; never by sending a new id.
    """

    def __init__(self, message: str, *, client_id: str = "", **kw) -> None:
        super().__init__(message, **kw)
        self.client_id = client_id


class Rejected(VenueError):
    """The venue refused the order (precision, minimum size, reduce-only, margin)."""


class MalformedReply(VenueError):
    """The venue answered with something we cannot trust: truncated, empty, wrong shape.

    Never read as "no positions".
    """


class NotSupported(VenueError):
    """The venue or adapter does not offer this operation."""
