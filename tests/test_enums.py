"""The model's enums: one definition of "in flight", modes and kinds as enums, not text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.engine.journal import JournalRow
from cockpit.model import IN_FLIGHT, TERMINAL, IntentSource, KillMode, Order, OrderStatus, Side
from cockpit.risk.killswitch import KillSwitch
from cockpit.risk.settings import RiskSettings


def test_every_order_status_is_either_in_flight_or_terminal():
    assert set(IN_FLIGHT) | set(TERMINAL) == set(OrderStatus) and not set(IN_FLIGHT) & set(TERMINAL)
    assert [s for s in OrderStatus if s.in_flight] == list(IN_FLIGHT)
    assert OrderStatus.UNKNOWN.in_flight and not OrderStatus.CANCELED.in_flight


def test_a_journal_row_is_an_order_with_the_journal_s_notes():
    row = JournalRow(client_id="ck1", account="a", symbol="ETH/USDT:USDT", side=Side.SHORT,
                     amount=Decimal(2), filled=Decimal("0.5"), status=OrderStatus.PARTIAL,
                     intent_id="i", source=IntentSource.HOTKEY, reason="r", created=1.0, updated=2.0)
    assert isinstance(row, Order) and row.remaining == Decimal("1.5") and row.reduce_only
    assert row.request().amount == Decimal(2) and row.detail == ""


def test_the_kill_mode_is_an_enum_whatever_text_set_it():
    ks = KillSwitch(RiskSettings(kill_mode="auto"))
    assert ks.state().mode is KillMode.AUTO
    ks.set_mode("advise")
    assert ks.state().mode is KillMode.ADVISE
    with pytest.raises(ValueError, match="'advise' or 'auto'"):
        ks.set_mode("yolo")
