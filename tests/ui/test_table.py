"""KeyedTable builds a row's cells only when the row is drawn or compared on screen, and a row
built late shows the frame it belongs to."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cockpit.ui.widgets.table import Column, KeyedTable

COLUMNS = [Column("name", "Name", 8, 0, "left"), Column("value", "Value", 8, 0)]


class _TableApp(App):
    def compose(self) -> ComposeResult:
        yield KeyedTable(COLUMNS)


def _rows(n: int, frame: int, built: list[int]):
    def cells(i: int) -> tuple:
        built.append(i)
        return (f"row{i}", f"{frame}.{i}")
    return [f"k{i}" for i in range(n)], cells


def _line(table: KeyedTable, y: int) -> str:
    return table.render_line(y).text


async def test_only_the_rows_on_screen_are_built_and_a_scrolled_to_row_shows_the_latest_frame():
    app = _TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(KeyedTable)
        built: list[int] = []
        table.show_rows(*_rows(500, 1, built))
        await pilot.pause()
        on_screen = table.scrollable_content_region.height - 1
        assert table.row_count == 500
        assert set(built) <= set(range(on_screen)) and len(built) <= on_screen
        assert "1.0" in _line(table, 1)
        built.clear()
        table.show_rows(*_rows(500, 2, built))  # every row changed: only those on screen are built
        assert set(built) == set(range(on_screen))
        await pilot.pause()
        assert "2.0" in _line(table, 1)
        table.move_cursor(row=400)  # scrolls: row 400 is built from frame 2, never from frame 1
        await pilot.pause()
        assert 400 in built
        assert any("2.400" in _line(table, y) for y in range(1, on_screen + 1))
        assert table.row_cells("k400") == ("row400", "2.400")


async def test_show_with_a_list_of_rows_still_works_and_repaints_a_changed_row():
    app = _TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.show([("a", ("alpha", "1")), ("b", ("beta", "2"))])
        await pilot.pause()
        assert "beta" in _line(table, 2) and "2" in _line(table, 2)
        table.show([("a", ("alpha", "1")), ("b", ("beta", "3"))])
        await pilot.pause()
        assert _line(table, 2).rstrip().endswith("3")
        assert table.row_cells("b") == ("beta", "3")


def test_simplify_merges_as_rich_does():
    import random

    from rich.segment import Segment
    from rich.style import Style

    from cockpit.ui.widgets.table import _simplify

    bold, red, bold_again = Style(bold=True), Style(color="red"), Style(bold=True)  # equal, not identical
    rng = random.Random(5)
    for _ in range(2000):
        segments = [Segment(rng.choice("xyz") * rng.randint(1, 3), rng.choice([bold, red, bold_again, None]),
                            rng.choice([None, None, [(1,)]])) for _ in range(rng.randint(0, 8))]
        assert _simplify(segments) == list(Segment.simplify(segments))


def _spy_refresh(monkeypatch, cls) -> list:
    calls: list = []
    real = cls.refresh

    def spy(self, *regions, **kw):
        calls.append(regions)
        return real(self, *regions, **kw)

    monkeypatch.setattr(cls, "refresh", spy)
    return calls


async def test_a_changed_figure_repaints_the_characters_that_changed_not_the_row(monkeypatch):
    from rich.text import Text
    from textual.geometry import Region

    app = _TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.show([("a", ("alpha", "1.234")), ("b", ("beta", Text("+5.0k", style="green")))])
        await pilot.pause()
        calls = _spy_refresh(monkeypatch, KeyedTable)
        # Column "value" spans x 9..17 (one gap cell, 8 wide, right-justified): "1.234" ends at 17.
        table.show([("a", ("alpha", "1.235")), ("b", ("beta", Text("+5.0k", style="green")))])
        assert calls == [(Region(17, 1, 1, 1),)]  # row a is line 1 (the header is line 0)
        calls.clear()
        table.show([("a", ("alpha", "1.235")), ("b", ("beta", Text("-5.0k", style="red")))])
        assert calls == [(Region(9, 2, 9, 1),)]  # another style: the whole cell
        calls.clear()
        table.show([("a", ("alpha", "1.235")), ("b", ("beta", Text("-5.0k", style="red")))])
        assert calls == []  # nothing changed: nothing repainted
        table.show([("a", ("alpha", "1.235")), ("b", ("beta", Text("-15.0k", style="red")))])
        assert calls == [(Region(9, 2, 9, 1),)]  # a coloured figure that grew: the whole cell
        calls.clear()
        table.show([("a", ("alpha", "1.235")), ("b", ("beta", Text("-5.0k", style="red")))])
        calls.clear()
        await pilot.pause()
        assert _line(table, 1).rstrip().endswith("1.235") and "-5.0k" in _line(table, 2)
        table.move_cursor(row=1)
        assert calls[-1] == (Region(0, 1, table.size.width, 2),)  # the cursor moves: both rows whole


async def test_a_row_built_in_one_pass_is_the_row_drawn_cell_by_cell():
    """`_styled_row` (the fast way, no horizontal scroll) draws what `_finish` of the cells'
    segments draws: plain, styled and spanned cells, empty ones, ones cropped with an ellipsis,
    double-width text, on and off the cursor."""
    import random

    from rich.style import Style
    from rich.text import Text

    from cockpit.ui.widgets.table import Styled, _finish

    rng = random.Random(3)
    spanned = Text("ab世c")
    spanned.stylize("bold", 1, 3)
    texts = ["", "x", "12.5k", "-1.25M", "a long name here", "世界", "Σ BTC", "↓6.5%"]
    styles = ["", "red", "bold #ff0000", "dim", "green"]

    def cell():
        kind = rng.randrange(4)
        text = rng.choice(texts)
        if kind == 0:
            return text
        if kind == 1:
            return Styled(text, rng.choice(styles[1:]))
        if kind == 2:
            return Text(text, style=rng.choice(styles))
        return spanned

    app = _TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(KeyedTable)
        rows = [(i, (cell(), cell())) for i in range(200)]
        table.show(rows)
        await pilot.pause()
        base, cursor = Style(bgcolor="black"), Style(bgcolor="blue", color="white")
        for i, (_, cells) in enumerate(rows):
            for style, post in ((base, None), (cursor, Style(color="white"))):
                width = table._width + rng.randrange(3)
                expected = _finish(table._render_cells(cells), 0, width, style, post, base)
                assert table._styled_row(i, width, style, post, base) == expected, cells


def test_a_styled_cell_renders_in_rich_as_the_text_it_stands_for():
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cockpit.ui.widgets.table import Styled

    def drawn(cell) -> str:
        console = Console(width=20, record=True, color_system="truecolor", force_terminal=True)
        table = Table.grid()
        table.add_column()
        table.add_row(cell)
        console.print(table)
        return console.export_text(styles=True)

    assert drawn(Styled("+1.25k", "bold #00ff00")) == drawn(Text("+1.25k", style="bold #00ff00"))


class _GrowApp(App):
    def compose(self) -> ComposeResult:
        yield KeyedTable([Column("name", "Name", 6, 0, "left", grow=6), Column("value", "Value", 5, 0),
                          Column("note", "Note", 6, 0, "left", grow=20)])


async def test_columns_that_grow_take_the_room_a_wide_table_has_left_in_their_order():
    app = _GrowApp()
    async with app.run_test(size=(24, 6)) as pilot:
        table = app.query_one(KeyedTable)
        table.show([("a", ("hyperliquid", "1", "OVER max-loss −11%"))])
        await pilot.pause()
        # 23 cells of room (a scrollbar column spared): 20 needed, the name takes the 3 left.
        assert _line(table, 1).startswith(" hyperliq… ") and "OVER …" in _line(table, 1)
        await pilot.resize_terminal(60, 6)
        await pilot.pause()
        assert _line(table, 1).rstrip() == " hyperliquid      1 OVER max-loss −11%"
        assert _line(table, 0).startswith(" Name         Value Note")
        await pilot.resize_terminal(24, 6)  # and back: the drawn lines follow the widths
        await pilot.pause()
        assert _line(table, 1).startswith(" hyperliq… ")


class _LeastApp(App):
    def compose(self) -> ComposeResult:
        yield KeyedTable([Column("name", "Name", 6, 0, "left", grow=6, least=8), Column("value", "Value", 5, 0),
                          Column("apr", "APR", 4, 0, yields=1),
                          Column("note", "Note", 6, 0, "left", grow=20, least=12)])


async def test_a_column_short_of_its_least_gets_it_first_and_a_yielding_column_makes_way_for_it():
    app = _LeastApp()
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one(KeyedTable)
        table.show([("a", ("hyperliquid", "1", "+11%", "OVER max-loss −11%"))])
        await pilot.pause()
        # 39 cells: 25 needed, 14 spare. The note, furthest from its least, gets its 6 first,
        # the name its 2; the rest goes to the growing columns in order. APR stays.
        assert [(c.key, c.width) for c in table._shown] == [("name", 12), ("value", 5), ("apr", 4), ("note", 14)]
        await pilot.resize_terminal(31, 6)
        await pilot.pause()
        # 30 cells: 5 spare, 8 short of the leasts: APR makes way (5 more), the note gets its
        # least, the name its least and then 2 of its grow.
        assert [(c.key, c.width) for c in table._shown] == [("name", 10), ("value", 5), ("note", 12)]
        assert _line(table, 1).rstrip().endswith("OVER max-lo…") and "+11%" not in _line(table, 1)
        assert table.width_of("note") == 12 and table.width_of("apr") is None
        await pilot.resize_terminal(60, 6)  # room again: APR is back
        await pilot.pause()
        assert "+11%" in _line(table, 1) and table.room_for(0) == 9 + 6 + 5 + 13
