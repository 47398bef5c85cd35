"""The cockpit driven as a person would: panes populated, trims confirmed or cancelled, read-only."""

from __future__ import annotations

from cockpit.model import OrderStatus
from cockpit.ui.keymap import load_keymap
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.widgets.collateral import CollateralTable
from cockpit.ui.widgets.heatmap import FundingHeatmap
from cockpit.ui.widgets.playbook import PlaybookTable
from cockpit.ui.widgets.positions import PositionsTable
from tests.ui.cockpit_app import first_frame, make_app


async def test_all_four_panes_show_the_simulated_book():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        frame = app.api.latest
        positions = app.screen.query_one(PositionsTable)
        assert positions.row_count >= len(frame.assessment.positions) >= 8
        heatmap = app.screen.query_one(FundingHeatmap)
        assert len(heatmap.assets) >= 12 and len(heatmap.venues) >= 4
        assert app.screen.query_one(CollateralTable).row_count == len(frame.book.accounts) + 1
        assert app.screen.query_one(PlaybookTable).row_count >= 1
        status = str(app.screen.query_one("#status").render())
        assert "SIM" in status and "TRADING" in status and "NORMAL" in status
        for name in ("positions", "funding", "collateral", "playbook"):
            assert app.screen.query_one(f"#{name}").display


async def _open_trim(pilot, key="t"):
    table = pilot.app.screen.query_one(PositionsTable)
    table.focus()
    table.move_cursor(row=0)
    await pilot.pause()
    selected = table.selected_position
    assert selected is not None
    await pilot.press(key)
    await pilot.pause()
    return selected


async def test_trim_confirmed_sends_reduce_only_and_the_row_shrinks():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        key = await _open_trim(pilot)
        before = app.api.latest.book.position(key).size
        modal = app.screen
        assert isinstance(modal, ConfirmScreen)
        assert app.focused is modal.query_one("#cancel")
        text = " ".join(str(s.render()) for s in modal.query(".line"))
        assert "reduce-only" in text and "After" in text and "Est. cost" in text
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)
        after = app.api.latest.book.position(key)
        assert after is not None and 0 < after.size < before
        assert after.side == app.api.latest.book.position(key).side  # never flipped
        rows = app.api.backend.journal.rows()
        assert len(rows) == 1 and rows[0].status is OrderStatus.FILLED
        table = app.screen.query_one(PositionsTable)
        assert table.selected_position == key  # the cursor stayed on the same position


async def test_trim_cancelled_by_escape_or_enter_sends_nothing():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _open_trim(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)
        await _open_trim(pilot)
        for _ in range(5):  # a held Enter can only press Cancel
            await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)
        assert app.api.backend.journal.rows() == []


async def test_tab_cannot_move_focus_to_confirm():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _open_trim(pilot, key="x")
        await pilot.press("tab", "enter")
        await pilot.pause()
        assert app.api.backend.journal.rows() == []


