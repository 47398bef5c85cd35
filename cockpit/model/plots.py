"""Series for the plots view: bounded, downsampled histories the frame carries while a terminal
watches them (`cockpit.model.commands.WatchPlots`).

Every series is a tuple of (time, value) points, oldest first, times on the risk engine's clock
(simulated time on the simulator). A point stands for one bucket of the history (`Plots.bucket`
seconds, aligned to multiples of it), so the points of a series stay the same from one frame to
the next but for the newest: over the guard's socket a frame's patch then names the points it
keeps by their time and sends only the new ones (`cockpit.model.patch.ROWS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

Points = tuple[tuple[float, float], ...]
"""(time, value) pairs, oldest first."""

MAX_POINTS = 240
"""At most this many points a series (a 120-column plot in braille is about 220 dots wide)."""

MAX_CELLS = 4
"""At most this many funding cells are watched at once, whatever the terminals ask."""


class Series(NamedTuple):
    """One named line: an account's equity, a drawdown."""

    name: str
    points: Points = ()


class FundingHistory(NamedTuple):
    """One funding cell's APR over time (`Plots.funding`).

    Attributes:
        apr: the cell's APR (fraction per year, 1.0 = 100%), each bucket's mean.
        interval_changes: (time, new interval in hours) wherever the symbol's funding interval
            changed; the APR is always from the interval in force at that time.
        bucket: seconds one point stands for.
    """

    asset: str
    venue: str
    symbol: str
    apr: Points = ()
    interval_changes: Points = ()
    bucket: float = 0.0


class Driver(NamedTuple):
    """An asset that drove the funding stress index while it was raised (`StressHistory`).

    Attributes:
        share: the share (0-1) of the raised samples in which it was among the top drivers.
        first / last: the first and the last raised sample it drove.
    """

    asset: str
    share: float
    first: float
    last: float


class StressHistory(NamedTuple):
    """The funding stress index over time with its lines.

    Attributes:
        index: the index (0-100), each bucket's highest reading (a spike is never averaged away).
        threshold: the level that trips REDUCING; warn: where the kill switch warns;
            reentry: below it funding has normalized (`RiskSettings.funding_stress_reentry`).
        drivers: the assets that drove it while it was at or above `reentry` (or, when it never
            was, over the whole window), the most frequent first.
        raised: how many samples were at or above `reentry`.
    """

    index: Points = ()
    threshold: float = 60.0
    warn: float = 48.0
    reentry: float = 35.0
    drivers: tuple[Driver, ...] = ()
    raised: int = 0
    bucket: float = 0.0


class EquityHistory(NamedTuple):
    """Equity per account and the book's drawdown against its caps.

    Attributes:
        accounts: each account's equity (USD), each bucket's last reading.
        book: the book's equity (USD).
        drawdown_daily / drawdown_peak: the drawdown (fraction, 0.05 = 5%) from the UTC day's
            peak and from the all-time peak, each bucket's worst.
        daily_cap / peak_cap: the drawdowns that trip REDUCING (`RiskSettings`).
    """

    accounts: tuple[Series, ...] = ()
    book: Points = ()
    drawdown_daily: Points = ()
    drawdown_peak: Points = ()
    daily_cap: float = 0.05
    peak_cap: float = 0.15
    bucket: float = 0.0


@dataclass(frozen=True, slots=True)
class Plots:
    """What the frame carries for the plots view while any terminal watches it (`Frame.plots`).

    Attributes:
        now: the risk engine's time the series were read at.
        funding: the history of each watched funding cell (at most `MAX_CELLS`).
        stress: the stress index (None: no history yet).
        equity: equity and drawdown (None: no history yet).
        span: seconds of history the stress and equity series may cover (`PLOT_SPAN`).
    """

    now: float
    funding: tuple[FundingHistory, ...] = ()
    stress: StressHistory | None = None
    equity: EquityHistory | None = None
    span: float = 0.0

    def cell(self, asset: str, venue: str) -> FundingHistory | None:
        """The history of the funding cell `asset` on `venue`, if watched."""
        return next((h for h in self.funding if h.asset == asset and h.venue == venue), None)


__all__ = ["Driver", "EquityHistory", "FundingHistory", "MAX_CELLS", "MAX_POINTS", "Plots", "Points", "Series",
           "StressHistory"]
