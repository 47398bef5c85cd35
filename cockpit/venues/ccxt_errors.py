"""Translate what ccxt raises into cockpit's venue errors, with short scrubbed messages.

ccxt classes are recognised by name along the exception's MRO, so this module does not import
ccxt. Messages never quote ccxt's text whole: for 5xx and timeouts it holds the signed URL. What
is kept is the venue's own error code and message (from the JSON body) or the HTTP status, and
the scheme and host of an unreachable server; all of it is scrubbed (`clip`) before it is cut.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urlsplit

from cockpit.model.errors import (
    AuthError, MalformedReply, NotSupported, RateLimited, Rejected, Unavailable, UnknownOutcome,
    VenueError, VenueTimeout,
)
from cockpit.redact import clip

_REJECTIONS = {"InvalidOrder", "InsufficientFunds", "BadRequest", "OperationRejected",
               "BadSymbol", "ArgumentsRequired", "MarketClosed"}
_DOWN = {"ExchangeNotAvailable", "OnMaintenance", "NetworkError", "InvalidNonce"}
_PARSE_BUGS = (AttributeError, TypeError, KeyError, ValueError, IndexError)
_URL = re.compile(r"https?://[^\s/]+")
_STATUS = re.compile(r"\b([45]\d\d)\b")
_CODE_KEYS = ("code", "retCode", "sCode", "errorCode", "error")
_MSG_KEYS = ("msg", "retMsg", "sMsg", "message", "response", "error")
# Duplicate client order id: the first attempt landed. Venues add their own codes (profiles).
_DUPLICATE = re.compile(r"duplicate", re.I)


def _names(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__ if c.__module__.startswith("ccxt")}


def _venue_detail(text: str) -> tuple[str | None, str]:
    """(code, ' (…)') from the venue's JSON error body inside a ccxt message, else its status."""
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        try:
            body = json.loads(text[start:end + 1])
        except ValueError:
            body = None
        if isinstance(body, dict):
            code = next((clip(body[k], 40) for k in _CODE_KEYS if body.get(k) not in (None, "")), None)
            msg = next((str(body[k]) for k in _MSG_KEYS
                        if isinstance(body.get(k), (str, int)) and k != "code"), "")
            if code is not None or msg:
                # Scrubbed before it is cut: a key straddling the cut would keep its first part.
                bits = ": ".join(b for b in (f"code {code}" if code else "", clip(msg, 100)) if b)
                return code, f" ({bits})"
    status = _STATUS.search(_URL.sub("", text.split("?", 1)[0]) + " " + text[-200:])
    return None, (f" (HTTP {status.group(1)})" if status else "")


def is_duplicate_order(exc: BaseException, codes: Iterable[str] = ()) -> bool:
    """The venue refused an order because its client id is already taken (it landed before):
    its text says "duplicate" or holds one of the venue's `codes` for it."""
    if not _names(exc) & {"InvalidOrder", "DuplicateOrderId", "BadRequest"}:
        return False
    text = str(exc)
    return bool(_DUPLICATE.search(text)) or any(
        re.search(rf"(?<![\w-]){re.escape(code)}(?!\w)", text) for code in codes)


def is_not_found(exc: BaseException) -> bool:
    """The venue says the order does not exist."""
    return "OrderNotFound" in _names(exc)


@dataclass(frozen=True)
class _Failure:
    """One ccxt exception, read once: what every branch of `translate` looks at."""

    exc: BaseException
    names: set[str]
    text: str
    detail: str
    account: str
    venue: str
    order: str | None
    kw: dict[str, Any]

    def unknown(self, why: str) -> UnknownOutcome:
        """The order's outcome is open: look it up by client id, never send it again."""
        return UnknownOutcome(f"order {self.order} on {self.venue}: outcome unknown ({why}) — "
                              "look it up by client id before anything else",
                              client_id=self.order or "", **self.kw)


def _throttled(f: _Failure) -> VenueError | None:
    """Rate limits and timeouts."""
    if f.names & {"RateLimitExceeded", "DDoSProtection"}:
        wait = getattr(f.exc, "retry_after", None)
        if f.order:
            return f.unknown("rate-limited")
        after = f"; retry after {wait:g} s" if wait is not None else ""
        return RateLimited(f"{f.venue} rate limit{f.detail}{after}", retry_after=wait, **f.kw)
    if "RequestTimeout" in f.names or isinstance(f.exc, (asyncio.TimeoutError, TimeoutError)):
        return f.unknown("timeout") if f.order else VenueTimeout(
            f"{f.venue} did not answer in time — will retry", **f.kw)
    return None


def _refused(f: _Failure) -> VenueError | None:
    """Unsupported calls, unknown orders, rejected orders and unreadable replies."""
    if "NotSupported" in f.names:
        return NotSupported(f"{f.venue}: {clip(f.text.removeprefix(f.venue).strip(), 120)}",
                            **f.kw)
    if "OrderNotFound" in f.names:
        return Rejected(f"{f.venue}: no such order{f.detail}", account=f.account,
                        code="not_found")
    if f.order and f.names & _REJECTIONS:
        return Rejected(f"{f.venue} rejected order {f.order}{f.detail}", **f.kw)
    if "BadResponse" in f.names or (not f.names and isinstance(f.exc, _PARSE_BUGS)):
        return f.unknown("unreadable reply") if f.order else MalformedReply(
            f"{f.venue} sent an incomplete or unreadable reply — will retry; positions are not "
            "assumed flat", **f.kw)
    return None


def _unavailable(f: _Failure) -> VenueError:
    """The venue is down or unreachable (or failed in a way we do not know): retry later."""
    if f.names & _DOWN or "ExchangeError" in f.names or f.names & _REJECTIONS:
        host = _URL.search(f.text)
        cause = type(f.exc.__cause__).__name__ if f.exc.__cause__ else ""
        if host and "Connect" in cause:
            where = urlsplit(host.group(0))
            return Unavailable(f"cannot reach {where.scheme}://{where.netloc} — is it up? "
                               "(check api_url / the network)", **f.kw)
        return Unavailable(f"{f.venue} unavailable{f.detail or f' ({type(f.exc).__name__})'} — "
                           "will retry", **f.kw)
    return Unavailable(f"{f.venue}: unexpected {type(f.exc).__name__} — will retry", **f.kw)


def translate(exc: BaseException, *, account: str, venue: str, order: str | None = None
              ) -> VenueError:
    """The cockpit error for `exc`, raised by a call for `account` on `venue`.

    `order` is the client id when the call sent an order: then anything that leaves the outcome
    open (timeout, 5xx, 429, reset, unreadable reply) is `UnknownOutcome`, to be resolved by
    looking the order up, never by sending it again under a new id.
    """
    if isinstance(exc, VenueError):
        return exc
    text = str(exc)
    code, detail = _venue_detail(text)
    f = _Failure(exc, _names(exc), text, detail, account, venue, order,
                 {"account": account, "code": code})
    # Keys first: a bad key is never "down"; then throttling, then the other refusals.
    if "AuthenticationError" in f.names:
        return AuthError(f"{venue} rejected the keys of {account!r}{detail} — check them, then "
                         f"run: cockpit keys set {account}", **f.kw)
    found = _throttled(f) or _refused(f)
    if found is not None:
        return found
    if order:
        return f.unknown(f"{type(exc).__name__}{detail}")
    return _unavailable(f)
