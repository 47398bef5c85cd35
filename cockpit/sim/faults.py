"""Faults per account: what a real venue does to its clients on a bad day.

A fault is injected by a scenario for a window of sim time, or drawn at random per call at a
configured rate. The venue asks `FaultPlan.draw` before answering and turns the fault into what
the real adapter would raise: `RateLimited(retry_after=...)`, `Unavailable`, `VenueTimeout`,
`MalformedReply`, `Rejected`, `AuthError`, or, for an order that landed but whose answer was lost,
`UnknownOutcome`. A connection reset (`reset`) comes before the matching engine: nothing is done,
but the client cannot know that of an order, so an order meets `UnknownOutcome` (a read
`Unavailable`); the paper venue hangs up instead of answering (`RESET_CODE`), so its client meets
the reset on the wire. Latency only delays the answer; frozen data returns the last snapshot again.

Random draws use one generator per account seeded from the world seed, so the same calls in the
same order meet the same faults; they never touch the market's generator.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import NoReturn

import numpy as np

from cockpit.model import (
    AuthError,
    MalformedReply,
    RateLimited,
    Rejected,
    Unavailable,
    UnknownOutcome,
    VenueTimeout,
)
from cockpit.sim.universe import VenueSpec

FAULT_KINDS = ("latency", "timeout", "rate_limit", "server_error", "malformed", "outage",
               "unknown_outcome", "stale", "rejected", "auth", "reset")
ORDER_ONLY = frozenset({"unknown_outcome", "rejected"})  # no effect on reads
# Faults that hit an order after the venue accepted it: the order is live, the answer is lost.
LANDS = frozenset({"unknown_outcome", "timeout", "malformed"})
DEFAULT_RANDOM = ("rate_limit", "server_error", "timeout", "malformed", "latency")
#: The code of a connection reset's error: the paper venue closes the connection instead of answering.
RESET_CODE = "ECONNRESET"


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault to apply to one call.

    Attributes:
        delay: wall seconds to wait before answering (latency, timeout).
        retry_after: what a 429 asks the client to wait, in seconds.
        source: "scenario" or "random".
    """

    kind: str
    delay: float = 0.0
    retry_after: float = 2.0
    source: str = "scenario"


@dataclass(frozen=True, slots=True)
class FaultWindow:
    """A scenario fault on one account from `start` to `end` (sim seconds)."""

    account: str
    fault: Fault
    start: float
    end: float


class FaultPlan:
    """The faults of every account: scenario windows and random draws."""

    def __init__(self, seed: int, *, rate: float = 0.0, kinds: tuple[str, ...] = DEFAULT_RANDOM,
                 accounts: tuple[str, ...] = ()) -> None:
        self.seed = seed
        self.rate = rate
        self.kinds = kinds
        self.accounts = accounts  # accounts random faults hit (empty: every account)
        self.windows: list[FaultWindow] = []
        self._rngs: dict[str, np.random.Generator] = {}

    def add(self, window: FaultWindow) -> None:
        """Schedule a scenario fault."""
        self.windows.append(window)

    def active(self, account: str, now: float) -> list[FaultWindow]:
        """The scenario windows on `account` at sim time `now`."""
        return [w for w in self.windows if w.account == account and w.start <= now < w.end]

    def _rng(self, account: str) -> np.random.Generator:
        if account not in self._rngs:
            self._rngs[account] = np.random.default_rng([self.seed, zlib.crc32(account.encode())])
        return self._rngs[account]

    def draw(self, account: str, now: float, op: str) -> Fault | None:
        """The fault (if any) that hits a call of kind `op` ("read", "order", "cancel", "transfer").

        Scenario windows come first; otherwise a random fault at the configured rate.
        """
        for w in self.active(account, now):
            if w.fault.kind in ORDER_ONLY and op != "order":
                continue
            if w.fault.kind == "stale" and op != "read":
                continue
            return w.fault
        if self.rate <= 0 or (self.accounts and account not in self.accounts):
            return None
        rng = self._rng(account)
        u, pick = rng.random(2)
        if u >= self.rate:
            return None
        kind = self.kinds[int(pick * len(self.kinds))]
        if kind in ORDER_ONLY and op != "order":
            return None
        return Fault(kind, delay=0.05 if kind in ("latency", "timeout") else 0.0,
                     retry_after=float(1 + int(pick * 4)), source="random")


def raise_fault(fault: Fault, spec: VenueSpec, account: str, op: str,
                client_id: str = "") -> NoReturn:
    """Raise the error a real adapter raises for `fault` on a call of kind `op`."""
    venue = spec.id
    if op == "order" and fault.kind in LANDS:
        what = {"unknown_outcome": "503 Service Unavailable after the order was sent",
                "timeout": "no answer in time after the order was sent",
                "malformed": "the reply to the order was truncated"}[fault.kind]
        raise UnknownOutcome(f"{venue}: {what}; status unknown, look it up by client id",
                             client_id=client_id, account=account)
    if fault.kind == "reset":
        if op == "order":  # never reached the matching engine, but the client cannot know
            raise UnknownOutcome(f"{venue}: connection reset by peer; status unknown, look it up by client id",
                                 client_id=client_id, account=account, code=RESET_CODE)
        raise Unavailable(f"{venue}: connection reset by peer", account=account, code=RESET_CODE)
    if fault.kind == "rate_limit":
        code, message = spec.error("rate_limit")
        raise RateLimited(f"{venue} 429 {code}: {message} Retry after {fault.retry_after:g} s",
                          retry_after=fault.retry_after, account=account, code="429")
    if fault.kind == "timeout":
        raise VenueTimeout(f"{venue}: request timed out", account=account)
    if fault.kind == "server_error":
        raise Unavailable(f"{venue}: 502 Bad Gateway", account=account, code="502")
    if fault.kind == "outage":
        raise Unavailable(f"{venue}: connection refused (venue unreachable)", account=account)
    if fault.kind == "malformed":
        raise MalformedReply(f"{venue}: truncated JSON reply (unexpected end of data)",
                             account=account)
    if fault.kind == "rejected":
        message, code = spec.say("overloaded")
        raise Rejected(message, account=account, code=code)
    if fault.kind == "auth":
        message, code = spec.say("auth")
        raise AuthError(message, account=account, code=code)
    raise Unavailable(f"{venue}: {fault.kind}", account=account)
