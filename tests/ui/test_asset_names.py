"""Panes name a position's asset from its instrument, never by cutting the symbol's text."""

from __future__ import annotations

from dataclasses import replace

from cockpit.risk import RiskEngine
from cockpit.ui.widgets.playbook import PlaybookTable
from cockpit.ui.widgets.positions import PositionsTable

from tests.risk.factory import account, book, instruments_for, position

SYMBOL = "1000PEPE/USDT:USDT"  # 1000 PEPE a contract: the asset is PEPE, not "1000PEPE"


def _assessment():
    pepe = replace(position("bn", "binance", "PEPE", "long", "5000", 10), symbol=SYMBOL)
    b = book(0.0, account("bn", "binance", [pepe], maintenance=5_000.0))
    return RiskEngine().evaluate(b, instruments_for(b), 0.0)


def test_a_playbook_step_names_its_asset_from_the_instrument():
    a = _assessment()
    assert a.playbook and a.playbook[0].symbol == SYMBOL
    table = PlaybookTable()
    table.update_from(a)
    assert table.row_cells(a.playbook[0].key)[1] == "bn PEPE L"


def test_a_positions_row_names_its_asset_from_the_instrument():
    a = _assessment()
    table = PositionsTable()
    table.update_from(a)
    assert table.row_cells(a.positions[0].key)[2] == "PEPE"
