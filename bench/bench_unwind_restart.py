"""The unwind restart drill: a guided unwind run interrupted by SIGKILL, on a venue that survives.

    python -m bench unwind-restart            30 seeds x 30 kills
    python -m bench --quick unwind-restart    3 seeds x 5 kills
    python -m bench.bench_unwind_restart --seeds 5 --kills 10 [--first-seed N] [--target gross:30]
                                         [--negative-control send-before-journal|replan]

Per seed: the demo book (21 positions on 6 venues) is served as the paper venue in its own process
(`cockpit paper`, on bench/unwind-faults.toml: calm prices, and the fault mix on every call: 10%
429, 5% connection reset, 10% accepted-then-503, 5% truncated JSON; every order held and every
answer delayed up to 0.25 s; a 1.5 s receive window), and `cockpit guard --paper ... --journal ...
--unwind flat --unwind-id drill --order-grace 3` runs against it on one journal file: once every
account is reconciled it starts a flat unwind (about 21 steps, venues in parallel) and lets it run.
The guard is SIGKILLed `kills` times, restarted each time on the same journal, then left to finish.
Kill points: the moment the run is journaled (its row written or rewritten: a transition), the
moment an order row is written (journaled, resumed or answered), the moment an order reaches the
venue, and a random delay; once the run is over, a kill after a random delay, where the guard must
send nothing and start no second run. Checked at the end, from the venue's own order log and its
positions, and from the journal:

* duplicates and orphans (`bench.crashdrill.audit`): an order received again under a client id the
  venue had accepted; an order the venue holds that the journal lacks or holds as not sent, or the
  other way round;
* the positions are exactly the plan: each position at the venue is its starting size less what the
  run's steps planned to cut (flat: every position closed), none flipped, and the venue filled
  exactly the planned amount on each;
* no journal row left UNKNOWN (or INTENDED); exactly one run in the journal, DONE, every step DONE.

`tests/test_unwind_restart.py` runs a few seeds of it in CI.

Negative controls (each must fail): `send-before-journal` (`bench.crashdrill.SEND_BEFORE_JOURNAL`:
the guard sends each order before its journal row is written) and `second-run` (`SECOND_RUN`: a
restarted guard forgets the run in its journal and plans a new one under fresh ids instead of
resuming its own). Both are monkeypatches in the guard's own process only; nothing in the product
can switch the rules off. (Moving a restored run's unfinished steps to a fresh attempt, new intent
ids within the same run, is *not* caught, and rightly: an attempt's sizes come from what the
journal holds as filled by the attempts before it, and the executor checks every new order against
the position minus what is in flight, so the fresh ids cut nothing twice.)
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from bench.common import Figure
from bench import crashdrill
from bench.crashdrill import (
    OPEN_ROWS, ROOT, SEND_BEFORE_JOURNAL, DrillResult, ask, audit, env, kill, lines, over_seeds, peek, spawn, wait,
)

SCENARIO = ROOT / "bench" / "unwind-faults.toml"
DELAY = 0.25  # the paper venue's order and answer delays, at most (seconds)
RECV_WINDOW, GRACE = 1.5, 3.0  # as bench_restart: shorter than the defaults, the same rule
RUN_ID = "drill"

#: The second negative control: a restarted guard that forgets the run in its journal (it reads no
#: run back) plans a new one under a fresh run id, and so fresh intent ids, instead of resuming its
#: own: what "a restart continues a run, it never plans a second one" rules out. The drill must see
#: more than one run (and, on a gross target, positions cut past the plan).
SECOND_RUN = """
import sys
import cockpit.guard_unwind as guard_unwind
from cockpit.engine.journal import Journal

Journal.last_run = lambda self, shown=True: None  # the journal's runs are never read back
_start = guard_unwind.start_when_reconciled

async def start_when_reconciled(engine, target, run_id, say, poll=0.1):
    return await _start(engine, target, None, say, poll)  # a fresh run id every start

