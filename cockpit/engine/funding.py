"""The engine's funding memory: it records every assessment into the history store, warms the
risk engine from it at start, estimates each funding payment as it falls due, and keeps the
figures the frame carries (each cell's day and week, the funding ledger).

    publish ──▶ observe(now, book, assessment) ──▶ HistoryStore (SQLite, bounded)
                     │                                  ▲
                     ├── estimates of payments due       │ backfill (venues' own histories)
                     └── CellStats, FundingLedger ──▶ the next Frame

Every time here is the risk engine's clock (simulated time on the simulator).
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Callable

import numpy as np

from cockpit.engine.history import HistoryStore
from cockpit.model import Assessment, Book, Health, Side
from cockpit.model.funding import CellStats, FundingLedger
from cockpit.risk import ledger as ledger_rules
from cockpit.risk.periods import WEEK, cell_figures

log = logging.getLogger("cockpit.engine.funding")

RESTART_WITHIN = 3600.0  # drawdown peaks come back only when the last run stopped this recently
LEDGER_DAYS = 30  # days of payments the frame's ledger covers (the CSV export reads any span)
STATS_EVERY = 300.0  # the period figures slide at least this often
STATS_GAP = 10.0  # ... and are worked out again at most this often (wall seconds): a backfill adds
# samples every couple of seconds, and each recount reads the week of every cell


class FundingMemory:
    """Records, restores and sums funding (see the module doc).

    Args:
        history: the store.
        clock: wall seconds, which pace the recounts (the engine's clock: frozen in the
            screenshots and tests, so what they show does not depend on the machine's speed).
    """

    def __init__(self, history: HistoryStore, clock: Callable[[], float] = time.monotonic) -> None:
        self.history = history
        self._clock = clock
        self.stats: tuple[CellStats, ...] = ()
        self.ledger: FundingLedger | None = None
        self.sources: dict[str, str] = {}  # account -> "venue" | "sim" | "none"
        self._watch: dict[tuple[str, str], tuple] = {}  # (account, symbol) -> what the next payment is
        self._stats_key: tuple | None = None
        self._stats_at = -math.inf  # `clock` time of the last recount
        self._ledger_key: tuple | None = None
        self._ledger_changed = 0
        self._series: dict[tuple[str, str, str], list] | None = None

    # -- start ------------------------------------------------------------------------------

    def restore(self, risk: Any, now: float) -> None:
        """Warm `risk` (a `RiskEngine`) from the store: the cells' APRs of the last day, the
        stress index of the last hour, and the drawdown peaks when the last run stopped within
        `RESTART_WITHIN` (a restart, not a new session days later)."""
        restore = getattr(risk, "restore_history", None)
        if restore is None:
            return
        settings = getattr(risk, "settings", None)
        span = (settings.funding_sample_seconds * settings.funding_history_samples) if settings else 86400.0
        index_span = (settings.index_sample_seconds * settings.index_history_samples) if settings else 3600.0
        apr: dict[tuple[str, str], list[float]] = {}
        for (asset, venue, _symbol), rows in self.history.funding(now - span).items():
            apr.setdefault((asset, venue), []).extend(r[2] for r in rows)
        index = [(t, v) for t, v, _ in self.history.stress(now - index_span)]
        book = self.history.book(now - RESTART_WITHIN)
        peaks = None
        if book and book[-1][4] is not None:
            t, *_rest, peak, day_peak = book[-1]
            peaks = (peak, day_peak, int(t // 86400))
        restore(now, apr, index, peaks)

    # -- every frame ------------------------------------------------------------------------

    def observe(self, now: float, book: Book, assessment: Assessment, risk: Any = None) -> None:
        """Record `assessment`, estimate the payments now due, refresh the frame's figures."""
        peaks = risk.drawdown_peaks() if risk is not None and hasattr(risk, "drawdown_peaks") else None
        before = self.history.changed
        self.history.observe(now, assessment, drawdown_peaks=peaks)
        if self.history.changed != before:
            self._series = None
        self._estimate(now, book, assessment)
        self._refresh_stats(now, assessment)
        self._refresh_ledger(now, assessment)

    def rates_added(self) -> None:
        """A backfill added samples: the period figures are read again."""
        self._series = None
        self._stats_key = None

    def payments_added(self) -> None:
        """Payments were booked: the ledger is summed again."""
        self._ledger_changed += 1

    def _estimate(self, now: float, book: Book, a: Assessment) -> None:
        """Book the cockpit's estimate of each payment whose time has passed since the last
        frame while the position was held, then note each live position's next one."""
        quotes = {}
        for acc in book.accounts:
            if acc.snapshot is not None and acc.health is Health.LIVE:
                for q in acc.snapshot.funding:
                    quotes[(acc.name, q.symbol)] = q
        watch = {}
        for p in a.positions:
            key = (p.key.account, p.key.symbol)
            q = quotes.get(key)
            if q is None or p.notional is None or q.next_time is None or not math.isfinite(p.notional):
                continue
            sign = 1.0 if p.side is Side.LONG else -1.0
            watch[key] = (q.next_time, q.rate, p.notional, sign, p.venue, p.asset)
        held = {(p.key.account, p.key.symbol) for p in a.positions}
        for key, (due, rate, notional, sign, venue, asset) in self._watch.items():
            if now >= due and key in held:
                self.history.add_estimate(key[0], venue, key[1], asset, due, -sign * rate * notional, rate, notional)
                self._ledger_changed += 1
        # A payment not yet reached keeps its last-seen figures until a fresh quote replaces them:
        # an account STALE or a quote missing for a frame or two must not lose it.
        kept = {k: v for k, v in self._watch.items() if now < v[0] and k in held}
        self._watch = {**kept, **watch}

    def _refresh_stats(self, now: float, a: Assessment) -> None:
        key = (self.history.changed, int(now // STATS_EVERY), tuple((c.asset, c.venue, c.symbol) for c in a.funding))
        if key == self._stats_key:
            return
        wall = self._clock()
        if self.stats and 0.0 <= wall - self._stats_at < STATS_GAP:
            return  # shown already: the new samples join at the next recount (or the clock went back)
        self._stats_key, self._stats_at = key, wall
        if self._series is None:
            self._series = self.history.funding(now - WEEK)
        out = []
        for c in a.funding:
            rows = self._series.get((c.asset, c.venue, c.symbol))
            if not rows:
                continue
            arr = np.array([(r[0], r[2], np.nan if r[3] is None else r[3]) for r in rows], float)
            out.append(CellStats(c.asset, c.venue, **cell_figures(arr[:, 0], arr[:, 1], arr[:, 2], now)))
        self.stats = tuple(out)

    def _refresh_ledger(self, now: float, a: Assessment) -> None:
        # The projection follows the rates, but a minute apart is plenty for a figure per day.
        key = (self._ledger_changed, int(now // 60), tuple(sorted(self.sources.items())))
        if key == self._ledger_key:
            return
        self._ledger_key = key
        since = (math.floor(now / 86400) - LEDGER_DAYS + 1) * 86400.0
        self.ledger = ledger_rules.build_ledger(
            since, self.history.payments(since), self.history.estimates(since), a.positions, self.sources)


__all__ = ["FundingMemory", "LEDGER_DAYS", "RESTART_WITHIN"]
