"""The carry scanner: per asset, the best long-venue / short-venue pair by funding net of costs.

A carry pair is long an asset's perp on one venue and short the same asset's perp on another, the
same notional N on each leg, so the price moves cancel and the funding remains. With the rates
signed as venues quote them (positive: longs pay, `FundingQuote`), the long leg earns −APR_long and
the short leg +APR_short:

    gross       = APR_short − APR_long                      per year, a fraction of N
    fees        = 2 × (fee_long + fee_short)                taker on both legs, entry and exit
    slippage(N) = 2 × (k_long + k_short) × √N               the cost model's impact, both legs, both ways
    net(N)      = gross − (fees + slippage(N)) × 365 / H    the costs spread over a holding period of H days
    breakeven   = (fees + slippage(N)) / (gross / 365)      days of gross carry that pay the costs

k is a leg's impact per √USD: `cockpit.risk.orders.impact` is k × √notional (the square-root model
at its reference depth), so the scanner's slippage is exactly what the trims and the playbook are
priced with; per-venue depth, where one is known, gives each leg its own k. Costs never make a
pair better (net ≤ gross), and since slippage grows with √N the size at which net falls to a given
level has a closed form, the capacity:

    net(N) = gross × (1 − q)   ⇔   √N = (q × gross × H / 365 − fees) / (2 × (k_long + k_short))

q = 1 is the size where net reaches zero, q = ½ where it has halved; 0 when fees alone already
take that much at any size (more fees: less capacity), infinite without slippage.

Interval mismatch: venues pay funding every 1 h, 4 h or 8 h, in full to whoever holds the position
at the payment's time. Legs with different intervals earn the same per year but are paid at
different moments, so between payments they do not offset: a pair entered just before the longer
leg pays, or left just before it is paid, gains or loses one whole payment of that leg. `timing`
is that payment (its rate per interval).

Stability: the cells' APR histories give the spread's history: in the evaluation, the samples the
stress index keeps (24 h at 5 min by default, warm after a restart from the history store;
winsorized to each cell's band), both legs at the same sample times; elsewhere each
`FundingCell.history`, aligned at the newest sample. Reported: the share of samples in which the
spread was positive, its median and minimum. With fewer than two common samples stability is
unknown (None), never "stable".

Which pairs are listed: per asset, the pair with the best net APR among the live quotes; and every
pair you hold (a net long on one venue and a net short on the other), marked. A held pair that
pays funding on both legs is a warning and is listed first; then by net APR, best first. Quotes
whose interval is unknown have no APR and make no pair.

Pure functions of plain inputs, numpy for the pairs; no I/O, no clock, no text.
"""

from __future__ import annotations

import math
from operator import attrgetter
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from cockpit.model import CarryPair, CarryScan, FundingCell, Instrument, Side
from cockpit.model.assessment import DepthSource
from cockpit.model.book import Book
from cockpit.model.funding import DAYS_PER_YEAR
from cockpit.risk.orders import impact

DEFAULT_TAKER_FEE: float = Instrument.__dataclass_fields__["taker_fee"].default
"""The taker fee assumed for a cell whose instrument no account lists (the `Instrument` default)."""
GROSS_EPSILON = 1e-9
"""A gross APR closer to zero than this is zero (float noise of annualising equal rates)."""
MODEL_K: float = impact(1.0)
"""The cost model's impact per √USD of notional (`impact(n) = MODEL_K × √n`)."""


# -- the economics of one pair (floats or numpy arrays alike) --------------------------------


def slippage(k_sum, size):
    """Round-trip slippage of a pair (both legs, entry and exit) at `size` per leg, as a fraction
    of one leg's notional; `k_sum` is the two legs' impact per √USD added up."""
    return 2.0 * k_sum * np.sqrt(size)


def net_apr(gross, fees, k_sum, size, horizon_days):
    """Net APR at `size`: the gross less fees and slippage spread over `horizon_days`."""
    return gross - (fees + slippage(k_sum, size)) * DAYS_PER_YEAR / horizon_days


