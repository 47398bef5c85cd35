"""A frame repaints the cells whose look changed, nothing else: lines (status, legends, the stress
table), the funding heatmap and the tables (see also tests/ui/test_table.py). What the terminal
is sent follows: the app writes only refreshed cells (tests/ui/test_compat.py)."""

from __future__ import annotations

import dataclasses

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from cockpit.ui.widgets.cells import changed_spans, join
from cockpit.ui.widgets.line import Line
from tests.ui.cockpit_app import first_frame, make_app

RED, GREEN = Style(color="red"), Style(color="green")


def _strip(*parts: tuple[str, Style | None]) -> Strip:
    return Strip([Segment(text, style) for text, style in parts])


def test_changed_spans_finds_the_cells_that_differ_in_text_or_style():
    old = _strip(("clock 12:00:01", None))
    assert changed_spans(old, _strip(("clock 12:00:01", None))) == []
    assert changed_spans(old, _strip(("clock 12:00:02", None))) == [(13, 14)]
    assert changed_spans(old, _strip(("clock ", None), ("12", RED), (":00:01", None))) == [(6, 8)]
    assert changed_spans(None, old) == [(0, 14)]
    assert changed_spans(old, _strip(("clock 12:00:01 UTC", None))) == [(14, 18)]  # grew
    assert changed_spans(_strip(("clock 12:00:01 UTC", None)), old) == [(14, 18)]  # shrank
    # A double-width character is two cells: a change to it repaints both.
    assert changed_spans(_strip(("ab世d", None)), _strip(("ab界d", None))) == [(2, 4)]
    # Changes a few cells apart are one run (a cursor move costs about as much as the cells).
    assert changed_spans(_strip(("a1b2c", None)), _strip(("a9b8c", None))) == [(1, 4)]
    assert changed_spans(_strip(("1" + " " * 20 + "2", None)), _strip(("9" + " " * 20 + "8", None))) \
        == [(0, 1), (21, 22)]
    # Segments alike at both ends are skipped, unless what lies between changed width: then the
    # ones after it moved, and are repainted too.
    before = _strip(("a ", None), ("1.5k", RED), (" b", None), (" " * 20, None), ("z", GREEN))
    assert changed_spans(before, _strip(("a ", None), ("1.6k", RED), (" b", None), (" " * 20, None),
                                        ("z", GREEN))) == [(4, 5)]
    assert changed_spans(before, _strip(("a ", None), ("12.5k", RED), (" b", None), (" " * 20, None),
                                        ("z", GREEN))) == [(3, 9), (28, 30)]
    assert join([(10, 12), (0, 2), (4, 5)], gap=3) == [(0, 5), (10, 12)]


class _LineApp(App):
    CSS = "#one { height: 1; } #auto { height: auto; }"

    def compose(self) -> ComposeResult:
        yield Line(id="one")
        yield Line(id="auto")


def _spy(monkeypatch) -> list:
    calls: list = []
    real = Line.refresh

    def spy(self, *regions, **kw):
        calls.append((self.id, regions, kw.get("layout", False)))
        return real(self, *regions, **kw)

    monkeypatch.setattr(Line, "refresh", spy)
    return calls


async def test_a_line_repaints_the_cells_that_changed(monkeypatch):
    app = _LineApp()
    async with app.run_test(size=(40, 6)) as pilot:
        one = app.query_one("#one", Line)
        one.show(Text("SIM  KILL NORMAL  12:00:01 UTC"))
        await pilot.pause()
        calls = _spy(monkeypatch)
        one.show(Text("SIM  KILL NORMAL  12:00:02 UTC"))
        assert calls == [("one", (Region(25, 0, 1, 1),), False)]
        calls.clear()
        one.show(Text.assemble("SIM  KILL ", ("WARN  ", "bold"), "  12:00:02 UTC"))
        assert calls == [("one", (Region(10, 0, 6, 1),), False)]  # a word, in another style
        calls.clear()
        one.show(Text.assemble("SIM  KILL ", ("WARN  ", "bold"), "  12:00:02 UTC"))
        assert calls == []  # the same again: nothing repainted
        await pilot.pause()
        assert str(one.render()) == "SIM  KILL WARN    12:00:02 UTC"
        assert one.render_line(0).text.startswith("SIM  KILL WARN    12:00:02 UTC")


async def test_an_auto_height_line_is_laid_out_again_only_when_its_height_changes(monkeypatch):
    app = _LineApp()
    async with app.run_test(size=(40, 6)) as pilot:
        auto = app.query_one("#auto", Line)
        auto.show(Text("total 1.0k"))
        await pilot.pause()
        calls = _spy(monkeypatch)
        auto.show(Text("total 1.1k"))
        assert calls == [("auto", (Region(8, 0, 1, 1),), False)]
        calls.clear()
        auto.show(Text("total 1.1k\nand a second line"))
        assert calls == [("auto", (), True)]
        await pilot.pause()
        assert auto.size.height == 2


async def test_a_frame_repaints_only_the_heatmap_cells_whose_look_changed(monkeypatch):
    from cockpit.ui.widgets.heatmap import LABEL, FundingHeatmap

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        heatmap = app.screen.query_one(FundingHeatmap)
        frame = app.screen.frame
        assessment = frame.assessment
        calls: list = []
        real = FundingHeatmap.refresh
        monkeypatch.setattr(FundingHeatmap, "refresh",
                            lambda self, *regions, **kw: (calls.append(regions), real(self, *regions, **kw))[1])
        cells = list(assessment.funding)
        n = next(i for i, c in enumerate(cells) if c.interval_hours and not c.stale and c.apr > 0.05)
        cell = cells[n]
        # A new rate that shows the same APR (and the same colour): nothing is repainted (the
        # first frame after the grid took its shape repaints it whole: nothing to compare with).
        for k in (1, 2):
            cells[n] = cell._replace(rate=cell.rate * (1 + k * 1e-7), apr=cell.apr * (1 + k * 1e-7))
            calls.clear()
            heatmap.update_from(dataclasses.replace(frame, assessment=dataclasses.replace(assessment, funding=tuple(cells))))
        assert calls == []
        # An APR that reads differently repaints inside that cell alone.
        cells[n] = cell._replace(apr=cell.apr * 3)
        heatmap.update_from(dataclasses.replace(frame, assessment=dataclasses.replace(assessment, funding=tuple(cells))))
        (regions,) = calls
        w = heatmap.cell_width  # CELL, or wider where the pane has room for $/day
        x = LABEL + w * heatmap.venues.index(cell.venue)
        y = 1 + heatmap.assets.index(cell.asset)
        assert regions and all(r.y == y and r.height == 1 and x <= r.x and r.right <= x + w for r in regions)


async def test_a_line_updated_directly_shows_that_content():
    app = _LineApp()
    async with app.run_test(size=(40, 6)) as pilot:
        one = app.query_one("#one", Line)
        one.show(Text("shown"))
        await pilot.pause()
        one.update(Text("updated"))
        await pilot.pause()
        assert str(one.render()) == "updated" and one.render_line(0).text.startswith("updated")
        one.show(Text("shown again"))
        await pilot.pause()
        assert one.render_line(0).text.startswith("shown again")