async def test_readonly_disables_trim_and_says_why():
    app = make_app(readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _open_trim(pilot)
        assert isinstance(app.screen, CockpitScreen)  # no confirmation opened
        assert any("read-only" in n.message for n in app._notifications)
        assert app.api.backend.journal.rows() == []
        assert "READ-ONLY" in str(app.screen.query_one("#status").render())


async def test_cursor_stays_on_its_position_across_frames():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        table = app.screen.query_one(PositionsTable)
        table.focus()
        table.move_cursor(row=3)
        await pilot.pause()
        key = table.selected_key
        await first_frame(pilot)
        await first_frame(pilot)
        assert table.selected_key == key


async def test_narrow_terminal_shows_one_pane_and_keys_switch_it():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        screen = app.screen
        shown = [n for n in ("positions", "funding", "collateral", "playbook") if screen.query_one(f"#{n}").display]
        assert shown == ["positions"]
        assert screen.query_one("#tabs").display
        await pilot.press("2")
        await pilot.pause()
        shown = [n for n in ("positions", "funding", "collateral", "playbook") if screen.query_one(f"#{n}").display]
        assert shown == ["funding"]
        await pilot.press("tab")
        await pilot.pause()
        assert screen.query_one("#collateral").display and not screen.query_one("#funding").display


async def test_zoom_and_back_to_all_on_a_wide_terminal():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await first_frame(pilot)
        await pilot.press("4")
        await pilot.pause()
        assert app.screen.query_one("#playbook").display and not app.screen.query_one("#positions").display
        await pilot.press("0")
        await pilot.pause()
        assert all(app.screen.query_one(f"#{n}").display for n in ("positions", "funding", "collateral", "playbook"))


async def test_heatmap_cursor_shows_cell_detail():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        heatmap = app.screen.query_one(FundingHeatmap)
        heatmap.focus()
        await pilot.press("down", "right")
        await pilot.pause()
        cell = heatmap.current_cell()
        detail = str(app.screen.query_one("#funding-detail").render())
        assert cell is not None and f"{cell.asset}@{cell.venue}" in detail and "APR" in detail


async def test_vim_keymap_moves_the_cursor_with_j():
    keymap = load_keymap("vim")
    app = make_app(keymap=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        table = app.screen.query_one(PositionsTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("j", "j")
        await pilot.pause()
        assert table.cursor_row == 2


async def test_sort_cycles_and_keeps_the_selection():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        table = app.screen.query_one(PositionsTable)
        table.focus()
        table.move_cursor(row=0)
        key = table.selected_key
        await pilot.press("s")
        await pilot.pause()
        assert table.sort_mode == "notional"
        assert table.selected_key == key


async def test_first_paint_resumes_the_collector_the_cli_paused():
    import gc

    from cockpit.ui.app import YOUNG_COLLECTION

    threshold = gc.get_threshold()
    gc.disable()  # as cockpit.cli does before the imports and the first frame
    try:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert gc.isenabled()
            assert gc.get_freeze_count() > 0  # start-up objects moved out of the collector's walk
            assert gc.get_threshold()[0] == YOUNG_COLLECTION  # a frame's rows walked less often
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        gc.enable()


async def test_first_paint_leaves_a_running_collector_alone():
    import gc

    app = make_app()
    threshold = gc.get_threshold()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert gc.isenabled() and gc.get_freeze_count() == 0 and gc.get_threshold() == threshold


async def test_key_bar_shows_the_screen_keys_and_a_click_presses_one():
    from cockpit.ui.widgets.keybar import KeyBar

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        bar = app.screen.query_one(KeyBar)
        line = str(bar.render())
        for shown in ("t Trim 25%", "x Close", "s Sort", "q Quit", "? Help"):
            assert shown in line
        assert "Accept cut" not in line  # offered only while the kill switch proposes a cut
        assert line.rstrip().endswith("▏^p Commands") and len(line) == 120
        table = app.screen.query_one(PositionsTable)
        before = table.sort_mode
        await pilot.click(KeyBar, offset=(line.index(" s Sort") + 1, 0))
        await pilot.pause()
        assert table.sort_mode != before


async def test_a_fixed_height_line_repaints_without_a_layout_pass(monkeypatch):
    from rich.text import Text

    from cockpit.ui.widgets.line import Line

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        calls = []
        real = Line.refresh

        def spy(self, *regions, **kw):
            calls.append((self.id, kw.get("layout", False)))
            return real(self, *regions, **kw)

        app.screen.query_one("#positions-legend", Line).show(Text("legend on one line"))
        await pilot.pause()
        monkeypatch.setattr(Line, "refresh", spy)
        app.screen.query_one("#status", Line).show(Text("status changed"))
        app.screen.query_one("#positions-legend", Line).show(Text("legend changed\nto two lines"))
        assert ("status", False) in calls  # height: 1 in the CSS
        assert ("positions-legend", True) in calls  # height: auto, and it takes another number of lines
        await pilot.pause()
        assert "status changed" in str(app.screen.query_one("#status", Line).render())


async def test_the_confirmation_shows_its_own_keys_and_a_click_on_cancel_sends_nothing():
    from cockpit.ui.widgets.keybar import KeyBar

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _open_trim(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        line = str(app.screen.query_one(KeyBar).render())
        assert "y Confirm" in line and "esc Cancel" in line and "Trim" not in line
        await pilot.click(app.screen.query_one(KeyBar), offset=(line.index(" esc Cancel") + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)
        assert app.api.backend.journal.rows() == []
