"""Volatility: EWMA realized volatility per asset from mark history, and its own percentile.

Marks are sampled every `vol_sample_seconds` of the `now` passed in (one mark per asset: the mean
of the LIVE venues' marks). Each sample gives a log return r over dt seconds; the variance per
second is an exponentially weighted mean of r²/dt with weight ``1 − exp(−dt/τ)``,
τ = half-life / ln 2, so irregular spacing (a pause, a missed poll) is weighted by its length.
Volatility is annualized: σ = sqrt(variance · seconds per year).

The market factor is the equal-weighted mean of the assets' standardized returns r/√dt; each
asset's EWMA covariance with it gives the correlation the stress tail pushes toward 1.

The percentile of an asset's volatility is its rank among its own last `vol_history_samples`
values (0-100), reported once it has `vol_min_samples` of them: before that it is NaN and no rule
fires on it.

The kill switch reads a stricter version of it (`VolTracker.trigger`), because a rank alone cannot
tell a crisis from an ordinary day:

* Minimum history (`vol_trigger_min_samples`, 2 h at 1 min by default): an asset counts only once
  its history spans two EWMA half-lives. Before that the history is the EWMA's own start-up (it
  starts from one squared return, then climbs or falls toward the true level), so "the highest
  of the last 37 values" is the warm-up, not the market: that is how a calm market read 100.
* Magnitude bound (`vol_trigger_multiple`, 2 by default): the rank counts in full only when the
  volatility is at least that multiple of its own median; below, it is scaled down in proportion
  (rank x min(1, vol / (multiple x median))). Even with a full day of history, a volatility's own
  top 5% comes round every day in a calm market (the EWMA wanders tens of percent around its
  level), so a rank needs a size to mean "abnormal". A flash crash takes volatility to 10x its median within
  minutes; a calm day's drill (20 seeds x 24 h) never took the book above 1.6x. A stress that
  lasts more than half the history becomes its own median and stops counting: by then the
  drawdown and funding triggers have had their say.

No warm prior on the level: assets differ too much (BTC about 50%, memes 130%) for one default
volatility to say what is abnormal for each. The price is that the trigger is blind for the first
two hours of a session; the other triggers (funding stress, drawdown, stale account) are not.
"""

from __future__ import annotations

import math

import numpy as np

from cockpit.risk.arrays import row_medians
from cockpit.risk.history import SampledRing

SECONDS_PER_YEAR = 365.0 * 86400.0
VOL_FLOOR = 0.05  # annualized: a market that has not moved lately is not riskless
MEDIAN_STRIDE = 4  # the trigger's median reads every 4th sample of the history


def ewma(prev: np.ndarray, obs: np.ndarray, dt: np.ndarray, halflife: float) -> np.ndarray:
    """One EWMA step with time-decayed weight; where `prev` is NaN the observation starts it;
    where `obs` is NaN the previous value stays."""
    alpha = 1.0 - np.exp(-np.asarray(dt, float) * (math.log(2.0) / halflife))
    out = np.where(np.isnan(prev), obs, prev + alpha * (obs - prev))
    return np.where(np.isnan(obs), prev, out)


def percentile_rank(history: np.ndarray, current: np.ndarray, min_count: int) -> np.ndarray:
    """Per row, the share of the row's (non-NaN) history at or below `current`, in 0-100; NaN
    where the row has fewer than `min_count` values or `current` is NaN."""
    valid = ~np.isnan(history)
    count = valid.sum(axis=1)
    below = (history <= current[:, None]).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * below / count
    return np.where((count >= min_count) & ~np.isnan(current), pct, np.nan)


