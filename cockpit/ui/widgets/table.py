"""A DataTable that updates in place: rows diffed by key, the cursor kept on the same row.

Never `clear()` per tick: that resets the cursor and scroll (users see it as flicker). A frame
with the same row keys in the same order only updates the cells whose text changed; a change of
rows or order rebuilds the rows inside one batch update and puts the cursor back on its key.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from cockpit.ui.bindings import CURSOR_BINDINGS


@dataclass(frozen=True)
class Column:
    """A column: key, header, width, and the narrowest layout tier that shows it (0 = always)."""

    key: str
    label: str
    width: int
    tier: int = 0
    justify: str = "right"


Cell = str | Text


class KeyedTable(DataTable):
    """A DataTable fed with `(row_key, cells)` lists; see the module docstring."""

    BINDINGS = CURSOR_BINDINGS

    def __init__(self, columns: list[Column], **kw) -> None:
        # No DataTable padding: each column is one wider instead, so columns are one space apart
        # (DataTable pads both sides, which costs 2 columns per column on an 80-column screen).
        super().__init__(cursor_type="row", zebra_stripes=False, cell_padding=0, **kw)
        self.all_columns = columns
        self.tier = 2
        self._shown: list[Column] = []
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._rows: list[tuple[str, tuple[Cell, ...]]] = []

    def on_mount(self) -> None:
        """Lay out the columns for the current width."""
        self._layout_columns()

    def on_resize(self) -> None:
        """Show as many columns as the width allows."""
        self.set_tier(self.tier_for(self.size.width - 1))  # leave the vertical scrollbar its column

    def tier_for(self, width: int) -> int:
        """The widest layout tier whose columns fit in `width` cells (0 when none does)."""
        best = 0
        for tier in (0, 1, 2):
            need = sum(c.width + 1 for c in self.all_columns if c.tier <= tier)
            if need <= width:
                best = tier
        return best

    def set_tier(self, tier: int) -> None:
        """Show the columns of layout tier `tier` (0 narrow, 1 medium, 2 wide)."""
        if tier != self.tier or not self._shown:
            self.tier = tier
            self._layout_columns()

    def _layout_columns(self) -> None:
        shown = [c for c in self.all_columns if c.tier <= self.tier]
        if shown == self._shown and self.columns:
            return
        self._shown = shown
        self.clear(columns=True)
        for col in shown:
            self.add_column(_justify(col.label, col), width=col.width + 1, key=col.key)
        self._keys = []
        self._cells = {}
        if self._rows:
            self.show(self._rows)

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor, or None when the table is empty."""
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # the cursor can sit past the end for one tick after rows shrink
            return None

    def _visible(self, cells: tuple[Cell, ...]) -> tuple[Cell, ...]:
        index = {c.key: i for i, c in enumerate(self.all_columns)}
        return tuple(_justify(cells[index[c.key]], c) for c in self._shown)

    def show(self, rows: list[tuple[str, tuple[Cell, ...]]]) -> None:
        """Display `rows` (cells in `all_columns` order), changing only what changed."""
        self._rows = rows
        if not self._shown:
            return
        keys = [k for k, _ in rows]
        with self.app.batch_update():
            if keys == self._keys:
                for key, cells in rows:
                    visible = self._visible(cells)
                    old = self._cells.get(key)
                    for i, col in enumerate(self._shown):
                        if old is None or _plain(old[i]) != _plain(visible[i]) or _style(old[i]) != _style(visible[i]):
                            self.update_cell(key, col.key, visible[i])
                    self._cells[key] = visible
                return
            selected = self.selected_key
            self.clear()
            self._cells = {}
            for key, cells in rows:
                visible = self._visible(cells)
                self.add_row(*visible, key=key)
                self._cells[key] = visible
            self._keys = keys
            if selected in self._cells:
                self.move_cursor(row=self.get_row_index(selected), animate=False)


def _justify(cell: Cell, col: Column) -> Cell:
    # Left-aligned text gets a leading space, right-aligned a trailing one: one space between columns.
    text = cell.copy() if isinstance(cell, Text) else Text(cell)
    if col.justify == "left":
        text = Text(" ") + text
    else:
        text.append(" ")
    text.justify = col.justify  # type: ignore[assignment]
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _style(cell: Cell) -> str:
    return str(cell.style) if isinstance(cell, Text) else ""
