"""The restart drill: an auto-mode kill-switch cut interrupted by SIGKILL, on a venue that survives.

    python -m bench restart            30 seeds x 30 kills (about half an hour on two cores)
    python -m bench --quick restart    3 seeds x 5 kills
    python -m bench.bench_restart --seeds 5 --kills 10 [--first-seed N] [--negative-control]

Per seed: the simulator is served as the paper venue in its own process (`cockpit paper`, on
bench/restart-squeeze.toml: funding spikes across the market at 1 min while prices stay calm, so
nothing is liquidated and every planned cut must land exactly; speed 60; every order held and every
answer delayed up to 0.25 s; a 1.5 s receive window), and `cockpit guard --auto --paper ...
--journal ... --order-grace 3` runs against it on one journal file. The guard is SIGKILLed `kills`
times, restarted each time on the same journal, then left to finish. Kill points: before the trip,
the moment the plan is journaled; during the cut, the moment an order row is written (journaled,
resumed or answered) or an order reaches the venue; a random delay at any stage (after the cut,
it checks that HALTED survives); and, once the cut is done, twice more after a few seconds each,
where the guard must send nothing and stay HALTED. Checked at the end, from the venue's own log of every order it
received and from the journal:

* duplicates: an order received under a client id the venue had already accepted (a venue that
  does not dedup ids would have executed it twice), or a second accepted order for one position;
* orphans: an order the venue accepted that the journal lacks or holds as not sent, or one the
  journal holds as sent that the venue lacks;
* the cut: one episode, one plan, and every planned position cut by exactly its planned amount
  (so the cut is the planned 30% of the starting gross, not more);
* no journal row left UNKNOWN (or INTENDED), and the switch HALTED.

`tests/test_restart.py` runs a few seeds of it in CI.

The negative control (`--negative-control`, `drill(..., fault=SEND_BEFORE_JOURNAL)`): the guard runs
under a bootstrap that monkeypatches it, in its own process only, to send each order *before* its
journal row is written (the row is written once the venue has answered). Nothing in the product can
switch that rule off; the drill run this way must report duplicates or orphans, which shows that
the drill can see what journal-before-send prevents (`tests/test_restart.py` asserts it does).
"""

from __future__ import annotations

import os
import random
import signal
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
from bench.crashdrill import OPEN_ROWS, ROOT, SEND_BEFORE_JOURNAL, DrillResult, audit, over_seeds, peek
from bench.crashdrill import ask as _ask
from bench.crashdrill import lines as _lines
from bench.crashdrill import spawn as _spawn
from bench.crashdrill import wait as _wait

__all__ = ["SEND_BEFORE_JOURNAL", "drill", "figures", "run", "run_seed"]
SPEED = 60.0
DELAY = float(os.environ.get("RESTART_DELAY", "0.25"))  # the paper venue's order and answer delays, at most (seconds)
# The venue refuses an order that arrives later than this after it was sent; the guard waits
# longer than that before it calls an order the venue does not know never sent. Shorter than the
# defaults (5 s, 10 s) so the drill runs in minutes; the same rule.
RECV_WINDOW, GRACE = 1.5, 3.0
SCENARIO = ROOT / "bench" / "restart-squeeze.toml"


@dataclass
class SeedResult(DrillResult):
    """What one seed's drill found (the kill points' states are the switch's)."""

    episodes: int = 0
    status: str = ""
    planned: float = 0.0  # the plan's cut, fraction of its starting gross at the plan's marks
    executed: float = 0.0  # what the venue filled, the same way
    exact: bool = False  # every planned position cut by exactly its planned amount
    intents: int = 0  # orders the plan asked for


class Seen(NamedTuple):
    """The journal as the drill sees it from outside, between two kills."""

    rows: int = 0  # order rows
    plans: int = 0  # planned positions
    status: str = ""  # the latch's status, "+open" while an order row is not resolved
    written: float = 0.0  # the last time an order row was written

    @property
    def halted(self) -> bool:
        """HALTED with nothing in flight: nothing more will happen."""
        return self.status == "HALTED"


def _seen(path: Path) -> Seen:
    """The journal now (read-only; empty before it exists)."""
    found = peek(path, "SELECT count(*), coalesce(max(updated), 0) FROM orders", "SELECT count(*) FROM kill_plan",
                 "SELECT status FROM kill_latch", OPEN_ROWS)
    if found is None:
        return Seen()
    (rows, written), (plans,), latch, (open_rows,) = found
    status = latch[0] if latch else ""
    return Seen(rows, plans, f"{status}+open" if open_rows else status, written)


