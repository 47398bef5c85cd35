"""The Positions pane: every position across all accounts, grouped by asset with net/gross lines,
and the book's totals under them."""

from __future__ import annotations

import math
from collections.abc import Hashable
from itertools import groupby
from operator import attrgetter
from enum import Enum

from rich.text import Text
from textual.app import ComposeResult

from cockpit.model import Assessment, Frame, LiqKind, PositionKey, PositionRisk, Side
from cockpit.present import book, flags as flag_text, format as fmt, privacy
from cockpit.ui.bindings import key_of
from cockpit.ui.pane import BasePane
from cockpit.ui.widgets.line import Line
from cockpit.ui.widgets.table import Column, KeyedTable, styled

COLUMNS = [
    # Names and flags take the room a wide pane has left (`Column.grow`): the longest account name
    # in full (hyperliquid, `least`).
    Column("acct", "Account", 9, 0, "left", grow=2, least=11),
    Column("layer", "Layer", 9, 1, "left", grow=2, least=11),
    Column("asset", "Asset", 5, 0, "left"),
    Column("side", "Side", 5, 0, "left"),
    Column("size", "Size", 8, 1),
    Column("notional", "Notional", 8, 0),
    Column("entry", "Entry", 8, 2),  # prices are at most 7 cells below 10M ("148,589", "0.00988")
    Column("mark", "Mark", 8, 1),
    Column("upnl", "uPnL", 7, 0),
    Column("lev", "Lev", 5, 2),
    Column("liq", "Liq", 8, 2),
    Column("dist", "Liq Δ", 7, 0),
    # Beside the heatmap (which shows each held cell's APR) a narrow table leaves APR out before
    # the flags are cut (`Column.yields`): 120×40 shows "OVER kelly −11%" in full.
    Column("apr", "APR", 6, 0, yields=1),
    Column("fday", "Fund/d", 7, 1),
    # "CUT 30% LIQ 6.5%<10% OVER max-loss −11%"; at least its first flag ("OVER asset-gross −11%"
    # is cut after the limit's name) and how many more (`flags.fit_flags`).
    Column("flags", "Flags", 10, 0, "left", grow=24, least=16),
]

class SortOrder(str, Enum):
    """The positions' sort orders, in the order `positions.sort` cycles them."""

    ASSET = "asset"  # hedged legs together, under their asset's net/gross line
    NOTIONAL = "notional"  # biggest first
    LIQ = "liq"  # nearest to liquidation first
    FUNDING = "funding"  # biggest funding bleed first


SORTS = tuple(SortOrder)

WARN_FLAGS = frozenset({"near-liq", "over-limit", "stale"})
"""Flags that colour the Flags cell ("hedged" is not shown: the asset grouping shows hedges)."""


def _rounded(notional: float | None) -> float:
    """Notional to three significant figures, for sorting: hedged legs of equal size must not
    swap places on every tick as their marks wobble (the cursor would jump between them).
    (As `float(f"{x:.3g}")`, at two thirds of its cost: it runs for every position, every frame.)"""
    if not notional or not math.isfinite(notional):
        return notional or 0.0
    return round(notional, 2 - math.floor(math.log10(abs(notional))))


def proposed_cuts(assessment: Assessment) -> dict[PositionKey, float]:
    """The kill switch's proposed cut per position key, as a fraction of the position (risk
    measures it: `Assessment.proposal`)."""
    return {cut.key: cut.fraction for cut in assessment.proposal if cut.fraction is not None}


def summary_key(asset: str) -> str:
    """Row key of an asset's net/gross line (text: never a position's `PositionKey`)."""
    return f"Σ {asset}"


