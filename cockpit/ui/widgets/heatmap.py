"""The funding heatmap: assets × venues, each cell the APR from the symbol's own interval (now),
or its mean over the last day or week, with the cursor cell's card above it.

A Line-API widget: each row is one Strip of coloured cells. The colour scale diverges from the
theme's `$heat-neutral` at zero towards `$heat-hot` (longs pay) and `$heat-cold` (shorts pay),
fixed (saturating at ±150% APR) or relative (at the largest shown), with a square-root curve so
the calm band (~±10%) is still visible (`cockpit.present.funding`). A ▲ or ▼ in a cell marks where
you hold a long or a short; where the pane is wide enough a cell also shows what you earn or pay
per day there (now) or the share of the period it was positive. A cell quoted only by accounts
that are not LIVE is last-known: drawn dim without heat and with a "?", as it counts for nothing in
the stress index. Keys choose the period, the scale and the filters, and open the funding ledger;
the card sits above the map so that it is on screen at 80×24 however many assets there are.
"""

from __future__ import annotations

from dataclasses import replace

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.color import Color, Gradient
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from cockpit.model import Frame, FundingCell
from cockpit.present import format as fmt
from cockpit.present import funding as pf
from cockpit.present import glossary
from cockpit.ui.bindings import bind, key_of
from cockpit.ui.widgets.cells import changed_regions
from cockpit.ui.pane import BasePane
from cockpit.ui.widgets.line import Line

LABEL = 6
CELL = 7
WIDE_CELL = 13  # mark, APR, and what you earn per day there (or the share positive)
heat = pf.heat


