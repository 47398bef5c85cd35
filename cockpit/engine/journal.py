"""The order journal: every order is written here before it is sent.

SQLite in WAL mode with `synchronous=FULL`, so a row committed before a request left the process
survives a crash. After a restart the engine reads the rows that are not terminal and resolves
each one by looking it up at the venue by client id (see `Executor.reconcile`).

It also holds every guided unwind run (`runs`: the whole `UnwindRun` in the model's exact codec,
rewritten at every transition before the transition takes effect), so a restart resumes the run at
the same step with the same intent ids.

It also holds the kill switch's latch (`kill_latch`, one row) and its episodes' frozen plans
(`kill_plan`, one row per planned position), written in one transaction whenever the latch
changes and before any order of a plan can be sent, so a restart resumes the same episode with
the same intent ids instead of planning a second cut.

The engine reads the orders on its hot path (every frame, every poll, every pass of the resolver):
which are in flight, what each account has filled, which were declared absent. Every order row is
written here (`record`, `set_status`), so the journal knows when they change: those reads are kept
in memory and read from SQLite again only after a write (`version` counts the writes). A journal
opened after a restart starts with nothing kept, so the first read is from the file.

One engine writes a journal: a file journal is held by an exclusive lock on `<path>.lock` for as
long as it is open, so a second cockpit or guard on the same file is refused with one line
(`JournalBusy`) instead of two kill switches writing one journal, or SQLite's "database is
locked" mid-run.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sqlite3
import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cockpit.engine.transaction import transaction
from cockpit.model import codec
from cockpit.model.unwind import UnwindRun
from cockpit.model import (
    IN_FLIGHT, Intent, IntentSource, KillLatch, KillStatus, Order, OrderRequest, OrderStatus, PlannedCut, PositionKey,
    Side, WorkingOrder,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
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
    detail      TEXT NOT NULL DEFAULT '',
    average     TEXT,
    fee         REAL NOT NULL DEFAULT 0,
    type        TEXT NOT NULL DEFAULT 'market',
    price       TEXT
);
CREATE INDEX IF NOT EXISTS orders_open ON orders(status);
CREATE TABLE IF NOT EXISTS kill_latch (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    status        TEXT NOT NULL,
    cause         TEXT NOT NULL,
    cause_trigger TEXT NOT NULL,
    since         REAL,
    episodes      INTEGER NOT NULL,
    episode       TEXT,
    episode_since REAL,
    updated       REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS kill_plan (
    episode   TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    key       TEXT NOT NULL,
    size      REAL NOT NULL,
    mark      REAL NOT NULL,
    cut       REAL NOT NULL,
    intent_id TEXT,
    account   TEXT,
    symbol    TEXT,
    source    TEXT,
    reason    TEXT,
    fraction  REAL,
    amount    TEXT,
    PRIMARY KEY (episode, key)
);
CREATE TABLE IF NOT EXISTS runs (
    id        TEXT PRIMARY KEY,
    state     TEXT NOT NULL,
    body      TEXT NOT NULL,
    dismissed INTEGER NOT NULL DEFAULT 0,
    started   REAL NOT NULL,
    updated   REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    time   REAL NOT NULL,
    kind   TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""

#: The detail of a row declared never to have reached the venue: the venue did not know it on two
#: look-ups a grace period apart. Such a row is watched for a while in case it lands late.
ABSENT = "never reached the venue"


@dataclass(frozen=True, kw_only=True)
class JournalRow(WorkingOrder):
    """One order as the journal knows it: the `WorkingOrder` (the `Order`, with the intent that
    asked for it, when it was journaled and what the journal noted), and when it last changed."""

    updated: float

    def request(self) -> OrderRequest:
        """The order as it was (or will be) sent: resending uses the same client id."""
        return OrderRequest(
            client_id=self.client_id,
            account=self.account,
            symbol=self.symbol,
            side=self.side,
            amount=self.amount,
            reduce_only=self.reduce_only,
            type=self.type,
            price=self.price,
        )

    def working(self) -> WorkingOrder:
        """The row as the frame carries it (`Frame.working`): all of it but `updated`."""
        return WorkingOrder(**{name: getattr(self, name) for name in _WORKING_FIELDS})


#: The fields of a `WorkingOrder`, which a `JournalRow` has with `updated`.
_WORKING_FIELDS = tuple(f.name for f in dataclasses.fields(WorkingOrder))


class JournalBusy(Exception):
    """Another process (or another `Journal` of this one) holds this journal file."""

    def __init__(self, path: str, holder: str) -> None:
        who = f"pid {holder}" if holder else "a process that did not say its pid"
        super().__init__(f"journal {path} is in use by another cockpit or guard ({who}); stop it, "
                         f"or give this one another --journal")
        self.path = path


def _hold(path: str) -> int:
    """Take the journal's lock file (`<path>.lock`, 0600) and write our pid in it.

    `flock` locks are dropped by the kernel when their holder dies, however it dies, so a
    SIGKILLed guard never leaves a journal locked. Raises `JournalBusy` when it is held.
    """
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise JournalBusy(path, holder) from None
        raise
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _connect(path: str) -> sqlite3.Connection:
    """The journal's database, in WAL mode with every commit synced, its tables created."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(_SCHEMA)
        _migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def _with_defaults(data: object, classes: dict[str, type]) -> object:
    """`data` (a run as a cockpit of any version journaled it, as JSON) with every object given
    the fields its class gained since, at their defaults: the codec decodes strictly (it never
    reads a missing field as a default on the wire), and a run journaled before an upgrade must
    still be restored, not stop the engine."""
    if isinstance(data, list):
        return [_with_defaults(v, classes) for v in data]
    if not isinstance(data, dict):
        return data
    out = {k: _with_defaults(v, classes) for k, v in data.items()}
    cls = classes.get(out["$t"]) if isinstance(out.get("$t"), str) else None
    if cls is not None and dataclasses.is_dataclass(cls):
        for f in dataclasses.fields(cls):
            if f.init and f.name not in out and f.default is not dataclasses.MISSING:
                out[f.name] = codec.encode(f.default)
    return out


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a journal written by an older cockpit up to this schema (columns added since)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(orders)")}
    for column, kind in (("average", "TEXT"), ("fee", "REAL NOT NULL DEFAULT 0"),
                         ("type", "TEXT NOT NULL DEFAULT 'market'"), ("price", "TEXT")):
        if column not in have:
            db.execute(f"ALTER TABLE orders ADD COLUMN {column} {kind}")


