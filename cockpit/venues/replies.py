"""The raw replies of each venue: their documented envelope, and the venue's own clock in them.

ccxt parses almost anything into an empty list: ``null``, ``{}``, ``"ok"``, ``0``, a byte-order
mark before ``[]``, OKX's ``{"code":"0","data":null}`` or Bybit's ``{"result":{}}`` all come back
from ``fetch_positions`` as "no positions". So every reply of the calls a snapshot makes is held
against the envelope the venue documents (its type, and the list or object the data lives in)
before ccxt parses it; a reply of another shape is refused (`check` names what is wrong).

The same raw replies carry the venue's own time (a server timestamp, or the time of the data):
`venue_time` takes it (`venue_height` dYdX's block height, its only clock), so a venue that keeps
serving the same old data shows a clock that stops.

No ccxt import, no I/O: the guarded ccxt class (`ccxt_build`) calls `check` and `capture` from
its ``fetch``; the adapter reads what was captured for one snapshot.
"""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Callable, Iterable

Check = Callable[[Any], str | None]


@dataclass(frozen=True, slots=True)
class Reply:
    """One raw reply: the request path (and Hyperliquid's ``/info`` type) and the parsed body."""

    path: str
    kind: str | None
    body: Any


# The replies of the current snapshot. A list set by the adapter before it starts the calls of one
# snapshot: the tasks of that snapshot share it, and no other call (an order) writes to it.
CAPTURED: ContextVar[list[Reply] | None] = ContextVar("cockpit_captured_replies", default=None)


