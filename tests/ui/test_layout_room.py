"""What the main screen gives each pane as the terminal widens, and what a ticking age costs:
the heatmap names every venue in full at 200×60 beside every Positions column, the Flags column
shows the first flag in full at 120×40, and a stale row's age ticking does not repaint the pane
round it every second."""

from __future__ import annotations

from dataclasses import replace

from textual.geometry import Region

from cockpit.model import Frame
from cockpit.present import flags
from cockpit.ui.widgets.heatmap import FundingHeatmap
from cockpit.ui.widgets.positions import PositionsPane, PositionsTable
from tests.ui.cockpit_app import first_frame, make_app


def _lines(widget) -> list[str]:
    """The widget's lines as painted."""
    size = widget.size
    return [strip.text for strip in widget.render_lines(Region(0, 0, size.width, size.height))]


def _flags_cell(table: PositionsTable, key) -> str:
    """The Flags cell of row `key` as painted (the row must be on screen)."""
    line = _lines(table)[1 + table._index[key] - table.scroll_offset.y]
    x = sum(c.width + 1 for c in table._shown[:-1])  # Flags is the last column
    assert table._shown[-1].key == "flags"
    return line[x:x + table._shown[-1].width + 1].strip()


async def test_at_200x60_the_heatmap_names_every_venue_in_full_beside_every_positions_column():
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await first_frame(pilot)
        heatmap = app.screen.query_one(FundingHeatmap)
        header = heatmap.render_line(0).text
        assert heatmap.venues and all(f" {venue} " in f"{header} " for venue in heatmap.venues), header
        assert "hyperliquid" in header and "binanceusdm" in header
        table = app.screen.query_one(PositionsTable)
        columns = table.render_line(0).text.split()
        assert {"Entry", "Lev", "Liq", "Mark", "Size", "Layer", "APR"} <= set(columns)
        shown = " ".join(_lines(table))
        assert "hyperliquid hyperliquid" in shown and "OVER kelly −11%" in shown and "LIQ 6.5%<10%" in shown
        # Narrower, nothing moves: the right column keeps its 52 cells and the names their cut.
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert app.screen.query_one("#right").size.width == 52
        assert heatmap.render_line(0).text.split()[:2] == ["Asset", "binanc"]


async def test_at_120x40_the_flags_column_shows_each_rows_first_flag_in_full():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        table = app.screen.query_one(PositionsTable)
        frame = app.screen.frame
        near = frame.assessment.near_liq_distance
        seen = []
        for p in frame.assessment.positions:
            if p.key not in table._index or not flags.flag_parts(p, near):
                continue
            if table._index[p.key] - table.scroll_offset.y >= table.size.height - 1:
                continue  # below the pane: not painted
            first = flags.flag_parts(p, near)[0]
            assert _flags_cell(table, p.key).startswith(first), (p.key, first)
            seen.append(first)
        assert "OVER kelly −11%" in seen and "LIQ 6.5%<10%" in seen
        # At 80×24 the Positions pane alone keeps every column it had, APR among them.
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "APR" in table.render_line(0).text and "OVER kelly −11%" in " ".join(_lines(table))


def _stale(frame: Frame, account: str, age: float) -> Frame:
    """`frame` with `account`'s data `age` seconds old and its positions flagged stale."""
    accounts = tuple(replace(a, age=age) if a.name == account else a for a in frame.book.accounts)
    positions = tuple(p._replace(flags=(*p.flags, "stale")) if p.account == account else p
                      for p in frame.assessment.positions)
    return replace(frame, book=replace(frame.book, accounts=accounts),
                   assessment=replace(frame.assessment, positions=positions))


async def test_a_stale_rows_age_ticking_repaints_its_cell_not_the_pane(monkeypatch):
    """The selected row's flags are on the pane's border; a border that changes repaints all of
    the pane. Its age there moves in steps (">10s"), the row's cell by the second."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        table = app.screen.query_one(PositionsTable)
        pane = app.screen.query_one(PositionsPane)
        key = table.selected_position
        assert key is not None
        frame = app.screen.frame
        app.screen.show_frame(_stale(frame, key.account, 12.0))
        await pilot.pause()
        assert pane.border_subtitle.endswith("STALE >10s")
        whole: list = []
        real = PositionsPane.refresh

        def spy(self, *regions, **kw):
            if not regions:
                whole.append(kw)
            return real(self, *regions, **kw)

        monkeypatch.setattr(PositionsPane, "refresh", spy)
        for age in (13.0, 14.0, 15.0):
            app.screen.show_frame(_stale(frame, key.account, age))
            await pilot.pause()
            assert _flags_cell(table, key) == f"STALE {age:.0f}s"
        assert whole == [] and pane.border_subtitle.endswith("STALE >10s")
        app.screen.show_frame(_stale(frame, key.account, 21.0))  # the next step: said once
        await pilot.pause()
        assert pane.border_subtitle.endswith("STALE >20s") and len(whole) == 1