class Journal:
    """Append-mostly SQLite store of orders and engine events.

    Args:
        path: a file, or ":memory:" (the simulator demo keeps no journal across runs).

    Attributes:
        version: how many order writes this journal has made: what was made from the orders (the
            frame's working orders) is good while it stays the same.

    Raises:
        JournalBusy: the file is held by another open `Journal` (this process or another).
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock: int | None = None
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._lock = _hold(self.path)  # before SQLite opens it: one writer, or none
        self.version = 0  # order writes so far: what was read of the orders is good until it moves
        self._kept: dict[object, object] = {}  # the hot path's reads of the orders, as of `version`
        try:
            if self._lock is not None and not Path(self.path).exists():
                # Created 0600: it holds order flow (never secrets, but still private).
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = _connect(self.path)
        except BaseException:  # not a database, unwritable…: the next open must not find it held
            self._release()
            raise

    def close(self) -> None:
        """Close the database, then let another engine have the file."""
        self._db.close()
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor drops the flock
            self._lock = None

    def _changed(self) -> None:
        """An order row was (or may have been) written: what was kept of the orders is read again."""
        self.version += 1
        self._kept.clear()

    def _kept_or(self, key: object, read):
        """The value kept under `key` since the last order write, else `read()` (then kept)."""
        try:
            return self._kept[key]
        except KeyError:
            value = self._kept[key] = read()
            return value

    def record(self, request: OrderRequest, *, intent_id: str, source: IntentSource, reason: str,
               now: float) -> bool:
        """Write an order before it is sent. False when this client id is already journaled."""
        try:
            self._db.execute(
                "INSERT INTO orders (client_id, intent_id, account, symbol, side, amount, reduce_only,"
                " status, source, reason, created, updated, type, price) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    request.client_id, intent_id, request.account, request.symbol,
                    request.side.value, str(request.amount), int(request.reduce_only),
                    OrderStatus.INTENDED.value, source.value, reason, now, now, request.type,
                    None if request.price is None else str(request.price),
                ),
            )
        except sqlite3.IntegrityError:
            return False
        finally:
            self._changed()
        return True

    def set_status(
        self, client_id: str, status: OrderStatus, *, now: float, filled: Decimal | None = None, detail: str = "",
        average: Decimal | None = None, fee: float | None = None,
    ) -> None:
        """Move an order to `status` (and record how much is filled, at what average price and
        fee when the venue said)."""
        try:
            self._set_status(client_id, status, now=now, filled=filled, detail=detail, average=average, fee=fee)
        finally:  # even half written (the second statement failed), nothing kept is trusted
            self._changed()

    def _set_status(self, client_id: str, status: OrderStatus, *, now: float, filled: Decimal | None,
                    detail: str, average: Decimal | None, fee: float | None) -> None:
        if average is not None or fee is not None:
            self._db.execute("UPDATE orders SET average=COALESCE(?, average), fee=COALESCE(?, fee) WHERE client_id=?",
                             (None if average is None else str(average), fee, client_id))
        if filled is None:
            self._db.execute(
                "UPDATE orders SET status=?, updated=?, detail=? WHERE client_id=?",
                (status.value, now, detail, client_id),
            )
        else:
            self._db.execute(
                "UPDATE orders SET status=?, filled=?, updated=?, detail=? WHERE client_id=?",
                (status.value, str(filled), now, detail, client_id),
            )

    def get(self, client_id: str) -> JournalRow | None:
        """The row of `client_id`, if journaled."""
        cur = self._db.execute("SELECT * FROM orders WHERE client_id=?", (client_id,))
        row = cur.fetchone()
        return None if row is None else _row(row)

    def open_orders(self, account: str | None = None) -> list[JournalRow]:
        """Rows that may still change a position (intended, open, partial, unknown), oldest first."""
        rows = self._kept_or("open", self._read_open)
        return [row for row in rows if account is None or row.account == account]

    def _read_open(self) -> tuple[JournalRow, ...]:
        marks = ",".join("?" for _ in IN_FLIGHT)
        sql = f"SELECT * FROM orders WHERE status IN ({marks}) ORDER BY created"
        return tuple(_row(r) for r in self._db.execute(sql, [s.value for s in IN_FLIGHT]))

    def in_flight(self, account: str, symbol: str) -> Decimal:
        """How much of (account, symbol) is already being closed by orders not yet done."""
        return sum((row.remaining for row in self.open_orders(account) if row.symbol == symbol), Decimal(0))

    def declared_absent(self, since: float, account: str | None = None) -> list[JournalRow]:
        """Rows declared never to have reached the venue (`ABSENT`) at or after `since`.

        They are watched for a while: an order that lands late must be corrected to filled.
        """
        # Kept from `since` on: the engine asks from a moving horizon, which only moves forward.
        kept = self._kept.get("absent")
        if kept is None or kept[0] > since:
            kept = self._kept["absent"] = (since, self._read_absent(since))
        return [row for row in kept[1] if row.updated >= since and (account is None or row.account == account)]

    def _read_absent(self, since: float) -> tuple[JournalRow, ...]:
        sql = "SELECT * FROM orders WHERE status=? AND substr(detail, 1, ?)=? AND updated>=? ORDER BY created"
        return tuple(_row(r) for r in self._db.execute(sql, (OrderStatus.CANCELED.value, len(ABSENT), ABSENT, since)))

    def filled_total(self, account: str) -> dict[str, Decimal]:
        """How much our orders have filled on `account`, by symbol, over the whole journal."""
        return dict(self._kept_or(("filled", account), lambda: self._read_filled(account)))

    def _read_filled(self, account: str) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for symbol, filled in self._db.execute("SELECT symbol, filled FROM orders WHERE account=?", (account,)):
            totals[symbol] = totals.get(symbol, Decimal(0)) + Decimal(filled)
        return totals

    def rows(self) -> list[JournalRow]:
        """Every order, oldest first."""
        return [_row(r) for r in self._db.execute("SELECT * FROM orders ORDER BY created")]

    def save_latch(self, latch: KillLatch, *, now: float) -> None:
        """Write the kill switch's latch and its episode's plan (rows already written stay: a
        plan is frozen once made), in one transaction."""
        with transaction(self._db, "BEGIN IMMEDIATE") as db:
            db.execute(
                "INSERT OR REPLACE INTO kill_latch (id, status, cause, cause_trigger, since, episodes, episode,"
                " episode_since, updated) VALUES (1,?,?,?,?,?,?,?,?)",
                (latch.status.value, latch.cause, latch.cause_trigger, latch.since, latch.episodes,
                 latch.episode, latch.episode_since, now),
            )
            for seq, row in enumerate(latch.plan):
                i = row.intent
                db.execute(
                    "INSERT OR IGNORE INTO kill_plan (episode, seq, key, size, mark, cut, intent_id, account,"
                    " symbol, source, reason, fraction, amount) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (latch.episode, seq, str(row.key), row.size, row.mark, row.cut,
                     *((i.id, i.account, i.symbol, i.source.value, i.reason, i.fraction,
                        None if i.amount is None else str(i.amount)) if i is not None else (None,) * 7)),
                )

    def load_latch(self) -> KillLatch | None:
        """The journaled latch with its episode's plan, or None when none was ever written."""
        found = self._db.execute(
            "SELECT status, cause, cause_trigger, since, episodes, episode, episode_since FROM kill_latch"
        ).fetchone()
        if found is None:
            return None
        status, cause, trigger, since, episodes, episode, episode_since = found
        return KillLatch(status=KillStatus(status), cause=cause, cause_trigger=trigger, since=since,
                         episodes=episodes, episode=episode, episode_since=episode_since,
                         plan=self.plans().get(episode, ()))

    def plans(self) -> dict[str, tuple[PlannedCut, ...]]:
        """Every episode's frozen plan, by episode id, each in the order it was planned."""
        out: dict[str, list[PlannedCut]] = {}
        for (episode, key, size, mark, cut, intent_id, account, symbol, source, reason, fraction,
             amount) in self._db.execute(
            "SELECT episode, key, size, mark, cut, intent_id, account, symbol, source, reason, fraction,"
            " amount FROM kill_plan ORDER BY episode, seq"
        ):
            intent = None if intent_id is None else Intent(
                id=intent_id, account=account, symbol=symbol, source=IntentSource(source), reason=reason,
                fraction=fraction, amount=None if amount is None else Decimal(amount))
            out.setdefault(episode, []).append(PlannedCut(PositionKey.parse(key), size, mark, cut, intent))
        return {k: tuple(v) for k, v in out.items()}

    def save_run(self, run: UnwindRun, *, now: float, dismissed: bool = False) -> None:
        """Write `run` as it is now (one transaction, synced: it is read back after a crash)."""
        self._db.execute(
            "INSERT INTO runs (id, state, body, dismissed, started, updated) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET state=excluded.state, body=excluded.body,"
            " dismissed=excluded.dismissed, updated=excluded.updated",
            (run.id, run.state.value, codec.dumps(codec.encode(run)).decode(), int(dismissed), run.started, now),
        )

    def last_run(self, *, shown: bool = True) -> UnwindRun | None:
        """The newest run (with `shown`, only one not dismissed), as journaled."""
        sql = "SELECT body FROM runs" + (" WHERE dismissed=0" if shown else "") + " ORDER BY started DESC LIMIT 1"
        row = self._db.execute(sql).fetchone()
        if row is None:
            return None
        where = f"{self.path}: runs"
        return codec.decode(_with_defaults(codec.loads(row[0], source=where), codec.registered()), source=where)

    def run_orders(self, run_id: str) -> list[JournalRow]:
        """Every order a run sent (its intent ids start with ``unwind:<run id>:``), oldest first."""
        cur = self._db.execute("SELECT * FROM orders WHERE intent_id LIKE ? ORDER BY created, client_id",
                               (f"unwind:{run_id}:%",))
        return [_row(r) for r in cur.fetchall()]

    def event(self, kind: str, now: float, **detail: object) -> None:
        """Append an engine event (kill-switch transition, reconciliation, error)."""
        self._db.execute(
            "INSERT INTO events (time, kind, detail) VALUES (?,?,?)",
            (now, kind, json.dumps(detail, default=str, sort_keys=True)),
        )

    def events(self, kind: str | None = None) -> list[tuple[float, str, dict]]:
        """Events, oldest first, optionally of one kind."""
        sql, args = "SELECT time, kind, detail FROM events", ()
        if kind is not None:
            sql, args = sql + " WHERE kind=?", (kind,)
        return [(t, k, json.loads(d)) for t, k, d in self._db.execute(sql + " ORDER BY id", args)]


def _row(r: tuple) -> JournalRow:
    (client_id, intent_id, account, symbol, side, amount, filled, reduce_only, status, source, reason,
     created, updated, detail, average, fee, kind, price) = r
    return JournalRow(
        client_id=client_id, intent_id=intent_id, account=account, symbol=symbol, side=Side(side),
        amount=Decimal(amount), filled=Decimal(filled), reduce_only=bool(reduce_only),
        status=OrderStatus(status), source=IntentSource(source),
        reason=reason, created=created, updated=updated, detail=detail,
        average=None if average is None else Decimal(average), fee=fee or 0.0,
        type=kind, price=None if price is None else Decimal(price),
    )
