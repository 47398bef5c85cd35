"""The funding heatmap and ledger in words: which cells a view shows, each cell's text and place
on the colour scale, the legend, the cursor cell's card, and the ledger's lines. Textual-free.

A view (`HeatView`) is what the person chose: the period (now, 1 day, 7 days), a fixed or a
relative colour scale, only the assets they hold, a minimum open interest. Every figure comes
from the frame (the cell's APR, the engine's `CellStats`, the ledger): nothing is measured here.

Colour scale: a diverging scale centred on zero, hot when longs pay, cold when shorts pay, with a
square-root curve so the calm band (about ±10 %) still shows. *Fixed* saturates at ±150 % APR in
every view, so colours compare across time; *relative* saturates at the largest |APR| shown, so
the cross-section's differences show on a calm day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import NamedTuple

from cockpit.model import Frame, FundingCell, Side
from cockpit.model.funding import CellStats, FundingLedger, LedgerLine, Period, day_of
from cockpit.present import format as fmt

SATURATION = 1.5  # APR at which the fixed scale is fully hot or cold
MIN_OI_STEPS = (0.0, 1e6, 10e6, 100e6)
PERIODS = (Period.NOW, Period.DAY, Period.WEEK)
PERIOD_NAMES = {Period.NOW: "now", Period.DAY: "1 day", Period.WEEK: "7 days"}
MARKS = {Side.LONG: "▲", Side.SHORT: "▼", None: " "}


@dataclass(frozen=True)
class HeatView:
    """What the heatmap shows: the period, the colour scale, the filters."""

    period: Period = Period.NOW
    relative: bool = False
    held_only: bool = False
    min_oi: float = 0.0

    def next_period(self) -> HeatView:
        """now → 1 day → 7 days → now."""
        return replace(self, period=PERIODS[(PERIODS.index(self.period) + 1) % len(PERIODS)])

    def next_min_oi(self) -> HeatView:
        """off → $1M → $10M → $100M → off."""
        i = MIN_OI_STEPS.index(self.min_oi) if self.min_oi in MIN_OI_STEPS else 0
        return replace(self, min_oi=MIN_OI_STEPS[(i + 1) % len(MIN_OI_STEPS)])


class CellView(NamedTuple):
    """One cell as drawn: its text, its place on the colour scale (0 cold … 0.5 zero … 1 hot;
    None: no heat, drawn dim with a "?"), and whether you hold it."""

    text: str
    heat: float | None
    held: bool
    dim: bool


def value(cell: FundingCell, stats: CellStats | None, period: Period) -> float | None:
    """The APR a cell shows in `period`: the live one, or the period's time-weighted mean."""
    if period is Period.NOW:
        return None if fmt.unknown(cell.apr) or cell.interval_hours is None else cell.apr
    if stats is None:
        return None
    return stats.avg_1d if period is Period.DAY else stats.avg_7d


def positive_share(stats: CellStats | None, period: Period) -> float | None:
    """The share of the period the APR was above zero (None for "now" or without history)."""
    if stats is None or period is Period.NOW:
        return None
    return stats.positive_1d if period is Period.DAY else stats.positive_7d


def heat(apr: float, saturation: float = SATURATION) -> float:
    """Place of `apr` on the scale: 0 cold, 0.5 neutral (zero), 1 hot."""
    mag = math.sqrt(min(abs(apr) / saturation, 1.0)) if saturation > 0 else 0.0
    return 0.5 + 0.5 * math.copysign(mag, apr)


class Shown(NamedTuple):
    """What the heatmap shows under a view: its rows, columns, cells and the scale's saturation."""

    assets: tuple[str, ...]
    venues: tuple[str, ...]
    cells: dict
    saturation: float
    hidden: int


def shown(frame: Frame, view: HeatView, *, extra: int = 0) -> Shown:
    """The cells `view` shows of `frame` (assets in the frame's order), each as a `CellView`;
    with `extra` columns a cell adds what you earn or pay per day there (now) or the share of the
    period it was positive (1 d, 7 d)."""
    a = frame.assessment
    stats = {(s.asset, s.venue): s for s in frame.funding_stats}
    held = {c.asset for c in a.funding if c.held is not None} | {p.asset for p in a.positions}
    keep = {}
    for c in a.funding:
        if view.held_only and c.asset not in held:
            continue
        if view.min_oi > 0 and (c.open_interest is None or c.open_interest < view.min_oi):
            continue
        keep[(c.asset, c.venue)] = c
    values = {k: value(c, stats.get(k), view.period) for k, c in keep.items()}
    known = [abs(v) for v in values.values() if v is not None]
    saturation = max(max(known, default=0.0), 0.01) if view.relative else SATURATION
    cells = {k: _cell_view(c, values[k], stats.get(k), view, saturation, extra) for k, c in keep.items()}
    assets = tuple(x for x in a.assets if any((x, v) in cells for v in a.venues))
    return Shown(assets, a.venues, cells, saturation, len(a.funding) - len(keep))


