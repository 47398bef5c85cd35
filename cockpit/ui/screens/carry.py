"""The carry scanner's screen: per asset the best long-venue / short-venue pair net of costs at a
size you choose, and the pairs you hold; the selected pair explained underneath.

Pushed over the cockpit by its key (`view.carry`) or the palette's "Carry scanner"; escape goes
back. The engine ranks the pairs (`Assessment.carry`, see `cockpit.risk.carry`); this screen only
renders them and sends one command, `SetCarrySize`, when a size is entered in its field: it never
sends an order. It subscribes to frames itself while it is shown.
"""

from __future__ import annotations


from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from cockpit.engine.api import EngineAPI
from cockpit.model import CarryPair, CarryScan, Frame
from cockpit.model.commands import SetCarrySize
from cockpit.present import carry as pc, privacy
from cockpit.ui.bindings import bind
from cockpit.ui.screens.following import FollowingScreen
from cockpit.ui.widgets.keybar import KeyBar
from cockpit.ui.widgets.line import Line
from cockpit.ui.widgets.status import status_line
from cockpit.ui.widgets.table import Column, KeyedTable, styled

COLUMNS = [
    Column("mark", "", 2, 0, "left"),
    Column("asset", "asset", 6, 0, "left"),
    Column("long", "long", 11, 0, "left"),
    Column("short", "short", 11, 0, "left"),
    Column("gross", "gross", 6),
    Column("net", "net", 6),
    Column("breakeven", "b/e", 6),
    Column("cap_half", "cap½", 6),
    Column("cap_zero", "cap0", 6, 1),
    Column("stable", "stab", 4),
    Column("intervals", "intvl", 5),
    Column("costs", "costs", 6, 1),
]
"""The table's columns, in `present.carry.COLUMNS` order (cap0 and costs from about 100 columns)."""

SHORT_HEIGHT = 30


class CarryTable(KeyedTable):
    """The ranked pairs; the screen explains the one under the cursor."""


