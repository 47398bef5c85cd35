"""The plots' series: built from the history store while a terminal watches them.

A terminal that shows plots sends `WatchPlots` (renewed while they are on screen); while any
watch holds, every frame carries `Frame.plots` (`cockpit.model.plots`): the watched funding cells'
APR over the last week with their interval changes, the funding stress index over the last day
with its lines and drivers, equity per account and the book's drawdown over the last day against
the caps. When no terminal watches, nothing is read and frames carry nothing, so an engine with
no plots open pays nothing for them.

    WatchPlots ──▶ PlotWatch.watch ──▶ leases (watcher → cells, lapse time)
    publish ──▶ PlotWatch.plots(now) ──▶ HistoryStore's bucketed reads ──▶ Frame.plots

Bounded: at most `MAX_POINTS` points a series (bucketed in SQLite, a bucket from `BUCKETS` just
wide enough for the history there is), at most `MAX_CELLS` cells, at most `MAX_WATCHERS`
watches. Read again only when a watched table was written, and at most every `REBUILD_GAP` wall
seconds (on a fast simulator every frame writes the stress table): in between the frame carries
the same object, which the guard's patches skip as unchanged.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from typing import Any, Callable

from cockpit.engine.history import DAY, HistoryStore
from cockpit.model.commands import WATCH_LEASE, WatchPlots
from cockpit.model.plots import (
    MAX_CELLS, MAX_POINTS, Driver, EquityHistory, FundingHistory, Plots, Series, StressHistory,
)

FUNDING_SPAN = 7 * DAY
"""How far back a funding cell's plot reaches."""
PLOT_SPAN = DAY
"""How far back the stress index and equity reach (the daily drawdown cap is per UTC day)."""
BUCKETS = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0)
"""Bucket widths (seconds): the narrowest that keeps a series within `MAX_POINTS`."""
REBUILD_GAP = 2.0
"""Wall seconds between two reads of the store."""
MAX_WATCHERS = 16
"""Watches held at once (terminals attached are few; a flood is refused)."""
TOP_DRIVERS = 3
"""A sample's drivers counted: its first three."""
DRIVERS_SHOWN = 5


def bucket_for(extent: float) -> float:
    """The narrowest of `BUCKETS` that puts `extent` seconds in at most `MAX_POINTS` points."""
    for width in BUCKETS:
        if extent / width <= MAX_POINTS:
            return width
    return BUCKETS[-1]


