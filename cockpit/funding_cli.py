"""`cockpit funding export --since DATE [--out FILE] [--journal PATH]`: funding payments as CSV.

One row per payment the venues (or the simulator) booked since DATE (UTC), oldest first, read
from the funding history beside the journal (`cockpit.engine.history`; the guard or cockpit
that keeps it may be running). Amounts are exact, as booked, positive when received. Each row
carries the cockpit's own estimate of that payment where it watched it, and ``disagrees`` where
the two differ beyond the ledger's tolerance (`cockpit.risk.ledger`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from cockpit.usage import UsageError

def since_date(text: str) -> float:
    """An argparse type: a UTC date YYYY-MM-DD as POSIX seconds at its midnight."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date as YYYY-MM-DD (UTC), got {text!r}") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def add_funding_actions(parser: argparse.ArgumentParser) -> None:
    """`cockpit funding export`'s arguments."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = sub.add_parser("export", help="funding payments since a date as CSV (for accounting)",
                            description="Write every funding payment the venues booked since --since (UTC) as CSV: "
                            "time, account, venue, symbol, amount (exact, + received / - paid), rate, notional, "
                            "the venue's payment id, the cockpit's own estimate of it and whether they disagree.")
    export.add_argument("--since", type=since_date, required=True, metavar="YYYY-MM-DD",
                        help="first UTC day to export")
    export.add_argument("--out", type=Path, metavar="FILE", help="write here (default: standard output)")
    export.add_argument("--journal", type=Path, metavar="PATH",
                        help="the journal whose funding history to read (default: the accounts' journal)")


def export(since: float, history_file: Path, out: Any) -> int:
    """Write the CSV of the payments in `history_file` from `since` to `out`; the row count."""
    from cockpit.engine.export import write_csv
    from cockpit.engine.history import HistoryStore

    store = HistoryStore(history_file)
    try:
        return write_csv(store, since, out)
    finally:
        store.close()


def run_funding(args: argparse.Namespace) -> int:
    """`cockpit funding export`: exit 0 with the CSV written; 2 (one line) when there is no history."""
    from cockpit.engine.history import history_path
    from cockpit.startup import live_journal_path

    journal = args.journal or live_journal_path()
    history = Path(history_path(journal))
    if not history.exists():
        raise UsageError(f"no funding history at {history}: it is kept beside the journal while cockpit or "
                         f"cockpit guard runs (give the journal with --journal)")
    if args.out is None:
        count = export(args.since, history, sys.stdout)
    else:
        try:
            with open(args.out, "w", encoding="utf-8", newline="") as out:
                count = export(args.since, history, out)
        except OSError as error:
            raise UsageError(f"--out {args.out}: cannot write there ({error.strerror or error})") from None
        print(f"{count} funding payments written to {args.out}", file=sys.stderr)
    return 0


__all__ = ["add_funding_actions", "export", "run_funding", "since_date"]
