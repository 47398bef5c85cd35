"""Funding: what each position pays or earns, and the cross-sectional funding stress index.

APR is always from the symbol's own current interval, ``rate × (24 / interval_hours) × 365``
(`cockpit.model.funding.annualized`, as `FundingQuote.apr`; unknown, NaN here, when the venue does not give the interval: never a guessed
8 h, so funding per day is unknown too); a position earns ``−side × APR / 365 × notional`` per day, so a long pays
when the rate is positive.

Funding stress index (0-100)
----------------------------
One number for how abnormal funding is across the whole cross-section of asset × venue cells at
once (not pairwise). For each cell c with a live quote whose APR is known (a quote without a
funding interval has none: it weighs nothing, like a stale one):

    zc   = (APRc − baselinec) / scalec                                  robust deviation
    sevc = 0                              if |zc| ≤ k
         = min(1, ½ + ½ · (|zc| − k) / k)  otherwise                    severity in [½, 1]
    I    = 100 · Σ wc·sevc / Σ wc                                        the index

* baselinec is the median of the cell's trailing APR history (`funding_history_samples` taken every
  `funding_sample_seconds`, 24 h by default) and scalec is 1.4826 × its median absolute deviation,
  floored at `funding_scale_floor` (10 APR points), so a quiet cell cannot turn noise into stress.
  Samples enter the history winsorized to baseline ± k·scale: an ongoing squeeze cannot drag the
  baseline along with it (a lasting change of level is still learned, k·scale per half window).
* Warm-up: with n samples the median and scale are blended with a calm prior, weight
  n / (n + n0): baseline = w·median + (1 − w)·`funding_prior_apr` (11 %, i.e. 0.01 % per 8 h) and
  scale = max(floor, w·MAD-scale + (1 − w)·floor). A leverage reset in a fresh session is therefore
  measured against "normal funding" at once, and detected on the first evaluation.
* wc = (1 − α)·market weight + α·your weight, each normalized over the live cells: the market weight
  is √(open interest × mark), the quote's open interest taken in base units (the median of the
  known weights where a venue does not say; equal when none do); your weight is your gross
  notional in that asset on that venue (the market weight when you hold nothing).
  α = `funding_exposure_weight` (0.5) and must be below 1. Quotes seen only through accounts that
  are not LIVE are shown but weigh nothing: the index never reads stale data.

Why this form: medians and MADs are not moved by the spikes they are meant to detect; the scale
floor keeps calm, tightly clustered cells from reading tiny moves as stress; a cell just past k
counts half and one 2k out counts fully, so the index measures both the *share* of the
cross-section that deviates and the *size* of the deviation; |z| counts squeezes and negative
flushes alike (both are leverage resets); and weights mix the market's open interest with your own
exposure, so the index reads market-wide stress but leans toward where you are exposed. Because the
weights do not depend on the rates, one more deviating cell always raises the index, and the index
is a weighted mean of severities in [0, 1], so it stays within 0-100.

Defaults: k = 3, threshold 60 (REDUCING), WARN at 80 % of it (48), re-entry 35 held for 10 minutes
before a person may reset. The drivers are the assets with the largest Σ wc·sevc.
"""

from __future__ import annotations

import numpy as np

from cockpit.model.funding import DAYS_PER_YEAR
from cockpit.risk.arrays import fill_nan, median, row_medians
from cockpit.risk.history import SampledRing

MAD_TO_SIGMA = 1.4826  # the MAD of a normal sample times this estimates its standard deviation
HISTORY_SHOWN = 24  # APR samples per heatmap cell shown in its detail


def per_day(sign: np.ndarray, notional: np.ndarray, apr: np.ndarray) -> np.ndarray:
    """Funding each position earns per day (negative: it pays); NaN where unknown."""
    return -sign * apr / DAYS_PER_YEAR * notional


