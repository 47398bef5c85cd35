"""The Collateral pane: per account, where the margin is, what is free, and how fast help arrives."""

from __future__ import annotations

from rich.text import Text

from cockpit.model import Assessment, LayerCollateral
from cockpit.ui import format as fmt
from cockpit.ui.widgets.table import Column, KeyedTable

COLUMNS = [
    Column("acct", "Account", 10, 0, "left"),
    Column("layer", "Layer", 9, 0, "left"),
    Column("equity", "Equity", 7, 0),
    Column("used", "Used", 7, 1),
    Column("free", "Free", 7, 0),
    Column("wdr", "Withdr", 7, 2),
    Column("flight", "InFlight", 8, 1),
    Column("buffer", "Buffer", 7, 2),
    Column("short", "Short", 7, 0),
    Column("ratio", "MR", 6, 0),
    Column("rescue", "Rescue", 7, 0),
    Column("route", "Fastest route in", 26, 2, "left"),
]


class CollateralTable(KeyedTable):
    """One row per account, plus a total line."""

    def __init__(self, **kw) -> None:
        super().__init__(COLUMNS, **kw)
        self.palette: dict[str, str] = {}

    def update_from(self, assessment: Assessment) -> None:
        """Show the collateral lines of `assessment`."""
        rows = [(c.account, self._row(c)) for c in assessment.collateral]
        lines = assessment.collateral
        if lines:
            total = (
                Text("Σ all", style="bold"), "",
                Text(fmt.money(sum(c.equity for c in lines)), style="bold"),
                fmt.money(sum(c.used for c in lines)),
                Text(fmt.money(sum(c.free for c in lines)), style="bold"),
                fmt.money(sum(c.withdrawable or 0 for c in lines)),
                fmt.money(sum(c.in_flight for c in lines)),
                fmt.money(sum(c.buffer_target for c in lines)),
                fmt.money(sum(c.shortfall for c in lines)), "", "", "",
            )
            rows.append(("Σ", total))
        self.show(rows)

    def _row(self, c: LayerCollateral) -> tuple:
        warn = self.palette.get("flag-warn", "")
        short = Text(fmt.money(c.shortfall) if c.shortfall > 0 else "", style=f"bold {warn}")
        ratio = "—" if c.margin_ratio is None else f"{c.margin_ratio:.1f}"
        ratio_cell = Text(ratio, style=f"bold {warn}" if c.margin_ratio is not None and c.margin_ratio < 1.5 else "")
        account = Text(c.account, style="dim" if c.stale else "")
        return (
            account, c.layer.value, fmt.money(c.equity), fmt.money(c.used), fmt.money(c.free),
            fmt.money(c.withdrawable), fmt.money(c.in_flight) if c.in_flight else "", fmt.money(c.buffer_target),
            short, ratio_cell, fmt.duration(c.rescue_seconds), c.rescue_route,
        )