class CarryScreen(FollowingScreen):
    """The carry scanner (see the module doc)."""

    BINDINGS = [
        bind("carry.size", "edit_size"),
        bind("carry.back", "back"),
    ]
    HELP_TITLE = "Carry scanner"
    HELP_SECTIONS = ("carry", "status", "units")

    DEFAULT_CSS = """
    CarryScreen {
        layout: vertical;
    }
    #carry-status, #carry-head {
        height: 1;
        background: $panel;
    }
    #carry-head {
        text-style: bold;
    }
    #carry-bar {
        height: 1;
    }
    #carry-size-label {
        width: auto;
        padding: 0 0 0 1;
    }
    #carry-size {
        width: 14;
        height: 1;
        border: none;
        padding: 0 1;
    }
    #carry-summary {
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
    }
    #carry-table {
        height: 1fr;
        min-height: 4;
    }
    #carry-detail {
        height: auto;
        max-height: 9;
        background: $panel;
    }
    #carry-legend {
        height: auto;
        max-height: 3;
        color: $text-muted;
    }
    """

    def __init__(self, api: EngineAPI) -> None:
        super().__init__(api)
        self.asked: float | None = None  # a size sent, until a frame is priced at it

    def compose(self) -> ComposeResult:
        """Status, title, the size field and summary, the pairs, the selected pair, the legend."""
        yield Line(id="carry-status")
        yield Line(id="carry-head")
        with Horizontal(id="carry-bar"):
            yield Static("Size per leg $", id="carry-size-label", markup=False)
            yield Input(placeholder="100k", id="carry-size", compact=True, select_on_focus=True)
            yield Line(id="carry-summary")
        yield CarryTable(COLUMNS, id="carry-table")
        yield Line(id="carry-detail")
        yield Line(id="carry-legend")
        yield KeyBar()

    def on_mount(self) -> None:
        """Subscribe to frames and show the newest; the table has the focus."""
        self.query_one(CarryTable).focus()
        if not self.follow():
            self.query_one("#carry-head", Line).show(Text(pc.header(None)))

    def on_resize(self) -> None:
        """On a short terminal the legend gives its rows to the pairs (one line, cut)."""
        short = self.size.height < SHORT_HEIGHT
        self.set_class(short, "-short")
        legend = pc.LEGEND_SHORT if short else pc.LEGEND
        self.query_one("#carry-legend", Line).show(Text(legend, no_wrap=short, overflow="ellipsis"))

    # -- frames ---------------------------------------------------------------------------

    @property
    def scan(self) -> CarryScan | None:
        """The scan on screen."""
        return self.frame.assessment.carry if self.frame is not None else None

    def show(self, frame: Frame) -> None:
        """Show `frame`'s scan."""
        self.frame = frame
        scan = frame.assessment.carry
        if scan is not None and self.asked == scan.size:
            self.asked = None  # priced
        field = self.query_one("#carry-size", Input)
        field.password = privacy.masked()  # the size typed is yours: bullets under the privacy mask
        if scan is not None and not field.has_focus and self.asked is None:
            field.value = pc.size_text(scan.size)
        self.query_one("#carry-status", Line).show(status_line(frame, self.app.theme_variables, self.size.width))
        self.query_one("#carry-head", Line).show(
            Text(pc.header(scan, asked=self.asked), no_wrap=True, overflow="ellipsis"))
        self.query_one("#carry-summary", Line).show(
            Text(pc.summary(scan) if scan is not None else "", no_wrap=True, overflow="ellipsis"))
        pairs = scan.pairs if scan is not None else ()
        colors = self.app.theme_variables
        self.query_one(CarryTable).show([(_key(p), _cells(p, scan, colors)) for p in pairs])
        self.show_detail()

    @on(KeyedTable.Selected, "#carry-table")
    def show_detail(self) -> None:
        """The selected pair in words."""
        scan, pair = self.scan, self.selected
        detail = self.query_one("#carry-detail", Line)
        if scan is None or self.frame is None:
            return
        if pair is None:
            detail.show(Text(pc.INFORMS, no_wrap=False))
            return
        ref = self.frame.sim_time if self.frame.sim_time is not None else self.frame.now
        text = Text(no_wrap=False)
        lines = pc.detail(pair, scan, ref)
        for i, line in enumerate(lines):
            style = "bold " + self.app.theme_variables.get("pnl-down", "") if pair.pays_both and i == 0 else ""
            text.append(("\n" if i else "") + line, style=style)
        detail.show(text)

    @property
    def selected(self) -> CarryPair | None:
        """The pair under the cursor."""
        key = self.query_one(CarryTable).selected_key
        scan = self.scan
        if scan is None or key is None:
            return None
        return next((p for p in scan.pairs if _key(p) == key), None)

    # -- the size field -------------------------------------------------------------------

    def action_edit_size(self) -> None:
        """Put the cursor in the size field (enter prices the scanner at it)."""
        self.query_one("#carry-size", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Check the size, send it to the engine, and go back to the pairs."""
        event.stop()
        try:
            size = pc.parse_size(event.value)
        except ValueError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        self.asked = size
        self.query_one(CarryTable).focus()
        if self.frame is not None:
            self.query_one("#carry-head", Line).show(
                Text(pc.header(self.scan, asked=size), no_wrap=True, overflow="ellipsis"))
        self._send(SetCarrySize(size))

    @work(group="carry", exit_on_error=False)
    async def _send(self, command: SetCarrySize) -> None:
        result = await self.api.send(command)
        if not result.ok:
            self.asked = None
            self.notify(result.message, severity="warning", markup=False)

def _key(pair: CarryPair) -> tuple[str, str, str]:
    return pair.asset, pair.long_venue, pair.short_venue


def _cells(pair: CarryPair, scan: CarryScan, colors: dict[str, str]) -> tuple:
    """A row's cells, styled: the warning mark bold red, net APR green or red by its sign."""
    up, down = colors.get("pnl-up", ""), colors.get("pnl-down", "")
    cells = list(pc.pair_cells(pair, scan))
    cells[0] = styled(cells[0], f"bold {down}" if pair.pays_both else "")
    cells[4] = styled(cells[4], down if pair.gross_apr < 0 else "")
    cells[5] = styled(cells[5], f"bold {up}" if pair.net_apr > 0 else down if pair.net_apr < 0 else "")
    return tuple(cells)