def run_seed(seed: int, kills: int, workdir: Path, *, speed: float = SPEED, finish_timeout: float = 90.0,
             after_halt: int = 2, fault: str | None = None) -> SeedResult:
    """One seed of the drill (module doc), in `workdir`; the guard under the bootstrap `fault`
    (e.g. SEND_BEFORE_JOURNAL) when given."""
    rng = random.Random(seed)
    result = SeedResult(seed)
    sock, journal, orders_log = workdir / "paper.sock", workdir / "journal.sqlite", workdir / "orders.jsonl"
    server = _spawn(["paper", "--socket", str(sock), "--seed", str(seed), "--scenario", str(SCENARIO),
                     "--speed", str(speed), "--order-delay", str(DELAY), "--reply-delay", str(DELAY),
                     "--recv-window", str(RECV_WINDOW), "--orders-log", str(orders_log)], workdir / "paper.log")
    # Its own guard socket: seeds run side by side, one guard each.
    guard_args = ["guard", "--paper", str(sock), "--journal", str(journal), "--auto", "--order-grace", str(GRACE),
                  "--socket", str(workdir / "guard.sock")]
    try:
        if not _wait(sock.exists, 60, 0.05):
            raise RuntimeError(f"seed {seed}: the paper venue did not start (see {workdir / 'paper.log'})")
        for _ in range(kills):
            before, landed0 = _seen(journal), _lines(orders_log)
            guard = _spawn(guard_args, workdir / "guard.log", bootstrap=fault)
            # Most kills aim at the cut: before the trip, the moment the plan is journaled; during
            # it, the moment an order row is written (journaled, resumed or answered) or an order
            # reaches the venue; and a random delay at any stage (after the cut: HALTED survives).
            if before.status.startswith("REDUCING"):
                point = rng.choice(("written", "landed", "delay"))
            elif before.status.startswith("HALTED"):
                point = "delay"
            else:
                point = rng.choice(("planned", "planned", "delay"))
            if point == "delay":
                time.sleep(rng.uniform(0.0, 3.0 if not before.status else 1.5))
            elif point == "planned":
                _wait(lambda: _seen(journal).plans > before.plans, 20.0)
                time.sleep(rng.choice((0.0, rng.uniform(0.0, 0.3))))
            elif point == "written":
                _wait(lambda: (now := _seen(journal)).written > before.written or now.halted, 15.0)
            else:
                _wait(lambda: _lines(orders_log) > landed0 or _seen(journal).halted, 15.0)
            guard.send_signal(signal.SIGKILL)
            guard.wait()
            result.kills += 1
            result.points[(point, _seen(journal).status or "NORMAL")] += 1
        guard = _spawn(guard_args, workdir / "guard.log", bootstrap=fault)
        if not _wait(lambda: _seen(journal).halted, finish_timeout, 0.05):
            # Say so: otherwise a slow finish shows up later as rows left UNKNOWN, which reads
            # like a journaling bug rather than a guard that had no time to resolve them.
            rows = peek(journal, "SELECT group_concat(status || ' ' || n, ', ') FROM "
                        "(SELECT status, count(*) AS n FROM orders GROUP BY status)")
            result.problems.append(f"not HALTED with nothing in flight {finish_timeout:.0f} s after the last "
                                   f"restart (journal: {_seen(journal).status or 'NORMAL'}; orders: "
                                   f"{(rows or [('?',)])[0][0]}; the guard's log: {workdir / 'guard.log'})")
        time.sleep(0.5)  # let a last frame or two pass: nothing more must be sent
        guard.send_signal(signal.SIGKILL)
        guard.wait()
        # HALTED survives: restarted twice more, the guard must send nothing and stay HALTED.
        for _ in range(after_halt):
            guard = _spawn(guard_args, workdir / "guard.log", bootstrap=fault)
            time.sleep(2.5)
            guard.send_signal(signal.SIGKILL)
            guard.wait()
            result.points[("after HALTED", _seen(journal).status or "NORMAL")] += 1
        received = _ask(sock, "received")
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    _check(result, journal, received)
    return result


def _check(result: SeedResult, journal_path: Path, received) -> None:
    from cockpit.engine.executor import client_order_id
    from cockpit.engine.journal import Journal

    journal = Journal(journal_path)
    try:
        rows = {r.client_id: r for r in journal.rows()}
        plans = journal.plans()
        latch = journal.load_latch()
    finally:
        journal.close()
    problems = result.problems
    found = audit(received, rows)
    accepted = found.accepted
    result.duplicates, result.orphans, result.unknown = found.duplicates, found.orphans, found.unknown
    result.refused += found.refused
    problems += found.problems
    per_position = Counter((e["account"], e["symbol"]) for e in accepted.values())
    for position, n in per_position.items():
        if n > 1:
            result.duplicates += n - 1
            problems.append(f"{n} accepted orders for {position}")
    result.orders = len(accepted)
    result.episodes = len(plans)
    result.status = latch.status.value if latch else "none"
    if result.episodes != 1:
        problems.append(f"{result.episodes} episodes planned")
    if result.status != "HALTED":
        problems.append(f"the switch ended {result.status}")
    if plans:
        plan = next(iter(plans.values()))
        gross = sum(p.size * p.mark for p in plan)
        result.planned = sum(p.cut * p.mark for p in plan) / gross
        executed, exact = 0.0, True
        for p in plan:
            if p.intent is None:
                continue
            result.intents += 1
            entry = accepted.get(client_order_id(p.intent.id))
            filled = Decimal(entry["filled"]) if entry else Decimal(0)
            exact &= filled == p.intent.amount
            executed += float(filled) * p.mark
        result.executed = executed / gross
        result.exact = exact
        if not exact:
            problems.append(f"cut {result.executed:.4%} of gross, planned {result.planned:.4%}")


