"""The funding heatmap: assets × venues, each cell the APR from the symbol's own interval.

A Line-API widget: each row is one Strip of coloured cells. The colour scale diverges from the
theme's `$heat-neutral` at zero towards `$heat-hot` (longs pay) and `$heat-cold` (shorts pay),
saturating at ±150% APR with a square-root curve so that the calm band (~±10%) is still visible.
A ▲ or ▼ in a cell marks where you hold a long or a short. A cell quoted only by accounts that
are not LIVE is last-known: drawn dim without heat and with a "?", as it counts for nothing in the
stress index.
"""

from __future__ import annotations

import math

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

from cockpit.model import Assessment, Frame, FundingCell, Side
from cockpit.present import format as fmt
from cockpit.ui.bindings import bind
from cockpit.ui.widgets.cells import changed_regions
from cockpit.ui.pane import BasePane
from cockpit.ui.widgets.line import Line

LABEL = 6
CELL = 7
SATURATION = 1.5  # APR (150%) at which the colour is fully hot or cold


def heat(apr: float) -> float:
    """Position of `apr` on the colour scale: 0 cold, 0.5 neutral (zero), 1 hot."""
    mag = math.sqrt(min(abs(apr) / SATURATION, 1.0))
    return 0.5 + 0.5 * math.copysign(mag, apr)