def _cell_view(c: FundingCell, v: float | None, stats: CellStats | None, view: HeatView, saturation: float,
               extra: int) -> CellView:
    # Dim: last-known (account not LIVE), or no APR (no interval; no history for the period).
    dim = c.stale or v is None
    text = MARKS[c.held] + fmt.apr(v).rjust(5)
    if extra:
        if view.period is Period.NOW:
            more = "" if c.per_day is None else fmt.money(c.per_day, signed=True, short=True)
        else:
            share = positive_share(stats, view.period)
            more = "" if share is None else f"{share * 100:.0f}%"
        text += more.rjust(extra)
    return CellView(text, None if dim else heat(v, saturation), c.held is not None, dim)


def venue_header(venues: tuple[str, ...], label: int, cell: int, width: int) -> str:
    """The heatmap's header after its `label` column: each venue's name over its `cell`-wide
    column, right-aligned as the APRs are; `width` is the whole line's.

    A name longer than its column borrows the room its neighbours' shorter names leave (one
    space apart, in order): hyperliquid over a 9-cell column beside okx and dydx. That
    is kept only when every name then still starts over its own column (it reads as that
    column's); else each name is cut to its column, as narrow cells always were ("binanc").
    """
    starts, free = [], label  # `free`: the first cell a name may take (one space after the last)
    for k, name in enumerate(venues):
        start = max(free, label + (k + 1) * cell - 1 - len(name))
        starts.append(start)
        free = start + len(name) + 1
    limit = width  # past the last cell a name may take, from the right
    for k in range(len(venues) - 1, -1, -1):
        starts[k] = min(starts[k], limit - len(venues[k]))
        limit = starts[k] - 1
    if not all(label + k * cell <= x < label + (k + 1) * cell for k, x in enumerate(starts)):
        return "".join(v[: cell - 1].rjust(cell - 1) + " " for v in venues)
    line = [" "] * ((starts[-1] + len(venues[-1]) + 1 - label) if venues else 0)
    for x, name in zip(starts, venues):
        line[x - label: x - label + len(name)] = name
    return "".join(line)


def options_line(view: HeatView, hidden: int, keys: dict[str, str]) -> str:
    """The view's choices, each with the key that changes it."""
    scale = "relative" if view.relative else f"fixed ±{SATURATION * 100:.0f}%"
    oi = "all" if view.min_oi <= 0 else f"≥{fmt.money(view.min_oi, dollars=True, public=True)}"
    parts = [f"{keys.get('funding.period', '')} {PERIOD_NAMES[view.period]}",
             f"{keys.get('funding.scale', '')} scale {scale}",
             f"{keys.get('funding.held', '')} {'held only' if view.held_only else 'all assets'}",
             f"{keys.get('funding.min_oi', '')} OI {oi}"]
    text = " · ".join(p.strip() for p in parts)
    return text + (f" · {hidden} hidden" if hidden else "")


def legend(view: HeatView, saturation: float, *, wide: bool = False) -> str:
    """What every mark and colour means in this view."""
    what = "APR now" if view.period is Period.NOW else f"mean APR over {PERIOD_NAMES[view.period]}"
    scale = (f"colour: red longs pay, blue shorts pay, full at ±{saturation * 100:.0f}%"
             + (" (relative: the largest shown)" if view.relative else " (fixed)"))
    extra = ""
    if wide:
        extra = (" · $ you earn(+)/pay(−) per day there" if view.period is Period.NOW
                 else " · % of the period it was positive")
    return (f"{what} · ▲ you are long · ▼ you are short · dim ? last-known or unknown · "
            f"a lone dot: no quote{extra} · {scale}")


def _since(t: float | None, ref: float) -> str:
    return fmt.DASH if t is None else fmt.duration(t - ref)


