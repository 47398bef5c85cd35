"""`transaction`: the journal's and the history store's writes land whole or not at all."""

from __future__ import annotations

import sqlite3

import pytest

from cockpit.engine.transaction import transaction


def _db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE t (x INTEGER)")
    return db


def _rows(db: sqlite3.Connection) -> list[int]:
    return [x for (x,) in db.execute("SELECT x FROM t ORDER BY x")]


def test_the_block_is_committed_whole():
    db = _db()
    with transaction(db, "BEGIN IMMEDIATE") as tx:
        tx.execute("INSERT INTO t VALUES (1)")
        tx.execute("INSERT INTO t VALUES (2)")
    assert _rows(db) == [1, 2] and not db.in_transaction


@pytest.mark.parametrize("error", [ValueError("bad row"), KeyboardInterrupt()])
def test_anything_raised_rolls_the_block_back_and_goes_on_up(error):
    db = _db()
    with pytest.raises(type(error)):
        with transaction(db) as tx:
            tx.execute("INSERT INTO t VALUES (1)")
            raise error
    assert _rows(db) == [] and not db.in_transaction
    with transaction(db) as tx:  # the connection is usable again
        tx.execute("INSERT INTO t VALUES (3)")
    assert _rows(db) == [3]
