"""Backfill: the venues' own funding histories, read in the background into the history store.

On first connect, and then every `refresh` seconds, each account that can tell its funding
(`FundingHistoryVenue`) is asked for its funding payments since the newest one already booked
(`payments_days` on the first read), and each symbol its venue quotes is asked once a day for its
settled rates of the last week. Only the venue's own histories: nothing is guessed.

It never competes with the pollers: one request at a time for the whole engine, at least
`spacing` seconds apart (2 s by default: under a tenth of the request budget of any venue
cockpit supports, on top of ccxt's own per-venue rate limiter that the pollers share), only to
an account that is LIVE (reconciled and answering), and after a `RateLimited` reply it waits what
the venue asked (at least `backoff`). It starts after the first frame and runs as its own task,
so the first frame and the polls never wait for it. A venue without the history (`NotSupported`)
is asked no more; any other failure skips that item until the next round.

Every time here is the engine's market clock (`Engine.risk_now`: simulated time on the simulator,
the wall clock on real venues), the clock of the history store: a cell's stored backfill time,
read back after a restart on the paper venue, is compared with the same clock it was written in
(the simulated market runs months behind the wall clock, or ahead of it at a high speed). Only the
pauses between requests (`spacing`, `backoff`, `idle`) are waited in wall seconds.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from cockpit.engine.loops import forever
from cockpit.model import Health
from cockpit.model.errors import NotSupported, RateLimited, VenueError
from cockpit.venues.protocol import FundingHistoryVenue

log = logging.getLogger("cockpit.engine.backfill")
DAY = 86400.0


@dataclass(frozen=True)
class BackfillSettings:
    """How the backfill paces itself (seconds: `refresh` and `rates_every` of the market clock,
    the pauses `spacing`, `backoff` and `idle` waited on the wall clock).

    Attributes:
        spacing: at least this long between two requests (all venues together).
        refresh: payments are read again this often.
        rates_every: a symbol's settled rates are read again this long after the last read.
        rates_span: how far back settled rates are read (the heatmap's longest period).
        payments_days: how far back payments are read the first time.
        backoff: the least wait after a rate-limit reply.
        idle: how long to wait when there is nothing to do.
    """

    spacing: float = 2.0
    refresh: float = 600.0
    rates_every: float = DAY
    rates_span: float = 7 * DAY
    payments_days: float = 30.0
    backoff: float = 30.0
    idle: float = 5.0


class Backfill:
    """Reads past funding from the venues into the engine's history (see the module doc).

    Args:
        engine: the `Engine` (its venues, book state, funding memory and clock).
        settings: pacing.
        sleep: `asyncio.sleep`, or a test's.
    """

    def __init__(self, engine: Any, settings: BackfillSettings | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.engine = engine
        self.settings = settings or BackfillSettings()
        self._sleep = sleep
        self._payments_at: dict[str, float] = {}  # account -> when its payments were last read
        self._rates_at: dict[tuple[str, str], float] = {}  # (venue, symbol) -> when its rates were last read
        self._asked_store: set[tuple[str, str]] = set()  # cells whose stored backfill time was read
        self._unsupported: set[tuple[str, str]] = set()  # (account, "payments" | "rates")
        self._failed: dict[tuple[str, str], float] = {}  # item -> when it last failed
        self.requests = 0

    async def run(self) -> None:
        """Forever: one item, then a pause (`spacing`, or `idle` when there was nothing; `backoff`
        after a failure)."""
        await forever(self.step, self.settings.backoff, log, "funding backfill", paced=True, sleep=self._sleep)

    def _now(self) -> float:
        """The engine's market clock, in which the history store keeps its times (module doc)."""
        return self.engine.risk_now()

    def _ready_accounts(self) -> list[tuple[str, Any]]:
        """The accounts that can tell their funding and are LIVE, in a stable order."""
        out = []
        for name, venue in sorted(self.engine.venues.items()):
            if not isinstance(venue, FundingHistoryVenue) or name not in self.engine.executor.reconciled:
                continue
            if self.engine.state.health(name, self.engine.clock())[0] is Health.LIVE:
                out.append((name, venue))
        return out

    def due(self) -> bool:
        """Whether a request is due now (the screenshots drain the backfill with `step`)."""
        return self._next_item() is not None

    def _next_item(self) -> tuple[str, Any, str, str] | None:
        """(account, venue, kind, symbol) of the next request, or None."""
        now = self._now()
        s = self.settings
        accounts = self._ready_accounts()
        memory = self.engine.funding
        for name, venue in accounts:
            last = self._payments_at.get(name)
            if (name, "payments") not in self._unsupported and (last is None or now - last >= s.refresh):
                return name, venue, "payments", ""
        seen_venues: set[str] = set()
        for name, venue in accounts:
            if (name, "rates") in self._unsupported or venue.info.venue in seen_venues:
                continue
            seen_venues.add(venue.info.venue)
            snap = self.engine.state.snapshot(name)
            held = {p.symbol for p in snap.positions} if snap is not None else set()
            # The symbols held first: their cells and cards fill before the rest of the market.
            for q in sorted(snap.funding if snap is not None else (), key=lambda q: q.symbol not in held):
                done = self._rates_at.get((q.venue, q.symbol))
                if done is None and (q.venue, q.symbol) not in self._asked_store:
                    # Read from the store once (a restart's backfill), never per step.
                    self._asked_store.add((q.venue, q.symbol))
                    done = memory.history.backfilled(q.venue, q.symbol)
                    if done is not None:
                        self._rates_at[(q.venue, q.symbol)] = done
                failed = self._failed.get((name, q.symbol))
                if (done is None or now - done >= s.rates_every) and (failed is None or now - failed >= s.refresh):
                    return name, venue, "rates", q.symbol
        return None

    async def step(self) -> float:
        """Make at most one request; returns how long to wait before the next."""
        item = self._next_item()
        s = self.settings
        if item is None:
            return s.idle
        name, venue, kind, symbol = item
        now = self._now()
        self.requests += 1
        try:
            if kind == "payments":
                await self._payments(name, venue, now)
            else:
                await self._rates(name, venue, symbol, now)
        except NotSupported:
            self._unsupported.add((name, kind))
            self.engine.funding.sources.setdefault(name, "none")
        except RateLimited as error:
            self._failed[(name, symbol or kind)] = now
            return max(s.backoff, error.retry_after or 0.0)
        except (VenueError, asyncio.TimeoutError):
            self._failed[(name, symbol or kind)] = now
            if kind == "payments":
                self._payments_at[name] = now  # tried: again at the next refresh
        return s.spacing

    async def _payments(self, name: str, venue: Any, now: float) -> None:
        memory = self.engine.funding
        last = memory.history.last_payment(name)
        since = last if last is not None else now - self.settings.payments_days * DAY
        timeout = self.engine.settings.request_timeout * 2
        payments = await asyncio.wait_for(venue.funding_payments(since), timeout)
        self._payments_at[name] = now
        memory.sources[name] = getattr(venue, "funding_source", "venue")
        if memory.history.add_payments(payments):
            memory.payments_added()

    async def _rates(self, name: str, venue: Any, symbol: str, now: float) -> None:
        memory = self.engine.funding
        timeout = self.engine.settings.request_timeout * 2
        samples = await asyncio.wait_for(
            venue.funding_rate_history(symbol, now - self.settings.rates_span), timeout)
        self._rates_at[(venue.info.venue, symbol)] = now
        snap = self.engine.state.snapshot(name)
        quote = next((q for q in (snap.funding if snap else ()) if q.symbol == symbol), None)
        asset = quote.asset if quote is not None else symbol.split("/")[0]
        if memory.history.add_rates(venue.info.venue, symbol, asset, samples, until=now):
            memory.rates_added()


__all__ = ["Backfill", "BackfillSettings"]
