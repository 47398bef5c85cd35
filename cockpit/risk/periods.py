"""Funding over a period, per asset × venue cell: time-weighted mean, share positive, median and
stability of the APR (what the heatmap's 1 d / 7 d views and the cursor's card show).

A sample holds from its time until the next sample of the cell, and at most `HOLD` seconds (the
longest funding interval in use, 8 h), so a settled 8-hourly rate from a backfill covers its
interval and the dense live samples count by the time they cover, not by how many there are; a
gap longer than that is not covered and counts for nothing. A sample without a known APR (the
venue did not say its interval) covers nothing either.

    mean      = Σ apr·dt / Σ dt                                over the period's covered time
    positive  = Σ dt[apr > 0] / Σ dt
    median    = the time-weighted median of apr
    stability = 1.4826 × the time-weighted median of |apr − median| over the week (APR points)

Pure numpy: the engine reads the samples from its history store and passes them in.
"""

from __future__ import annotations

import numpy as np

from cockpit.risk.funding import MAD_TO_SIGMA

HOLD = 8 * 3600.0
DAY = 86400.0
WEEK = 7 * DAY


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value at which half the weight lies on each side (NaN without weight)."""
    keep = (weights > 0) & ~np.isnan(values)
    if not keep.any():
        return float("nan")
    v, w = values[keep], weights[keep]
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, cum[-1] / 2.0)])


def coverage(times: np.ndarray, now: float, start: float, hold: float = HOLD) -> np.ndarray:
    """Seconds of [start, now] each sample covers (until the next sample, at most `hold`)."""
    if times.size == 0:
        return np.zeros(0)
    ends = np.append(times[1:], now)
    ends = np.minimum(np.minimum(ends, times + hold), now)
    begins = np.maximum(times, start)
    return np.clip(ends - begins, 0.0, None)


def period_figures(times: np.ndarray, apr: np.ndarray, now: float, span: float,
                   hold: float = HOLD) -> tuple[float | None, float | None, float | None, float]:
    """(mean, share positive, median, covered seconds) of `apr` over the last `span` seconds;
    None for the figures when no time is covered. `times` ascending."""
    dt = coverage(times, now, now - span, hold)
    dt = np.where(np.isnan(apr), 0.0, dt)
    covered = float(dt.sum())
    if covered <= 0:
        return None, None, None, 0.0
    a = np.nan_to_num(apr)
    mean = float((a * dt).sum() / covered)
    positive = float(dt[a > 0].sum() / covered)
    return mean, positive, weighted_median(apr, dt), covered


def stability(times: np.ndarray, apr: np.ndarray, now: float, span: float = WEEK,
              hold: float = HOLD) -> float | None:
    """1.4826 × the time-weighted median absolute deviation over `span` (None: not covered)."""
    dt = np.where(np.isnan(apr), 0.0, coverage(times, now, now - span, hold))
    if dt.sum() <= 0:
        return None
    med = weighted_median(apr, dt)
    return float(MAD_TO_SIGMA * weighted_median(np.abs(apr - med), dt))


def interval_changes(times: np.ndarray, intervals: np.ndarray, now: float, span: float = WEEK) -> tuple[float, ...]:
    """The times within the last `span` at which the known interval differs from the one before."""
    known = ~np.isnan(intervals)
    t, h = times[known], intervals[known]
    if t.size < 2:
        return ()
    changed = np.flatnonzero(h[1:] != h[:-1]) + 1
    return tuple(float(x) for x in t[changed] if x >= now - span)


def cell_figures(times: np.ndarray, apr: np.ndarray, intervals: np.ndarray, now: float) -> dict:
    """Every figure of `cockpit.model.funding.CellStats` but the cell's names, from its samples."""
    order = np.argsort(times, kind="stable")
    times, apr, intervals = times[order], apr[order], intervals[order]
    avg_1d, pos_1d, med_1d, _ = period_figures(times, apr, now, DAY)
    avg_7d, pos_7d, med_7d, covered = period_figures(times, apr, now, WEEK)
    return dict(avg_1d=avg_1d, positive_1d=pos_1d, avg_7d=avg_7d, positive_7d=pos_7d,
                median_1d=med_1d, median_7d=med_7d, stability=stability(times, apr, now),
                covered=covered, interval_changes=interval_changes(times, intervals, now))


__all__ = ["cell_figures", "coverage", "interval_changes", "period_figures", "stability", "weighted_median"]
