"""The Unwind playbook pane: the standing plan, the stress table and the kill switch's proposal."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from cockpit.model import Assessment, Frame, KillMode, KillStatus, LayerCollateral, PlaybookStep, Side
from cockpit.model.unwind import UnwindRun
from cockpit.present import format as fmt, glossary, privacy, reasons
from cockpit.ui.bindings import key_of
from cockpit.ui.pane import BasePane
from cockpit.ui.widgets.line import Line
from cockpit.ui.widgets.table import Column, KeyedTable, Row

COLUMNS = [
    # The narrowest tier fits the 52-column right pane: "hyperliquid ETH S" in full, its share and
    # why; what it cuts in money, its cost and cover where there is room. Names, reasons and
    # covers take what a wide pane has left (`Column.grow`).
    Column("n", "#", 2, 0),
    Column("pos", "Position", 17, 0, "left", grow=6),
    Column("cut", "Cut", 5, 0),
    Column("notional", "Cut $", 6, 1),
    Column("why", "Why first", 20, 0, "left", grow=30),
    Column("cost", "Cost", 6, 1),
    Column("cover", "Covered by", 14, 2, "left", grow=14),
]


COMPACT_WIDTH = 80
"""Pane width under which the stress table drops its accounts row and shortens its figures."""


class PlaybookPane(BasePane):
    """Pane 4: the kill switch (state, trigger levels), the plan or its proposed cut, the stress table."""

    pane_id = "playbook"
    title = "Playbook"
    column = "right"
    legend = glossary.PLAYBOOK_LEGEND

    def __init__(self) -> None:
        super().__init__()
        self._stress_drawn: tuple | None = None  # the inputs of the stress table on screen

    def compose(self) -> ComposeResult:
        """Kill line, trigger levels, the plan, the stress table."""
        yield Line(id="kill-line")
        yield Line(id="kill-levels", classes="legend")
        yield PlaybookTable(id="playbook-table")
        yield Line(id="stress-table")

    def update(self, frame: Frame) -> None:
        """Show the kill switch, the plan and the stress rows of `frame`."""
        a = frame.assessment
        keys = {name: key_of(self.app, f"kill.{name}") for name in ("accept", "reset")}
        keys["unwind"] = key_of(self.app, "unwind.start")
        self.query_one("#kill-line", Line).show(kill_line(a, self.app.theme_variables, keys, run=frame.run))
        self.query_one("#kill-levels", Line).show(kill_levels(a))
        self.query_one(PlaybookTable).update_from(a)
        compact = self.size.width < COMPACT_WIDTH  # the pane's width, not the screen's
        drawn = (a.stress, compact, privacy.masked())  # the privacy mask is an input too
        if drawn != self._stress_drawn:  # comparing the inputs is cheaper than drawing
            self._stress_drawn = drawn
            self.query_one("#stress-table", Line).show(stress_table(a, compact=compact))


class PlaybookTable(KeyedTable):
    """The plan's steps in the order they would run."""

    def __init__(self, **kw) -> None:
        super().__init__(COLUMNS, **kw)

    def update_from(self, assessment: Assessment) -> None:
        """Show the kill switch's proposed cut when there is one, else the standing plan."""
        if assessment.proposal:
            self.show(self._proposal(assessment))
        else:
            accounts = {c.account: c for c in assessment.collateral}
            assets = {p.key: p.asset for p in assessment.positions}
            self.show([(s.key, self._row(s, assets.get(s.key, s.symbol), accounts.get(s.account)))
                       for s in assessment.playbook])

    @staticmethod
    def _proposal(assessment: Assessment) -> list[Row]:
        rows: list[Row] = []
        for n, cut in enumerate(assessment.proposal, 1):
            p = cut.position
            if p is None or cut.intent.amount is None:
                continue
            side = "L" if p.side is Side.LONG else "S"
            share = fmt.DASH if cut.fraction is None else f"{cut.fraction:.0%}"
            rows.append((("cut", cut.key), (  # never a plan step's key: the proposal replaces the plan
                str(n), f"{p.account} {p.asset} {side}", f"-{share}", fmt.money(cut.notional),
                "kill switch cut", "", "",
            )))
        return rows

    def _row(self, s: PlaybookStep, asset: str, account: LayerCollateral | None) -> tuple:
        """A step's cells; `asset` is its position's (the instrument's base asset, which the
        symbol's text need not spell: OKX's BTC-USD-SWAP, a venue's 1000PEPE)."""
        side = "L" if s.side is Side.LONG else "S"
        return (
            str(s.order), f"{s.account} {asset} {side}", f"-{s.cut_fraction:.0%}", fmt.money(s.notional),
            reasons.step_reason(s), fmt.money(s.est_cost), reasons.cover(s, account),
        )


