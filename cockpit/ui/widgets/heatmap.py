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
from textual.color import Color, Gradient
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from cockpit.model import Assessment, FundingCell, Side
from cockpit.present import format as fmt
from cockpit.ui.bindings import bind

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
        self.refresh(layout=reshaped)

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

    def render_line(self, y: int) -> Strip:
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


__all__ = ["FundingHeatmap", "heat"]
