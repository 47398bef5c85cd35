"""The open-orders screen: every order open at a venue and every order of ours in flight, across
accounts, with cancel.

Opened from the cockpit (`view.orders`) or the command palette; escape goes back. The rows come
from the frame (`cockpit.present.orders.order_lines`); the selected row is explained below the
table (full symbol, client id, what a cancel does). `orders.cancel` cancels the selected order
and `orders.cancel_all` every open order of its account, each after a confirmation with Cancel
focused; the engine validates and carries out the `CancelOrder` / `CancelAll` it is sent and
answers why when it will not (read-only, an order a running unwind step manages, one already
gone). It subscribes to frames itself while it is shown.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult

from cockpit.engine.api import EngineAPI
from cockpit.model import Frame
from cockpit.model.commands import CancelAll, CancelOrder
from cockpit.present import orders as po
from cockpit.present.deadman import dms_lines
from cockpit.ui.bindings import bind
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.following import FollowingScreen
from cockpit.ui.sending import CommandSender
from cockpit.ui.widgets.keybar import KeyBar
from cockpit.ui.widgets.line import Line
from cockpit.ui.widgets.status import status_line
from cockpit.ui.widgets.table import Column, KeyedTable

COLUMNS = [
    Column("account", "Account", 11, 0, "left"),
    Column("venue", "Venue", 11, 2, "left"),
    Column("asset", "Asset", 6, 0, "left"),
    Column("side", "Side", 4, 0, "left"),
    Column("ro", "RO", 2, 0, "left"),
    Column("type", "Type", 6, 1, "left"),
    Column("price", "Price", 9),
    Column("size", "Size", 8),
    Column("filled", "Filled", 8, 1),
    Column("age", "Age", 5),
    Column("cid", "Client id", 14, 2, "left", grow=12),  # ours are 26 long: in full where there is room
    Column("origin", "Origin", 12, 0, "left"),
    Column("state", "State", 9, 0, "left"),
]
"""The table's columns, in `present.orders.cells` order (type and filled from 92 columns, venue and
client id from 120: the selected order's line below the table always has them, in full)."""


class OrdersTable(KeyedTable):
    """The open orders; the screen explains the one under the cursor."""


class OrdersScreen(CommandSender, FollowingScreen):
    """The open orders (see the module doc)."""

    BINDINGS = [
        bind("orders.cancel", "cancel"),
        bind("orders.cancel_all", "cancel_all"),
        bind("orders.back", "back"),
    ]
    HELP_TITLE = "Open orders"
    HELP_SECTIONS = ("orders", "status", "units")

    DEFAULT_CSS = """
    OrdersScreen { layout: vertical; }
    #orders-status, #orders-head { height: 1; background: $panel; }
    #orders-head { text-style: bold; }
    #orders-table { height: 1fr; min-height: 4; }
    #orders-detail { height: auto; max-height: 4; background: $panel; padding: 0 1; }
    #orders-dms { height: auto; max-height: 4; padding: 0 1; }
    #orders-legend { height: auto; max-height: 3; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, api: EngineAPI) -> None:
        super().__init__(api)
        self.lines: list[po.OrderLine] = []

    def compose(self) -> ComposeResult:
        """Status, the count, the orders, the selected one, the dead-man's switches, the legend."""
        yield Line(id="orders-status")
        yield Line(id="orders-head")
        yield OrdersTable(COLUMNS, id="orders-table")
        yield Line(id="orders-detail")
        yield Line(id="orders-dms")
        yield Line(id="orders-legend")
        yield KeyBar()

    def on_mount(self) -> None:
        """Subscribe to frames and show the newest; the table has the focus."""
        self.query_one(OrdersTable).focus()
        self.query_one("#orders-legend", Line).show(Text(po.LEGEND))
        self.follow()

    def show(self, frame: Frame) -> None:
        """Show `frame`'s open orders."""
        self.frame = frame
        had = bool(self.lines)
        self.lines = po.order_lines(frame)
        if bool(self.lines) != had:
            self.refresh_bindings()  # the cancel keys follow whether there is anything to cancel
        colors = self.app.theme_variables
        self.query_one("#orders-status", Line).show(status_line(frame, colors, self.size.width))
        self.query_one("#orders-head", Line).show(Text(po.header(self.lines), no_wrap=True, overflow="ellipsis"))
        self.query_one(OrdersTable).show([(line.key, po.cells(line)) for line in self.lines])
        switches = dms_lines(frame)
        dms = self.query_one("#orders-dms", Line)
        dms.display = bool(switches)  # only where an account opted in
        dms.show(Text("\n".join(switches)))
        self.show_detail()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The cancel keys are shown dimmed (and do nothing) while there is no open order."""
        if action in ("cancel", "cancel_all") and not self.lines:
            return None
        return True

    def selected(self) -> po.OrderLine | None:
        """The order under the cursor, if any."""
        key = self.query_one(OrdersTable).selected_key
        return next((line for line in self.lines if line.key == key), None)

    @on(KeyedTable.Selected, "#orders-table")
    def show_detail(self) -> None:
        """Explain the selected order (or, with none, what this view shows)."""
        text = po.detail(self.selected(), self.frame) if self.lines else po.EMPTY
        self.query_one("#orders-detail", Line).show(Text(text))

    def action_cancel(self) -> None:
        """Cancel the selected order, after a confirmation with its frozen values."""
        line = self.selected()
        if line is None:
            self.notify("No open order to cancel", severity="warning", timeout=3)
            return
        self._ask(ConfirmScreen(po.confirm_title(line), partial(po.confirm_lines, line), confirm_label="Cancel order",
                                cancel_label="Keep it"), CancelOrder(line.account, line.client_id), "Order kept")

    def action_cancel_all(self) -> None:
        """Cancel every open order of the selected order's account, after a confirmation."""
        line = self.selected()
        if line is None:
            self.notify("No open order to cancel", severity="warning", timeout=3)
            return
        mine = [x for x in self.lines if x.account == line.account]
        self._ask(ConfirmScreen(po.confirm_all_title(line.account, len(mine)), partial(po.confirm_all_lines, mine),
                                confirm_label="Cancel all", cancel_label="Keep them"), CancelAll(line.account),
                  "Orders kept")

    def _ask(self, question: ConfirmScreen, command: CancelOrder | CancelAll, kept: str) -> None:
        """Send `command` once a person confirms (Keep focused); where its account's orders are
        off, at once (see `CommandSender.ask`)."""
        readonly = self.frame is not None and self.frame.orders_off(command.account)
        self.ask(question, command, declined=kept, skip=readonly)


__all__ = ["OrdersScreen"]
