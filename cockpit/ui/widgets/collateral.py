"""The Collateral pane: per account, where the margin is, what is free, and how fast help arrives.

Margin is shown one way only, as "Maint%": maintenance margin ÷ equity × 100, so 100% is
liquidation and a rising figure is the dangerous direction (how Binance states its margin ratio).
An account that never reported has a row of unknowns, and a total over unknowns is marked partial.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from cockpit.model import Assessment, Frame, LayerCollateral
from cockpit.present import format as fmt, glossary, reasons
from cockpit.ui.pane import BasePane
from cockpit.ui.widgets.table import Column, KeyedTable

COLUMNS = [
    Column("acct", "Account", 10, 0, "left", grow=2),
    Column("layer", "Layer", 9, 0, "left", grow=2),
    Column("equity", "Equity", 7, 0),
    Column("used", "Used", 7, 1),
    Column("free", "Free", 7, 0),
    Column("wdr", "Withdr", 7, 2),
    Column("flight", "InFlight", 8, 1),
    Column("buffer", "Buffer", 7, 2),
    Column("short", "Short", 7, 0),
    Column("ratio", "Maint%", 6, 0),
    Column("lev", "EffLev", 6, 1),
    Column("rescue", "Rescue", 7, 0),
    Column("route", "Fastest route in", 26, 2, "left", grow=40),
]


LEGEND = glossary.COLLATERAL_LEGEND
"""What the columns that need it mean (the pane's border subtitle)."""


class CollateralTable(KeyedTable):
    """One row per account, plus a total line."""

    def __init__(self, **kw) -> None:
        super().__init__(COLUMNS, **kw)
        self.palette: dict[str, str] = {}

    def update_from(self, assessment: Assessment) -> None:
        """Show the collateral lines of `assessment`."""
        rows = [(c.account, self._row(c)) for c in assessment.collateral]
        rows += [(name, self._unreachable(name)) for name in assessment.unreachable]
        lines = assessment.collateral
        if lines:
            # An account without figures is unknown in the totals, not 0: they say "partial".
            gone = [None] * len(assessment.unreachable)
            total = (
                Text("Σ all", style="bold"), "",
                Text(fmt.total([c.equity for c in lines] + gone), style="bold"),
                fmt.total([c.used for c in lines] + gone),
                Text(fmt.total([c.free for c in lines] + gone), style="bold"),
                fmt.total([c.withdrawable for c in lines] + gone),
                fmt.money(sum(c.in_flight for c in lines)),
                fmt.money(sum(c.buffer_target for c in lines)),
                fmt.money(sum(c.shortfall for c in lines)), "", "", "", "",
            )
            rows.append(("Σ", total))
        self.show(rows)

    @staticmethod
    def _unreachable(name: str) -> tuple:
        """A row for an account that has never reported: every figure unknown."""
        dash = fmt.DASH
        return (Text(name, style="dim"), dash, dash, dash, dash, dash, "", dash, "", dash, dash, dash,
                Text("unreachable: no figures yet", style="dim"))

    def _row(self, c: LayerCollateral) -> tuple:
        warn = self.palette.get("flag-warn", "")
        short = Text(fmt.money(c.shortfall) if c.shortfall > 0 else "", style=f"bold {warn}")
        # Risk says when the margin is in danger (`LayerCollateral.danger`); the pane only shows it.
        ratio_cell = Text(fmt.maint_used(c.maint_used), style=f"bold {warn}" if c.danger else "")
        lev = fmt.leverage(c.leverage)
        account = Text(c.account, style="dim" if c.stale else "")
        return (
            account, c.layer.value, fmt.money(c.equity), fmt.money(c.used), fmt.money(c.free),
            fmt.money(c.withdrawable), fmt.money(c.in_flight) if c.in_flight else "", fmt.money(c.buffer_target),
            short, ratio_cell, lev, fmt.duration(c.rescue_seconds), reasons.rescue(c),
        )


class CollateralPane(BasePane):
    """Pane 3: the collateral table, with what Maint% means in its border."""

    pane_id = "collateral"
    title = "Collateral"
    column = "left"
    legend = LEGEND

    def compose(self) -> ComposeResult:
        """The table alone."""
        yield CollateralTable(id="collateral-table")

    def update(self, frame: Frame) -> None:
        """Show the collateral lines of `frame`."""
        table = self.query_one(CollateralTable)
        table.palette = self.app.theme_variables
        table.update_from(frame.assessment)