class FundingHeatmap(Widget, can_focus=True):
    """Assets down, venues across; the cursor picks a cell for the detail line."""

    BINDINGS = [
        bind("cursor.up", "move(0,-1)", show=False),
        bind("cursor.down", "move(0,1)", show=False),
        bind("cursor.left", "move(-1,0)", show=False),
        bind("cursor.right", "move(1,0)", show=False),
        bind("funding.period", "period"),
        bind("funding.scale", "scale"),
        bind("funding.held", "held"),
        bind("funding.min_oi", "min_oi", show=False),
        bind("funding.ledger", "ledger"),
    ]
    DEFAULT_CSS = """
    FundingHeatmap { height: auto; width: 1fr; }
    """

    class ViewChanged(Message):
        """The period, scale or a filter changed."""

    class LedgerRequested(Message):
        """The person asked for the funding ledger."""

    class CursorMoved(Message):
        """The cursor moved to another cell."""

    cursor: reactive[tuple[int, int]] = reactive((0, 0))

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.assets: tuple[str, ...] = ()
        self.venues: tuple[str, ...] = ()
        self.cells: dict[tuple[str, str], FundingCell] = {}
        self.looks: dict[tuple[str, str], pf.CellView] = {}  # each shown cell as drawn
        self.view = pf.HeatView()
        self.shown: pf.Shown | None = None
        self._frame: Frame | None = None
        self._gradient: Gradient | None = None
        self._styles: dict[tuple, Style] = {}  # a coloured cell's style by its colour (see _heat_style)
        # The lines last drawn by `update_from`, and what else they depended on: a frame
        # repaints the cells whose look changed (an APR that rounds the same is not resent).
        self._drawn: list[Strip] | None = None
        self._top = 0  # the first asset row shown (see `_scroll_to_cursor`)
        self._drawn_for: tuple | None = None

    def on_mount(self) -> None:
        """Rebuild the colour scale whenever the theme changes."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._theme_changed())

    def _theme_changed(self) -> None:
        self._gradient = None
        self._styles.clear()
        self.refresh()

    def gradient(self) -> Gradient:
        """The diverging colour scale from the current theme's heat variables."""
        if self._gradient is None:
            v = self.app.theme_variables
            self._gradient = Gradient(
                (0.0, Color.parse(v.get("heat-cold", "#2f6fd0"))),
                (0.5, Color.parse(v.get("heat-neutral", "#303030"))),
                (1.0, Color.parse(v.get("heat-hot", "#d04a2f"))),
            )
        return self._gradient

    @staticmethod
    def width_for(venues: int) -> int:
        """The width at which `venues` venues get wide cells (the most the heatmap uses)."""
        return LABEL + WIDE_CELL * venues

    @property
    def cell_width(self) -> int:
        """The columns a cell takes: 7, more where the widget has room (its APR right-aligned
        under a name that may then be longer), 12-13 with what you earn per day there (`wide`)."""
        per = (self.size.width - LABEL) // max(1, len(self.venues))
        return max(CELL, min(per, WIDE_CELL))

    @property
    def wide(self) -> bool:
        """Cells wide enough for what you earn per day there (or the share positive)."""
        return self.cell_width >= WIDE_CELL - 1

    def update_from(self, frame: Frame, view: pf.HeatView | None = None) -> None:
        """Show the cells of `frame` under `view` (default: the current one); keeps the cursor on
        the same asset and venue."""
        self._frame = frame
        self.view = view or self.view
        current = self.current_key()
        cw = self.cell_width
        shown = pf.shown(frame, self.view, extra=cw - CELL if self.wide else 0)
        every = {(c.asset, c.venue): c for c in frame.assessment.funding}  # one pass, not a search per cell
        cells = {k: every[k] for k in shown.cells if k in every}
        if (cells == self.cells and shown.cells == self.looks and shown.assets == self.assets
                and shown.venues == self.venues):
            self.shown = shown
            return
        reshaped = shown.assets != self.assets or shown.venues != self.venues
        self.assets, self.venues, self.cells, self.looks, self.shown = (
            shown.assets, shown.venues, cells, shown.cells, shown)
        if current and current[0] in self.assets and current[1] in self.venues:
            self.cursor = (self.venues.index(current[1]), self.assets.index(current[0]))
        elif reshaped:
            self.action_move(0, 0)  # clamped into the new grid
        if reshaped or not self.is_mounted:
            self._drawn = None
            self.refresh(layout=reshaped)
            return
        self._repaint_changes()

    def on_resize(self) -> None:
        """Wide or narrow cells follow the width, and the pane's legend follows the cells (it
        says what the per-day figures of wide cells are): at once, not at the next frame."""
        if self._frame is not None:
            self.update_from(self._frame)
        self.post_message(self.ViewChanged())

    def _repaint_changes(self) -> None:
        """Refresh the cells that draw differently from the last frame (all of them when the
        size, focus, cursor or colours changed since)."""
        self.gradient()  # the colours the lines are drawn with, part of what they depend on
        self._scroll_to_cursor()  # the size or the assets may have changed
        state = self._state()
        base = self.rich_style
        lines = [self._draw_line(y, base) for y in range(self.size.height)]
        before = self._drawn if state == self._drawn_for else None
        self._drawn, self._drawn_for = lines, state
        if before is None:
            self.refresh()
        else:
            regions = changed_regions(before, lines)
            if regions:
                self.refresh(*regions)

    def current_key(self) -> tuple[str, str] | None:
        """(asset, venue) under the cursor."""
        col, row = self.cursor
        if row < len(self.assets) and col < len(self.venues):
            return self.assets[row], self.venues[col]
        return None

    def current_cell(self) -> FundingCell | None:
        """The cell under the cursor, if that asset is quoted on that venue."""
        key = self.current_key()
        return self.cells.get(key) if key else None

    def action_move(self, dx: int, dy: int) -> None:
        """Move the cursor, clamped to the grid."""
        col, row = self.cursor
        self.cursor = (
            max(0, min(len(self.venues) - 1, col + dx)),
            max(0, min(len(self.assets) - 1, row + dy)),
        )

    def _change(self, view: pf.HeatView) -> None:
        self.view = view
        if self._frame is not None:
            self.update_from(self._frame)
        self.post_message(self.ViewChanged())

    def action_period(self) -> None:
        """now → 1 day → 7 days."""
        self._change(self.view.next_period())

    def action_scale(self) -> None:
        """Fixed or relative colour scale."""
        self._change(replace(self.view, relative=not self.view.relative))

    def action_held(self) -> None:
        """Only the assets you hold, or all."""
        self._change(replace(self.view, held_only=not self.view.held_only))

    def action_min_oi(self) -> None:
        """Minimum open interest: off, $1M, $10M, $100M."""
        self._change(self.view.next_min_oi())

    def action_ledger(self) -> None:
        """Open the funding ledger."""
        self.post_message(self.LedgerRequested())

    def watch_cursor(self) -> None:
        """Tell the pane so it can redraw the detail line."""
        self._scroll_to_cursor()
        self.post_message(self.CursorMoved())
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        """Scroll the rows (under the header, which stays) so the cursor's row is in view: a
        short pane (80x24, or beside the playbook) shows a window of the assets, never a cursor
        lost below the edge."""
        shown = max(1, self.size.height - 1)
        row = self.cursor[1]
        top = max(min(self._top, row), row - shown + 1)
        self._top = max(0, min(top, len(self.assets) - shown))

    def on_click(self, event: Click) -> None:
        """Pick the clicked cell."""
        x, y = event.offset.x, event.offset.y
        if y >= 1 and x >= LABEL:
            col, row = (x - LABEL) // self.cell_width, self._top + y - 1
            if row < len(self.assets) and col < len(self.venues):
                self.cursor = (col, row)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """A header line plus one line per asset."""
        return 1 + max(1, len(self.assets))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """The label column plus one cell per venue (narrow cells: wide ones are a bonus)."""
        return LABEL + CELL * max(1, len(self.venues))

    def _state(self) -> tuple:
        """What the drawn lines depend on besides the cells."""
        return (self.size, self.has_focus, self.cursor, self._top, self._gradient, self.rich_style, self.view)

    def render_line(self, y: int) -> Strip:
        """One row: as the last frame drew it while nothing else it depends on changed, else drawn."""
        if self._drawn is not None and y < len(self._drawn) and self._drawn_for == self._state():
            return self._drawn[y]
        return self._draw_line(y)

    def _draw_line(self, y: int, base: Style | None = None) -> Strip:
        """One row: the header, or an asset with one coloured cell per venue (`base`: the
        widget's style, when the caller has it)."""
        width = self.size.width
        base = base if base is not None else self.rich_style
        cw = self.cell_width
        if y == 0:
            text = "Asset".ljust(LABEL) + pf.venue_header(self.venues, LABEL, cw, width)
            return Strip([Segment(text, base + Style(bold=True))]).adjust_cell_length(width, base)
        row = self._top + y - 1
        if row >= len(self.assets):
            if not self.assets and row == 0:
                waiting = "no cell passes the filters" if self.shown and self.shown.hidden else "waiting for funding quotes…"
                return Strip([Segment(waiting, base + Style(dim=True))]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        asset = self.assets[row]
        label_style = base + Style(bold=row == self.cursor[1] and self.has_focus)
        segments = [Segment(asset[: LABEL - 1].ljust(LABEL), label_style)]
        for col, venue in enumerate(self.venues):
            segments.append(self._draw_cell(self.looks.get((asset, venue)), (col, row) == self.cursor, cw, base))
        return Strip(segments).adjust_cell_length(width, base)

    def _draw_cell(self, look: pf.CellView | None, selected: bool, cw: int, base: Style) -> Segment:
        """One cell: its text on its colour (dim without heat: last-known or unknown); `base` is
        the widget's style (a DOM lookup: once a line, not once a cell)."""
        if look is None:
            return Segment("·".rjust(cw - 2) + "  ", base + Style(dim=True, reverse=selected))
        if look.heat is None:
            # Last-known (account not LIVE), or an APR that cannot be annualised or has no
            # history for the period: no heat, dim, "?".
            style = base + Style(dim=True, italic=True, reverse=selected and self.has_focus, underline=selected)
            return Segment(look.text.rjust(cw - 1)[: cw - 1] + "?", style)
        return Segment(look.text.rjust(cw - 1)[: cw - 1] + " ", self._heat_style(look.heat, look.held, selected))

    def _heat_style(self, heat: float, held: bool, selected: bool) -> Style:
        """The style of a coloured cell, kept per colour (the gradient and the contrast colour
        cost far more than a frame can spare for every cell; most cells share an APR)."""
        key = (heat, held, selected and self.has_focus, selected)  # exact: cells of one APR share it
        style = self._styles.get(key)
        if style is None:
            if len(self._styles) > 4096:
                self._styles.clear()
            bg = self.gradient().get_color(heat)
            style = self._styles[key] = Style(bgcolor=bg.rich_color, color=bg.get_contrast_text().rich_color,
                                              bold=held, reverse=key[2], underline=selected)
        return style

    def on_focus(self) -> None:
        """Redraw to show the cursor."""
        self.refresh()

    def on_blur(self) -> None:
        """Redraw to hide the cursor."""
        self.refresh()


class FundingPane(BasePane):
    """Pane 2: the funding stress index, the view's choices, the cursor cell's card, the heatmap
    and its legend."""

    pane_id = "funding"
    title = "Funding"
    column = "right"
    legend = glossary.FUNDING_LEGEND

    def __init__(self) -> None:
        super().__init__()
        self._frame: Frame | None = None  # the frame shown, for the card's clock
        self._view_drawn: tuple | None = None  # what the choices and legend lines were drawn for

    def compose(self) -> ComposeResult:
        """Stress line, choices, card, heatmap, legend."""
        yield Line(id="funding-stress")
        yield Line(id="funding-options", classes="legend")
        yield Line(id="funding-detail")
        yield FundingHeatmap(id="heatmap")
        yield Line(id="funding-legend", classes="legend")

    def update(self, frame: Frame) -> None:
        """Show the stress index and the cells of `frame`."""
        self._frame = frame
        self.query_one("#funding-stress", Line).show(stress_line(frame, self.app.theme_variables))
        self.query_one(FundingHeatmap).update_from(frame)
        self._update_view()
        self._update_detail()

    def on_funding_heatmap_cursor_moved(self, _message: FundingHeatmap.CursorMoved) -> None:
        """Show the card of the cell under the cursor."""
        self._update_detail()

    def on_funding_heatmap_view_changed(self, _message: FundingHeatmap.ViewChanged) -> None:
        """Say the new choices and what the colours mean now."""
        self._update_view()
        self._update_detail()

    def _update_view(self) -> None:
        heatmap = self.query_one(FundingHeatmap)
        shown = heatmap.shown
        look = (heatmap.view, shown.hidden if shown else 0, shown.saturation if shown else None, heatmap.cell_width)
        if look == self._view_drawn:
            return  # the same choices and scale: the two lines read as they do
        self._view_drawn = look
        keys = {i: key_of(self.app, i) for i in ("funding.period", "funding.scale", "funding.held", "funding.min_oi")}
        self.query_one("#funding-options", Line).show(Text(
            pf.options_line(heatmap.view, shown.hidden if shown else 0, keys), no_wrap=True, overflow="ellipsis"))
        legend = pf.legend(heatmap.view, shown.saturation if shown else pf.SATURATION,
                           wide=heatmap.wide)
        self.query_one("#funding-legend", Line).show(Text(legend))

    def _update_detail(self) -> None:
        detail = self.query_one("#funding-detail", Line)
        heatmap = self.query_one(FundingHeatmap)
        cell = heatmap.current_cell()
        if cell is None or self._frame is None:
            detail.show(Text("no quote here", style="dim"))
            return
        detail.show(cell_detail(cell, self._frame))


def stress_line(frame: Frame, colors: dict[str, str]) -> Text:
    """The funding stress index against its threshold, its recent history and its drivers."""
    a = frame.assessment
    level = a.funding_stress
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("stress ")
    if level is None:  # no live quote: the index is unknown, not 0
        style = "bold"
        text.append(fmt.DASH, style=style)
        text.append(f"/100 no live quote (cut at {a.funding_stress_threshold:.0f}) ")
    else:
        over = level >= a.funding_stress_threshold
        warn = level >= a.funding_stress_warn
        style = f"bold {colors.get('kill-reducing' if over else ('kill-warn' if warn else 'kill-normal'), '')}"
        text.append(f"{level:.0f}", style=style)
        text.append(f"/100 (cut at {a.funding_stress_threshold:.0f}) ")
    text.append(spark(a.funding_stress_history[-12:]), style=style)
    if a.funding_stress_drivers:
        text.append("  " + " ".join(a.funding_stress_drivers[:4]), style="dim")
    return text


def cell_detail(cell: FundingCell, frame: Frame) -> Text:
    """The cursor cell's card (`cockpit.present.funding.card`), its history as a sparkline."""
    stats = next((x for x in frame.funding_stats if x.asset == cell.asset and x.venue == cell.venue), None)
    lines = pf.card(cell, stats, frame)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(lines[0], style="bold")
    if cell.history:
        text.append("  " + spark(list(cell.history[-16:]), signed=True), style="dim")
    for line in lines[1:]:
        text.append("\n" + line)
    return text


def spark(values, *, signed: bool = False) -> str:
    """A sparkline of `values` (0–100, or any range when `signed`); an unknown value (None) is a
    gap, never the lowest bar."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    bars = "▁▂▃▄▅▆▇█"
    lo, hi = (min(known), max(known)) if signed else (0.0, 100.0)
    span = (hi - lo) or 1.0
    return "".join(" " if v is None else bars[min(7, max(0, int((v - lo) / span * 7.999)))] for v in values)


__all__ = ["FundingHeatmap", "FundingPane", "cell_detail", "heat", "spark", "stress_line"]
