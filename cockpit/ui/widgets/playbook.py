"""The Unwind playbook pane: the standing plan, the stress table and the kill switch's proposal."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from cockpit.model import Assessment, KillStatus, PlaybookStep, Side
from cockpit.ui import format as fmt
from cockpit.ui.widgets.table import Column, KeyedTable

COLUMNS = [
    Column("n", "#", 2, 0),
    Column("pos", "Position", 15, 0, "left"),
    Column("cut", "Cut", 13, 0),
    Column("why", "Why first", 20, 0, "left"),
    Column("cost", "Cost", 6, 1),
    Column("cover", "Covered by", 14, 2, "left"),
]


class PlaybookTable(KeyedTable):
    """The plan's steps in the order they would run."""

    def __init__(self, **kw) -> None:
        super().__init__(COLUMNS, **kw)

    def update_from(self, assessment: Assessment) -> None:
        """Show the playbook steps of `assessment`."""
        self.show([(s.key, self._row(s)) for s in assessment.playbook])

    def _row(self, s: PlaybookStep) -> tuple:
        asset = s.symbol.split("/")[0]
        side = "L" if s.side is Side.LONG else "S"
        return (
            str(s.order), f"{s.account} {asset} {side}", f"-{s.cut_fraction:.0%} {fmt.money(s.notional)}",
            s.reason, fmt.money(s.est_cost), s.covered_by,
        )


def stress_table(assessment: Assessment, *, compact: bool) -> Table:
    """The book under each shock: PnL, worst margin ratio after, what would be liquidated."""
    table = Table(box=None, padding=(0, 1), show_edge=False, expand=False, header_style="bold")
    table.add_column("Shock", justify="left")
    rows = assessment.stress
    for row in rows:
        table.add_column(row.name, justify="right")
    if not rows:
        return table
    table.add_row("PnL", *[fmt.money(r.pnl, signed=True) for r in rows])
    table.add_row("min MR", *["—" if r.min_margin_ratio is None else f"{r.min_margin_ratio:.2f}" for r in rows])
    liq = [
        Text(str(len(r.liquidated_positions)) if r.liquidated_positions else "·",
             style="bold" if r.liquidated_positions else "dim")
        for r in rows
    ]
    table.add_row("liq'd", *liq)
    if not compact:
        accounts = [",".join(a[:4] for a in r.liquidated_accounts) or "·" for r in rows]
        table.add_row("accts", *accounts)
    return table


def kill_line(assessment: Assessment, colors: dict[str, str]) -> Text:
    """The kill switch's state, its cause, and what it proposes."""
    kill = assessment.kill
    style = colors.get(f"kill-{kill.status.value.lower()}", "")
    text = Text()
    text.append(f" {kill.status.value} ", style=f"bold reverse {style}")
    text.append(f" {kill.mode}")
    if kill.cause:
        text.append(f" · {kill.cause}")
    if kill.proposed:
        text.append(f" · proposes {len(kill.proposed)} cuts — ", style="bold")
        text.append("press a to accept", style=f"bold {style}")
    if kill.status is not KillStatus.NORMAL and kill.latched:
        text.append(" · latched: " + ("press R to reset" if kill.can_reset else "waits for its cause to clear"))
    return text