def stress_table(assessment: Assessment, *, compact: bool) -> Text:
    """The book under each shock: PnL, the highest maintenance used after it (maintenance ÷
    equity, 100% = liquidation), what would be liquidated."""
    rows = assessment.stress
    # "tail +20%β" is the correlated tail scenario; its own name is too long for a cell.
    header: list[str | Text] = ["shock", *("tail" if compact and r.tail else r.name for r in rows)]
    body: list[list[str | Text]] = []
    if rows:
        body.append(["PnL", *(fmt.money(r.pnl, signed=True, short=compact) for r in rows)])
        # The worst account's maintenance ÷ equity after the shock: 100% is liquidation.
        body.append(["maint%", *(Text(fmt.maint_used(r.max_maint_used),
                                      style="bold" if (r.max_maint_used or 0) >= 1 else "") for r in rows)])
        body.append(["liq'd", *(Text(str(len(r.liquidated_positions)) if r.liquidated_positions else "·",
                                     style="bold" if r.liquidated_positions else "dim") for r in rows)])
        if not compact:
            body.append(["accts", *(",".join(a[:4] for a in r.liquidated_accounts) or "·" for r in rows)])
    return grid(header, body)


def grid(header: list[str | Text], body: list[list[str | Text]]) -> Text:
    """A small table as lines of text, drawn as a borderless `rich.table.Table` would draw it.

    The first column is left-aligned, the others right-aligned, one space before each cell, the
    header bold throughout; a `Text` cell keeps its (whole-cell) style. A Rich Table is measured
    and laid out again on every render: ~5 ms for the stress table, on the first frame and on
    every frame whose stress rows change. This costs a tenth of a millisecond.
    """
    cells = [[(c.plain, c.style) if isinstance(c, Text) else (c, "") for c in row] for row in [header, *body]]
    widths = [max(Text(plain).cell_len for plain, _ in column) for column in zip(*cells)]
    out = Text(no_wrap=True, overflow="crop", end="")
    for n, row in enumerate(cells):
        if n:
            out.append("\n")
        for i, ((plain, style), width) in enumerate(zip(row, widths)):
            style = "bold" if n == 0 else style
            pad = " " * (width - Text(plain).cell_len)
            out.append(" ", style if n == 0 else "")
            out.append(plain + pad if i == 0 else pad + plain, style)
    return out


def kill_levels(assessment: Assessment) -> Text:
    """How close each kill-switch trigger is to its threshold: "funding stress 3/60"."""
    text = Text(no_wrap=True, overflow="ellipsis", style="dim")
    kill = assessment.kill
    ratios = kill.ratios if len(kill.ratios) == len(kill.levels) else (None,) * len(kill.levels)
    for i, ((name, value, threshold), ratio) in enumerate(zip(kill.levels, ratios)):
        text.append(" · " if i else " ")
        if value is None:  # the reading is not live (its inputs are stale)
            text.append(f"{name} —")
            continue
        # The risk engine says how close each trigger is (percentiles measure it in their tail).
        style = "bold" if ratio is not None and ratio >= kill.warn_fraction else ""
        if threshold < 1:  # fractions (drawdowns) read better as percentages
            text.append(f"{name} {value:.1%}/{threshold:.0%}", style=style)
        else:
            text.append(f"{name} {value:.0f}/{threshold:.0f}", style=style)
    return text


def kill_line(assessment: Assessment, colors: dict[str, str], keys: dict[str, str] | None = None, *,
              run: UnwindRun | None = None) -> Text:
    """The kill switch's state, its cause, and what it proposes; the keys it names are `keys`'
    ("accept", "reset", "unwind": this terminal's keymap). While reducing in advise mode it says
    the unwind key starts a guided run of its cut; while a run is on, that the key shows it."""
    keys = {"accept": "a", "reset": "R", "unwind": "U", **(keys or {})}
    kill = assessment.kill
    style = colors.get(f"kill-{kill.status.value.lower()}", "")
    text = Text()
    text.append(f" {kill.status.value} ", style=f"bold reverse {style}")
    text.append(f" {kill.mode.value}")
    if kill.cause:
        text.append(f" · {kill.cause}")
    if kill.proposed:
        text.append(f" · proposes {len(kill.proposed)} cuts — ", style="bold")
        text.append(f"press {keys['accept']} to accept", style=f"bold {style}")
        if kill.status is KillStatus.REDUCING and kill.mode is KillMode.ADVISE and run is None:
            text.append(f", or {keys['unwind']} to unwind it step by step", style=f"bold {style}")
    if kill.status is not KillStatus.NORMAL and kill.latched:
        text.append(" · latched: " + (f"press {keys['reset']} to reset" if kill.can_reset
                                      else "waits for its cause to clear"))
    if run is not None:
        text.append(f" · unwind {run.state.value}: {keys['unwind']} shows it", style="bold")
    return text