class PositionsTable(KeyedTable):
    """One row per position; hotkeys on the screen trim the selected row."""

    def __init__(self, **kw) -> None:
        super().__init__(COLUMNS, **kw)
        self.sort_mode = SortOrder.ASSET
        self.grouped = True
        self.palette: dict[str, str] = {}
        # Each position's cells as last formatted, with what they were formatted from (the row,
        # its proposed cut): an unchanged position is not formatted again, and hands the table
        # the same tuple, whose look the table then knows.
        self._formatted: dict[PositionKey, tuple[PositionRisk, tuple, tuple]] = {}
        self._formatted_palette: tuple[dict[str, str], bool] | None = None

    def cycle_sort(self) -> SortOrder:
        """Move to the next sort order and return its name."""
        self.sort_mode = SORTS[(SORTS.index(self.sort_mode) + 1) % len(SORTS)]
        return self.sort_mode

    @property
    def selected_position(self) -> PositionKey | None:
        """The key of the position under the cursor, None on a summary row."""
        key = self.selected_key
        return key if isinstance(key, PositionKey) else None

    def update_from(self, assessment: Assessment, ages: dict[str, float | None] | None = None) -> None:
        """Show the positions of `assessment`; `ages` are the accounts' data ages (by name) that
        a stale row's flag shows.

        Only the order and the row keys are worked out here; a row's cells are formatted when
        the table draws or compares it (see `KeyedTable.show_rows`), so a frame formats the rows
        on screen, not all 500.
        """
        positions = list(assessment.positions)
        rounded = _rounded
        if self.sort_mode is SortOrder.ASSET:
            order = {a: i for i, a in enumerate(assessment.assets)}
            unknown = len(order)
            positions.sort(key=lambda p: (order.get(p.asset, unknown), p.asset, -rounded(p.notional), p.key))
        elif self.sort_mode is SortOrder.NOTIONAL:
            positions.sort(key=lambda p: (-rounded(p.notional), p.key))
        elif self.sort_mode is SortOrder.LIQ:
            positions.sort(key=lambda p: p.liq_distance if p.liq_distance is not None else 9e9)
        else:
            positions.sort(key=lambda p: p.funding_per_day if p.funding_per_day is not None else 0)
        # Per row: its key, and its position or (exposure, legs) for an asset's Σ line. Sorted by
        # asset, an asset's legs stand together: its Σ line follows the last of them.
        keys: list[Hashable]
        plan: list[PositionRisk | tuple]
        if self.grouped and self.sort_mode is SortOrder.ASSET:
            exposures = {e.asset: e for e in assessment.exposures}
            keys, plan = [], []
            for asset, group in groupby(positions, key=attrgetter("asset")):
                legs = list(group)
                keys += [p.key for p in legs]
                plan += legs
                if len(legs) > 1 and asset in exposures:
                    keys.append(summary_key(asset))
                    plan.append((exposures[asset], legs))
        else:
            keys, plan = [p.key for p in positions], positions
        cuts = proposed_cuts(assessment)
        near, ages = assessment.near_liq_distance, ages or {}
        colors = self.palette  # the rows drawn later for this frame keep this frame's palette
        look = (colors, privacy.masked())  # rows formatted under another palette or mask are redone
        if look != self._formatted_palette:
            self._formatted, self._formatted_palette = {}, (dict(colors), look[1])
        formatted, last = {}, self._formatted
        self._formatted = formatted  # only the rows built this frame are kept

        def cells(i: int) -> tuple:
            row = plan[i]
            if not isinstance(row, PositionRisk):
                return _summary(*row)
            # What the row is formatted from besides itself: its proposed cut, the near-liq
            # distance, a stale row's data age and the Flags column's width (read as the row is
            # drawn: a resize draws the rows again).
            extra = (cuts.get(row.key), near, ages.get(row.account) if "stale" in row.flags else None,
                     self.width_of("flags"))
            known = last.get(row.key)
            if known is not None and known[0] == row and known[1] == extra:
                formatted[row.key] = known
                return known[2]
            done = formatted[row.key] = (row, extra, _row(row, colors, cuts, near, extra[2], extra[3]))
            return done[2]

        self.show_rows(keys, cells)


def _row(p: PositionRisk, colors: dict[str, str], cuts: dict[PositionKey, float], near_liq: float,
         data_age: float | None = None, flags_width: int | None = None) -> tuple:
    """One position's cells; `cuts` are the kill switch's proposed cuts by position key,
    `near_liq` the assessment's near-liquidation distance, `data_age` its account's data age
    (what a stale flag says), `flags_width` the Flags column's width (`flags.fit_flags`)."""
    up, down, warn = colors.get("pnl-up", ""), colors.get("pnl-down", ""), colors.get("flag-warn", "")
    side = styled("LONG", up) if p.side is Side.LONG else styled("SHORT", down)
    upnl = styled(fmt.money(p.upnl, signed=True), up if (p.upnl or 0) >= 0 else down)
    if p.liq_kind is LiqKind.ACCOUNT:
        liq = "cross"
        dist = fmt.liq_distance(p.liq_distance, p.liq_direction, account=True) \
            if p.liq_distance is not None else "acct"
    else:
        liq = fmt.price(p.liq_price)
        dist = fmt.liq_distance(p.liq_distance, p.liq_direction)
    near = "near-liq" in p.flags
    dist_cell = styled(dist, f"bold {warn}" if near else "")
    fday = p.funding_per_day
    fday_cell = styled(fmt.money(fday, signed=True), (down if (fday or 0) < 0 else up) if fday else "")
    parts = flag_text.flag_parts(p, near_liq, cut=cuts.get(p.key), data_age=data_age)
    flags = flag_text.fit_flags(parts, flags_width)
    flag_cell = styled(flags, warn if WARN_FLAGS.intersection(p.flags) else "")
    lev = fmt.leverage(p.leverage, compact=True)
    return (
        p.account, p.layer.value, p.asset, side, fmt.size(p.size), fmt.money(p.notional),
        fmt.price(p.entry), fmt.price(p.mark), upnl, lev, liq, dist_cell, fmt.apr(p.funding_apr),
        fday_cell, flag_cell,
    )


