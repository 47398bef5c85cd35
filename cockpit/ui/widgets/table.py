"""A table drawn line by line that updates in place: rows diffed by key, the cursor kept on the same row.

Textual's DataTable renders every visible cell through Rich again whenever any cell changes (one
update counter invalidates all of its caches); at one frame a second over a 25-row book that was
most of the cockpit's idle CPU. This table uses the Line API instead (`render_line(y) -> Strip`):

* a row is drawn again only when its cells' look (text and style) changed: each row keeps its
  finished line with what it was drawn from (cursor or not, horizontal scroll, width, theme
  styles), so an unchanged row costs a tuple comparison; cells are strings or `Styled` (text,
  style) tuples, their own look, or Rich `Text` where spans are needed;
* a changed row's line is built in one pass, and drawn without Textual's per-line styling
  (`compat.DirectLines`);
* `show` refreshes only the lines whose content changed, never the whole widget;
* a row's cells are built only when the row is drawn or compared on screen (`show_rows` takes
  a function of the row index): at 500 positions with ~30 on screen, a frame formats ~30 rows.

Never reset per tick: a frame with the same row keys in the same order only repaints the rows
whose cells changed; a change of rows or order swaps the rows in and puts the cursor back on its
key (or on the same index when that row is gone) without moving the scroll position.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from cockpit.ui.bindings import CURSOR_BINDINGS
from cockpit.ui.compat import DirectLines, SteadyScrollView
from cockpit.ui.widgets.cells import join


@dataclass(frozen=True)
class Column:
    """A column: key, header, width, and the narrowest layout tier that shows it (0 = always).

    `grow` is how many more cells it takes when the table has room to spare once the tier's
    columns are shown (names and texts that are cut with an ellipsis at `width`): the room goes
    to the growing columns in their order, each up to its `grow`.

    `least` is the width a growing column needs to say what it must (the Flags column: its most
    urgent flag in full): it gets that before any other column grows, and where the tier's
    columns leave less, the columns with a `yields` rank are left out for it, 1 first (a column
    another pane shows beside the table), as long as that is needed. 0: never left out.
    """

    key: str
    label: str
    width: int
    tier: int = 0
    justify: str = "right"
    grow: int = 0
    least: int = 0
    yields: int = 0


class Styled(NamedTuple):
    """A cell's text in one style (a Rich style string): drawn as `Text(text, style=style)` is,
    at the cost of a tuple. It is its own look (see `_look`), so comparing two rows compares
    their cells, and building one costs no Rich object."""

    text: str
    style: str

    @property
    def plain(self) -> str:
        """The text, as `Text.plain`."""
        return self.text

    def __rich__(self) -> Text:
        """The cell as the Rich `Text` it stands for, so Rich can render it anywhere (a `Table`)."""
        return Text(self.text, style=self.style)


def styled(text: str, style: str) -> str | Styled:
    """`text` in `style`; plain text when there is no style (it draws the same)."""
    return Styled(text, style) if style else text


def plain(cell: Cell) -> str:
    """The text of a cell, whatever its kind."""
    return cell if isinstance(cell, str) else cell.plain


Cell = str | Styled | Text
Row = tuple[Hashable, tuple[Cell, ...]]

_NULL = Style.null()
_NARROWED = 3  # changes spread over more columns than this repaint as one span, not cell by cell


class KeyedTable(DirectLines, SteadyScrollView, can_focus=True):
    """A table fed with `(row_key, cells)` lists, a fixed header and a row cursor; see the module docstring."""

    BINDINGS = CURSOR_BINDINGS

    class Selected(Message):
        """The cursor moved to another row (as DataTable's `RowHighlighted`): what a screen shows
        of the selected row follows it. Posted by `move_cursor` only, once per move; a frame that
        reorders the rows keeps the cursor on its key and posts nothing."""

        def __init__(self, table: KeyedTable, key: Hashable | None) -> None:
            super().__init__()
            self.table = table
            """The table whose cursor moved."""
            self.key = key
            """The key of the row now under the cursor (None when the table is empty)."""

        @property
        def control(self) -> KeyedTable:
            """The table (so `@on(KeyedTable.Selected, "#id")` picks one table)."""
            return self.table
    ALLOW_SELECT = False  # as DataTable: a drag over the table is not a text selection

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keyed-table--header", "keyed-table--cursor"}
    # The look of DataTable's row cursor and header, from the same theme variables.
    DEFAULT_CSS = """
    KeyedTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .keyed-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .keyed-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .keyed-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .keyed-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .keyed-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    def __init__(self, columns: list[Column], **kw) -> None:
        super().__init__(**kw)
        self.all_columns = columns
        self.tier = 2
        self._shown: list[Column] = []
        self._picks: tuple[int, ...] = ()  # indexes into all_columns of the shown columns
        self._room = 0  # the width the columns may take (0: unknown yet, no column grows)
        self._layout: tuple = ()  # the shown columns and their widths: what a drawn line depends on
        self._starts: tuple[int, ...] = ()  # x of each shown column, for column-wise horizontal scroll
        self._width = 0
        self._keys: list[Hashable] = []
        self._index: dict[Hashable, int] = {}
        self._build: Callable[[int], tuple[Cell, ...]] = _no_row
        # Per row, filled when first needed (None until then): its cells, and what its shown
        # cells look like (text and styles).
        self._cells: list[tuple[Cell, ...] | None] = []
        self._sigs: list[tuple | None] = []
        # Signatures by the identity of their cells' tuple (kept alive here, so no id is
        # reused): the last frame's, and this frame's as they are worked out.
        self._sig_of: dict[int, tuple[tuple[Cell, ...], tuple]] = {}
        self._sig_next: dict[int, tuple[tuple[Cell, ...], tuple]] = {}
        self._cursor = 0
        # Row segments by (columns, cells' look): an unchanged row is never rendered twice.
        self._content: LRUCache[tuple, list[Segment]] = LRUCache(512)
        # By (line style, cursor style, padding style): see `_line_styles`.
        self._styles_of: dict[tuple, tuple[Style, Style, dict, dict]] = {}
        # Per row (-1 the header), its finished line and what it was drawn from (row look,
        # cursor style or not, scroll x, width, base style). One line a row, as Textual keeps
        # one a screen line: a line kept past its use holds a Strip, its caches and its filtered
        # copy, which the garbage collector walks; rows scrolled away are let go (`_prune_lines`).
        self._lines: dict[int, tuple[tuple, Strip]] = {}
        self._styles: tuple[Style, Style, Style, Style | None] = (_NULL, _NULL, _NULL, None)
        self._view: tuple[int, int, int] | None = None  # width and scroll, during `render_lines`
        self._layout_columns()

    # -- columns and layout ---------------------------------------------------------------

    def on_mount(self) -> None:
        """Size the scrollable area for the rows shown before mounting."""
        self._update_virtual_size()

    def on_resize(self) -> None:
        """Show as many columns as the width allows, wider where there is room; keep the cursor
        in view."""
        self._room = self.size.width - 1  # leave the vertical scrollbar its column
        self.set_tier(self.tier_for(self._room))
        self._layout_columns()  # the same tier may have more room to grow into
        self._scroll_to_cursor()

    def tier_for(self, width: int) -> int:
        """The widest layout tier whose columns fit in `width` cells (0 when none does)."""
        best = 0
        for tier in (0, 1, 2):
            need = sum(c.width + 1 for c in self.all_columns if c.tier <= tier)
            if need <= width:
                best = tier
        return best

    def room_for(self, tier: int = 2) -> int:
        """The cells the columns of `tier` need with each growing column at its `least` and none
        left out for it (the scrollbar's column not counted)."""
        return sum(max(c.width, c.least) + 1 for c in self.all_columns if c.tier <= tier)

    def width_of(self, key: str) -> int | None:
        """The width column `key` is drawn at now (None when it is not shown)."""
        return next((c.width for c in self._shown if c.key == key), None)

    def set_tier(self, tier: int) -> None:
        """Show the columns of layout tier `tier` (0 narrow, 1 medium, 2 wide)."""
        if tier != self.tier or not self._shown:
            self.tier = tier
            self._layout_columns()

    def _layout_columns(self) -> None:
        picks = _yielded(self.all_columns, [i for i, c in enumerate(self.all_columns) if c.tier <= self.tier],
                         self._room)
        shown = _grown([self.all_columns[i] for i in picks], self._room)
        layout = (picks, tuple(c.width for c in shown))
        if layout == self._layout and self._shown:
            return
        self._picks, self._shown, self._layout = picks, shown, layout
        starts, x = [], 0
        for col in self._shown:
            starts.append(x)
            x += col.width + 1  # one space between columns, inside each column's cells
        self._starts, self._width = tuple(starts), x
        self._sigs = [None] * len(self._keys)  # the look of a row depends on the columns shown
        self._cells = [None] * len(self._keys)  # and so may its cells (`width_of`): built again
        self._sig_of, self._sig_next = {}, {}
        self._update_virtual_size()
        if self.is_attached:
            self.refresh()

    def _update_virtual_size(self) -> bool:
        size = Size(self._width, len(self._keys) + 1)  # + the header line
        if self.is_attached and size != self.virtual_size:
            self.virtual_size = size  # a layout pass, and a repaint of the whole table
            return True
        return False

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """All shown columns, one space apart."""
        return self._width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The header plus one line per row (for `height: auto`)."""
        return len(self._keys) + 1

    # -- rows -----------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Number of rows (the header not counted)."""
        return len(self._keys)

    @property
    def cursor_row(self) -> int:
        """Index of the row under the cursor (0 when the table is empty)."""
        return self._cursor

    @property
    def selected_key(self) -> Hashable | None:
        """The key of the row under the cursor, or None when the table is empty."""
        return self._keys[self._cursor] if self._cursor < len(self._keys) else None

    def row_cells(self, key: Hashable) -> tuple[Cell, ...]:
        """The cells of row `key`, in `all_columns` order (KeyError when there is no such row)."""
        return self._row_cells(self._index[key])

    def _row_cells(self, i: int) -> tuple[Cell, ...]:
        cells = self._cells[i]
        if cells is None:
            cells = self._cells[i] = self._build(i)
        return cells

    def _sig(self, i: int) -> tuple:
        # What row i's shown cells look like: equal signatures render to equal strips. A row
        # whose builder handed back the very tuple of cells it gave last frame (an unchanged
        # position) keeps its signature.
        sig = self._sigs[i]
        if sig is None:
            cells = self._row_cells(i)
            known = self._sig_of.get(id(cells))
            if known is not None and known[0] is cells:
                sig = known[1]
            else:
                sig = tuple(map(_look, map(cells.__getitem__, self._picks)))
            self._sigs[i] = sig
            self._sig_next[id(cells)] = (cells, sig)
        return sig

    def show(self, rows: list[Row]) -> None:
        """Display `rows` (cells in `all_columns` order), repainting only the lines that changed."""
        self.show_rows([k for k, _ in rows], [cells for _, cells in rows].__getitem__)

    def show_rows(self, keys: list[Hashable], cells: Callable[[int], tuple[Cell, ...]]) -> None:
        """Display rows `keys`; `cells(i)` gives row i's cells (in `all_columns` order).

        `cells` is called only for the rows on screen now and later for those scrolled to, at
        most once per row and frame: a row off screen costs its key alone. Only the lines whose
        look changed are repainted.
        """
        old_sigs, old_cursor = self._sigs, self._cursor
        self._sig_of, self._sig_next = self._sig_next, {}
        self._build = cells
        self._cells = [None] * len(keys)
        self._sigs = [None] * len(keys)
        reordered = keys != self._keys
        if reordered:
            selected = self.selected_key
            self._keys = keys
            self._index = {k: i for i, k in enumerate(keys)}
            if selected in self._index:
                self._cursor = self._index[selected]
            else:  # the row went away: stay at the same height rather than jump to the top
                self._cursor = max(0, min(self._cursor, len(keys) - 1))
        if not self.is_attached:
            return
        # Compare the lines on screen, whatever the keys: two rows trading places repaint two
        # lines (the cursor line follows its key), and rows past the end are blanked. A line
        # whose old look was never computed was not drawn from the last frame: repaint it.
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        bottom = min(max(len(old_sigs), len(keys)), top + height - 1)
        dirty: list[int] = []  # whole lines
        changed: list[tuple[int, tuple, tuple]] = []  # (row, old look, new look): some cells changed
        for i in range(top, bottom):
            old = old_sigs[i] if i < len(old_sigs) else None
            if old is None or i >= len(keys):
                dirty.append(i)
                continue
            new = self._sig(i)
            if old != new:
                changed.append((i, old, new))
        if self._cursor != old_cursor:
            dirty += (old_cursor, self._cursor)
        self._refresh_rows(dirty)
        whole = set(dirty)
        self._refresh_cells([row for row in changed if row[0] not in whole], top, height)
        if reordered:
            if self._update_virtual_size():
                # The scroll range follows the new height only after layout (height: auto tables).
                self.call_after_refresh(self._scroll_to_cursor)
            self._scroll_to_cursor()

    def _refresh_rows(self, rows: list[int]) -> None:
        """Repaint the on-screen lines of `rows` (indexes), merging runs of adjacent lines."""
        if not rows or not self.is_attached:
            return
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        width = self.size.width
        regions: list[Region] = []
        for i in sorted(set(rows)):
            y = i + 1 - top  # line 0 is the header
            if not 1 <= y < height:
                continue
            if regions and regions[-1].bottom == y:
                last = regions.pop()
                regions.append(Region(0, last.y, width, last.height + 1))
            else:
                regions.append(Region(0, y, width, 1))
        if regions:
            self.refresh(*regions)

    def _refresh_cells(self, rows: list[tuple[int, tuple, tuple]], top: int, height: int) -> None:
        """Repaint the cells that changed in `rows` (row index, old look, new look of its shown
        cells; `top` the first row in view, `height` the view's): the characters that changed
        when the looks say which, nearby changes of a line together. A moved mark rewrites the
        digits that moved on the terminal, not the row."""
        if not rows:
            return
        scroll_x = self.scroll_offset.x
        width = self.scrollable_content_region.width
        starts, shown = self._starts, self._shown
        spans_at: dict[tuple[int, int], list[int]] = {}  # (x1, x2) -> the lines that changed there
        for i, old, new in rows:
            y = i + 1 - top  # line 0 is the header
            if not 1 <= y < height:
                continue
            first, last = 0, len(new) - 1  # the first and last changed cells, from both ends
            while old[first] == new[first]:
                first += 1
            while old[last] == new[last]:
                last -= 1
            if last - first >= _NARROWED:  # changes across most of the row: one span
                spans = [(starts[first], starts[last] + shown[last].width + 1)]
            else:
                spans = []
                for j in range(first, last + 1):
                    if old[j] != new[j]:
                        start, end = _changed_chars(old[j], new[j], shown[j])
                        spans.append((starts[j] + start, starts[j] + end))
                if len(spans) > 1:
                    spans = join(spans)
            for a, b in spans:
                x1, x2 = max(0, a - scroll_x), min(width, b - scroll_x)
                if x1 < x2:
                    spans_at.setdefault((x1, x2), []).append(y)
        regions = []
        for (x1, x2), ys in spans_at.items():  # the same span on adjacent lines: one region
            y0 = prev = ys[0]
            for y in ys[1:]:
                if y != prev + 1:
                    regions.append(Region(x1, y0, x2 - x1, prev + 1 - y0))
                    y0 = y
                prev = y
            regions.append(Region(x1, y0, x2 - x1, prev + 1 - y0))
        if regions:
            self.refresh(*regions)

    # -- cursor ---------------------------------------------------------------------------

    def move_cursor(self, *, row: int | None = None, column: int | None = None, animate: bool = False,
                    scroll: bool = True) -> None:
        """Put the cursor on row index `row` (clamped), and scroll it into view.

        `column` is accepted for DataTable compatibility and ignored: the cursor is a whole row.
        Posts `Selected` when the cursor lands on another row.
        """
        if row is not None:
            row = max(0, min(row, len(self._keys) - 1))
            old, self._cursor = self._cursor, row
            if row != old:
                self._refresh_rows([old, row])
                self.post_message(self.Selected(self, self.selected_key))
        if scroll:
            self._scroll_to_cursor(animate=animate)

    def _scroll_to_cursor(self, animate: bool = False) -> None:
        if not self._keys or not self.is_attached:
            return
        view = self.scrollable_content_region.height - 1  # rows below the fixed header
        if view < 1:
            return
        top = round(self.scroll_target_y)
        if self._cursor < top:
            target = self._cursor
        elif self._cursor >= top + view:
            target = self._cursor - view + 1
        else:
            return
        self.scroll_to(y=target, animate=animate, force=True)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_up(self) -> None:
        """Cursor one row up."""
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        """Cursor one row down."""
        self.move_cursor(row=self._cursor + 1)

    # The container's own arrow bindings (no ids) still fire for keys a keymap took away from
    # cursor.up/down; make them move the cursor, as they did on DataTable, not just the view.
    action_scroll_up = action_cursor_up
    action_scroll_down = action_cursor_down

    def action_cursor_left(self) -> None:
        """Scroll one column to the left (the cursor is a row; this only matters when columns overflow)."""
        x = self.scroll_offset.x
        previous = [s for s in self._starts if s < x]
        if previous:
            self.scroll_to(x=previous[-1], animate=False)

    def action_cursor_right(self) -> None:
        """Scroll one column to the right."""
        x = self.scroll_offset.x
        following = [s for s in self._starts if s > x]
        if following:
            self.scroll_to(x=following[0], animate=False)

    def action_page_up(self) -> None:
        """Cursor and view one page up."""
        page = self._page()
        self.scroll_to(y=self.scroll_target_y - page, animate=False, force=True)
        self.move_cursor(row=self._cursor - page)

    def action_page_down(self) -> None:
        """Cursor and view one page down."""
        page = self._page()
        self.scroll_to(y=self.scroll_target_y + page, animate=False, force=True)
        self.move_cursor(row=self._cursor + page)

    def action_scroll_top(self) -> None:
        """Cursor to the first row."""
        self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        """Cursor to the last row."""
        self.move_cursor(row=len(self._keys) - 1)

    def on_click(self, event: events.Click) -> None:
        """Put the cursor on the clicked row (a click on the header does nothing)."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = offset.y - 1 + self.scroll_offset.y
        if row < len(self._keys):
            self.move_cursor(row=row, animate=True)
            event.stop()

    # -- rendering ------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """Resolve the theme's styles once per paint rather than once per line."""
        base = self.rich_style
        header = base + self.get_component_rich_style("keyed-table--header")
        cursor = base + self.get_component_rich_style("keyed-table--cursor")
        # Like DataTable, the cursor's foreground wins over the cells' colours (readable on
        # any cursor background); bold/dim from the cells stay.
        post = Style.from_color(cursor.color) if cursor.color is not None else None
        self._styles = (base, header, cursor, post)
        # The view is the same for every line of one paint: read it once (Widget.size and
        # scroll_offset are properties that compute).
        self._view = (self.size.width, *self.scroll_offset)
        self._prune_lines(self._view[2], self.size.height)
        try:
            return super().render_lines(crop)
        finally:
            self._view = None

    def render_line(self, y: int) -> Strip:
        """Line `y` of the view: the header on line 0, then the rows from the vertical scroll."""
        base, header, cursor, post = self._styles
        width, scroll_x, scroll_y = self._view or (self.size.width, *self.scroll_offset)
        if y == 0:
            key = (self._layout, scroll_x, width, base, header)
            kept = self._lines.get(-1)
            if kept is not None and kept[0] == key:
                return kept[1]
            content = self._render_cells(tuple(c.label for c in self._shown))
            strip = _finish(content, scroll_x, width, header, None, base)
            self._lines[-1] = (key, strip)
            return strip
        row = y - 1 + scroll_y
        if row >= len(self._sigs):
            return Strip.blank(width, base)
        sig = self._sig(row)
        on_cursor = row == self._cursor
        key = (self._layout, sig, scroll_x, width, base, cursor if on_cursor else None)
        kept = self._lines.get(row)
        if kept is not None and kept[0] == key:
            return kept[1]
        style, over = (cursor, post) if on_cursor else (base, None)
        if scroll_x or self._width > width:  # horizontal scroll, or columns wider than the view
            content_key = (self._layout, sig)
            content = self._content.get(content_key)
            if content is None:
                cells = self._row_cells(row)
                content = self._render_cells(tuple(cells[i] for i in self._picks))
                self._content.set(content_key, content)
            strip = _finish(content, scroll_x, width, style, over, base)
        else:
            strip = self._styled_row(row, width, style, over, base)
        self._lines[row] = (key, strip)
        return strip

    def _prune_lines(self, top: int, height: int) -> None:
        """Let go of the kept lines of rows more than a screen away from the view at `top`."""
        if len(self._lines) > 4 * height + 8:
            keep = range(top - height, top + 2 * height)
            self._lines = {row: kept for row, kept in self._lines.items() if row in keep or row < 0}

    def _styled_row(self, row: int, width: int, style: Style, post: Style | None, base: Style) -> Strip:
        """Row `row` as a whole line: each cell's text justified in its column and laid over
        `style` (and `post` over it), runs of one style joined (as `_simplify` joins them).
        Equal to `_finish` of `_render_cells` without horizontal scroll, without a segment per
        cell: a plain cell is a string added to the run, a styled one costs a style lookup.

        Styles are compared by identity: each is looked up in `_line_styles`, where equal
        styles are one object, so identity is equality here."""
        cells = self._row_cells(row)
        line, pad, styles, canonical = self._line_styles(style, post, base)
        segments: list[Segment] = []
        texts: list[str] = []  # the run, in style `current`
        current = line
        for pick, col in zip(self._picks, self._shown):
            cell = cells[pick]
            if isinstance(cell, str):
                if current is not line:
                    if texts:
                        segments.append(Segment("".join(texts), current))
                    texts, current = [], line
                texts.append(_fit(cell, col))
                continue
            if isinstance(cell, Styled):
                text, lead, trail = _fit_parts(cell.text, col)
                parts = ((lead, None, None), (text, cell.style, None), (trail, None, None))
            else:  # a Rich Text: its own segments, spans and all
                parts = _cell_segments(cell, col, self.app.console)
            for text, cell_style, _ in parts:
                if cell_style:
                    segment_style = styles.get(cell_style)
                    if segment_style is None:
                        segment_style = styles[cell_style] = self._drawn_style(cell_style, style, post, canonical)
                elif text:  # blanks (an empty styled text stays a segment, as Rich makes it)
                    segment_style = line
                else:
                    continue
                if segment_style is not current:
                    if texts:
                        segments.append(Segment("".join(texts), current))
                    texts, current = [], segment_style
                texts.append(text)
        if self._width < width:
            if pad is not current:
                if texts:
                    segments.append(Segment("".join(texts), current))
                texts, current = [], pad
            texts.append(" " * (width - self._width))
        if texts:
            segments.append(Segment("".join(texts), current))
        return Strip(segments, width)

    def _line_styles(self, style: Style, post: Style | None, base: Style) -> tuple[Style, Style, dict, dict]:
        """For a line drawn over `style` (and `post`, on the cursor) and padded in `base`: the
        style of its unstyled text, that of its padding, its cells' styles as drawn (by the
        cell's style) and the styles met so far (by themselves: one object per look, so that
        `_styled_row` compares them by identity)."""
        found = self._styles_of.get((style, post, base))
        if found is None:
            if len(self._styles_of) > 8:  # themes and focus come and go: keep the latest few
                self._styles_of.clear()
            line = style if post is None else style + post
            canonical = {line: line}
            pad = canonical.setdefault(base, base)
            found = self._styles_of[(style, post, base)] = (line, pad, {}, canonical)
        return found

    def _drawn_style(self, cell_style: str | Style, style: Style, post: Style | None, canonical: dict) -> Style:
        """`cell_style` laid over `style` (and `post` over it), as `_finish` draws it: the one
        object in `canonical` for that look."""
        resolved = self._cell_style(cell_style)
        if resolved is None:
            drawn = style if post is None else style + post
        else:
            drawn = style + resolved if post is None else style + resolved + post
        return canonical.setdefault(drawn, drawn)

    def _cell_style(self, style: str | Style) -> Style | None:
        """A cell's style (a style string, or a Rich `Style` from a `Text`) as a Rich Style, None
        when it adds nothing: as `_cell_segments` resolves it."""
        if isinstance(style, Style):
            return style or None
        return self.app.console.get_style(style, default=_NULL) or None

    def _render_cells(self, cells: tuple[Cell, ...]) -> list[Segment]:
        """One row's cells (shown columns only) as segments, `_width` cells, no background yet."""
        console = self.app.console
        segments: list[Segment] = []
        for cell, col in zip(cells, self._shown):
            segments.extend(_cell_segments(cell, col, console))
        # Merge runs of one style (most cells are plain): fewer segments to style per line.
        return _simplify(segments)


def _yielded(columns: list[Column], picks: list[int], room: int) -> tuple[int, ...]:
    """`picks` (indexes into `columns`) less the yielding columns that must make way, 1 first,
    for the growing columns' `least` widths in `room` cells (all kept while `room` is unknown)."""
    picks = list(picks)
    short = sum(max(0, columns[i].least - columns[i].width) for i in picks) \
        - (room - sum(columns[i].width + 1 for i in picks))
    for i in sorted((i for i in picks if columns[i].yields), key=lambda i: columns[i].yields):
        if short <= 0 or room <= 0:
            break
        picks.remove(i)
        short -= columns[i].width + 1
    return tuple(picks)


def _grown(columns: list[Column], room: int) -> list[Column]:
    """`columns` with the room left over in `room` cells given to the growing ones: first each
    up to its `least`, then in order, each up to its `grow` (one space before each column is
    part of the need)."""
    spare = room - sum(c.width + 1 for c in columns)
    if spare <= 0 or not any(c.grow for c in columns):
        return columns
    extra = [0] * len(columns)
    # The column furthest from its least first: a flag cut mid-word says less than a name cut
    # by a letter or two.
    for k in sorted(range(len(columns)), key=lambda k: columns[k].width - columns[k].least):
        col = columns[k]
        extra[k] = min(max(0, col.least - col.width), col.grow, spare)
        spare -= extra[k]
    for k, col in enumerate(columns):
        more = min(col.grow - extra[k], spare)
        extra[k] += more
        spare -= more
    return [replace(col, width=col.width + e) if e else col for col, e in zip(columns, extra)]


def _simplify(segments: list[Segment]) -> list[Segment]:
    """`Segment.simplify`, comparing styles by identity first: cells that share a style share
    the Style object, and `Style.__eq__` is a Python call (it was a third of drawing a row)."""
    out: list[Segment] = []
    if not segments:
        return out
    text, style, _ = last = segments[0]
    for segment in segments[1:]:
        next_style = segment[1]
        if (next_style is style or next_style == style) and not segment[2]:
            text += segment[0]
            last = None
        else:
            out.append(Segment(text, style) if last is None else last)
            text, style, _ = last = segment
    out.append(Segment(text, style) if last is None else last)
    return out


def _no_row(i: int) -> tuple[Cell, ...]:
    raise IndexError(i)


def _look(cell: Cell) -> object:
    """What decides how a cell renders: its text and its styles (Text equality ignores `style`).
    A string and a `Styled` are their own look."""
    if isinstance(cell, (str, Styled)):
        return cell
    return (cell.plain, cell.style, tuple(cell.spans))


def _text_and_style(look: object) -> tuple[str, object] | None:
    """The text and style of a cell that looked `look` (see `_look`), None when it has spans."""
    if isinstance(look, str):
        return look, ""
    if isinstance(look, Styled):
        return look
    return None if look[2] else (look[0], look[1])


def _changed_chars(old: object, new: object, col: Column) -> tuple[int, int]:
    """The [start, end) offsets inside `col`'s `width + 1` cells where a cell that looked `old`
    (see `_look`) and looks `new` draws differently: the characters that changed when both are
    plain ASCII text of one style that fits, else the whole cell."""
    width = col.width
    before, after = _text_and_style(old), _text_and_style(new)
    if before is None or after is None or before[1] != after[1]:
        return (0, width + 1)
    a, b = before[0], after[0]
    if after[1] and len(a) != len(b):  # a styled text that grows restyles its blanks
        return (0, width + 1)
    n = max(len(a), len(b))
    if n > width or not (a.isascii() and b.isascii()):
        return (0, width + 1)
    left = col.justify == "left"
    if left:
        a, b, offset = a.ljust(n), b.ljust(n), 1
    else:
        a, b, offset = a.rjust(n), b.rjust(n), width + 1 - n
    start, end = 0, n
    while start < end and a[start] == b[start]:
        start += 1
    while end > start and a[end - 1] == b[end - 1]:
        end -= 1
    return (offset + start, offset + end) if start < end else (0, width + 1)


def _cells(text: str) -> int:
    """`cell_len(text)`, without its cache lookup for printable ASCII (one cell a character)."""
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


def _fit_parts(text: str, col: Column) -> tuple[str, str, str]:
    """`text` cropped with an ellipsis to `col.width`, and the blanks before and after it that
    justify it in the column's `width + 1` cells (see `_cell_segments`)."""
    width = col.width
    length = _cells(text)
    if length > width:
        text = set_cell_size(text, width - 1) + "…"
        length = cell_len(text)  # one short when a double-width character was cut
    if col.justify == "left":
        return text, " ", " " * (width - length)
    return text, " " * (width + 1 - length), ""


def _fit(text: str, col: Column) -> str:
    """Plain `text` as its column draws it: `_fit_parts` joined."""
    width = col.width
    length = _cells(text)
    if length > width:
        text = set_cell_size(text, width - 1) + "…"
        length = cell_len(text)
    if col.justify == "left":
        return f" {text}{' ' * (width - length)}"
    return f"{' ' * (width + 1 - length)}{text}"


def _cell_segments(cell: Cell, col: Column, console: Console) -> list[Segment]:
    """One cell in `col.width + 1` cells: cropped with an ellipsis to `col.width`, then justified.

    The spare cell is the gap to the previous column: left-justified text gets a leading space,
    right-justified text sits flush right with at least one space in front. (That is how the
    DataTable version looked: Rich strips the trailing space `_justify` used to append before it
    right-justifies, so the space ended up in front.)
    """
    if isinstance(cell, str):
        return [Segment(_fit(cell, col))]
    if isinstance(cell, Styled):  # as the Text of one style below (its empty text stays a segment)
        text, lead, trail = _fit_parts(cell.text, col)
        body = Segment(text, console.get_style(cell.style, default=_NULL) or None)
        return [Segment(lead), body, Segment(trail)] if trail else [Segment(lead), body]
    width = col.width
    text = cell.plain
    length = cell_len(text)
    if length > width:
        cell = cell.copy()
        cell.truncate(width, overflow="ellipsis")
        text = cell.plain
        length = cell_len(text)  # one short when a double-width character was cut
    left = col.justify == "left"
    if cell.spans:
        body = list(cell.render(console))  # spans layered over the Text's own style
    else:  # Text.render ignores the Text's own style when it has no spans
        body = [Segment(text, console.get_style(cell.style, default=_NULL) or None)]
    if left:
        return [Segment(" "), *body, Segment(" " * (width - length))] if length < width else [Segment(" "), *body]
    return [Segment(" " * (width + 1 - length)), *body]


def _finish(content: list[Segment], scroll_x: int, width: int, style: Style, post: Style | None,
            base: Style) -> Strip:
    """Crop `content` to the view, lay `style` under it (and `post` over it), pad with `base`.

    Builds one Strip from plain lists: each Strip carries several caches, so making one per
    step (crop, style, pad, simplify) cost more than the row's text itself.
    """
    length = sum(cell_len(text) for text, _, _ in content)
    if scroll_x or length > width:  # horizontal scroll, or columns wider than the view
        cropped = Strip(content, length).crop(scroll_x, scroll_x + width)
        content, length = list(cropped), cropped.cell_length
    if post is None:
        segments = [Segment(text, style + s if s else style) for text, s, _ in content]
    else:
        segments = [Segment(text, style + s + post if s else style + post) for text, s, _ in content]
    if length < width:
        segments.append(Segment(" " * (width - length), base))
    return Strip(_simplify(segments), width)
