"""The two equities are named apart: the book's (with money in transit) and the accounts' own."""

from __future__ import annotations

from cockpit.model import Assessment
from cockpit.present import book


def test_equity_with_money_in_transit_says_so():
    # The demo's first frame: 657,905 in the accounts, 3,000 on its way between two of them.
    assert book.equity(Assessment(now=0.0, equity=660_905.0, in_transit=3_000.0)) == "eq.+transit 660.9k"
    assert book.equity(Assessment(now=0.0, equity=657_905.0)) == "equity 657.9k"
