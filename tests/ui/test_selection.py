"""One selection mechanism: a `KeyedTable` posts `Selected` (the row key) when its cursor moves to
another row, and each screen shows the selected row from it: the open order, the carry pair, the
run's step explained below the table, the positions' flag hint and book keys."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cockpit.present import carry as pc, orders as po, unwind as pu
from cockpit.ui.screens.carry import CarryScreen, CarryTable
from cockpit.ui.screens.orders import OrdersScreen, OrdersTable
from cockpit.ui.screens.run import StepTable
from cockpit.ui.widgets.positions import PositionsPane, PositionsTable, flag_hint
from cockpit.ui.widgets.table import Column, KeyedTable
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.test_orders_screen import orders_app, with_our_orders
from tests.ui.test_unwind_run import _start_flat


class _TableApp(App):
    """One table; every `Selected` it posts is kept."""

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[tuple[KeyedTable, object]] = []

    def compose(self) -> ComposeResult:
        yield KeyedTable([Column("name", "Name", 8, 0, "left")], id="t")

    def on_keyed_table_selected(self, message: KeyedTable.Selected) -> None:
        self.selected.append((message.control, message.key))


async def test_a_move_to_another_row_posts_its_key_once_and_nothing_else_does():
    app = _TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.show([("a", ("alpha",)), ("b", ("beta",)), ("c", ("gamma",))])
        table.focus()
        await pilot.pause()
        await pilot.press("down", "down")
        assert app.selected == [(table, "b"), (table, "c")]
        await pilot.press("down")  # the last row already: the cursor does not move
        table.move_cursor(row=2)
        await pilot.pause()
        assert len(app.selected) == 2
        table.show([("c", ("gamma",)), ("a", ("alpha",)), ("b", ("beta",))])  # a frame reorders: the
        await pilot.pause()  # cursor follows "c", no row was chosen
        assert table.selected_key == "c" and len(app.selected) == 2
        await pilot.press("home")
        assert app.selected[-1] == (table, "c")  # row 0 is "c" now: the cursor did not change rows
        await pilot.press("end")
        assert app.selected[-1] == (table, "b")


async def test_the_open_orders_explain_the_row_the_cursor_moves_to():
    app = orders_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await with_our_orders(pilot)
        await pilot.press("O")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        for _ in range(len(screen.lines) - 1):
            await pilot.press("down")
            line = screen.selected()
            assert screen.query_one(OrdersTable).selected_key == line.key
            assert str(screen.query_one("#orders-detail").render()) == po.detail(line, screen.frame)


async def test_the_carry_scanner_explains_the_pair_the_cursor_moves_to():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CarryScreen) and screen.query_one(CarryTable).row_count > 2
        frame = screen.frame
        for _ in range(2):
            before = screen.selected
            await pilot.press("down")
            pair = screen.selected
            assert pair is not None and pair != before
            first = pc.detail(pair, screen.scan, frame.sim_time if frame.sim_time is not None else frame.now)[0]
            assert str(screen.query_one("#carry-detail").render()).startswith(first)


async def test_the_run_shows_the_step_the_cursor_moves_to():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_flat(pilot)
        steps = screen.query_one(StepTable)
        assert steps.has_focus
        for _ in range(2):
            await pilot.press("down")
            step = screen.selected
            assert step is not None and step.seq == steps.selected_key
            assert str(screen.query_one("#run-detail").render()).startswith(pu.step_detail(step, screen.run))


async def test_the_positions_flag_hint_follows_the_cursor():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        table = app.screen.query_one(PositionsTable)
        pane = app.screen.query_one(PositionsPane)
        table.focus()
        frame = app.api.latest
        flagged = {p.key: p for p in frame.assessment.positions if flag_hint(p, frame, "f")}
        assert flagged
        seen = set()
        for _ in range(table.row_count - 1):
            await pilot.press("down")
            key = table.selected_key
            hint = flag_hint(flagged[key], frame, "f") if key in flagged else ""
            assert pane.border_subtitle == hint
            seen.add(bool(hint))
        assert seen == {True, False}  # rows with and without a hint were met