def card(cell: FundingCell, stats: CellStats | None, frame: Frame) -> list[str]:
    """The cursor cell's card: rates, interval and countdown; open interest and your position's
    funding per day; the period medians and stability (most pressing first: a narrow pane may
    show only the first lines)."""
    ref = frame.sim_time if frame.sim_time is not None else frame.now
    interval = "interval unknown" if cell.interval_hours is None else f"every {fmt.interval(cell.interval_hours)}"
    apr = "APR unknown" if cell.interval_hours is None else f"{fmt.apr(cell.apr).strip()} APR"
    lines = [f"{cell.asset}@{cell.venue} {cell.symbol}" + (" · last-known (account not live)" if cell.stale else ""),
             f"last {fmt.rate(cell.rate)} = {apr} · predicted {fmt.rate(cell.predicted_rate)} · {interval}, "
             f"next in {_since(cell.next_time, ref)}"]
    oi = fmt.DASH if cell.open_interest is None else fmt.money(cell.open_interest, dollars=True, public=True)
    if cell.held is None:
        you = "you hold nothing here"
    elif cell.per_day is None:
        you = f"you are {cell.held.value.lower()}: funding per day unknown"
    else:
        verb = "earn" if cell.per_day >= 0 else "pay"
        you = f"you are {cell.held.value.lower()}: you {verb} {fmt.money(abs(cell.per_day), dollars=True)}/day"
    lines.append(f"open interest {oi} · {you}")
    if stats is None:
        lines.append("1d/7d: no history yet (kept from now on; backfilled where the venue gives it)")
    else:
        def pos(x: float | None) -> str:
            return fmt.DASH if x is None else f"{x * 100:.0f}%"
        stab = fmt.DASH if stats.stability is None else f"±{stats.stability * 100:.1f} pts"
        changes = f" · interval changed {len(stats.interval_changes)}× this week" if stats.interval_changes else ""
        lines.append(f"median 1d {fmt.apr(stats.median_1d).strip()} ({pos(stats.positive_1d)} positive) · "
                     f"7d {fmt.apr(stats.median_7d).strip()} ({pos(stats.positive_7d)} positive) · "
                     f"stability {stab}{changes}")
    return lines


# -- the ledger ------------------------------------------------------------------------------------

LEDGER_TERMS = (
    ("booked", "what the venue booked (+ received, − paid)"),
    ("est", "the cockpit's own estimate (rate × notional at each payment it watched)"),
    ("≠", "they disagree by more than 10%"),
)
"""The ledger's columns and mark with their meaning (its legend and the `?` glossary)."""

LEDGER_LEGEND = fmt.legend((*LEDGER_TERMS, ("export", "cockpit funding export --since YYYY-MM-DD")))


def ledger_header(ledger: FundingLedger | None) -> str:
    """The ledger's window and its totals per account."""
    if ledger is None:
        return "Funding ledger: waiting for the first frame"
    since = day_of(ledger.since)
    accounts = " · ".join(f"{a} {fmt.cents(v)}" for a, v in ledger.per_account) or "nothing booked yet"
    flag = f" · {ledger.disagreements} ≠ disagree" if ledger.disagreements else ""
    return f"Funding ledger since {since} (UTC){flag} · {accounts}"


def asset_lines(ledger: FundingLedger | None) -> str:
    """Per asset: booked over the window, and the projection per day at current rates."""
    if ledger is None or not ledger.per_asset:
        return ""
    return " · ".join(f"{x.asset} {fmt.cents(x.booked)} (now {fmt.money(x.projected_per_day, signed=True)}/d)"
                      for x in ledger.per_asset)


def sources_line(ledger: FundingLedger | None) -> str:
    """Where each account's lines come from."""
    if ledger is None:
        return ""
    words = {"venue": "venue's history", "sim": "simulator", "none": "no history (estimate only)"}
    return "sources: " + (", ".join(f"{a} {words.get(s, s)}" for a, s in ledger.sources) or "not read yet")


def ledger_cells(line: LedgerLine) -> tuple[str, ...]:
    """A ledger line's cells: day, account, symbol, booked, payments, estimate, flag."""
    booked = fmt.DASH if line.booked is None else fmt.cents(line.booked, 4, grouped=False)
    est = fmt.DASH if line.estimate is None else fmt.cents(line.estimate, 4, grouped=False)
    return (line.day, line.account, line.symbol, booked, str(line.payments), est, "≠" if line.disagrees else "")


__all__ = ["CellView", "HeatView", "LEDGER_LEGEND", "LEDGER_TERMS", "MIN_OI_STEPS", "PERIODS", "SATURATION", "Shown", "asset_lines", "venue_header",
           "card", "heat", "ledger_cells", "ledger_header", "legend", "options_line", "positive_share", "shown",
           "sources_line", "value"]
