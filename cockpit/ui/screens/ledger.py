"""The funding ledger's screen: funding paid and earned per position and UTC day, with the totals
per account and per asset, the projection at current rates, and where a venue's records and the
cockpit's own estimate disagree.

Opened from the funding pane (`funding.ledger`); escape goes back. The engine builds the ledger
(`Frame.ledger`, see `cockpit.risk.ledger`); this screen renders it, and its export key asks the
engine to write it as CSV beside the journal (`ExportLedger`): nothing is sent to a venue. It
subscribes to frames itself while it is shown.
"""

from __future__ import annotations


from rich.text import Text
from textual import work
from textual.app import ComposeResult

from cockpit.model import Frame
from cockpit.model.commands import ExportLedger
from cockpit.present import funding as pf
from cockpit.ui.bindings import bind
from cockpit.ui.screens.following import FollowingScreen
from cockpit.ui.widgets.keybar import KeyBar
from cockpit.ui.widgets.line import Line
from cockpit.ui.widgets.status import status_line
from cockpit.ui.widgets.table import Column, KeyedTable, styled

COLUMNS = [
    Column("day", "day (UTC)", 10, 0, "left"),
    Column("account", "account", 11, 0, "left"),
    Column("symbol", "symbol", 14, 0, "left"),
    Column("booked", "booked", 10),
    Column("n", "n", 4, 1),
    Column("estimate", "est", 10),
    Column("flag", "", 2, 0, "left"),
]
"""The table's columns, in `present.funding.ledger_cells` order."""


class LedgerScreen(FollowingScreen):
    """The funding ledger (see the module doc)."""

    BINDINGS = [bind("ledger.back", "back"), bind("ledger.export", "export")]
    HELP_TITLE = "Funding ledger"
    HELP_SECTIONS = ("ledger", "status", "units")

    DEFAULT_CSS = """
    LedgerScreen { layout: vertical; }
    #ledger-status, #ledger-head { height: 1; background: $panel; }
    #ledger-head { text-style: bold; }
    #ledger-assets, #ledger-sources { height: auto; max-height: 3; padding: 0 1; }
    #ledger-table { height: 1fr; min-height: 4; }
    #ledger-legend { height: auto; max-height: 3; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        """Status, totals per account, per asset, the lines, the sources, the legend."""
        yield Line(id="ledger-status")
        yield Line(id="ledger-head")
        yield Line(id="ledger-assets")
        yield KeyedTable(COLUMNS, id="ledger-table")
        yield Line(id="ledger-sources")
        yield Line(id="ledger-legend")
        yield KeyBar()

    def on_mount(self) -> None:
        """Subscribe to frames and show the newest; the table has the focus."""
        self.query_one(KeyedTable).focus()
        self.query_one("#ledger-legend", Line).show(Text(pf.LEDGER_LEGEND))
        if not self.follow():
            self.query_one("#ledger-head", Line).show(Text(pf.ledger_header(None)))

    def show(self, frame: Frame) -> None:
        """Show `frame`'s ledger."""
        self.frame = frame
        ledger = frame.ledger
        colors = self.app.theme_variables
        self.query_one("#ledger-status", Line).show(status_line(frame, colors, self.size.width))
        self.query_one("#ledger-head", Line).show(Text(pf.ledger_header(ledger), no_wrap=True, overflow="ellipsis"))
        self.query_one("#ledger-assets", Line).show(Text(pf.asset_lines(ledger)))
        self.query_one("#ledger-sources", Line).show(Text(pf.sources_line(ledger), style="dim"))
        down = colors.get("pnl-down", "")
        rows = []
        for line in (ledger.lines if ledger is not None else ()):
            cells = list(pf.ledger_cells(line))
            cells[6] = styled(cells[6], f"bold {down}" if line.disagrees else "")
            rows.append(((line.day, line.account, line.symbol), tuple(cells)))
        self.query_one(KeyedTable).show(rows)

    @work(group="ledger", exit_on_error=False)
    async def action_export(self) -> None:
        """Ask the engine to write the ledger as CSV beside its journal; say where (or why not)."""
        result = await self.api.send(ExportLedger())
        self.notify(result.message, severity="information" if result.ok else "warning", markup=False, timeout=8)


__all__ = ["LedgerScreen"]