def robust_baseline(history: np.ndarray, prior: float, floor: float,
                    prior_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """(baseline, scale) per cell from its APR history, blended with the calm prior (module doc)."""
    n = (~np.isnan(history)).sum(axis=1)
    med = row_medians(history)
    mad = MAD_TO_SIGMA * row_medians(np.abs(history - med[:, None]))
    w = n / (n + prior_samples) if prior_samples > 0 else (n > 0).astype(float)
    base = np.where(n > 0, w * fill_nan(med) + (1 - w) * prior, prior)
    scale = np.maximum(floor, np.where(n > 0, w * fill_nan(mad) + (1 - w) * floor, floor))
    return base, scale


def severity(z: np.ndarray, k: float) -> np.ndarray:
    """0 within k robust deviations; ½ just beyond; 1 at 2k and further (NaN z: 0)."""
    a = np.abs(fill_nan(z))
    return np.where(a > k, np.minimum(1.0, 0.5 + 0.5 * (a - k) / k), 0.0)


def cell_weights(oi_usd: np.ndarray, exposure: np.ndarray, live: np.ndarray, alpha: float) -> np.ndarray:
    """Weight of each cell in the index (module doc); 0 for cells without a live quote."""
    root = np.sqrt(np.where(oi_usd > 0, oi_usd, np.nan))
    known = ~np.isnan(root) & live
    # arrays.median, not np.median: see cockpit.risk.arrays.
    fill = median(root[known]) if known.any() else 1.0
    market = np.where(live, np.where(np.isnan(root), fill, root), 0.0)
    total = market.sum()
    if total <= 0:
        return market
    market = market / total
    mine = np.where(live, fill_nan(exposure), 0.0)
    mine = mine / mine.sum() if mine.sum() > 0 else market
    return (1 - alpha) * market + alpha * mine


def stress_index(sev: np.ndarray, weights: np.ndarray) -> float:
    """100 × the weighted mean severity (0 when no cell has weight)."""
    total = weights.sum()
    return 0.0 if total <= 0 else float(100.0 * (weights * sev).sum() / total)


def drivers(contribution: np.ndarray, cell_asset: np.ndarray, n_assets: int, names: list[str],
            most: int = 5) -> tuple[str, ...]:
    """The assets that contribute most to the index, largest first."""
    per_asset = np.bincount(cell_asset, contribution, n_assets)
    order = np.argsort(-per_asset, kind="stable")[:most]
    return tuple(names[i] for i in order if per_asset[i] > 0)


class FundingTracker:
    """Per-cell APR history (a `SampledRing`), its cached robust baseline, and the index history
    (another)."""

    def __init__(self, sample_seconds: float, history: int, prior: float, floor: float,
                 prior_samples: int, index_seconds: float, index_history: int) -> None:
        self.prior, self.floor, self.prior_samples = prior, floor, prior_samples
        self._apr = SampledRing(sample_seconds, history)
        self._index = SampledRing(index_seconds, index_history, rows=1)
        self.base = np.zeros(0)
        self.scale = np.zeros(0)
        self.shown: list[tuple[float, ...]] = []
        self.index_history: tuple[float | None, ...] = ()
        self._seeds: dict = {}  # cell name -> APR samples restored from history, until the cell is seen

    def seed(self, apr: dict, index: list[tuple[float, float | None]]) -> None:
        """Warm the histories from stored samples (a restart): `apr` maps a cell's name
        ((asset, venue)) to its APRs, oldest first, put in when the cell is first registered
        (`adopt`); `index` is (time, index or None) pairs, oldest first, taken at once."""
        self._seeds.update({name: np.asarray(v, float)[-self._apr.values.shape[1]:] for name, v in apr.items() if len(v)})
        for t, value in index[-self._index.values.shape[1]:]:
            self._index.push(t, np.nan if value is None else value)
        if index:
            self.index_history = tuple(None if v != v else v for v in self._index.ordered()[0].tolist())

    def adopt(self, names: list, k: float) -> None:
        """Put the seeded samples of the cells in `names` (the cells' names in cell order) into
        their history rows, winsorized to their own median ± k robust scales (as live samples
        enter against the baseline), so the baseline is warm at the first evaluation."""
        if not self._seeds:
            return
        found = [(i, self._seeds.pop(name)) for i, name in enumerate(names) if name in self._seeds]
        if not found:
            return
        self.baseline(len(names))
        ring = self._apr
        for i, samples in found:
            b, s = robust_baseline(samples[None, :], self.prior, self.floor, 0)
            ring.put_back(i, np.clip(samples, b[0] - k * s[0], b[0] + k * s[0]))
        self.base, self.scale = robust_baseline(ring.values, self.prior, self.floor, self.prior_samples)
        recent = ring.ordered()[:, -HISTORY_SHOWN:]
        self.shown = [tuple(v for v in row if v == v) for row in recent.tolist()]

    @property
    def last_sample(self) -> float | None:
        """When the APRs were last sampled."""
        return self._apr.last

    @property
    def sample_seconds(self) -> float:
        """The spacing of the APR samples."""
        return self._apr.every

    def apr_samples(self) -> np.ndarray:
        """Every cell's APR samples, oldest first, one column per sample time (cells × samples
        taken; NaN where a cell was not quoted live then): the carry scanner's history."""
        return self._apr.ordered()

    def baseline(self, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
        """(baseline, scale) for the first `n_cells` cells; new cells start at the prior."""
        extra = n_cells - self.base.shape[0]
        if extra > 0:
            self._apr.grow(n_cells)
            self.base = np.concatenate([self.base, np.full(extra, self.prior)])
            self.scale = np.concatenate([self.scale, np.full(extra, self.floor)])
            self.shown.extend(() for _ in range(extra))
        return self.base[:n_cells], self.scale[:n_cells]

    def record(self, now: float, apr: np.ndarray, index: float | None, k: float) -> None:
        """Add the live APRs (NaN: not quoted live), winsorized to baseline ± k·scale, and the
        index (None: unknown, kept as a gap, never as 0) to their histories when due."""
        if self._apr.due(now):
            base, scale = self.baseline(apr.shape[0])
            self._apr.push(now, np.clip(apr, base - k * scale, base + k * scale))
            self.base, self.scale = robust_baseline(self._apr.values, self.prior, self.floor, self.prior_samples)
            recent = self._apr.ordered()[:, -HISTORY_SHOWN:]
            self.shown = [tuple(v for v in row if v == v) for row in recent.tolist()]
        if self._index.due(now):
            self._index.push(now, np.nan if index is None else index)
            # The samples taken so far, oldest first; an unknown one stays a gap (None).
            self.index_history = tuple(None if v != v else v for v in self._index.ordered()[0].tolist())
