"""What the SIGKILL drills share (`bench_restart`: a kill-switch cut; `bench_unwind_restart`: a
guided unwind run): processes spawned as a user runs them, the paper venue asked from outside,
waiting on files, the negative control's bootstrap, and the audit of the venue's own order log
against the journal (duplicates, orphans, rows left unresolved)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def env(**extra: str) -> dict[str, str]:
    """The environment a drill's processes run in: this checkout first on the path, plus `extra`."""
    out = dict(os.environ, **extra)
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), out.get("PYTHONPATH", "")) if p)
    return out


#: Fault injection for the negative controls, run as `python -c SEND_BEFORE_JOURNAL guard ...`: the
#: guard journals each new order only after the venue has answered it, so a kill between the two
#: leaves an order the venue holds and the journal lacks (an orphan), which a restart sends again
#: under the same id (a duplicate). A monkeypatch in the guard's own process: the product has no switch.
SEND_BEFORE_JOURNAL = """
import sys
from cockpit.engine.journal import Journal
from cockpit.venues.paper import PaperVenue

_record, _place = Journal.record, PaperVenue.place_order
_unwritten = {}  # client id -> (journal, the record arguments): journaled only once answered

def record(self, request, **kwargs):
    if self.get(request.client_id) is not None:
        return _record(self, request, **kwargs)  # already journaled: the rule's own answer
    _unwritten[request.client_id] = (self, kwargs)
    return True  # "fresh": the executor goes on to send it

async def place_order(self, request):
    try:
        return await _place(self, request)  # the order leaves before its row exists
    finally:
        held = _unwritten.pop(request.client_id, None)
        if held is not None:
            _record(held[0], request, **held[1])

Journal.record, PaperVenue.place_order = record, place_order
from cockpit.cli import main
sys.exit(main(sys.argv[1:]))
"""


def spawn(args: list[str], log: Path, *, bootstrap: str | None = None,
          environ: dict[str, str] | None = None) -> subprocess.Popen:
    """`cockpit ARGS` in its own process, output to `log`; under `bootstrap` (python -c) if given."""
    head = ["-m", "cockpit"] if bootstrap is None else ["-c", bootstrap]
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, *head, *args], stdout=out, stderr=subprocess.STDOUT,
                                env=environ or env(), cwd=ROOT)


def ask(path: Path, op: str, account: str = "") -> object:
    """One request to the paper venue, blocking (`received`; `snapshot` of an account)."""
    from cockpit.model.wire import decode, dumps, loads

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(30)
        sock.connect(str(path))
        sock.sendall(dumps({"id": 1, "op": op, "account": account}))
        line = sock.makefile("rb").readline()
    if not line:
        raise RuntimeError(f"paper venue: {op} {account}: the connection was reset (a fault)")
    reply = loads(line)
    if "ok" not in reply:
        raise RuntimeError(f"paper venue: {op} {account}: {reply.get('error')}")
    return decode(reply["ok"])


OPEN_ROWS = "SELECT count(*) FROM orders WHERE status IN ('intended','open','partial','unknown')"


def peek(path: Path, *queries: str) -> list[tuple] | None:
    """Each query's first row from the journal at `path`, read-only, from outside the guard;
    None before the journal exists or while it cannot be read."""
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return [db.execute(q).fetchone() for q in queries]
        finally:
            db.close()
    except sqlite3.Error:
        return None


def lines(path: Path) -> int:
    """How many lines `path` has (0 before it exists)."""
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def wait(condition, timeout: float, step: float = 0.002) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return False


def kill(process: subprocess.Popen) -> None:
    """SIGKILL `process` (one the drill started) and reap it."""
    process.kill()
    process.wait()


