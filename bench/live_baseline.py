"""The byte benchmark's baseline: the cockpit's tables redrawn in full once a second by `rich.Live`.

Run by `bench/bench_bytes.py` on a pty (``python -m bench.live_baseline``). It polls the same
embedded simulator as `cockpit` (the demo book, seed 7, `calm`) once a second and draws what the
cockpit's screen shows, with the cockpit's own cell functions and theme colours: the status line,
the Positions table (with the per-asset net/gross lines), the funding heatmap, the Collateral
table, the playbook and the stress table. `rich.Live(screen=True)` repaints the whole screen on
every refresh: the way a Rich program without a diffing renderer updates a terminal.

Quit with q (or any key), as the benchmark does to stop it.
"""

from __future__ import annotations

import asyncio
import os
import select
import sys
import termios
import tty
from types import SimpleNamespace

from rich.console import Console, Group
from rich.layout import Layout
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cockpit.engine.demo import demo_engine
from cockpit.model import Frame
from cockpit.present import format as fmt
from cockpit.ui.themes import THEME_VARIABLE_DEFAULTS, load_theme
from cockpit.ui.widgets import collateral, heatmap, playbook, positions
from cockpit.ui.widgets.status import status_line


KEYS = " q Quit  ? Keys  t Trim ¼  c Close  s Sort  a Accept cut  1-4 Zoom  0 All"
"""A key line, as the cockpit's key bar shows one."""


def _table(columns, rows, width: int) -> Table:
    """A borderless Rich table of `rows`, with the columns of the widest layout tier of `columns`
    (cockpit `Column`s) that fits `width`, as the cockpit's tables choose them."""
    tier = max([t for t in (0, 1, 2) if sum(c.width + 1 for c in columns if c.tier <= t) <= width] or [0])
    shown = [i for i, col in enumerate(columns) if col.tier <= tier]
    table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, header_style="bold", expand=False)
    for i in shown:
        col = columns[i]
        table.add_column(col.label, width=col.width, justify=col.justify, no_wrap=True)
    for cells in rows:
        table.add_row(*(cells[i] for i in shown))
    return table


def screen(frame: Frame, colors: dict[str, str], width: int) -> Layout:
    """The cockpit's four panes and status line for `frame`, as Rich renderables."""
    a = frame.assessment
    cuts = positions.proposed_cuts(a)
    order = {asset: i for i, asset in enumerate(a.assets)}
    rows = []
    ps = sorted(a.positions, key=lambda p: (order.get(p.asset, len(order)), p.asset, -(p.notional or 0)))
    exposures = {e.asset: e for e in a.exposures}
    for i, p in enumerate(ps):
        rows.append(positions._row(p, colors, cuts, a.near_liq_distance))
        legs = [q for q in ps if q.asset == p.asset]
        if (i + 1 == len(ps) or ps[i + 1].asset != p.asset) and len(legs) > 1 and p.asset in exposures:
            rows.append(positions._summary(exposures[p.asset], legs))
    left_width = width - 52 - 3  # the right column, two borders and a scrollbar
    left = Layout(name="left")
    owner = SimpleNamespace(palette=colors)
    coll_rows = [collateral.CollateralTable._row(owner, c) for c in a.collateral]
    left.split_column(
        Layout(Panel(Group(_table(positions.COLUMNS, rows, left_width),
                           positions.positions_legend(frame, positions.SortOrder.ASSET)),
                     title="1 Positions", title_align="left"), name="positions"),
        Layout(Panel(_table(collateral.COLUMNS, coll_rows, left_width), title="3 Collateral",
                     title_align="left"), name="collateral", size=len(coll_rows) + 3),
    )
    grid = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, header_style="bold")
    grid.add_column("Asset", width=heatmap.LABEL - 1, no_wrap=True)
    for venue in a.venues:
        grid.add_column(venue[: heatmap.CELL - 1], width=heatmap.CELL - 1, justify="right", no_wrap=True)
    cells = {(c.asset, c.venue): c for c in a.funding}
    for asset in a.assets:
        line = [asset]
        for venue in a.venues:
            c = cells.get((asset, venue))
            line.append("·" if c is None else f"{'▲' if c.held is not None else ' '}{fmt.apr(c.apr)}")
        grid.add_row(*line)
    accounts = {c.account: c for c in a.collateral}
    assets = {p.key: p.asset for p in a.positions}
    steps = [playbook.PlaybookTable._row(owner, s, assets.get(s.key, s.symbol), accounts.get(s.account))
             for s in a.playbook]
    right = Layout(name="right", size=52)
    right.split_column(
        Layout(Panel(Group(heatmap.stress_line(frame, colors), grid), title="2 Funding",
                     title_align="left"), name="funding", size=len(a.assets) + 4),
        Layout(Panel(Group(playbook.kill_line(a, colors), playbook.kill_levels(a),
                           _table(playbook.COLUMNS, steps[:7], 50), playbook.stress_table(a, compact=True)),
                     title="4 Playbook", title_align="left"), name="playbook"),
    )
    body = Layout(name="body")
    body.split_row(left, right)
    root = Layout()
    root.split_column(Layout(status_line(frame, colors, width), size=1), body,
                      Layout(Text(frame.notices[-1] if frame.notices else " ", style="dim"), size=1),
                      Layout(Text(KEYS), size=1))
    return root


async def _run(console: Console) -> None:
    theme = load_theme("cockpit-dark")
    colors = {**THEME_VARIABLE_DEFAULTS, **(theme.variables or {})}
    engine = demo_engine()
    fd = sys.stdin.fileno()
    with Live(console=console, screen=True, auto_refresh=False) as live:
        while True:
            frame = await engine.poll_once()
            live.update(screen(frame, colors, console.size.width), refresh=True)
            ready, _, _ = select.select([fd], [], [], 1.0)
            if ready:
                os.read(fd, 64)
                break
    await engine.stop()


def main() -> int:
    """Redraw the cockpit's tables once a second until a key is pressed."""
    console = Console()
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd) if os.isatty(fd) else None
    if saved is not None:
        tty.setcbreak(fd)
    try:
        asyncio.run(_run(console))
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return 0


if __name__ == "__main__":
    sys.exit(main())
