"""Book totals as the legends write them."""

from __future__ import annotations

from cockpit.model import Assessment
from cockpit.present.format import money


def equity(a: Assessment) -> str:
    """The book's equity with its name: "eq.+transit 660.9k" while money is in transit between
    accounts (counted once, though no account shows it yet), else "equity 657.9k".

    Named apart because the collateral pane sums only the accounts' own equity: two figures
    both called "equity" would disagree while a deposit is in flight.
    """
    name = "eq.+transit" if a.in_transit > 0 else "equity"
    return f"{name} {money(a.equity)}"
