"""Funding payments as CSV, for accounting: what `cockpit funding export` prints and what the
ledger's export key (`ExportLedger`) writes beside the journal.

One row per payment the venues (or the simulator) booked, oldest first. Amounts are exact, as
booked, positive when received. Each row carries the cockpit's own estimate of that payment where
it watched it, and ``disagrees`` where the two differ beyond the ledger's tolerance
(`cockpit.risk.ledger`).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path
from typing import Any, TextIO

from cockpit.engine.history import HistoryStore
from cockpit.model.funding import day_of
from cockpit.risk.ledger import disagree, match

COLUMNS = ("time_utc", "day", "account", "venue", "symbol", "asset", "currency", "amount", "direction",
           "rate", "notional", "payment_id", "cockpit_estimate", "disagrees")
"""The CSV's columns, in order."""

ESTIMATE_LEAD = 3600.0
"""Estimates are read from this long before `since`: a payment just after it may have been
estimated just before."""


def ledger_rows(store: HistoryStore, since: float) -> list[dict[str, Any]]:
    """The payments booked in `store` from `since`, each matched with the cockpit's estimate."""
    rows = []
    for p, e in match(store.payments(since), store.estimates(since - ESTIMATE_LEAD)):
        rows.append({
            "time_utc": dt.datetime.fromtimestamp(p.time, dt.timezone.utc).isoformat().replace("+00:00", "Z"),
            "day": day_of(p.time), "account": p.account, "venue": p.venue, "symbol": p.symbol, "asset": p.asset,
            "currency": p.currency, "amount": str(p.amount), "direction": "received" if p.amount >= 0 else "paid",
            "rate": "" if p.rate is None else repr(p.rate), "notional": "" if p.notional is None else repr(p.notional),
            "payment_id": p.id, "cockpit_estimate": "" if e is None else f"{e[5]:.8f}",
            "disagrees": "" if e is None else ("yes" if disagree(p.amount, e[5]) else "no"),
        })
    return rows


def write_csv(store: HistoryStore, since: float, out: TextIO) -> int:
    """Write the CSV of the payments in `store` from `since` to `out`; the row count."""
    rows = ledger_rows(store, since)
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return len(rows)


def export_beside(store: HistoryStore, journal_path: str | Path, since: float, now: float) -> tuple[Path, int]:
    """Write the CSV into ``exports/`` beside the journal, named for `since` and `now` (UTC), and
    return its path and row count. Written to a temporary name first, so a reader never sees
    half a file. Raises `ValueError` for an in-memory journal (there is no directory to write
    to) and `OSError` when the directory cannot be written."""
    if str(journal_path) == ":memory:":
        raise ValueError("this engine keeps no files (an in-memory journal): use cockpit funding export")
    folder = Path(journal_path).parent / "exports"
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    first = day_of(since)
    path = folder / f"funding-since-{first}-at-{stamp}.csv"
    part = path.with_name(path.name + ".part")
    with open(part, "w", encoding="utf-8", newline="") as out:
        count = write_csv(store, since, out)
    os.replace(part, path)
    return path, count


__all__ = ["COLUMNS", "export_beside", "ledger_rows", "write_csv"]
