"""The stress table is drawn as text exactly as a borderless Rich table would draw it."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cockpit.ui.widgets.playbook import grid

_cell = st.one_of(
    st.text(alphabet="abc−+%.,·—19 β", min_size=1, max_size=8).map(str.strip).filter(bool),
    st.builds(lambda s, style: Text(s, style=style), st.sampled_from(["1", "12", "·"]),
              st.sampled_from(["bold", "dim", ""])),
)


def _draw(renderable) -> str:
    console = Console(width=120, record=True, file=io.StringIO(), color_system="truecolor")
    console.print(renderable)
    return console.export_text(styles=True)


@settings(max_examples=200)
@given(st.integers(1, 8).flatmap(lambda cols: st.tuples(
    st.lists(_cell, min_size=cols, max_size=cols),
    st.lists(st.lists(_cell, min_size=cols, max_size=cols), max_size=4))))
def test_grid_draws_what_a_rich_table_draws(table):
    header, body = table
    header = [h.plain if isinstance(h, Text) else h for h in header]  # headers are plain names
    rich = Table(box=None, padding=(0, 0, 0, 1), show_edge=False, expand=False, header_style="bold")
    for i, name in enumerate(header):
        rich.add_column(name, justify="left" if i == 0 else "right")
    for row in body:
        rich.add_row(*row)
    assert _draw(grid(header, body)) == _draw(rich)
