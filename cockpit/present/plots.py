"""The plots view in charts: what each of its four plots draws, in which colour, and the words
beside it. Textual-free: a `Chart` is plain data (points, levels, bars, colours named by theme
variable) that `cockpit.ui.widgets.chart` draws; nothing here measures anything.

The four plots (`PLOTS`), each a `Panel` of one or two charts and a key (legend):

1. funding: the selected heatmap cell's APR over the last week, zero, and a mark where the
   symbol's funding interval changed (the APR is always from the interval in force);
2. stress: the funding stress index over the last day against the threshold that trips
   REDUCING, the WARN level and the re-entry level, and the assets that drove it while raised;
3. equity: equity per account, and the book's daily and peak drawdowns against their caps;
4. shocks: the stress table of the current assessment: the book's P&L under each shock, and the
   worst account's maintenance margin used after it (100% = liquidation).

Time runs left to right and ends at the engine's "now": the x axis counts back in whole seconds,
minutes, hours or days, whichever fits the history shown (at least a minute), its last tick
"now", so a picture never depends on the wall clock. A y axis holds its data and its levels with
a margin, its ends on ticks. A fresh start has a point or a few: a plot says it is collecting.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from cockpit.model import Frame, StressRow
from cockpit.model.plots import EquityHistory, FundingHistory, Points, StressHistory
from cockpit.present import format as fmt
from cockpit.present.privacy import masked


class Plot(NamedTuple):
    """One of the four plots: its id (also the binding id's suffix), its name and its number."""

    id: str
    title: str
    number: int


PLOTS = (Plot("funding", "Funding", 1), Plot("stress", "Stress", 2), Plot("equity", "Equity", 3),
         Plot("shocks", "Shocks", 4))
"""The plots, in the order of their keys."""

SERIES_COLORS = ("primary", "accent", "success", "sim-badge", "heat-hot", "secondary", "heat-cold", "error")
"""Theme variables the lines of several accounts take in turn."""


class Mark(NamedTuple):
    """One thing a chart draws.

    kind: "line" (xs, ys), "level" (a horizontal line at `at`), "event" (a vertical line at
    `at`), "bars" (xs, ys, one colour per bar in `colors`). `color` is a theme variable's name;
    `label` is its text in the key ("" for none).
    """

    kind: str
    color: str
    label: str = ""
    xs: tuple[float, ...] = ()
    ys: tuple[float, ...] = ()
    at: float = 0.0
    colors: tuple[str, ...] = ()


class Chart(NamedTuple):
    """One plot area: its marks, the axes' labels and ranges.

    `x_range` / `y_range` fix an axis (None: fitted to the marks); `categories` names the bars
    1, 2, 3 … (a categorical x axis); `empty` is said instead when there is nothing to draw;
    `ticks`: the x axis's ticks are drawn (not on a chart above another with the same x axis);
    `y_figures`: the y axis's figures are drawn (not on an axis of your money under the privacy
    mask: `money_axis`); `x_ticks`: where the x axis's ticks are and what they say ("now", "15" …;
    none: the plot picks them); `y_ticks`: the y axis's (none: the plot picks them).
    """

    marks: tuple[Mark, ...]
    x_label: str = ""
    y_label: str = ""
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    categories: tuple[str, ...] = ()
    empty: str = ""
    ticks: bool = True
    y_figures: bool = True
    x_ticks: tuple[tuple[float, str], ...] = ()
    y_ticks: tuple[float, ...] = ()


class Panel(NamedTuple):
    """One plot as shown: a title, its charts (one above the other) and its key's lines."""

    plot: Plot
    title: str
    charts: tuple[Chart, ...]
    key: tuple[tuple[str, str, str], ...] = ()  # (symbol, text, theme variable of the symbol)
    notes: tuple[str, ...] = ()


def money_axis() -> bool:
    """Whether an axis of the user's money shows its figures: not under the privacy mask (the
    line's shape, relative, stays)."""
    return not masked()


WAITING = "waiting for the engine's history…"
NO_HISTORY = "no history yet: samples are kept every few seconds to minutes while the cockpit runs"

LINE, LEVEL, EVENT, BAR = "━", "─", "│", "█"


# -- time -----------------------------------------------------------------------------------


class TimeAxis(NamedTuple):
    """An x axis counting back to now: `unit` seconds a step of x, its `name` ("minutes ago"),
    the range `low`..0 in units, and the ticks as (x, label): "now" at 0, whole numbers before."""

    unit: float
    name: str
    low: float
    ticks: tuple[tuple[float, str], ...]


MIN_EXTENT = 60.0
"""The shortest span an x axis shows (seconds): a fresh start's few seconds read as a minute."""
UNITS = ((1.0, "seconds ago", 180.0, (5, 10, 15, 20, 30, 60)),
         (60.0, "minutes ago", 3 * 3600.0, (1, 2, 5, 10, 15, 20, 30, 60)),
         (3600.0, "hours ago", 3 * 86400.0, (1, 2, 3, 4, 6, 12, 24)),
         (86400.0, "days ago", math.inf, (1, 2, 7, 14, 30)))
"""(seconds per unit, name, used below this extent, tick steps in units): an axis reads in whole
seconds, minutes, hours or days as the history grows."""
MAX_STEPS = 5
"""At most this many tick steps back from now (six labels: room for them in a quarter of 120×40)."""
SHORT = 10
"""Fewer points than this and a plot says it is still collecting."""


def time_axis(extent: float) -> TimeAxis:
    """The x axis for `extent` seconds of history back to now (at least `MIN_EXTENT`)."""
    extent = max(extent, MIN_EXTENT)
    unit, name, _below, steps = next(u for u in UNITS if extent < u[2])
    span = extent / unit
    step = next((s for s in steps if span / s <= MAX_STEPS), steps[-1])
    ticks = tuple((-k * step, "now" if k == 0 else f"{k * step:g}") for k in range(int(span // step) + 1))
    return TimeAxis(unit, name, -span, ticks)


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × a power of ten at least `raw` (> 0)."""
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw * (1 - 1e-9))


def value_range(values, levels=(), *, from_zero: bool = False) -> tuple[tuple[float, float], tuple[float, ...]]:
    """A y range that holds every value and level with a margin (a line is never drawn on the
    frame), its ends on ticks of a nice step; and those ticks. `from_zero`: when nothing is below
    0 the ticks start at 0, the margin below it only that (no negative tick)."""
    every = [*values, *levels]
    lo, hi = min(every), max(every)
    pad = (hi - lo) * MARGIN or max(abs(hi), 1.0) * MARGIN * 2
    zero = from_zero and lo >= 0
    low, high = (0.0 if zero else lo - pad), hi + pad
    step = nice_step((high - low) / 4)
    low, high = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    ticks = tuple(round(low + k * step, 10) for k in range(round((high - low) / step) + 1))
    return ((-(high - low) * MARGIN if zero else low), high), ticks


MARGIN = 0.05
"""Of the values' spread, above and below them."""


def _extent(now: float, *series: Points) -> float:
    first = min((s[0][0] for s in series if s), default=now)
    return max(now - first, 0.0)


def _xs(points: Points, now: float, unit: float) -> tuple[float, ...]:
    return tuple(-(now - t) / unit for t, _ in points)


def _ys(points: Points, scale: float = 1.0) -> tuple[float, ...]:
    return tuple(v * scale for _, v in points)


def collecting(now: float, *series: Points) -> str:
    """"collecting: 1 point, 10s so far" while the longest of `series` is short ("" after)."""
    n = max((len(s) for s in series), default=0)
    if n >= SHORT or n == 0:
        return ""
    return f"collecting: {n} point{'s' if n != 1 else ''}, {fmt.duration(_extent(now, *series))} so far"


# -- 1. funding -----------------------------------------------------------------------------


def funding_panel(frame: Frame, cell: tuple[str, str] | None) -> Panel:
    """The selected cell's APR over the week, with interval changes marked."""
    plot = PLOTS[0]
    if cell is None:
        return Panel(plot, "Funding history", (Chart((), empty="no funding cell selected: pick one in the heatmap"),))
    asset, venue = cell
    history = frame.plots.cell(asset, venue) if frame.plots is not None else None
    title = f"Funding history · {asset} on {venue}"
    if history is None:
        return Panel(plot, title, (Chart((), empty=WAITING),))
    if history.symbol:
        title += f" ({history.symbol})"
    key, notes = _funding_key(history, frame)
    short = collecting(frame.plots.now, history.apr)
    return Panel(plot, title, (_funding_chart(history, frame.plots.now),), key, notes + ((short,) if short else ()))


def _funding_chart(history: FundingHistory, now: float) -> Chart:
    if not history.apr:
        return Chart((), empty=NO_HISTORY)
    axis = time_axis(_extent(now, history.apr))
    ys = _ys(history.apr, 100.0)
    low, high = min(0.0, *ys), max(0.0, *ys)
    # Zero is the axis's end when funding kept one sign, a rule across the plot when it changed.
    marks = [Mark("level", "secondary", at=0.0)] if low < 0 < high else []
    marks.append(Mark("line", "primary", xs=_xs(history.apr, now, axis.unit), ys=ys))
    marks += [Mark("event", "accent", at=-(now - t) / axis.unit) for t, _hours in history.interval_changes
              if -(now - t) / axis.unit >= axis.low]
    y_range, y_ticks = value_range(ys, (0.0,), from_zero=True)
    return Chart(tuple(marks), x_label=axis.name, y_label="APR %", x_range=(axis.low, 0.0), y_range=y_range,
                 x_ticks=axis.ticks, y_ticks=y_ticks)


def _funding_key(history: FundingHistory, frame: Frame) -> tuple[tuple, tuple[str, ...]]:
    key = [(LINE, f"APR (mean per {fmt.duration(history.bucket)})", "primary"),
           (LEVEL, "0: above it longs pay", "secondary")]
    if history.interval_changes:
        changes = ", ".join(f"{fmt.interval(h, '?')} {fmt.duration(frame.plots.now - t)} ago"
                            for t, h in history.interval_changes[-3:])
        key.append((EVENT, f"interval changed to {changes}", "accent"))
    else:
        key.append((EVENT, "interval change (none)", "accent"))
    live = frame.assessment.cell(history.asset, history.venue)
    notes = ()
    if live is not None:
        notes = (f"now {fmt.apr(live.apr)} APR at {fmt.rate(live.rate)} per "
                 f"{fmt.interval(live.interval_hours, '? h')}",)
    return tuple(key), notes


def _without_series(plot: Plot, title: str, frame: Frame) -> Panel:
    """A panel with nothing to draw yet: waiting for the engine's series, or no history."""
    return Panel(plot, title, (Chart((), empty=WAITING if frame.plots is None else NO_HISTORY),))


# -- 2. stress ------------------------------------------------------------------------------


def stress_panel(frame: Frame) -> Panel:
    """The funding stress index over the day against its lines, and its drivers."""
    plot = PLOTS[1]
    title = "Funding stress index"
    stress = frame.plots.stress if frame.plots is not None else None
    if stress is None:
        return _without_series(plot, title, frame)
    now = frame.plots.now
    axis = time_axis(_extent(now, stress.index))
    ys = _ys(stress.index)
    marks = (Mark("level", "kill-normal", at=stress.reentry), Mark("level", "kill-warn", at=stress.warn),
             Mark("level", "kill-reducing", at=stress.threshold),
             Mark("line", "primary", xs=_xs(stress.index, now, axis.unit), ys=ys))
    levels = (stress.reentry, stress.warn, stress.threshold)
    if max(0.0, *ys, *levels) <= 100.0:  # the index's own scale, 0-100
        y_range, y_ticks = (-100.0 * MARGIN, 100.0 * (1 + MARGIN)), (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)
    else:  # a threshold set above 100 stays in sight
        y_range, y_ticks = value_range(ys, (0.0, *levels), from_zero=True)
    chart = Chart(marks, x_label=axis.name, y_label="index", x_range=(axis.low, 0.0), y_range=y_range,
                  x_ticks=axis.ticks, y_ticks=y_ticks)
    key = ((LINE, f"index (max per {fmt.duration(stress.bucket)})", "primary"),
           (LEVEL, f"{stress.threshold:g} REDUCING", "kill-reducing"),
           (LEVEL, f"{stress.warn:g} WARN", "kill-warn"),
           (LEVEL, f"{stress.reentry:g} re-entry", "kill-normal"))
    short = collecting(now, stress.index)
    return Panel(plot, title, (chart,), key, (_drivers_line(stress, now),) + ((short,) if short else ()))


def _drivers_line(stress: StressHistory, now: float) -> str:
    if not stress.drivers:
        return "drivers: none yet"
    when = "while raised" if stress.raised else "(never raised today)"
    parts = [f"{d.asset} {d.share:.0%} ({_ago(now - d.first, now - d.last)})" for d in stress.drivers]
    return f"drivers {when}: " + ", ".join(parts)


def _ago(first: float, last: float) -> str:
    """"3.1h-2.6h ago", or "5m ago" for one moment."""
    a, b = fmt.duration(first), fmt.duration(last)
    return f"{a} ago" if a == b else f"{a}-{b} ago"


# -- 3. equity ------------------------------------------------------------------------------


def equity_panel(frame: Frame) -> Panel:
    """Equity per account above, the book's drawdowns against the caps below."""
    plot = PLOTS[2]
    title = "Equity and drawdown"
    equity = frame.plots.equity if frame.plots is not None else None
    if equity is None:
        return _without_series(plot, title, frame)
    now = frame.plots.now
    series = (equity.book, *(s.points for s in equity.accounts))
    axis = time_axis(_extent(now, *series))
    lines = tuple(Mark("line", SERIES_COLORS[i % len(SERIES_COLORS)], label=s.name, xs=_xs(s.points, now, axis.unit),
                       ys=_ys(s.points, 1e-3)) for i, s in enumerate(equity.accounts))
    values = [y for m in lines for y in m.ys]
    y_range, y_ticks = value_range(values) if values else (None, ())
    top = Chart(lines, y_label="equity $k", x_range=(axis.low, 0.0), y_range=y_range, empty=NO_HISTORY, ticks=False,
                y_figures=money_axis(), x_ticks=axis.ticks, y_ticks=y_ticks)
    bottom = _drawdown_chart(equity, now, axis)
    key = tuple((LINE, f"{m.label} {_last_money(s.points)}", m.color) for m, s in zip(lines, equity.accounts))
    key += ((LINE, "daily dd", "primary"), (LINE, "peak dd", "accent"),
            (LEVEL, f"{fmt.pct(equity.daily_cap, digits=0)} daily cap", "kill-reducing"),
            (LEVEL, f"{fmt.pct(equity.peak_cap, digits=0)} peak cap", "kill-halted"))
    book = _last_money(equity.book)
    short = collecting(now, *series)
    notes = (f"book {book}; a point per {fmt.duration(equity.bucket)}",) + ((short,) if short else ())
    return Panel(plot, title, (top, bottom), key, notes)


def _drawdown_chart(equity: EquityHistory, now: float, axis: TimeAxis) -> Chart:
    peak, daily = _ys(equity.drawdown_peak, 100.0), _ys(equity.drawdown_daily, 100.0)
    caps = (equity.daily_cap * 100, equity.peak_cap * 100)
    marks = (Mark("level", "kill-reducing", at=caps[0]), Mark("level", "kill-halted", at=caps[1]),
             Mark("line", "accent", xs=_xs(equity.drawdown_peak, now, axis.unit), ys=peak),
             Mark("line", "primary", xs=_xs(equity.drawdown_daily, now, axis.unit), ys=daily))
    y_range, y_ticks = value_range((*peak, *daily), (0.0, *caps), from_zero=True)
    return Chart(marks, x_label=axis.name, y_label="drawdown %", x_range=(axis.low, 0.0), y_range=y_range,
                 x_ticks=axis.ticks, y_ticks=y_ticks)


def _last_money(points: Points) -> str:
    return fmt.money(points[-1][1], dollars=True) if points else fmt.DASH


# -- 4. shocks ------------------------------------------------------------------------------


def shock_label(row: StressRow) -> str:
    """A shock as an axis names it: "-20%", "+10%", "tail"."""
    return "tail" if row.tail else f"{row.shock * 100:+.0f}%"


def shocks_panel(frame: Frame) -> Panel:
    """The current stress table: P&L by shock above, the worst maintenance used below."""
    plot = PLOTS[3]
    rows = frame.assessment.stress
    title = "Stress table: the book under each shock"
    if not rows:
        return Panel(plot, title, (Chart((), empty="no stress table: no positions, or no prices yet"),))
    names = tuple(shock_label(r) for r in rows)
    xs = tuple(float(i) for i in range(1, len(rows) + 1))
    # Rounded as the axis can show them (0.1k, 0.1%): a chart is drawn again only when a figure
    # moves that much, not at every tick of the marks.
    pnl = tuple(round(r.pnl / 1e3, 1) for r in rows)
    top = Chart((Mark("level", "secondary", at=0.0),
                 Mark("bars", "pnl-up", xs=xs, ys=pnl, colors=tuple("pnl-up" if v >= 0 else "pnl-down" for v in pnl))),
                y_label="P&L $k", categories=names, ticks=False, y_figures=money_axis())
    used = tuple(_used(r) for r in rows)
    # Scaled to the bars, so small ones show; the liquidation rule is drawn when it is in reach.
    high = max(0.05, *used) * 100 * 1.25
    marks = (Mark("bars", "primary", xs=xs, ys=tuple(round(u * 100, 1) for u in used),
                  colors=tuple("kill-halted" if u >= 1 else "primary" for u in used)),)
    if high >= 100:
        marks = (Mark("level", "kill-halted", at=100.0), *marks)
    bottom = Chart(marks, x_label="shock", y_label="maint used %", y_range=(0.0, round(high, 1)), categories=names)
    liq = "100% liquidation" if high >= 100 else "liquidation at 100%, off this scale"
    key = ((BAR, "gain", "pnl-up"), (BAR, "loss", "pnl-down"),
           (BAR, "worst account's maint used", "primary"), (LEVEL, liq, "kill-halted"))
    return Panel(plot, title, (top, bottom), key, (_worst_line(rows),))


def _used(row: StressRow) -> float:
    """The worst account's maintenance used after the shock (0 when unknown; capped at 10x)."""
    used = row.max_maint_used
    if fmt.unknown(used):
        return 0.0
    return min(used, 10.0)


def _worst_line(rows: tuple[StressRow, ...]) -> str:
    worst = min(rows, key=lambda r: r.pnl)
    text = f"worst {shock_label(worst)}: {fmt.money(worst.pnl, signed=True, short=True)}"
    if worst.liquidated_accounts:
        text += f", liquidates {', '.join(worst.liquidated_accounts)}"
    return text + " (tail: each asset by its beta, correlations → 1)"


# -- the view -------------------------------------------------------------------------------


def panels(frame: Frame, cell: tuple[str, str] | None) -> tuple[Panel, ...]:
    """The four plots of `frame`, in `PLOTS` order."""
    return (funding_panel(frame, cell), stress_panel(frame), equity_panel(frame), shocks_panel(frame))


__all__ = ["BAR", "Chart", "EVENT", "LEVEL", "LINE", "Mark", "PLOTS", "Panel", "Plot", "SERIES_COLORS",
           "TimeAxis", "collecting", "equity_panel", "funding_panel", "money_axis", "nice_step", "panels",
           "shock_label", "shocks_panel", "stress_panel", "time_axis", "value_range"]