def drill(seeds: int, kills: int, first_seed: int = 1, *, keep: bool = False, jobs: int = 2,
          report=print, fault: str | None = None) -> list[SeedResult]:
    """Run `seeds` seeds of `kills` kills each, `jobs` at a time (they mostly wait); `report`
    gets one line per seed as it finishes; `fault`: a guard bootstrap (the negative control)."""

    def one(seed: int, tmp: Path) -> SeedResult:
        started = time.monotonic()
        r = run_seed(seed, kills, tmp, fault=fault)
        during = sum(v for (_, st), v in r.points.items() if st.startswith("REDUCING"))
        report(r.line(f"{during} during the cut", f"episodes {r.episodes}, {r.status}, planned {r.planned:.4%}, "
                      f"executed {r.executed:.4%}", time.monotonic() - started, str(tmp) if keep else ""))
        return r

    return over_seeds(one, seeds, first_seed, jobs=jobs, keep=keep, prefix="restart")


def figures(results: list[SeedResult]) -> list[Figure]:
    """The drill's figures: every count must be 0 and the cut exactly the plan."""
    n = len(results)
    points = Counter()
    for r in results:
        points.update(r.points)
    inside = sum(v for (point, status), v in points.items() if status.startswith("REDUCING"))
    halted = sum(v for (point, status), v in points.items() if point == "after HALTED")
    executed = [r.executed * 100 for r in results]
    return [
        Figure("restart: seeds x kills", n * (results[0].kills if results else 0), "", note=f"{n} seeds"),
        Figure("restart: kills while the cut was running (REDUCING)", inside, ""),
        Figure("restart: restarts after HALTED (must send nothing)", halted, ""),
        Figure("restart: kills with an order journaled and not yet resolved",
               sum(v for (_, status), v in points.items() if status.endswith("+open")), ""),
        Figure("restart: duplicate orders", sum(r.duplicates for r in results), "", target=0),
        Figure("restart: orphans (venue vs journal)", sum(r.orphans for r in results), "", target=0),
        Figure("restart: journal rows left UNKNOWN/INTENDED", sum(r.unknown for r in results), "", target=0),
        Figure("restart: seeds with more than one episode", sum(r.episodes != 1 for r in results), "", target=0),
        Figure("restart: seeds not cut exactly as planned", sum(not r.exact for r in results), "", target=0),
        Figure("restart: seeds not HALTED at the end", sum(r.status != "HALTED" for r in results), "", target=0),
        Figure("restart: orders the venue refused", sum(len(r.refused) for r in results), "",
               note="a refused order is final: its position's cut falls short of the plan"),
        Figure("restart: final cut, min", min(executed, default=0), "%", note="of the starting gross"),
        Figure("restart: final cut, median", statistics.median(executed) if executed else 0, "%"),
        Figure("restart: final cut, max", max(executed, default=0), "%", target=30.5),
        Figure("restart: planned cut, max", max((r.planned * 100 for r in results), default=0), "%", target=30.5),
    ]


def run(quick: bool = False) -> list[Figure]:
    """The bench suite: 30 seeds x 30 kills, the issue's scale (quick: 3 x 5)."""
    seeds, kills = (3, 5) if quick else (30, 30)
    return figures(drill(seeds, kills, report=lambda line: print("#", line, flush=True)))


def main(argv: list[str]) -> int:
    """`python -m bench.bench_restart [--seeds N] [--kills K] [--first-seed S] [--keep]`."""
    parser = crashdrill.parser("python -m bench.bench_restart", __doc__)
    parser.add_argument("--negative-control", action="store_true",
                        help="the guard sends each order before journaling it (fault injection): must fail")
    args = parser.parse_args(argv)
    started = time.monotonic()
    results = drill(args.seeds, args.kills, args.first_seed, keep=args.keep, jobs=args.jobs,
                    fault=SEND_BEFORE_JOURNAL if args.negative_control else None)
    return crashdrill.report(args, started, results, figures)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
