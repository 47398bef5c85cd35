"""The paper venue's wire format: newline-delimited JSON messages carrying model values.

The values travel in `cockpit.model.codec`'s form (frozen dataclasses by class name, enums by
value, plain mappings tagged, `Decimal` as its exact text, tuples as lists); this module adds the
paper venue's framing and its errors. Venue errors travel as their class name, message and
fields, so the client raises what the simulator raised. A value that does not decode (an unknown
class, a missing field) raises `MalformedReply`: it is never read as "nothing".
"""

from __future__ import annotations

import json
from typing import Any

from cockpit.model import codec
from cockpit.model.errors import (
    AuthError, MalformedReply, NotSupported, RateLimited, Rejected, Unavailable, UnknownOutcome,
    VenueError, VenueTimeout,
)

_ERRORS = {cls.__name__: cls for cls in (
    AuthError, MalformedReply, NotSupported, RateLimited, Rejected, Unavailable, UnknownOutcome,
    VenueError, VenueTimeout)}


def encode(value: Any) -> Any:
    """A JSON-ready form of `value` (`cockpit.model.codec.encode`)."""
    return codec.encode(value)


def decode(data: Any) -> Any:
    """The value `encode` made; `MalformedReply` ("paper venue: cannot decode ...") for anything else."""
    return codec.decode(data, source="paper venue")


def dumps(message: dict) -> bytes:
    """One message as one line of JSON."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def loads(line: bytes) -> dict:
    """One line back to a message; `MalformedReply` unless it is a JSON object."""
    try:
        message = json.loads(line)
    except ValueError:
        raise MalformedReply(f"paper venue: not JSON: {line[:80]!r}") from None
    if not isinstance(message, dict):
        raise MalformedReply(f"paper venue: not a message: {line[:80]!r}")
    return message


def encode_error(error: VenueError) -> dict:
    """A venue error as it travels: class, message and the fields its class has."""
    out: dict[str, Any] = {"kind": type(error).__name__, "message": str(error), "account": error.account,
                           "code": error.code}
    if isinstance(error, RateLimited):
        out["retry_after"] = error.retry_after
    if isinstance(error, UnknownOutcome):
        out["client_id"] = error.client_id
    return out


def decode_error(data: Any) -> VenueError:
    """The venue error `encode_error` described (an unknown kind is a `MalformedReply`)."""
    if not isinstance(data, dict) or data.get("kind") not in _ERRORS:
        return MalformedReply(f"paper venue: unknown error {str(data)[:80]}")
    cls = _ERRORS[data["kind"]]
    extra = {k: data[k] for k in ("retry_after", "client_id") if k in data}
    return cls(str(data.get("message", "")), account=str(data.get("account") or ""), code=data.get("code"),
               **extra)
