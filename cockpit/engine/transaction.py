"""One SQLite transaction on a connection opened in autocommit mode (``isolation_level=None``),
as the journal and the history store open theirs: every statement inside is written, or none."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def transaction(db: sqlite3.Connection, begin: str = "BEGIN") -> Iterator[sqlite3.Connection]:
    """Run the block between `begin` ("BEGIN", or "BEGIN IMMEDIATE" to take the write lock at
    once) and COMMIT; anything raised, an interrupt included, rolls it back and goes on up."""
    db.execute(begin)
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
