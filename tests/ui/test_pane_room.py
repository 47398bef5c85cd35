"""What the panes keep in view as the terminal's size changes: the kill switch's key hint in the
52-column Playbook pane, positions' names where there is room, the plan's rows on a tall one."""

from __future__ import annotations

from textual.geometry import Region

from cockpit.ui.widgets.playbook import PlaybookTable
from cockpit.ui.widgets.positions import PositionsTable
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.test_unwind_branches import _reducing


def _shown(widget) -> str:
    """The widget's lines as painted, joined by spaces."""
    size = widget.size
    return " ".join(strip.text.strip() for strip in widget.render_lines(Region(0, 0, size.width, size.height)))


async def test_the_kill_line_wraps_in_the_narrow_playbook_pane_and_keeps_its_keys():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        app.api.push(_reducing(app.api.latest))
        await pilot.pause()
        line = app.screen.query_one("#kill-line")
        assert line.size.width < 52 and line.size.height >= 2
        shown = " ".join(_shown(line).split())
        assert "press a to accept, or U to unwind it step by step" in shown


async def test_names_show_in_full_where_there_is_room_and_are_cut_where_there_is_none():
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await first_frame(pilot)
        table = app.screen.query_one(PositionsTable)
        header = table.render_line(0).text
        assert "Entry" in header and "Lev" in header  # every column at 200
        shown = _shown(table)
        assert "hyperliquid hyperliquid" in shown and "OVER kelly −11%" in shown and "LIQ 6.5%<10%" in shown
        plan = app.screen.query_one(PlaybookTable)
        assert plan.size.height > 10  # a tall terminal shows more of the plan
        assert "hyperliquid ETH L" in _shown(plan)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        # No room at 120 (the flags' first flag takes what APR leaves): cut with an ellipsis.
        assert "hyperliqu… " in _shown(table) and "hyperliquid " not in _shown(table)


async def test_at_80x24_each_pane_is_one_key_away_and_the_clock_stays_on_the_status_line():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        status = str(app.screen.query_one("#status").render()).rstrip()
        assert status.endswith("sim 03-02 00:00") and len(status) <= 80
        for key, pane in (("1", "positions"), ("2", "funding"), ("3", "collateral"), ("4", "playbook")):
            await pilot.press(key)
            await pilot.pause()
            shown = [p.id for p in app.screen.query(".pane") if p.display]
            assert shown == [pane], (key, shown)
            region = app.screen.query_one(f"#{pane}").region
            assert region.width == 80 and region.height >= 18  # it has the body to itself