def interval_changes(samples: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """(time, new interval) wherever consecutive samples' intervals differ."""
    out = []
    for (_t0, before), (t1, after) in zip(samples, samples[1:]):
        if after != before:
            out.append((float(t1), float(after)))
    return tuple(out)


def top_drivers(samples: list[tuple[float, tuple[str, ...]]]) -> tuple[Driver, ...]:
    """The assets among the first `TOP_DRIVERS` drivers of the most `samples`, most often first
    (ties by name), with the share of samples and their first and last time."""
    if not samples:
        return ()
    count: Counter[str] = Counter()
    first: dict[str, float] = {}
    last: dict[str, float] = {}
    for t, drivers in samples:
        for asset in drivers[:TOP_DRIVERS]:
            count[asset] += 1
            first.setdefault(asset, t)
            last[asset] = t
    ranked = sorted(count, key=lambda a: (-count[a], a))[:DRIVERS_SHOWN]
    return tuple(Driver(a, count[a] / len(samples), float(first[a]), float(last[a])) for a in ranked)


def _points(rows) -> tuple[tuple[float, float], ...]:
    return tuple((float(t), float(v)) for t, v in rows if v is not None and v == v)


class PlotWatch:
    """Which terminals watch which series, and the series they get (see the module doc).

    Args:
        history: the store the series are read from.
        settings: returns the risk settings whose lines the plots draw (thresholds, caps), or
            None (the defaults of `cockpit.model.plots`).
        clock: monotonic seconds, for leases and the rebuild gap.
    """

    def __init__(self, history: HistoryStore, settings: Callable[[], Any] = lambda: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.history = history
        self._settings = settings
        self._clock = clock
        self._leases: dict[str, tuple[tuple[tuple[str, str], ...], float]] = {}
        self._key: tuple | None = None
        self._built_at = -math.inf
        self._plots: Plots | None = None

    # -- watches ------------------------------------------------------------------------------

    def watch(self, command: WatchPlots) -> str | None:
        """Take, renew or end a watch; why not (one line), or None when done."""
        watcher = command.watcher
        if not isinstance(watcher, str) or not watcher or len(watcher) > 64:
            return "a plot watch needs the terminal's id (1-64 characters)"
        if command.stop:
            self.drop(watcher)
            return None
        cells = tuple(command.cells)
        if len(cells) > MAX_CELLS or not all(isinstance(c, tuple) and len(c) == 2 and all(
                isinstance(x, str) and x for x in c) for c in cells):
            return f"a plot watch names at most {MAX_CELLS} funding cells as (asset, venue)"
        self._lapse()
        if watcher not in self._leases and len(self._leases) >= MAX_WATCHERS:
            return f"{MAX_WATCHERS} plot watches are held already"
        self._leases[watcher] = (cells, self._clock() + WATCH_LEASE)
        return None

    def drop(self, watcher: str) -> None:
        """End `watcher`'s watch (its terminal detached, or closed its plots)."""
        self._leases.pop(watcher, None)

    def _lapse(self) -> None:
        now = self._clock()
        self._leases = {w: lease for w, lease in self._leases.items() if lease[1] > now}

    @property
    def watched(self) -> bool:
        """Whether any watch holds."""
        self._lapse()
        return bool(self._leases)

    def cells(self) -> tuple[tuple[str, str], ...]:
        """The cells watched, in the order first asked for, at most `MAX_CELLS`."""
        seen: dict[tuple[str, str], None] = {}
        for cells, _ in self._leases.values():
            for cell in cells:
                seen.setdefault(cell, None)
        return tuple(seen)[:MAX_CELLS]

    # -- series -------------------------------------------------------------------------------

    def plots(self, now: float) -> Plots | None:
        """The series for the frame at `now` (the risk engine's clock); None when nobody watches."""
        if not self.watched:
            self._plots, self._key = None, None
            return None
        cells = self.cells()
        h = self.history
        key = (cells, h.written["funding"], h.written["stress"], h.written["equity"])
        wall = self._clock()
        if key == self._key:
            return self._plots
        same_cells = self._key is not None and self._key[0] == cells
        if same_cells and wall - self._built_at < REBUILD_GAP:
            return self._plots  # the new samples join at the next read
        self._key, self._built_at = key, wall
        self._plots = Plots(now=float(now), funding=tuple(self._cell(a, v, now) for a, v in cells),
                            stress=self._stress(now), equity=self._equity(now), span=PLOT_SPAN)
        return self._plots

    def _cell(self, asset: str, venue: str, now: float) -> FundingHistory:
        since = now - FUNDING_SPAN
        first, symbol = self.history.cell_span(asset, venue, since)
        if first is None:
            return FundingHistory(asset, venue, symbol or "")
        bucket = bucket_for(now - first)
        return FundingHistory(asset, venue, symbol or "", _points(self.history.apr_buckets(asset, venue, since, bucket)),
                              interval_changes(self.history.intervals(asset, venue, since)), bucket)

    def _stress(self, now: float) -> StressHistory | None:
        since = now - PLOT_SPAN
        first = self.history.first_time("stress", since)
        if first is None:
            return None
        s = self._settings()
        threshold = float(getattr(s, "funding_stress_threshold", 60.0))
        warn = float(getattr(s, "warn_fraction", 0.8)) * threshold
        reentry = float(getattr(s, "funding_stress_reentry", 35.0))
        raised = self.history.stress_drivers(since, reentry)
        drivers = top_drivers(raised or self.history.stress_drivers(since, None))
        bucket = bucket_for(now - first)
        return StressHistory(_points(self.history.stress_buckets(since, bucket)), threshold, warn, reentry,
                             drivers, len(raised), bucket)

    def _equity(self, now: float) -> EquityHistory | None:
        since = now - PLOT_SPAN
        first = self.history.first_time("book", since)
        if first is None:
            return None
        s = self._settings()
        bucket = bucket_for(now - first)
        rows = self.history.book_buckets(since, bucket)
        accounts = tuple(Series(name, _points(points))
                         for name, points in sorted(self.history.equity_buckets(since, bucket).items()))
        return EquityHistory(
            accounts=accounts,
            book=_points((t, eq) for t, eq, _d, _p in rows),
            drawdown_daily=_points((t, d) for t, _e, d, _p in rows),
            drawdown_peak=_points((t, p) for t, _e, _d, p in rows),
            daily_cap=float(getattr(s, "daily_drawdown_cap", 0.05)),
            peak_cap=float(getattr(s, "peak_drawdown_cap", 0.15)),
            bucket=bucket,
        )


__all__ = ["BUCKETS", "FUNDING_SPAN", "PLOT_SPAN", "PlotWatch", "bucket_for", "interval_changes", "top_drivers"]