guard_unwind.start_when_reconciled = start_when_reconciled
from cockpit.cli import main
sys.exit(main(sys.argv[1:]))
"""

FAULTS = {"send-before-journal": SEND_BEFORE_JOURNAL, "second-run": SECOND_RUN}


@dataclass
class SeedResult(DrillResult):
    """What one seed's drill found (the kill points' states are the run's)."""

    runs: int = 0
    state: str = ""
    steps: int = 0  # cut steps in the plan
    positions: int = 0  # positions at the start
    off_plan: int = 0  # positions not where the plan leaves them (or flipped)
    seconds: float = 0.0


class Seen(NamedTuple):
    """The journal as the drill sees it from outside, between two kills."""

    runs: int = 0
    state: str = ""  # the newest run's state, "+open" while an order row is not resolved
    run_written: float = 0.0
    order_written: float = 0.0

    @property
    def over(self) -> bool:
        """The run is over with nothing in flight: nothing more will happen."""
        return self.state in ("done", "aborted")


def _seen(path: Path) -> Seen:
    """The journal now (read-only; empty before it exists)."""
    found = peek(path, "SELECT count(*), coalesce(max(updated), 0) FROM runs",
                 "SELECT state FROM runs ORDER BY started DESC LIMIT 1",
                 "SELECT coalesce(max(updated), 0) FROM orders", OPEN_ROWS)
    if found is None:
        return Seen()
    (runs, run_written), state, (order_written,), (open_rows,) = found
    state_text = state[0] if state else ""
    return Seen(runs, f"{state_text}+open" if open_rows else state_text, run_written, order_written)


def _positions(sock: Path) -> dict:
    """Every position at the paper venue, by `PositionKey` (asked until the fault mix lets it)."""
    from cockpit.venues.paper import open_paper

    out = {}
    for venue in open_paper(sock).venues:
        snap = _retry(lambda: ask(sock, "snapshot", venue.info.name))
        out.update({p.key: p for p in snap.positions})
    return out


def _retry(call, tries: int = 50):
    for _ in range(tries - 1):
        try:
            return call()
        except RuntimeError:  # a fault of the mix: ask again
            time.sleep(0.02)
    return call()


def _point(rng: random.Random, before: Seen) -> str:
    if before.over:
        return "delay"
    if not before.state:
        return rng.choice(("run", "run", "delay"))
    return rng.choice(("run", "written", "landed", "landed", "delay"))


def _aim(point: str, rng: random.Random, before: Seen, journal: Path, orders_log: Path, landed0: int) -> None:
    """Wait for the kill point `point` (module doc)."""
    if point == "delay":
        time.sleep(rng.uniform(0.0, 3.0 if not before.state else 1.5))
    elif point == "run":
        wait(lambda: (now := _seen(journal)).run_written > before.run_written or now.over, 20.0)
        time.sleep(rng.choice((0.0, 0.0, rng.uniform(0.0, 0.2))))
    elif point == "written":
        wait(lambda: (now := _seen(journal)).order_written > before.order_written or now.over, 15.0)
    else:
        wait(lambda: lines(orders_log) > landed0 or _seen(journal).over, 15.0)


