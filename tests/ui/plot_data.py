"""Made-up plot series for the plots view's tests and snapshots: fixed numbers, no clock.

A day of a funding squeeze in the series the engine would send (`cockpit.model.plots.Plots`):
the cell's APR climbs from 11% to 180% and back, its interval changes 8 h -> 4 h -> 8 h; the stress
index rises past the threshold (DOGE then ETH driving) and falls below re-entry; two accounts'
equity sag and the daily drawdown touches its cap.
"""

from __future__ import annotations

import math
from dataclasses import replace

from cockpit.model import Frame
from cockpit.model.plots import Driver, EquityHistory, FundingHistory, Plots, Series, StressHistory

HOUR = 3600.0


def _bump(k: int, n: int, peak: float) -> float:
    """0 at the ends, `peak` in the middle third: a smooth hill."""
    x = k / (n - 1)
    return peak * math.exp(-((x - 0.55) / 0.12) ** 2)


def synthetic_plots(now: float, cell: tuple[str, str] | None, *, shift: int = 0) -> Plots:
    """The series at `now` (the risk engine's clock), with `cell`'s funding history; `shift`
    moves the day's shapes that many points to the left (a later moment of the same day)."""
    n, bucket = 144, 600.0  # a day at 10 minutes
    times = [now - (n - 1 - k) * bucket for k in range(n)]
    if shift:
        return _shifted(synthetic_plots(now, cell), shift)
    funding = ()
    if cell is not None:
        apr = tuple((t, round(0.11 + _bump(k, n, 1.7), 6)) for k, t in enumerate(times))
        changes = ((times[70], 4.0), (times[100], 8.0))
        funding = (FundingHistory(cell[0], cell[1], f"{cell[0]}/USDT:USDT", apr, changes, bucket),)
    index = tuple((t, round(8 + _bump(k, n, 80.0) + 3 * math.sin(k / 5), 3)) for k, t in enumerate(times))
    stress = StressHistory(index, 60.0, 48.0, 35.0,
                           (Driver("DOGE", 0.8, times[62], times[90]), Driver("ETH", 0.45, times[75], times[95])),
                           raised=31, bucket=bucket)
    a = tuple((t, round(310_000 - 16_000 * _bump(k, n, 1.0) + 400 * math.sin(k / 7), 2)) for k, t in enumerate(times))
    b = tuple((t, round(120_000 - 6_000 * _bump(k, n, 1.0), 2)) for k, t in enumerate(times))
    book = tuple((t, round(va + vb, 2)) for (t, va), (_, vb) in zip(a, b))
    peak = max(v for _, v in book)
    daily = tuple((t, round(max(0.0, 1 - v / peak), 5)) for t, v in book)
    equity = EquityHistory((Series("binance", a), Series("dydx", b)), book, daily,
                           tuple((t, round(d * 1.2, 5)) for t, d in daily), 0.05, 0.15, bucket)
    return Plots(now=now, funding=funding, stress=stress, equity=equity, span=86400.0)


def _shifted(plots: Plots, shift: int) -> Plots:
    """`plots` with every series' values moved `shift` points to the left (wrapping round)."""

    def move(points):
        values = [v for _, v in points]
        values = values[shift % len(values):] + values[:shift % len(values)] if values else values
        return tuple((t, v) for (t, _), v in zip(points, values))

    funding = tuple(f._replace(apr=move(f.apr)) for f in plots.funding)
    stress = plots.stress._replace(index=move(plots.stress.index))
    e = plots.equity
    equity = e._replace(accounts=tuple(s._replace(points=move(s.points)) for s in e.accounts), book=move(e.book),
                        drawdown_daily=move(e.drawdown_daily), drawdown_peak=move(e.drawdown_peak))
    return replace(plots, funding=funding, stress=stress, equity=equity)


def with_plots(frame: Frame, cell: tuple[str, str] | None) -> Frame:
    """`frame` carrying the made-up series."""
    now = frame.sim_time if frame.sim_time is not None else frame.now
    return replace(frame, plots=synthetic_plots(now, cell))
