"""Model values to and from JSON: the paper venue's wire format (newline-delimited JSON).

Only the values a venue exchanges travel: frozen dataclasses by class name, enums by value, plain mappings tagged,
`Decimal` as its exact text (money never passes through a float), tuples as lists. Venue errors
travel as their class name, message and fields, so the client raises what the simulator raised.
A value that does not decode (an unknown class, a missing field) raises `MalformedReply`: it is
never read as "nothing".
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from cockpit.model.errors import (
    AuthError, MalformedReply, NotSupported, RateLimited, Rejected, Unavailable, UnknownOutcome,
    VenueError, VenueTimeout,
)
from cockpit.model.enums import Health, Layer, MarginMode, OrderStatus, Side, TransferStatus
from cockpit.model.market import (
    AccountInfo, Collateral, FundingQuote, Instrument, LiquidationReport, Position, Transfer, VenueSnapshot,
)
from cockpit.model.orders import Order, OrderRequest, TransferRequest

_TYPES = {cls.__name__: cls for cls in (
    AccountInfo, Collateral, FundingQuote, Instrument, LiquidationReport, Order, OrderRequest, Position,
    Transfer, TransferRequest, VenueSnapshot)}
_ENUMS = {cls.__name__: cls for cls in (Health, Layer, MarginMode, OrderStatus, Side, TransferStatus)}
_ERRORS = {cls.__name__: cls for cls in (
    AuthError, MalformedReply, NotSupported, RateLimited, Rejected, Unavailable, UnknownOutcome,
    VenueError, VenueTimeout)}


def encode(value: Any) -> Any:
    """A JSON-ready form of `value` (model dataclasses, enums, Decimals, tuples, plain values)."""
    if isinstance(value, Enum):  # before str: the model's enums are str enums
        return {"$e": type(value).__name__, "v": value.value}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, (tuple, list)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"$o": {str(k): encode(v) for k, v in value.items()}}
    if dataclasses.is_dataclass(value) and type(value).__name__ in _TYPES:
        out = {"$t": type(value).__name__}
        for f in dataclasses.fields(value):
            if f.init:  # a field the constructor sets itself (`VenueSnapshot.seq`) is not sent
                out[f.name] = encode(getattr(value, f.name))
        return out
    raise TypeError(f"cannot send a {type(value).__name__} over the wire")


def decode(data: Any) -> Any:
    """The value `encode` made; `MalformedReply` for anything else."""
    if isinstance(data, list):
        return tuple(decode(v) for v in data)
    if not isinstance(data, dict):
        return data
    try:
        if "$d" in data:
            return Decimal(data["$d"])
        if "$e" in data:
            return _ENUMS[data["$e"]](data["v"])
        if "$o" in data:
            return {k: decode(v) for k, v in data["$o"].items()}
        cls = _TYPES[data["$t"]]
        return cls(**{k: decode(v) for k, v in data.items() if k != "$t"})
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise MalformedReply(f"paper venue: cannot decode {str(data)[:80]} ({type(error).__name__})") from None


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