def run_seed(seed: int, kills: int, workdir: Path, *, target: str = "flat", finish_timeout: float = 120.0,
             fault: str | None = None) -> SeedResult:
    """One seed of the drill (module doc), in `workdir`; the guard under the bootstrap `fault`
    (a negative control) when given."""
    rng = random.Random(seed)
    result = SeedResult(seed)
    started = time.monotonic()
    sock, journal, orders_log = workdir / "paper.sock", workdir / "journal.sqlite", workdir / "orders.jsonl"
    environ = env(XDG_DATA_HOME=str(workdir / "data"))  # the run's report goes here
    server = spawn(["paper", "--socket", str(sock), "--seed", str(seed), "--scenario", str(SCENARIO),
                    "--order-delay", str(DELAY), "--reply-delay", str(DELAY), "--recv-window", str(RECV_WINDOW),
                    "--orders-log", str(orders_log), "--duration", "3600"], workdir / "paper.log", environ=environ)
    guard_args = ["guard", "--paper", str(sock), "--journal", str(journal), "--order-grace", str(GRACE),
                  "--socket", str(workdir / "guard.sock"), "--unwind", target, "--unwind-id", RUN_ID,
                  "--duration", "3600"]

    def guard():
        return spawn(guard_args, workdir / "guard.log", bootstrap=fault, environ=environ)

    try:
        if not wait(sock.exists, 60, 0.05):
            raise RuntimeError(f"seed {seed}: the paper venue did not start (see {workdir / 'paper.log'})")
        before_positions = _positions(sock)
        for _ in range(kills):
            before, landed0 = _seen(journal), lines(orders_log)
            process = guard()
            point = _point(rng, before)
            _aim(point, rng, before, journal, orders_log, landed0)
            kill(process)
            result.kills += 1
            result.points[(point, _seen(journal).state or "none")] += 1
        process = guard()
        wait(lambda: _seen(journal).over, finish_timeout, 0.05)
        time.sleep(0.5)  # a last frame or two: nothing more must be sent
        kill(process)
        sent = lines(orders_log)
        process = guard()  # restarted once the run is over: no second run, no order
        time.sleep(2.5)
        kill(process)
        if lines(orders_log) != sent:
            result.problems.append(f"{lines(orders_log) - sent} orders sent by a guard restarted after the run")
        received = _retry(lambda: ask(sock, "received"))
        after_positions = _positions(sock)
    finally:
        kill(server)
    _check(result, journal, received, before_positions, after_positions)
    result.seconds = time.monotonic() - started
    return result


def _runs(journal) -> list:
    """Every run in the journal, oldest first (the drill's plan is the first one's)."""
    from cockpit.model import codec

    where = f"{journal.path}: runs"
    return [codec.decode(codec.loads(body, source=where), source=where)
            for (body,) in journal._db.execute("SELECT body FROM runs ORDER BY started")]


def _check(result: SeedResult, journal_path: Path, received, before: dict, after: dict) -> None:
    from cockpit.engine.journal import Journal
    from cockpit.model.unwind import StepKind, TargetKind

    journal = Journal(journal_path)
    try:
        rows = {r.client_id: r for r in journal.rows()}
        runs = _runs(journal)
    finally:
        journal.close()
    found = audit(received, rows)
    result.duplicates, result.orphans, result.unknown = found.duplicates, found.orphans, found.unknown
    result.refused, result.orders = found.refused, len(found.accepted)
    problems = result.problems
    problems += found.problems
    result.positions, result.runs = len(before), len(runs)
    if len(runs) != 1:
        problems.append(f"{len(runs)} runs in the journal")
    if not runs:
        return
    run = runs[0]
    result.state = run.state.value
    if result.state != "done":
        problems.append(f"the run ended {result.state}: {run.note}")
    cuts = [s for s in run.steps if s.kind is StepKind.CUT]
    result.steps = len(cuts)
    problems += [f"step {s.seq} ended {s.status.value}: {s.detail}" for s in cuts if s.status.value != "done"]
    planned: Counter = Counter()
    for s in cuts:
        planned[s.key] += s.amount
    if run.target.kind is TargetKind.FLAT:
        # Flat means every position closed, whatever the plan says: a plan that leaves one out
        # (an account it could not see) has not reached the target.
        missing = [key for key in before if key not in planned]
        problems += [f"{key}: not in the flat plan" for key in missing]
        planned.update({key: before[key].order_size for key in missing})
    _check_positions(result, planned, found.accepted, before, after)


def _check_positions(result: SeedResult, planned: Counter, accepted: dict, before: dict, after: dict) -> None:
    """Each position where the plan leaves it (flat: closed), none flipped, none opened, and the
    venue filled exactly the planned amount on each."""
    problems = result.problems
    filled: Counter = Counter()
    for entry in accepted.values():
        filled[(entry["account"], entry["symbol"])] += Decimal(entry["filled"])
    for key, p in before.items():
        left = after.get(key)
        want = p.order_size - planned.get(key, Decimal(0))
        size = left.order_size if left is not None else Decimal(0)
        flipped = left is not None and left.side is not p.side
        if flipped or size != want or filled[(key.account, key.symbol)] != planned.get(key, Decimal(0)):
            result.off_plan += 1
            problems.append(f"{key}: {p.side.value} {p.order_size} at the start, {left.side.value + ' ' if left else ''}"
                            f"{size} at the end, the plan leaves {want}; the venue filled "
                            f"{filled[(key.account, key.symbol)]}")
    for key in set(after) - set(before):
        result.off_plan += 1
        problems.append(f"{key}: a position the run opened")


