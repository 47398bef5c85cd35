"""The frame's working orders are the journal's rows (`JournalRow` is a `WorkingOrder`, which is
an `Order`): everything a row says but when it last changed reaches the frame and crosses the
socket, and a journal written by an older cockpit still loads into them."""

from __future__ import annotations

import dataclasses
import sqlite3
from decimal import Decimal

from cockpit.engine.journal import Journal, JournalRow
from cockpit.model import IntentSource, OrderRequest, OrderStatus, Side, WorkingOrder, codec

ETH = "ETH/USDT:USDT"

_OLD_ORDERS = """
CREATE TABLE orders (
    client_id   TEXT PRIMARY KEY,
    intent_id   TEXT NOT NULL,
    account     TEXT NOT NULL,
    symbol      TEXT NOT NULL,
    side        TEXT NOT NULL,
    amount      TEXT NOT NULL,
    filled      TEXT NOT NULL DEFAULT '0',
    reduce_only INTEGER NOT NULL,
    status      TEXT NOT NULL,
    source      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created     REAL NOT NULL,
    updated     REAL NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
);
"""
"""The orders table as the first cockpit wrote it (before `average`, `fee`, `type`, `price`)."""


def test_a_row_reaches_the_frame_whole_but_for_when_it_last_changed():
    journal = Journal()
    request = OrderRequest(client_id="ck-1", account="a", symbol=ETH, side=Side.SHORT, amount=Decimal("1"),
                           type="limit", price=Decimal("200"))
    journal.record(request, intent_id="trim:a:ETH:0.5:x", source=IntentSource.HOTKEY, reason="hotkey trim 50%",
                   now=100.0)
    journal.set_status("ck-1", OrderStatus.PARTIAL, now=105.0, filled=Decimal("0.25"), detail="partly filled",
                       average=Decimal("200.5"), fee=0.02)
    (row,) = journal.open_orders()
    working = row.working()
    assert type(working) is WorkingOrder and isinstance(row, WorkingOrder)
    assert {f.name for f in dataclasses.fields(JournalRow)} - {f.name for f in dataclasses.fields(WorkingOrder)} \
        == {"updated"}
    assert (working.average, working.fee, working.filled, working.status, working.detail, working.created) == (
        Decimal("200.5"), 0.02, Decimal("0.25"), OrderStatus.PARTIAL, "partly filled", 100.0)
    assert working.remaining == Decimal("0.75")  # an Order's own reading
    assert codec.decode(codec.loads(codec.dumps(codec.encode(working)))) == working  # it crosses the socket
    journal.close()


def test_a_journal_of_an_older_cockpit_still_loads_its_working_orders(tmp_path):
    path = tmp_path / "journal.sqlite"
    db = sqlite3.connect(path)
    db.executescript(_OLD_ORDERS)
    db.execute("INSERT INTO orders (client_id, intent_id, account, symbol, side, amount, filled, reduce_only, status,"
               " source, reason, created, updated, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
               ("ck-old", "kill:e1:a/ETH", "a", ETH, Side.SHORT.value, "0.5", "0", 1, OrderStatus.UNKNOWN.value,
                IntentSource.KILL_SWITCH.value, "kill switch cut", 50.0, 60.0, "timeout"))
    db.commit()
    db.close()
    journal = Journal(path)
    try:
        (row,) = journal.open_orders()
        assert row.working() == WorkingOrder(
            client_id="ck-old", intent_id="kill:e1:a/ETH", account="a", symbol=ETH, side=Side.SHORT,
            amount=Decimal("0.5"), filled=Decimal(0), status=OrderStatus.UNKNOWN, source=IntentSource.KILL_SWITCH,
            reason="kill switch cut", created=50.0, detail="timeout")
    finally:
        journal.close()