def _summary(e, legs: list[PositionRisk]) -> tuple:
    """The asset's net/gross line. A leg whose value is unknown is not counted as 0: the
    total says it is partial (`fmt.PARTIAL`)."""
    dim = "dim"
    # The exposure sums count a leg without a mark as 0 notional: mark them partial then.
    missing = fmt.PARTIAL if any(p.notional is None for p in legs) else ""
    note = f"{'gr.' if missing else 'gross'} {fmt.money(e.gross, short=True)}{missing}"  # fits the column
    return (
        styled(f"Σ {e.asset}", dim), "", "", styled("net", dim), "",
        styled(fmt.money(e.net, signed=True) + missing, "bold"), "", "",
        styled(fmt.total([p.upnl for p in legs], signed=True), dim), "", "", "", "",
        styled(fmt.total([p.funding_per_day for p in legs], signed=True), dim), styled(note, dim),
    )


class PositionsPane(BasePane):
    """Pane 1: the positions table and the legend of book totals under it."""

    pane_id = "positions"
    title = "Positions"
    column = "left"

    def compose(self) -> ComposeResult:
        """The table, then the legend."""
        yield PositionsTable(id="positions-table")
        yield Line(id="positions-legend", classes="legend")

    def __init__(self) -> None:
        super().__init__()
        self._frame: Frame | None = None

    def update(self, frame: Frame) -> None:
        """Show the positions of `frame` and its totals."""
        self._frame = frame
        table = self.query_one(PositionsTable)
        table.palette = self.app.theme_variables
        table.update_from(frame.assessment, {acc.name: acc.age for acc in frame.book.accounts})
        self.query_one("#positions-legend", Line).show(positions_legend(frame, table.sort_mode))
        self._show_hint()

    def on_keyed_table_selected(self, _message: KeyedTable.Selected) -> None:
        """The selected row's flag hint follows the cursor."""
        self._show_hint()

    def _show_hint(self) -> None:
        """The selected row's flags in full on the pane's lower border, with the key that
        applies their suggested trim (`flag_hint`)."""
        frame, key = self._frame, self.query_one(PositionsTable).selected_position
        row = next((p for p in frame.assessment.positions if p.key == key), None) if frame and key else None
        hint = "" if row is None else flag_hint(row, frame, key_of(self.app, "positions.apply_flag"))
        if hint != self.border_subtitle:
            self.border_subtitle = hint


def flag_hint(p: PositionRisk, frame: Frame, key: str) -> str:
    """The selected row's flags in full ("binance SOL: OVER max-loss −11% · f trims 11% (to the
    max-loss limit, $56k)"), "" when it has none; `key` is this terminal's apply-flag key, named
    only where there is a trim to apply (never on a read-only cockpit). A stale row's age is
    in steps ("STALE >30s", `flags.stale_step`): the border is drawn again with all of the pane
    whenever its text changes, and the row's own cell has the age to the second."""
    a = frame.assessment
    account = frame.book.account(p.account)
    age = account.age if account is not None and "stale" in p.flags else None
    text = flag_text.position_flags(p, a.near_liq_distance, cut=proposed_cuts(a).get(p.key), data_age=age,
                                    coarse=True)
    if not text:
        return ""
    if flag_text.suggested_trim(p) is not None and not frame.orders_off(p.account):
        text += " · " + flag_text.apply_hint(p, key)
    return f"{p.account} {p.asset}: {text}"


def positions_legend(frame: Frame, sort_mode: SortOrder) -> Text:
    """Book totals, effective leverage (after cross-margin offsets) before gross leverage,
    and what the totals leave out: a total over unknown values is marked partial."""
    a = frame.assessment
    mark = fmt.PARTIAL
    # Totals count only what is known: mark each one that left something out.
    gone = mark if a.unreachable else ""
    no_mark = mark if gone or any(p.notional is None for p in a.positions) else ""
    eff = fmt.leverage(a.effective_leverage)
    gross_lev = fmt.leverage(a.gross_leverage if a.equity > 0 else None)
    day = [p.funding_per_day for p in a.positions] + [None] * bool(gone)
    funding = fmt.total(day, signed=True) if day else fmt.money(0.0)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{book.equity(a)}{gone}  gross {fmt.money(a.gross)}{no_mark}"
                f"  net {fmt.money(a.net, signed=True)}{no_mark}  ")
    text.append(f"eff. lev {eff}{no_mark}", style="bold")
    # Gross leverage only where cross-margin offsets make it differ: on an 80-column terminal
    # the legend must stay one line, and a repeat of the same figure would wrap it.
    if gross_lev != eff:
        text.append(f" (gross {gross_lev})")
    text.append(f"  funding {funding}/d")
    if a.unreachable:
        text.append(f"  {mark} partial: {', '.join(a.unreachable)} unreachable", style="bold")
    elif no_mark or funding.endswith(mark):
        text.append(f"  {mark} partial: some figures unknown", style="bold")
    last_known = [name for name in a.partial if name not in a.unreachable]
    if last_known:
        text.append(f"  last-known: {', '.join(last_known)}", style="bold")
    text.append(f"  · sort {sort_mode.value}", style="dim")
    return text