@dataclass
class DrillResult:
    """What one seed of a drill found: what every drill counts (each adds its own)."""

    seed: int
    kills: int = 0
    duplicates: int = 0
    orphans: int = 0
    unknown: int = 0
    orders: int = 0  # orders the venue accepted
    refused: list[str] = field(default_factory=list)  # orders the venue refused, and why
    points: Counter = field(default_factory=Counter)  # (kill point, state at the kill)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every invariant holds."""
        return not self.problems

    def line(self, during: str, detail: str, seconds: float, kept: str = "") -> str:
        """One line for the seed: its kills (`during`: how many hit the workflow), the counts,
        the drill's own `detail`, and the first problems."""
        return (f"seed {self.seed:3d}: {self.kills} kills ({during}), {self.orders} orders, dup {self.duplicates}, "
                f"orphans {self.orphans}, unknown {self.unknown}, {detail}"
                f"{f', venue refused {len(self.refused)}' if self.refused else ''}"
                f"{'' if self.ok else '  FAIL: ' + '; '.join(self.problems[:3] + self.refused[:3])}"
                f"  ({seconds:.0f} s{', kept ' + kept if kept else ''})")


SENT = ("filled", "open", "partial")  # journal statuses of an order the venue holds


@dataclass
class Audit:
    """The venue's own order log against the journal.

    duplicates: an order received under a client id the venue had already accepted (a venue that
        does not dedup ids would have executed it twice);
    orphans: an order the venue accepted that the journal lacks or holds as not sent, or one the
        journal holds as sent that the venue lacks;
    unknown: journal rows left UNKNOWN or INTENDED;
    accepted: the venue's accepted orders by client id; refused: the orders it refused, and why.
    """

    duplicates: int = 0
    orphans: int = 0
    unknown: int = 0
    accepted: dict[str, dict] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def audit(received, rows: dict) -> Audit:
    """Audit the venue's log `received` against the journal's `rows` (by client id)."""
    out = Audit()
    for entry in received:
        if not entry["accepted"]:
            # Not a fault by itself: a refused order is final (the drill's own check says whether
            # its position fell short of the plan; this says why).
            out.refused.append(f"{entry['client_id']}: {entry.get('detail', '')}")
        if entry["client_id"] in out.accepted:
            out.duplicates += 1
            out.problems.append(f"order {entry['client_id']} received again after it was accepted")
        if entry["accepted"]:
            out.accepted[entry["client_id"]] = entry
    for cid in out.accepted:
        if cid not in rows or rows[cid].status.value not in SENT:
            out.orphans += 1
            out.problems.append(f"the venue holds {cid}, the journal has it "
                                f"{rows[cid].status.value if cid in rows else 'not at all'}")
    for cid, row in rows.items():
        if row.status.value in SENT and cid not in out.accepted:
            out.orphans += 1
            out.problems.append(f"the journal has {cid} {row.status.value}, the venue does not")
        if row.status.value in ("unknown", "intended"):
            out.unknown += 1
            out.problems.append(f"journal row {cid} left {row.status.value}")
    return out


def over_seeds(one, seeds: int, first_seed: int, *, jobs: int, keep: bool, prefix: str) -> list:
    """`one(seed, workdir)` for each seed, `jobs` at a time (they mostly wait), each in a fresh
    directory, removed afterwards unless `keep`."""

    def seed_in_dir(seed: int):
        tmp = tempfile.mkdtemp(prefix=f"{prefix}-{seed}-")
        try:
            return one(seed, Path(tmp))
        finally:
            if not keep:
                shutil.rmtree(tmp, ignore_errors=True)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(seed_in_dir, range(first_seed, first_seed + seeds)))


def parser(prog: str, doc: str) -> argparse.ArgumentParser:
    """A drill's command line: --seeds, --kills, --first-seed, --jobs, --keep (each adds its own)."""
    out = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    out.add_argument("--seeds", type=int, default=30)
    out.add_argument("--kills", type=int, default=30)
    out.add_argument("--first-seed", type=int, default=1)
    out.add_argument("--jobs", type=int, default=2, help="seeds run at once (default 2)")
    out.add_argument("--keep", action="store_true", help="keep each seed's directory (journal, logs)")
    return out


def report(args, started: float, results: list, figures) -> int:
    """Print a drill's figures and its verdict as JSON; 0 when every seed held every invariant."""
    print(f"# {args.seeds} seeds x {args.kills} kills in {time.monotonic() - started:.0f} s")
    for figure in figures(results):
        print(figure.line())
    ok = all(r.ok for r in results)
    print(json.dumps({"ok": ok}))
    return 0 if ok else 1
