"""Checks of a reply's documented envelope, which each venue profile assembles for its calls.

ccxt parses almost anything into an empty list (``null``, ``{}``, ``"ok"``), so a profile names
the shape each reply of a snapshot must have; `cockpit.venues.replies.check` applies it. A check
returns what is wrong with the reply, or None. No ccxt import, no I/O.
"""

from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple

Check = Callable[[Any], str | None]


class Envelope(NamedTuple):
    """The documented shape of the reply of one call.

    Attributes:
        path: matched (searched) against the request path.
        kind: the request's own kind (Hyperliquid's ``/info`` type), None for any.
        check: what is wrong with a reply, or None.
    """

    path: re.Pattern[str]
    kind: str | None
    check: Check


def list_of(what: str, *, nonempty: bool = False, keys: tuple[str, ...] = ()) -> Check:
    """A JSON array (of objects holding `keys`); `nonempty`: with at least one entry."""
    def check(data: Any) -> str | None:
        if not isinstance(data, list):
            return f"{what} is not a list"
        if nonempty and not data:
            return f"{what} is empty"
        for entry in data:
            if keys and not (isinstance(entry, dict) and all(k in entry for k in keys)):
                return f"{what} holds an entry without {', '.join(keys)}"
        return None
    return check


def object_with(what: str, *keys: str) -> Check:
    """A JSON object holding `keys`."""
    def check(data: Any) -> str | None:
        if not isinstance(data, dict):
            return f"{what} is not an object"
        missing = [k for k in keys if k not in data]
        return f"{what} has no {', '.join(missing)}" if missing else None
    return check


def within(key: str, inner: Check, *, code: tuple[str, Any] | None = None,
           what: str = "the reply") -> Check:
    """An object whose `key` passes `inner` (and whose success `code` field is as documented)."""
    def check(data: Any) -> str | None:
        if not isinstance(data, dict):
            return f"{what} is not an object"
        if code is not None and str(data.get(code[0])) != str(code[1]):
            return f"{what} has no success {code[0]}"
        if key not in data:
            return f"{what} has no {key!r}"
        return inner(data[key])
    return check
