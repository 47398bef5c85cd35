"""History that lasts: funding per cell, the funding stress index with its drivers, equity per
account and the book's drawdown, and funding payments, in SQLite, bounded and pruned.

Where: a sibling of the journal, ``<journal stem>-history.sqlite`` (`history_path`), not the
journal itself. The journal is the order path's durable record: every commit there is synced
(`synchronous=FULL`) and must never wait behind anything else. History is written often, pruned
with bulk deletes and can be lost without harm (it is rebuilt from the venues' histories), so it
lives in its own file, synced lazily (WAL, `synchronous=NORMAL`): a history write never holds the
database lock an order's journal row needs, and deleting it never touches an order. It sits
beside the journal, one per journal (each simulator run is its own market), and the journal's
lock (one engine per journal) covers it too. An in-memory journal gets an in-memory history.

What is kept, and the bound (`HistoryBounds`):

==========  ================================================  ==================  ===========
table       one row per                                       spacing             kept
==========  ================================================  ==================  ===========
funding     venue × symbol × time: rate, APR, interval,        5 min (live);        8 days
            predicted rate (live samples, and settled rates    each settlement
            backfilled from the venue)                         (backfill)
stress      time: index, its drivers                           10 s                 8 days
equity      account × time: equity                             1 min                8 days
book        time: equity, daily and peak drawdown, peaks       1 min                8 days
payments    account × venue's payment id: amount (exact)       as booked            400 days
estimates   account × symbol × payment time: the cockpit's     each payment         400 days
            own estimate of the payment
==========  ================================================  ==================  ===========

So with C cells and A accounts the store holds at most about C × 2,304 + 69,120 + A × 11,520 +
11,520 rows of history (8 days), plus a year and a month of payments. Pruning runs when the store
opens and then hourly (of the engine's clock).

Times are the risk engine's clock (simulated time on the simulator), POSIX seconds.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from cockpit.engine.transaction import transaction
from cockpit.model import Assessment
from cockpit.model.funding import FundingPayment, FundingSample

_SCHEMA = """
CREATE TABLE IF NOT EXISTS funding (
    venue TEXT NOT NULL, symbol TEXT NOT NULL, asset TEXT NOT NULL, time REAL NOT NULL,
    rate REAL NOT NULL, apr REAL, interval REAL, predicted REAL, source TEXT NOT NULL,
    PRIMARY KEY (venue, symbol, time)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS funding_time ON funding(time);
CREATE TABLE IF NOT EXISTS stress (time REAL PRIMARY KEY, value REAL, drivers TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS equity (
    account TEXT NOT NULL, time REAL NOT NULL, equity REAL NOT NULL, PRIMARY KEY (account, time)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS book (
    time REAL PRIMARY KEY, equity REAL NOT NULL, drawdown_daily REAL NOT NULL,
    drawdown_peak REAL NOT NULL, peak REAL, day_peak REAL
);
CREATE TABLE IF NOT EXISTS payments (
    account TEXT NOT NULL, id TEXT NOT NULL, venue TEXT NOT NULL, symbol TEXT NOT NULL,
    asset TEXT NOT NULL, time REAL NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL,
    rate REAL, notional REAL, PRIMARY KEY (account, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS estimates (
    account TEXT NOT NULL, symbol TEXT NOT NULL, time REAL NOT NULL, venue TEXT NOT NULL,
    asset TEXT NOT NULL, amount REAL NOT NULL, rate REAL NOT NULL, notional REAL NOT NULL,
    PRIMARY KEY (account, symbol, time)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS backfill (
    venue TEXT NOT NULL, symbol TEXT NOT NULL, until REAL NOT NULL, PRIMARY KEY (venue, symbol)
) WITHOUT ROWID;
"""

DAY = 86400.0


@dataclass(frozen=True)
class HistoryBounds:
    """How often each series is sampled and how long it is kept (seconds).

    Attributes:
        funding_every: spacing of live funding samples per cell (the risk engine's own).
        stress_every: spacing of the stress index (the risk engine's index history).
        equity_every: spacing of equity and drawdown.
        keep: how long funding, stress, equity and drawdown are kept.
        keep_payments: how long payments and estimates are kept (accounting wants a year).
        prune_every: how often old rows are deleted.
    """

    funding_every: float = 300.0
    stress_every: float = 10.0
    equity_every: float = 60.0
    keep: float = 8 * DAY
    keep_payments: float = 400 * DAY
    prune_every: float = 3600.0


def history_path(journal_path: str | Path) -> str:
    """The history file beside a journal file (``:memory:`` for an in-memory journal)."""
    text = str(journal_path)
    if text == ":memory:":
        return text
    path = Path(text)
    return str(path.with_name(f"{path.stem}-history.sqlite"))


def _num(value: float | None) -> float | None:
    """A float for SQLite: None for unknown (NaN)."""
    return None if value is None or value != value else float(value)


class HistoryStore:
    """The history tables of one engine (see the module doc).

    Args:
        path: a file (created 0600), or ":memory:".
        bounds: sampling and retention.
    """

    def __init__(self, path: str | Path = ":memory:", bounds: HistoryBounds | None = None) -> None:
        self.path = str(path)
        self.bounds = bounds or HistoryBounds()
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not Path(self.path).exists():
                Path(self.path).touch(mode=0o600)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._last: dict[str, float] = {}
        self.changed = 0  # bumps whenever funding samples are added (for cached figures)
        self.written: dict[str, int] = {"funding": 0, "stress": 0, "equity": 0}  # bumps per table written

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def _due(self, what: str, now: float, every: float) -> bool:
        last = self._last.get(what)
        if last is not None and now - last < every:
            return False
        self._last[what] = now
        return True

    # -- writing ------------------------------------------------------------------------------

    def observe(self, now: float, assessment: Assessment, *, drawdown_peaks: tuple | None = None) -> None:
        """Record what is due of one assessment at `now` (the risk engine's clock), then prune
        when due. `drawdown_peaks`: (peak, day_peak) of the drawdown tracker."""
        b = self.bounds
        due = [what for what, every in (("funding", b.funding_every), ("stress", b.stress_every),
                                        ("equity", b.equity_every)) if self._due(what, now, every)]
        if due:  # most frames record nothing: no transaction at all then
            self._record(due, now, assessment, drawdown_peaks or (None, None))
        if self._due("prune", now, b.prune_every):
            self.prune(now)

    def _record(self, due: list[str], now: float, a: Assessment, peaks: tuple) -> None:
        """Write the series in `due`, in one transaction."""
        with transaction(self._db) as db:
            if "funding" in due:
                self._funding_cells(now, a)
            if "stress" in due:
                db.execute("INSERT OR REPLACE INTO stress VALUES (?,?,?)",
                           (now, _num(a.funding_stress), json.dumps(list(a.funding_stress_drivers))))
            if "equity" in due:
                self._equity(now, a, peaks)
        for what in due:
            self.written[what] += 1

    def _funding_cells(self, now: float, a: Assessment) -> None:
        rows = [(c.venue, c.symbol, c.asset, now, c.rate, _num(c.apr), c.interval_hours, _num(c.predicted_rate), "live")
                for c in a.funding if not c.stale and c.rate == c.rate]
        if rows:
            self._db.executemany("INSERT OR REPLACE INTO funding VALUES (?,?,?,?,?,?,?,?,?)", rows)
            self.changed += 1

    def _equity(self, now: float, a: Assessment, peaks: tuple) -> None:
        seen: dict[str, float] = {}
        for row in a.collateral:
            if not row.stale and row.equity == row.equity:
                seen[row.account] = seen.get(row.account, 0.0) + row.equity
        self._db.executemany("INSERT OR REPLACE INTO equity VALUES (?,?,?)",
                             [(acc, now, eq) for acc, eq in seen.items()])
        self._db.execute("INSERT OR REPLACE INTO book VALUES (?,?,?,?,?,?)",
                         (now, a.equity, a.drawdown_daily, a.drawdown_peak, _num(peaks[0]), _num(peaks[1])))

    def add_rates(self, venue: str, symbol: str, asset: str, samples: Iterable[FundingSample],
                  *, until: float | None = None) -> int:
        """Add settled rates a venue published (a backfill); live samples at the same times are
        kept. Marks (venue, symbol) as backfilled up to `until`. Returns how many were new."""
        rows = [(venue, symbol, asset, s.time, s.rate, _num(s.apr), s.interval_hours, _num(s.predicted_rate),
                 "venue") for s in samples if s.rate == s.rate]
        before = self._db.total_changes
        self._db.executemany("INSERT OR IGNORE INTO funding VALUES (?,?,?,?,?,?,?,?,?)", rows)
        added = self._db.total_changes - before
        if until is not None:
            self._db.execute("INSERT OR REPLACE INTO backfill VALUES (?,?,?)", (venue, symbol, until))
        if added:
            self.changed += 1
            self.written["funding"] += 1
        return added

    def backfilled(self, venue: str, symbol: str) -> float | None:
        """Up to when (venue, symbol) was backfilled, if ever."""
        row = self._db.execute("SELECT until FROM backfill WHERE venue=? AND symbol=?", (venue, symbol)).fetchone()
        return None if row is None else row[0]

    def add_payments(self, payments: Iterable[FundingPayment]) -> int:
        """Book payments (a payment already booked, by account and id, is kept as it was)."""
        rows = [(p.account, p.id, p.venue, p.symbol, p.asset, p.time, str(p.amount), p.currency,
                 _num(p.rate), _num(p.notional)) for p in payments]
        before = self._db.total_changes
        self._db.executemany("INSERT OR IGNORE INTO payments VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        return self._db.total_changes - before

    def add_estimate(self, account: str, venue: str, symbol: str, asset: str, time: float, amount: float,
                     rate: float, notional: float) -> None:
        """The cockpit's own estimate of one payment (received +, paid −)."""
        self._db.execute("INSERT OR REPLACE INTO estimates VALUES (?,?,?,?,?,?,?,?)",
                         (account, symbol, time, venue, asset, amount, rate, notional))

    def prune(self, now: float) -> None:
        """Delete what is older than the bounds keep."""
        b = self.bounds
        old, older = now - b.keep, now - b.keep_payments
        with transaction(self._db) as db:
            for table in ("funding", "stress", "equity", "book"):
                db.execute(f"DELETE FROM {table} WHERE time < ?", (old,))
            db.execute("DELETE FROM backfill WHERE until < ?", (old,))
            for table in ("payments", "estimates"):
                db.execute(f"DELETE FROM {table} WHERE time < ?", (older,))

    # -- reading ------------------------------------------------------------------------------

    def count(self, table: str) -> int:
        """Rows in `table` (for tests and `cockpit status`)."""
        if table not in ("funding", "stress", "equity", "book", "payments", "estimates", "backfill"):
            raise ValueError(f"no history table {table!r}")
        return self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def funding(self, since: float) -> dict[tuple[str, str, str], list[tuple[float, float, float, float | None]]]:
        """Per (asset, venue, symbol): (time, rate, APR (NaN unknown), interval) from `since`,
        oldest first."""
        out: dict[tuple[str, str, str], list] = defaultdict(list)
        for venue, symbol, asset, t, rate, apr, interval in self._db.execute(
                "SELECT venue, symbol, asset, time, rate, apr, interval FROM funding WHERE time >= ?"
                " ORDER BY venue, symbol, time", (since,)):
            out[(asset, venue, symbol)].append((t, rate, math.nan if apr is None else apr, interval))
        return dict(out)

    def stress(self, since: float) -> list[tuple[float, float | None, tuple[str, ...]]]:
        """(time, index or None, drivers) from `since`, oldest first."""
        return [(t, v, tuple(json.loads(d))) for t, v, d in
                self._db.execute("SELECT time, value, drivers FROM stress WHERE time >= ? ORDER BY time", (since,))]

    def equity(self, since: float) -> dict[str, list[tuple[float, float]]]:
        """Per account: (time, equity) from `since`, oldest first."""
        out: dict[str, list] = defaultdict(list)
        for acc, t, eq in self._db.execute(
                "SELECT account, time, equity FROM equity WHERE time >= ? ORDER BY account, time", (since,)):
            out[acc].append((t, eq))
        return dict(out)

    def book(self, since: float) -> list[tuple[float, float, float, float, float | None, float | None]]:
        """(time, equity, daily drawdown, peak drawdown, peak, day peak) from `since`."""
        return list(self._db.execute("SELECT * FROM book WHERE time >= ? ORDER BY time", (since,)))

    # -- reading, bucketed for plots (`cockpit.engine.plots`) ---------------------------------
    # A bucket is `CAST(time / bucket)`; a point's time is its bucket's start, so a bucket's
    # point keeps its time as samples join it. SQLite aggregates in C: a day of the stress index
    # (8,640 rows) is one pass.

    def first_time(self, table: str, since: float) -> float | None:
        """The oldest time from `since` in `table` (stress, equity or book)."""
        if table not in ("stress", "equity", "book"):
            raise ValueError(f"no bucketed history table {table!r}")
        return self._db.execute(f"SELECT MIN(time) FROM {table} WHERE time >= ?", (since,)).fetchone()[0]

    def cell_span(self, asset: str, venue: str, since: float) -> tuple[float | None, str | None]:
        """(the oldest time from `since`, the newest symbol) of the funding cell `asset` on `venue`."""
        first = self._db.execute("SELECT MIN(time) FROM funding WHERE venue=? AND asset=? AND time >= ?",
                                 (venue, asset, since)).fetchone()[0]
        row = self._db.execute("SELECT symbol FROM funding WHERE venue=? AND asset=? ORDER BY time DESC LIMIT 1",
                               (venue, asset)).fetchone()
        return first, None if row is None else row[0]

    def apr_buckets(self, asset: str, venue: str, since: float, bucket: float) -> list[tuple[float, float]]:
        """(bucket start, mean APR) of the funding cell `asset` on `venue` from `since`; samples
        of unknown APR are left out."""
        return [(b * bucket, apr) for b, apr in self._db.execute(
            "SELECT CAST(time / ? AS INTEGER) AS b, AVG(apr) FROM funding WHERE venue=? AND asset=? AND time >= ?"
            " AND apr IS NOT NULL GROUP BY b ORDER BY b", (bucket, venue, asset, since))]

    def intervals(self, asset: str, venue: str, since: float) -> list[tuple[float, float]]:
        """(time, interval hours) of every sample of the cell from `since` that says its interval."""
        return list(self._db.execute(
            "SELECT time, interval FROM funding WHERE venue=? AND asset=? AND time >= ? AND interval IS NOT NULL"
            " ORDER BY time", (venue, asset, since)))

    def stress_buckets(self, since: float, bucket: float) -> list[tuple[float, float]]:
        """(bucket start, highest index) from `since`; unknown readings left out."""
        return [(b * bucket, v) for b, v in self._db.execute(
            "SELECT CAST(time / ? AS INTEGER) AS b, MAX(value) FROM stress WHERE time >= ? AND value IS NOT NULL"
            " GROUP BY b ORDER BY b", (bucket, since))]

    def stress_drivers(self, since: float, at_least: float | None) -> list[tuple[float, tuple[str, ...]]]:
        """(time, drivers) of every sample from `since` whose index is at least `at_least`
        (None: every sample)."""
        low = -math.inf if at_least is None else at_least
        return [(t, tuple(json.loads(d))) for t, d in self._db.execute(
            "SELECT time, drivers FROM stress WHERE time >= ? AND value >= ? ORDER BY time", (since, low))]

    def equity_buckets(self, since: float, bucket: float) -> dict[str, list[tuple[float, float]]]:
        """Per account: (bucket start, the bucket's last equity) from `since`."""
        out: dict[str, list] = defaultdict(list)
        # A bare column beside one MAX() is the value of the row holding the maximum (SQLite).
        for acc, b, eq, _t in self._db.execute(
                "SELECT account, CAST(time / ? AS INTEGER) AS b, equity, MAX(time) FROM equity WHERE time >= ?"
                " GROUP BY account, b ORDER BY account, b", (bucket, since)):
            out[acc].append((b * bucket, eq))
        return dict(out)

    def book_buckets(self, since: float, bucket: float) -> list[tuple[float, float, float, float]]:
        """(bucket start, last equity, worst daily drawdown, worst peak drawdown) from `since`."""
        worst = {b: (dd, dp) for b, dd, dp in self._db.execute(
            "SELECT CAST(time / ? AS INTEGER) AS b, MAX(drawdown_daily), MAX(drawdown_peak) FROM book"
            " WHERE time >= ? GROUP BY b", (bucket, since))}
        return [(b * bucket, eq, *worst[b]) for b, eq, _t in self._db.execute(
            "SELECT CAST(time / ? AS INTEGER) AS b, equity, MAX(time) FROM book WHERE time >= ? GROUP BY b ORDER BY b",
            (bucket, since))]

    def payments(self, since: float) -> list[FundingPayment]:
        """Payments booked from `since`, oldest first."""
        return [FundingPayment(account=a, venue=v, symbol=s, asset=asset, time=t, amount=Decimal(amount),
                               currency=cur, id=i, rate=rate, notional=notional)
                for a, i, v, s, asset, t, amount, cur, rate, notional in self._db.execute(
                    "SELECT * FROM payments WHERE time >= ? ORDER BY time, account, id", (since,))]

    def last_payment(self, account: str) -> float | None:
        """The time of the newest payment booked on `account`."""
        return self._db.execute("SELECT MAX(time) FROM payments WHERE account=?", (account,)).fetchone()[0]

    def estimates(self, since: float) -> list[tuple[str, str, str, str, float, float, float, float]]:
        """(account, venue, symbol, asset, time, amount, rate, notional) from `since`."""
        return list(self._db.execute(
            "SELECT account, venue, symbol, asset, time, amount, rate, notional FROM estimates WHERE time >= ?"
            " ORDER BY time", (since,)))


__all__ = ["HistoryBounds", "HistoryStore", "history_path"]
