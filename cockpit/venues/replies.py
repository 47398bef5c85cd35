"""The raw replies of each venue: their documented envelope, and the venue's own clock in them.

ccxt parses almost anything into an empty list: ``null``, ``{}``, ``"ok"``, ``0``, a byte-order
mark before ``[]``, OKX's ``{"code":"0","data":null}`` or Bybit's ``{"result":{}}`` all come back
from ``fetch_positions`` as "no positions". So every reply of the calls a snapshot makes is held
against the envelope the venue documents (its type, and the list or object the data lives in)
before ccxt parses it; a reply of another shape is refused (`check` names what is wrong).

The same raw replies carry the venue's own time (a server timestamp, or the time of the data):
`venue_time` takes it (`venue_height` dYdX's block height, its only clock), so a venue that keeps
serving the same old data shows a clock that stops.

Each venue's envelopes and clock fields are in its profile (`cockpit.venues.profiles`). No ccxt
import, no I/O: the guarded ccxt class (`ccxt_build`) calls `check` and `capture` from its
``fetch``; the adapter reads what was captured for one snapshot.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterable

from cockpit.venues.profiles import profile_for


@dataclass(frozen=True, slots=True)
class Reply:
    """One raw reply: the request path (and Hyperliquid's ``/info`` type) and the parsed body."""

    path: str
    kind: str | None
    body: Any


# The replies of the current snapshot. A list set by the adapter before it starts the calls of one
# snapshot: the tasks of that snapshot share it, and no other call (an order) writes to it.
CAPTURED: ContextVar[list[Reply] | None] = ContextVar("cockpit_captured_replies", default=None)


def check(venue: str, path: str, request_body: Any, reply: Any) -> str | None:
    """What is wrong with `reply` (a successful HTTP reply, JSON-parsed by ccxt), or None.

    Every reply must be a JSON object or array (ccxt hands back the raw text when it is not:
    ``"ok"``, ``0``, ``null``, a byte-order mark); the replies a snapshot reads must also have
    their venue's documented envelope.
    """
    if not isinstance(reply, (dict, list)):
        return "the reply is not a JSON object or array"
    profile = profile_for(venue)
    kind = profile.request_kind(request_body)
    for envelope in profile.envelopes:
        if envelope.kind == kind and envelope.path.search(path):
            return envelope.check(reply)
    return None


def capture(path: str, request_body: Any, reply: Any, venue: str) -> None:
    """Keep `reply` for the snapshot being taken (nothing when no snapshot is)."""
    sink = CAPTURED.get()
    if sink is not None:
        kind = profile_for(venue).request_kind(request_body)
        sink.append(Reply(path, kind, reply))


# -- the venue's own clock ------------------------------------------------------------------------

def _ms(value: Any) -> float | None:
    """Milliseconds (int or digit string) as POSIX seconds; None when absent or not a time."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value / 1000 if isinstance(value, (int, float)) and value > 0 else None


def venue_time(venue: str, replies: Iterable[Reply]) -> float | None:
    """The latest server time (POSIX seconds) in `replies`, None when the venue gave none."""
    profile = profile_for(venue)
    times = [t for r in replies for t in map(_ms, profile.server_times(r)) if t is not None]
    return max(times) if times else None


def venue_height(venue: str, replies: Iterable[Reply]) -> int | None:
    """The block height the venue's replies carry as its only clock (dYdX's indexer), else
    None; it stops when the venue serves frozen data."""
    return profile_for(venue).height(replies)