def trigger_reading(pct: np.ndarray, vol: np.ndarray, median: np.ndarray, multiple: float) -> np.ndarray:
    """The percentile the kill switch reads per asset: the rank `pct`, scaled down by how far the
    volatility is below `multiple` times its `median` (NaN stays NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return pct * np.minimum(1.0, vol / (multiple * median))


def asset_marks(m_asset: np.ndarray, m_price: np.ndarray, m_live: np.ndarray, n_assets: int) -> np.ndarray:
    """One mark per asset: the mean of the live marks (NaN where none)."""
    sel = m_live & (m_price > 0)
    total = np.bincount(m_asset[sel], m_price[sel], n_assets)
    count = np.bincount(m_asset[sel], minlength=n_assets)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


class VolTracker:
    """The mark history behind volatility: EWMA state and a ring of past volatilities per asset.

    Attributes (per asset index, grown as assets appear):
        vol: annualized EWMA volatility (NaN until two samples).
        percentile: rank of `vol` in its own history, 0-100 (NaN during warm-up).
        trigger: what the kill switch reads (module doc): the percentile scaled by the magnitude
            bound, NaN until `trigger_samples` of history.
        corr: EWMA correlation with the market factor (NaN until measured).
        market_vol: annualized volatility of the market factor.
    """

    def __init__(self, sample_seconds: float, halflife: float, history: int, min_samples: int,
                 trigger_samples: int | None = None, trigger_multiple: float = 1.0) -> None:
        self.halflife = halflife
        self.min_samples = min_samples
        # The trigger reads the percentile, so it cannot start before the percentile does.
        self.trigger_samples = max(min_samples, trigger_samples or 0)
        self.trigger_multiple = trigger_multiple
        self._n = 0
        self._hist = SampledRing(sample_seconds, history)  # each asset's past volatilities
        self._price = np.zeros(0)
        self._time = np.zeros(0)
        self._var = np.zeros(0)
        self._cov = np.zeros(0)
        self._var_m = math.nan
        self.vol = np.zeros(0)
        self.percentile = np.zeros(0)
        self.trigger = np.zeros(0)
        self.corr = np.zeros(0)
        self.market_vol = math.nan

    def _grow(self, n: int) -> None:
        if n <= self._n:
            return
        extra = n - self._n
        pad = np.full(extra, np.nan)
        for name in ("_price", "_time", "_var", "_cov", "vol", "percentile", "trigger", "corr"):
            setattr(self, name, np.concatenate([getattr(self, name), pad]))
        self._hist.grow(n)
        self._n = n

    @property
    def last_sample(self) -> float | None:
        """When the marks were last sampled."""
        return self._hist.last

    def due(self, now: float) -> bool:
        """A new sample is due at `now`."""
        return self._hist.due(now)

    def sample(self, now: float, marks: np.ndarray) -> None:
        """Record one mark per asset (NaN: none live) taken at `now`."""
        self._grow(marks.shape[0])
        n = self._n
        marks = np.concatenate([marks, np.full(n - marks.shape[0], np.nan)])
        ok = ~np.isnan(marks) & ~np.isnan(self._price) & (marks > 0)
        dt = np.where(ok, now - self._time, np.nan)
        ok &= dt > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(ok, np.log(marks / self._price) / np.sqrt(dt), np.nan)
        if ok.any():
            xm = float(x[ok].mean())
            dtm = now - (self.last_sample if self.last_sample is not None else now)
            self._var_m = float(ewma(np.asarray(self._var_m), np.asarray(xm * xm), np.asarray(dtm),
                                     self.halflife))
            self._var = ewma(self._var, x * x, dt, self.halflife)
            self._cov = ewma(self._cov, x * xm, dt, self.halflife)
            self.market_vol = math.sqrt(self._var_m * SECONDS_PER_YEAR)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.vol = np.sqrt(self._var * SECONDS_PER_YEAR)
            self.corr = self._cov / np.sqrt(self._var * self._var_m)
        self._hist.push(now, np.where(ok, self.vol, np.nan))
        self.percentile = percentile_rank(self._hist.values, self.vol, self.min_samples)
        self.trigger = self._trigger()
        seen = ~np.isnan(marks) & (marks > 0)
        self._price = np.where(seen, marks, self._price)
        self._time = np.where(seen, now, self._time)

    def _trigger(self) -> np.ndarray:
        """`trigger_reading` for the assets with `trigger_samples` of history, NaN for the rest."""
        out = np.full(self._n, np.nan)
        hist = self._hist.values
        ready = np.flatnonzero((~np.isnan(hist)).sum(axis=1) >= self.trigger_samples)
        if ready.size:
            # Every 4th minute of the history: one sort of a quarter of it, once a minute, and
            # the EWMA (an hour's half-life) barely moves in 4 minutes, so the median is the same.
            median = row_medians(hist[ready, ::MEDIAN_STRIDE])
            out[ready] = trigger_reading(self.percentile[ready], self.vol[ready], median,
                                         self.trigger_multiple)
        return out

    def estimate(self, n_assets: int, default: float) -> tuple[np.ndarray, np.ndarray]:
        """(volatility, percentile) for the first `n_assets` assets: measured volatility (at least
        `VOL_FLOOR`) once an asset has `min_samples` of history, `default` before; percentile NaN
        during warm-up."""
        self._grow(n_assets)
        pct = self.percentile[:n_assets]
        vol = np.where(np.isnan(pct), default, np.maximum(self.vol[:n_assets], VOL_FLOOR))
        return vol, pct