def drill(seeds: int, kills: int, first_seed: int = 1, *, keep: bool = False, jobs: int = 2,
          report=print, fault: str | None = None, target: str = "flat") -> list[SeedResult]:
    """Run `seeds` seeds of `kills` kills each, `jobs` at a time; `report` gets one line per seed."""

    def one(seed: int, tmp: Path) -> SeedResult:
        r = run_seed(seed, kills, tmp, fault=fault, target=target)
        during = sum(v for (_, st), v in r.points.items() if st not in ("done", "aborted", "none", ""))
        report(r.line(f"{during} during the run", f"{r.steps} steps, off plan {r.off_plan}, runs {r.runs} {r.state}",
                      r.seconds, str(tmp) if keep else ""))
        return r

    return over_seeds(one, seeds, first_seed, jobs=jobs, keep=keep, prefix="unwind")


def figures(results: list[SeedResult]) -> list[Figure]:
    """The drill's figures: every count must be 0."""
    n = len(results)
    points: Counter = Counter()
    for r in results:
        points.update(r.points)
    during = sum(v for (_, st), v in points.items() if st.split("+")[0] in ("ready", "running", "waiting", "verifying"))
    seconds = [r.seconds for r in results]
    return [
        Figure("unwind-restart: seeds x kills", n * (results[0].kills if results else 0), "", note=f"{n} seeds"),
        Figure("unwind-restart: kills while the run was not over", during, ""),
        Figure("unwind-restart: kills with an order journaled and not yet resolved",
               sum(v for (_, st), v in points.items() if st.endswith("+open")), ""),
        Figure("unwind-restart: cut steps per run, median", statistics.median([r.steps for r in results]) if n else 0, ""),
        Figure("unwind-restart: orders the venue accepted", sum(r.orders for r in results), ""),
        Figure("unwind-restart: duplicate orders", sum(r.duplicates for r in results), "", target=0),
        Figure("unwind-restart: orphans (venue vs journal)", sum(r.orphans for r in results), "", target=0),
        Figure("unwind-restart: journal rows left UNKNOWN/INTENDED", sum(r.unknown for r in results), "", target=0),
        Figure("unwind-restart: positions not as planned", sum(r.off_plan for r in results), "", target=0),
        Figure("unwind-restart: seeds without exactly one run, DONE", sum(r.runs != 1 or r.state != "done"
                                                                             for r in results), "", target=0),
        Figure("unwind-restart: seeds failing any check", sum(not r.ok for r in results), "", target=0),
        Figure("unwind-restart: orders the venue refused", sum(len(r.refused) for r in results), ""),
        Figure("unwind-restart: seconds per seed, median", statistics.median(seconds) if seconds else 0, "s"),
    ]


def run(quick: bool = False) -> list[Figure]:
    """The bench suite: 30 seeds x 30 kills, the issue's scale (quick: 3 x 5)."""
    seeds, kills = (3, 5) if quick else (30, 30)
    return figures(drill(seeds, kills, report=lambda line: print("#", line, flush=True)))


def main(argv: list[str]) -> int:
    """`python -m bench.bench_unwind_restart [--seeds N] [--kills K] ...` (module doc)."""
    parser = crashdrill.parser("python -m bench.bench_unwind_restart", __doc__)
    parser.add_argument("--target", default="flat", help="the run's target: flat or gross:N (default flat)")
    parser.add_argument("--negative-control", choices=sorted(FAULTS),
                        help="run the guard with a rule broken (fault injection): must fail")
    args = parser.parse_args(argv)
    started = time.monotonic()
    results = drill(args.seeds, args.kills, args.first_seed, keep=args.keep, jobs=args.jobs, target=args.target,
                    fault=FAULTS.get(args.negative_control or ""))
    return crashdrill.report(args, started, results, figures)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