class FundingHeatmap(Widget, can_focus=True):
    """Assets down, venues across; the cursor picks a cell for the detail line."""

    BINDINGS = [
        bind("cursor.up", "move(0,-1)", show=False),
        bind("cursor.down", "move(0,1)", show=False),
        bind("cursor.left", "move(-1,0)", show=False),
        bind("cursor.right", "move(1,0)", show=False),
    ]
    DEFAULT_CSS = """
    FundingHeatmap { height: auto; width: 1fr; }
    """

    class CursorMoved(Message):
        """The cursor moved to another cell."""

    cursor: reactive[tuple[int, int]] = reactive((0, 0))

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.assets: tuple[str, ...] = ()
        self.venues: tuple[str, ...] = ()
        self.cells: dict[tuple[str, str], FundingCell] = {}
        self._gradient: Gradient | None = None
        # The lines last drawn by `update_from`, and what else they depended on: a frame
        # repaints the cells whose look changed (an APR that rounds the same is not resent).
        self._drawn: list[Strip] | None = None
        self._drawn_for: tuple | None = None

    def on_mount(self) -> None:
        """Rebuild the colour scale whenever the theme changes."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._theme_changed())

    def _theme_changed(self) -> None:
        self._gradient = None
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

    def update_from(self, assessment: Assessment) -> None:
        """Show the cells of `assessment`; keeps the cursor on the same asset and venue."""
        current = self.current_key()
        cells = {(c.asset, c.venue): c for c in assessment.funding}
        if cells == self.cells and assessment.assets == self.assets and assessment.venues == self.venues:
            return
        reshaped = assessment.assets != self.assets or assessment.venues != self.venues
        self.assets = assessment.assets
        self.venues = assessment.venues
        self.cells = cells
        if current and current[0] in self.assets and current[1] in self.venues:
            self.cursor = (self.venues.index(current[1]), self.assets.index(current[0]))
        if reshaped or not self.is_mounted:
            self._drawn = None
            self.refresh(layout=reshaped)
            return
        self._repaint_changes()

    def _repaint_changes(self) -> None:
        """Refresh the cells that draw differently from the last frame (all of them when the
        size, focus, cursor or colours changed since)."""
        self.gradient()  # the colours the lines are drawn with, part of what they depend on
        state = self._state()
        lines = [self._draw_line(y) for y in range(self.size.height)]
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

    def watch_cursor(self) -> None:
        """Tell the pane so it can redraw the detail line."""
        self.post_message(self.CursorMoved())
        self.refresh()

    def on_click(self, event: Click) -> None:
        """Pick the clicked cell."""
        x, y = event.offset.x, event.offset.y
        if y >= 1 and x >= LABEL:
            col, row = (x - LABEL) // CELL, y - 1
            if row < len(self.assets) and col < len(self.venues):
                self.cursor = (col, row)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """A header line plus one line per asset."""
        return 1 + max(1, len(self.assets))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """The label column plus one cell per venue."""
        return LABEL + CELL * max(1, len(self.venues))

    def _state(self) -> tuple:
        """What the drawn lines depend on besides the cells."""
        return (self.size, self.has_focus, self.cursor, self._gradient, self.rich_style)

    def render_line(self, y: int) -> Strip:
        """One row: as the last frame drew it while nothing else it depends on changed, else drawn."""
        if self._drawn is not None and y < len(self._drawn) and self._drawn_for == self._state():
            return self._drawn[y]
        return self._draw_line(y)

    def _draw_line(self, y: int) -> Strip:
        """One row: the header, or an asset with one coloured cell per venue."""
        width = self.size.width
        base = self.rich_style
        if y == 0:
            text = "Asset".ljust(LABEL) + "".join(v[: CELL - 1].rjust(CELL - 1) + " " for v in self.venues)
            return Strip([Segment(text, base + Style(bold=True))]).adjust_cell_length(width, base)
        row = y - 1
        if row >= len(self.assets):
            if not self.assets and row == 0:
                return Strip([Segment("waiting for funding quotes…", base + Style(dim=True))]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        asset = self.assets[row]
        label_style = base + Style(bold=row == self.cursor[1] and self.has_focus)
        segments = [Segment(asset[: LABEL - 1].ljust(LABEL), label_style)]
        gradient = self.gradient()
        for col, venue in enumerate(self.venues):
            cell = self.cells.get((asset, venue))
            selected = (col, row) == self.cursor
            if cell is None:
                segments.append(Segment("     · ", base + Style(dim=True, reverse=selected)))
                continue
            mark = "▲" if cell.held is Side.LONG else ("▼" if cell.held is Side.SHORT else " ")
            if cell.stale or cell.interval_hours is None:
                # Last-known (account not LIVE), or an APR that cannot be annualised (interval
                # unknown, shown as "—"): no heat, dim, "?".
                text = mark + fmt.apr(cell.apr).rjust(CELL - 2) + "?"
                style = base + Style(dim=True, italic=True, reverse=selected and self.has_focus,
                                     underline=selected)
                segments.append(Segment(text, style))
                continue
            bg = gradient.get_color(heat(cell.apr))
            text = mark + fmt.apr(cell.apr).rjust(CELL - 2) + " "  # 1 + 5 + 1 = CELL
            style = Style(bgcolor=bg.rich_color, color=bg.get_contrast_text().rich_color,
                          bold=cell.held is not None, reverse=selected and self.has_focus,
                          underline=selected)
            segments.append(Segment(text, style))
        return Strip(segments).adjust_cell_length(width, base)

    def on_focus(self) -> None:
        """Redraw to show the cursor."""
        self.refresh()

    def on_blur(self) -> None:
        """Redraw to hide the cursor."""
        self.refresh()


class FundingPane(BasePane):
    """Pane 2: the funding stress index, the heatmap, and the detail of the cell under its cursor."""

    pane_id = "funding"
    title = "Funding"
    column = "right"

    def __init__(self) -> None:
        super().__init__()
        self._frame: Frame | None = None  # the frame shown, for the detail line's clock

    def compose(self) -> ComposeResult:
        """Stress line, heatmap, detail line."""
        yield Line(id="funding-stress")
        yield FundingHeatmap(id="heatmap")
        yield Line(id="funding-detail", classes="legend")

    def update(self, frame: Frame) -> None:
        """Show the stress index and the cells of `frame`."""
        self._frame = frame
        self.query_one("#funding-stress", Line).show(stress_line(frame, self.app.theme_variables))
        self.query_one(FundingHeatmap).update_from(frame.assessment)
        self._update_detail()

    def on_funding_heatmap_cursor_moved(self, _message: FundingHeatmap.CursorMoved) -> None:
        """Show the detail of the cell under the cursor."""
        self._update_detail()

    def _update_detail(self) -> None:
        detail = self.query_one("#funding-detail", Line)
        cell = self.query_one(FundingHeatmap).current_cell()
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
    """One cell in full: rate per interval and APR, predicted rate, countdown, your side, history."""
    ref = frame.sim_time if frame.sim_time is not None else frame.now
    nxt = "" if cell.next_time is None else f" next {fmt.duration(cell.next_time - ref)}"
    pred = "" if cell.predicted_rate is None else f" pred {fmt.rate(cell.predicted_rate)}"
    held = {Side.LONG: " · you are long", Side.SHORT: " · you are short", None: ""}[cell.held]
    text = Text(no_wrap=False)
    text.append(f"{cell.asset}@{cell.venue} ", style="bold")
    if cell.stale:
        text.append("last-known (account not live) ", style="bold")
    if cell.interval_hours is None:  # the venue did not say: no APR rather than a guess
        text.append(f"{fmt.rate(cell.rate)} per interval · interval unknown, APR unknown"
                    f"{pred}{nxt}{held}")
    else:
        text.append(f"{fmt.rate(cell.rate)}/{cell.interval_hours:g}h = {fmt.apr(cell.apr).strip()} APR"
                    f"{pred}{nxt}{held}")
    if cell.history:
        text.append("  " + spark([h for h in cell.history[-16:]], signed=True), style="dim")
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