def breakeven_days(gross: float, cost: float) -> float | None:
    """Days of gross carry that pay `cost` (a fraction of notional); None when it never does.
    (One pair; the scan computes it for all at once.)"""
    return cost / (gross / DAYS_PER_YEAR) if gross > 0 else None


def capacity(gross: float, fees: float, k_sum: float, horizon_days: float, q: float = 1.0) -> float:
    """The size per leg at which net APR has lost the share `q` of gross (q = 1: zero; ½: half).

    0 when fees alone already take it (or the pair earns nothing); infinite without slippage.
    """
    room = q * gross * horizon_days / DAYS_PER_YEAR - fees
    if room <= 0 or gross <= 0:
        return 0.0
    if k_sum <= 0:
        return math.inf
    return (room / (2.0 * k_sum)) ** 2


def spread_stats(long_history: Sequence[float], short_history: Sequence[float]
                 ) -> tuple[int, float | None, float | None, float | None]:
    """(samples, share positive, median, minimum) of the spread short − long over the samples
    both histories have, aligned at their newest; the last three None below 2 samples.

    One pair at a time: the definition the scan's vectorised `_stability` is tested against."""
    n = min(len(long_history), len(short_history))
    if n < 2:
        return n, None, None, None
    spread = sorted(map(float.__sub__, short_history[-n:], long_history[-n:]))
    middle = n // 2
    median = spread[middle] if n % 2 else (spread[middle - 1] + spread[middle]) / 2
    return n, sum(1 for x in spread if x > 0) / n, median, spread[0]


# -- fees per cell -----------------------------------------------------------------------------


def cell_fees(cells: Sequence[FundingCell], book: Book,
              instruments: Mapping[str, Mapping[str, Instrument]]) -> list[float]:
    """Each cell's taker fee: its symbol's instrument in any account on its venue
    (`DEFAULT_TAKER_FEE` when none lists it)."""
    by_venue: dict[str, list[Mapping[str, Instrument]]] = {}
    for acc in book.accounts:
        ins = instruments.get(acc.info.name)
        if ins:
            by_venue.setdefault(acc.info.venue, []).append(ins)
    out = []
    for c in cells:
        fee = DEFAULT_TAKER_FEE
        for ins in by_venue.get(c.venue, ()):
            hit = ins.get(c.symbol)
            if hit is not None:
                fee = hit.taker_fee
                break
        out.append(fee)
    return out


# -- the scan ----------------------------------------------------------------------------------