def info_type(body: Any) -> str | None:
    """The ``type`` of a Hyperliquid ``/info`` request body (JSON text), else None."""
    if not isinstance(body, str) or not body.startswith("{"):
        return None
    try:
        kind = json.loads(body).get("type")
    except (ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


# -- envelope checks ------------------------------------------------------------------------------

def _list(what: str, *, nonempty: bool = False, keys: tuple[str, ...] = ()) -> Check:
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


def _object(what: str, *keys: str) -> Check:
    """A JSON object holding `keys`."""
    def check(data: Any) -> str | None:
        if not isinstance(data, dict):
            return f"{what} is not an object"
        missing = [k for k in keys if k not in data]
        return f"{what} has no {', '.join(missing)}" if missing else None
    return check


def _within(key: str, inner: Check, *, code: tuple[str, Any] | None = None,
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


def _bybit(inner: Check) -> Check:
    # Every v5 reply: {"retCode": 0, "retMsg": "OK", "result": {...}, "time": ms}.
    return _within("result", _within("list", inner, what="result"), code=("retCode", 0))


def _okx(inner: Check) -> Check:
    # Every v5 reply: {"code": "0", "msg": "", "data": [...]}.
    return _within("data", inner, code=("code", "0"))


def _hl_markets(data: Any) -> str | None:
    # metaAndAssetCtxs: [{"universe": [...]}, [ctx, ...]], one context per listed market.
    if not (isinstance(data, list) and len(data) == 2):
        return "metaAndAssetCtxs is not a [meta, contexts] pair"
    return _within("universe", _list("universe", nonempty=True), what="meta")(data[0]) or _list(
        "contexts", nonempty=True)(data[1])


_HL_STATE = _object("clearinghouseState", "assetPositions", "marginSummary", "withdrawable")

# (venue, path pattern, Hyperliquid /info type) -> the documented shape of a successful reply.
ENVELOPES: dict[str, list[tuple[re.Pattern[str], str | None, Check]]] = {
    "binanceusdm": [
        (re.compile(r"/fapi/v\d/positionRisk$"),
         None, _list("positionRisk", keys=("symbol", "positionAmt"))),
        (re.compile(r"/fapi/v\d/account$"),
         None, _object("account", "totalMarginBalance", "availableBalance", "assets")),
        (re.compile(r"/fapi/v1/premiumIndex$"),
         None, _list("premiumIndex", nonempty=True, keys=("symbol", "lastFundingRate"))),
        (re.compile(r"/fapi/v1/fundingInfo$"), None, _list("fundingInfo", keys=("symbol",))),
        (re.compile(r"/fapi/v1/openOrders$"), None, _list("openOrders", keys=("symbol",))),
    ],
    "bybit": [
        (re.compile(r"/v5/position/list$"), None, _bybit(_list("positions", keys=("symbol",)))),
        (re.compile(r"/v5/account/wallet-balance$"),
         None, _bybit(_list("wallet", nonempty=True, keys=("totalEquity",)))),
        (re.compile(r"/v5/market/tickers$"),
         None, _bybit(_list("tickers", nonempty=True, keys=("symbol",)))),
        (re.compile(r"/v5/order/realtime$"), None, _bybit(_list("orders"))),
    ],
    "okx": [
        (re.compile(r"/api/v5/account/positions$"),
         None, _okx(_list("positions", keys=("instId", "pos")))),
        (re.compile(r"/api/v5/account/balance$"),
         None, _okx(_list("balance", nonempty=True, keys=("details",)))),
        (re.compile(r"/api/v5/public/funding-rate$"),
         None, _okx(_list("funding", nonempty=True, keys=("instId", "fundingRate")))),
        (re.compile(r"/api/v5/trade/orders-pending$"), None, _okx(_list("orders"))),
    ],
    "hyperliquid": [
        (re.compile(r"/info$"), "clearinghouseState", _HL_STATE),
        (re.compile(r"/info$"), "metaAndAssetCtxs", _hl_markets),
        (re.compile(r"/info$"), "frontendOpenOrders", _list("open orders")),
    ],
    "dydx": [
        (re.compile(r"/v4/perpetualPositions$"),
         None, _within("positions", _list("positions", keys=("market", "size")))),
        (re.compile(r"/v4/addresses/[^/]+/subaccountNumber/\d+$"),
         None, _within("subaccount", _object("subaccount", "equity", "freeCollateral"))),
        (re.compile(r"/v4/perpetualMarkets$"),
         None, _within("markets", lambda m: None if isinstance(m, dict) and m
                       else "markets is not a non-empty object")),
        (re.compile(r"/v4/orders$"), None, _list("orders")),
    ],
    "paradex": [
        (re.compile(r"/v1/positions$"),
         None, _within("results", _list("positions", keys=("market", "size")))),
        (re.compile(r"/v1/account$"),
         None, _object("account", "account_value", "free_collateral",
                       "initial_margin_requirement")),
        (re.compile(r"/v1/markets/summary$"),
         None, _within("results", _list("summary", nonempty=True, keys=("symbol",)))),
        (re.compile(r"/v1/balance$"), None, _within("results", _list("balance"))),
        (re.compile(r"/v1/orders$"), None, _within("results", _list("orders"))),
    ],
}


def check(venue: str, path: str, request_body: Any, reply: Any) -> str | None:
    """What is wrong with `reply` (a successful HTTP reply, JSON-parsed by ccxt), or None.

    Every reply must be a JSON object or array (ccxt hands back the raw text when it is not:
    ``"ok"``, ``0``, ``null``, a byte-order mark); the replies a snapshot reads must also have
    their venue's documented envelope.
    """
    if not isinstance(reply, (dict, list)):
        return "the reply is not a JSON object or array"
    kind = info_type(request_body) if venue == "hyperliquid" else None
    for pattern, want_kind, envelope in ENVELOPES.get(venue, ()):
        if want_kind == kind and pattern.search(path):
            return envelope(reply)
    return None


def capture(path: str, request_body: Any, reply: Any, venue: str) -> None:
    """Keep `reply` for the snapshot being taken (nothing when no snapshot is)."""
    sink = CAPTURED.get()
    if sink is not None:
        kind = info_type(request_body) if venue == "hyperliquid" else None
        sink.append(Reply(path, kind, reply))


# -- the venue's own clock ------------------------------------------------------------------------

def _ms(value: Any) -> float | None:
    """Milliseconds (int or digit string) as POSIX seconds; None when absent or not a time."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value / 1000 if isinstance(value, (int, float)) and value > 0 else None


def _times(reply: Reply, venue: str) -> Iterable[Any]:
    """The server-time fields of one reply (the time it was served or its data was current),
    never a position's last-change time, which stays old on a live venue."""
    body = reply.body
    if venue == "binanceusdm" and reply.path.endswith("/premiumIndex") and isinstance(body, list):
        return (e.get("time") for e in body if isinstance(e, dict))  # mark-price time
    if venue == "bybit" and isinstance(body, dict):
        return (body.get("time"),)  # every v5 reply: server time
    if venue == "okx" and reply.path.endswith("/funding-rate") and isinstance(body, dict):
        return (e.get("ts") for e in body.get("data") or () if isinstance(e, dict))
    if venue == "hyperliquid" and reply.kind == "clearinghouseState" and isinstance(body, dict):
        return (body.get("time"),)
    if venue == "paradex" and reply.path.endswith("/markets/summary") and isinstance(body, dict):
        return (e.get("created_at") for e in body.get("results") or () if isinstance(e, dict))
    return ()  # dYdX's indexer replies carry block heights, no time: see `venue_height`


def venue_time(venue: str, replies: Iterable[Reply]) -> float | None:
    """The latest server time (POSIX seconds) in `replies`, None when the venue gave none."""
    times = [t for r in replies for t in map(_ms, _times(r, venue)) if t is not None]
    return max(times) if times else None


def venue_height(venue: str, replies: Iterable[Reply]) -> int | None:
    """dYdX: the block height its indexer had processed when it answered (the subaccount
    reply's ``latestProcessedBlockHeight``); it stops when the indexer serves frozen data."""
    if venue != "dydx":
        return None
    heights = [_height(r.body) for r in replies if "/subaccountNumber/" in r.path]
    found = [h for h in heights if h is not None]
    return max(found) if found else None


def _height(body: Any) -> int | None:
    """``subaccount.latestProcessedBlockHeight`` of a dYdX subaccount reply, as an int."""
    sub = body.get("subaccount") if isinstance(body, dict) else None
    value = sub.get("latestProcessedBlockHeight") if isinstance(sub, dict) else None
    return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None