def same_asset_pairs(asset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair (i, j), i ≠ j, of positions with the same `asset` id: (i's, j's)."""
    order = np.argsort(asset, kind="stable")
    counts = np.bincount(asset)
    starts = np.cumsum(counts) - counts
    group = asset[order]
    m = counts[group]  # the size of each sorted position's group
    left = np.repeat(np.arange(order.shape[0]), m)
    offset = np.arange(left.shape[0]) - np.repeat(np.cumsum(m) - m, m)
    right = starts[group][left] + offset
    keep = left != right
    return order[left[keep]], order[right[keep]]


class _Pairs:
    """Every ordered pair of usable cells of the same asset (long i, short j), as arrays."""

    def __init__(self, cells: Sequence[FundingCell], fees: Sequence[float], k: Sequence[float]) -> None:
        n = len(cells)
        apr = np.fromiter((c.apr for c in cells), float, n)
        names: dict[str, int] = {}
        asset = np.fromiter((names.setdefault(c.asset, len(names)) for c in cells), np.intp, n)
        use = np.flatnonzero(~np.isnan(apr))
        li, si = same_asset_pairs(asset[use])
        self.long, self.short = use[li], use[si]
        self.asset = asset[self.long]
        gross = apr[self.short] - apr[self.long]
        # Equal rates quoted over different intervals differ in the last bits once annualised:
        # a pair that earns nothing must read 0, never a break-even of 10^16 days.
        self.gross = np.where(np.abs(gross) < GROSS_EPSILON, 0.0, gross)
        fee, kk = np.asarray(fees, float), np.asarray(k, float)
        self.fees = 2.0 * (fee[self.long] + fee[self.short])
        self.k = kk[self.long] + kk[self.short]
        stale = np.fromiter((c.stale for c in cells), bool, n)
        self.live = ~stale[self.long] & ~stale[self.short]
        held = [c.held for c in cells]
        longs = np.fromiter((h is Side.LONG for h in held), bool, n)
        shorts = np.fromiter((h is Side.SHORT for h in held), bool, n)
        self.held = longs[self.long] & shorts[self.short]


def _chosen(p: _Pairs, net: np.ndarray) -> np.ndarray:
    """The pairs listed: the best live pair of each asset, and every held pair."""
    live = np.flatnonzero(p.live)
    # Best net first within each asset; ties go to the earlier cells (stable, deterministic).
    order = live[np.lexsort((-net[live], p.asset[live]))]
    first = np.ones(order.shape[0], bool)
    first[1:] = p.asset[order][1:] != p.asset[order][:-1]
    # A mask, not np.union1d or np.unique: they import numpy.ma, which the first frame must not pay for.
    chosen = np.asarray(p.held, bool).copy()
    chosen[order[first]] = True
    return np.flatnonzero(chosen)


def _histories(cells: Sequence[FundingCell]) -> np.ndarray:
    """Every cell's APR history as one row, aligned at the newest sample, NaN before its first."""
    longest = max((len(c.history) for c in cells), default=0)
    pad = (math.nan,) * longest
    return np.array([pad[len(c.history):] + tuple(c.history) for c in cells], float).reshape(len(cells), longest)


def _stability(h: np.ndarray, long: np.ndarray, short: np.ndarray) -> tuple[list, list, list, list]:
    """`spread_stats` of many pairs at once, from `_histories`: samples, share positive, median,
    minimum (the last three None below 2 samples)."""
    spread = np.sort(h[short] - h[long], axis=1)  # NaN (no common sample) sorts last
    n = (~np.isnan(spread)).sum(axis=1)
    few = n < 2
    rows = np.arange(n.shape[0])
    if spread.shape[1] == 0:
        nothing = [None] * n.shape[0]
        return n.tolist(), nothing, nothing, nothing
    lo, hi = np.maximum(n - 1, 0) // 2, np.maximum(n, 1) // 2
    # n odd: lo = hi, the middle one; n even: the mean of the two middle ones.
    median = np.where(few, np.nan, (spread[rows, lo] + spread[rows, np.minimum(hi, spread.shape[1] - 1)]) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(few, np.nan, (spread > 0).sum(axis=1) / n)
    return n.tolist(), _none(share), _none(median), _none(np.where(few, np.nan, spread[:, 0]))


def _none(values: np.ndarray) -> list:
    """The values as Python floats, None where NaN."""
    return [None if v != v else v for v in values.tolist()]


def scan(cells: Sequence[FundingCell], fees: Sequence[float], size: float, horizon_days: float,
         k: Sequence[float] | None = None, history: np.ndarray | None = None,
         sample_seconds: float = 0.0) -> CarryScan:
    """The carry scanner over `cells` at `size` per leg (module doc).

    Args:
        cells: the funding cells (one per asset × venue).
        fees: each cell's taker fee (a fraction of notional), in `cells` order.
        size: notional per leg, USD.
        horizon_days: the holding period entry and exit costs are spread over.
        k: each cell's impact per √USD from its venue's own depth; None: the cost model's.
        history: each cell's APR samples at common sample times, `sample_seconds` apart (rows
            in `cells` order, NaN where a cell has none); None: the cells' own `history`,
            aligned at the newest sample.
    """
    depth = DepthSource.MODEL if k is None else DepthSource.VENUE
    p = _Pairs(cells, fees, [MODEL_K] * len(cells) if k is None else k)
    if p.gross.shape[0] == 0:
        return CarryScan(size, horizon_days, depth, sample_seconds=sample_seconds)
    net = net_apr(p.gross, p.fees, p.k, size, horizon_days)
    pick = _chosen(p, net)
    apr = np.fromiter((c.apr for c in cells), float, len(cells))
    pays_both = p.held[pick] & (apr[p.long[pick]] > 0) & (apr[p.short[pick]] < 0)
    pick = pick[np.lexsort((-net[pick], ~pays_both))]  # the warnings first, then best net first
    long, short = p.long[pick], p.short[pick]
    gross, fee, k_sum = p.gross[pick], p.fees[pick], p.k[pick]
    slip = slippage(k_sum, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(gross > 0, (fee + slip) / (gross / DAYS_PER_YEAR), np.nan)
    cap0, cap_half = _capacities(gross, fee, k_sum, horizon_days, 1.0), _capacities(gross, fee, k_sum, horizon_days, 0.5)
    samples, share, median, low = _stability(_histories(cells) if history is None else history, long, short)
    rows = tuple(map(_row, long.tolist(), short.tolist(), gross.tolist(), fee.tolist(), slip.tolist(),
                     net[pick].tolist(), _none(days), cap0, cap_half, p.held[pick].tolist(),
                     samples, share, median, low, [cells] * pick.shape[0]))
    return CarryScan(size, horizon_days, depth, rows, sample_seconds)


def _capacities(gross: np.ndarray, fees: np.ndarray, k_sum: np.ndarray, horizon_days: float, q: float) -> list[float]:
    """`capacity` of every pair at once."""
    room = q * gross * horizon_days / DAYS_PER_YEAR - fees
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        size = np.where(k_sum > 0, (room / (2.0 * k_sum)) ** 2, math.inf)
    return np.where((room <= 0) | (gross <= 0), 0.0, size).tolist()


def _row(i: int, j: int, gross: float, fees: float, slip: float, net: float, days: float | None, cap0: float,
         cap_half: float, held: bool, samples: int, share: float | None, median: float | None, low: float | None,
         cells: Sequence[FundingCell]) -> CarryPair:
    """One listed pair: long on cell `i`'s venue, short on cell `j`'s."""
    lo, sh = cells[i], cells[j]
    li, si = lo.interval_hours, sh.interval_hours
    mismatch = li != si
    timing = 0.0 if not mismatch else abs(lo.rate if (li or 0) > (si or 0) else sh.rate)
    return CarryPair(
        lo.asset, lo.venue, sh.venue, lo.symbol, sh.symbol, lo.apr, sh.apr, gross, fees, slip, net, days, cap0,
        cap_half, li, si, lo.next_time, sh.next_time, mismatch, timing, samples, share, median, low, held,
        held and lo.apr > 0 and sh.apr < 0, lo.stale or sh.stale)


_WHICH = attrgetter("asset", "venue", "held", "stale")  # what of a cell, changed, rescans at once


class CarryScanner:
    """The scan as the risk engine keeps it: recomputed when the size, the horizon or the cells
    (which ones, which you hold, which are stale) change, else at most every `refresh` seconds.

    Funding rates move over minutes and a venue pays at most hourly, while quotes arrive with
    every poll: rescanning on every evaluation would cost the kill switch's loop the most for the
    least news. Fees are looked up only when it rescans.
    """

    def __init__(self, refresh: float = 10.0) -> None:
        self.refresh = refresh
        self._key: tuple | None = None
        self._at = -math.inf
        self.last: CarryScan | None = None

    def update(self, cells: Sequence[FundingCell], book: Book, instruments: Mapping[str, Mapping[str, Instrument]],
               size: float, horizon_days: float, now: float, which: bytes | None = None,
               history: Callable[[], tuple[np.ndarray, float]] | None = None) -> CarryScan:
        """The scan for this evaluation (the last one when nothing it depends on changed).

        `which` stands for the cells' (asset, venue, held, stale) when the caller has them as
        arrays already (the evaluation does: a few bytes instead of a tuple per cell).
        `history`, called only when it rescans, gives the cells' APR samples at common times and
        their spacing (`scan`'s `history` and `sample_seconds`).
        """
        key = (size, horizon_days, list(map(_WHICH, cells)) if which is None else which)
        if self.last is None or key != self._key or not 0 <= now - self._at < self.refresh:
            samples, spacing = history() if history is not None else (None, 0.0)
            self.last = scan(cells, cell_fees(cells, book, instruments), size, horizon_days,
                             history=samples, sample_seconds=spacing)
            self._key, self._at = key, now
        return self.last
