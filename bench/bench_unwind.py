"""The guided unwind: how fast a run reaches its target, and how fast a plan is previewed.

* **Time to target**: the demo book (21 positions, 6 venues) taken flat on the simulator with a
  latency model: every call to a venue (orders, look-ups, polls) waits one round trip of that
  venue (`RTT`, seconds; the simulator's own `latency` fault, set on every account for the whole
  run). The run is started, then let run (`ResumeRun`); the figure is from `ResumeRun` to the last
  fill, median over `runs` runs (seeds 7, 8, …). Beside it, the **physical limit**: venues in
  parallel, each venue's orders one after the other at one round trip each — the slowest venue's
  orders × its round trip. Goal: ≤ 1.2× the limit (market steps). Also printed: the limit when the
  plan's groups (hedged legs of one asset on several venues, which the run sends together so the
  book's net stays bounded) are respected — a group starts when each of its legs is first on its
  venue — the critical path of the plan itself.
* **Preview of a 50-step plan**: `handling.preview(engine, StartUnwind(flat))` on a random book of
  50 positions on 4 accounts (`tests.risk.factory.RandomBook`), median; the baseline is one risk
  evaluation of the same book, measured in the same run. Goal: ≤ 50 ms.

Run: ``python -m bench unwind`` (about half a minute), or ``python -m bench.bench_unwind``.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import time

from bench.common import Figure, median_time
from cockpit.engine import Engine
from cockpit.engine.handling import preview, send
from cockpit.model import Mode
from cockpit.model.commands import ResumeRun, StartUnwind
from cockpit.model.frame import Frame
from cockpit.model.unwind import RunMode, StepKind, TargetKind, UnwindTarget
from cockpit.sim import build_demo
from cockpit.sim.faults import Fault, FaultWindow

#: One round trip to each venue of the demo book, in seconds: the latency model of this bench.
RTT = {"binance": 0.08, "bybit": 0.10, "okx": 0.12, "hyperliquid": 0.15, "dydx": 0.25, "paradex": 0.30}


def _orders(run) -> dict[str, list]:
    """Per account, its steps in plan order with how many orders (slices) each sends."""
    out: dict[str, list] = {}
    for step in run.steps:
        if step.kind is not StepKind.BRIDGE:
            out.setdefault(step.key.account, []).append(step)
    return out


def limit(run, rtt: dict[str, float]) -> float:
    """The physical limit: the slowest venue's orders at one round trip each, venues in parallel."""
    return max(sum(s.slices for s in steps) * rtt[account] for account, steps in _orders(run).items())


def group_limit(run, rtt: dict[str, float]) -> float:
    """The critical path when each group starts only once every leg is first on its venue, and
    each leg takes its slices at one round trip each."""
    free = {account: 0.0 for account in rtt}  # when each venue's last step ends
    done: dict[str, float] = {}
    for step in run.steps:
        if step.kind is StepKind.BRIDGE or step.seq in done:
            continue
        legs = [s for s in run.steps if s.group and s.group == step.group and s.kind is not StepKind.BRIDGE] or [step]
        start = max(free[leg.key.account] for leg in legs)
        for leg in legs:
            done[leg.seq] = start + leg.slices * rtt[leg.key.account]
            free[leg.key.account] = done[leg.seq]
    return max(done.values(), default=0.0)


async def _one_run(seed: int) -> tuple[float, float, float, int]:
    """(seconds from ResumeRun to the last fill, limit, group limit, orders) of one flat run."""
    session = build_demo(seed=seed)
    for account, rtt in RTT.items():
        session.world.faults.add(FaultWindow(account, Fault("latency", delay=rtt), 0.0, math.inf))
    engine = Engine(session.venues, sim=session)
    engine.start()
    try:
        while engine.latest is None or any(a.snapshot is None for a in engine.latest.book.accounts):
            await asyncio.sleep(0.05)
        run_id = f"bench{seed}"
        result = await send(engine, StartUnwind(UnwindTarget(TargetKind.FLAT), mode=RunMode.RUNNING, id=run_id))
        assert result.ok, result.message
        planned = engine.unwind.run
        t0 = time.time()
        await send(engine, ResumeRun(run_id))
        while not engine.unwind.run.state.over:
            await asyncio.sleep(0.02)
        rows = engine.journal.run_orders(run_id)
        last = max(r.updated for r in rows if r.filled > 0)
        assert all(s.status.value == "done" for s in engine.unwind.run.steps if s.kind is StepKind.CUT)
        return last - t0, limit(planned, RTT), group_limit(planned, RTT), len(rows)
    finally:
        await engine.stop()


def time_to_target_figures(runs: int) -> list[Figure]:
    """The demo book flat, with the latency model: median time to target against the limit."""
    samples = [asyncio.run(_one_run(seed)) for seed in range(7, 7 + runs)]
    took = statistics.median(s[0] for s in samples)
    bound = statistics.median(s[1] for s in samples)
    grouped = statistics.median(s[2] for s in samples)
    orders = statistics.median(s[3] for s in samples)
    rtts = ", ".join(f"{k} {v * 1e3:.0f}" for k, v in RTT.items())
    return [
        Figure("unwind: demo book flat, ResumeRun -> last fill", took, "s", ratio=took / bound,
               target=1.2 * bound, note=f"median of {runs} seeds; {orders:.0f} orders; baseline = physical "
               f"limit {bound:.2f} s (slowest venue's orders x its RTT; RTT ms: {rtts})"),
        Figure("unwind: the plan's own limit (groups go together)", grouped, "s", ratio=took / grouped,
               note="critical path when each hedged group waits for its legs' venues; ratio: the run against it"),
    ]


def _preview_engine(positions: int = 50, accounts: int = 4):
    from tests.risk.factory import RandomBook

    maker = RandomBook(positions=positions, accounts=accounts, assets=60)
    book = maker.book([maker.state(i, 1000.0) for i in range(accounts)], 1000.0)
    engine = Engine([])
    assessment = engine.risk.evaluate(book, maker.instruments, 1000.0)
    engine.latest = Frame(seq=1, now=1000.0, mode=Mode.SIM, readonly=False, book=book, assessment=assessment)
    engine._instruments = maker.instruments
    return engine, book, maker.instruments


def preview_figures() -> list[Figure]:
    """Preview of a flat plan of a 50-position book, against one risk evaluation of it."""
    engine, book, instruments = _preview_engine()
    command = StartUnwind(UnwindTarget(TargetKind.FLAT))
    plan = preview(engine, command)
    steps = sum(1 for s in plan.steps if s.kind is not StepKind.BRIDGE)
    assert steps >= 50, steps
    took = median_time(lambda: preview(engine, command), repeat=31)
    baseline = median_time(lambda: engine.risk.evaluate(book, instruments, 1000.0), repeat=31)
    return [Figure(f"unwind: preview of a {steps}-step plan", took * 1e3, "ms", target=50.0, ratio=took / baseline,
                   note=f"baseline: one risk evaluation of the same {len(book.positions())}-position book, "
                        f"{baseline * 1e3:.2f} ms")]


def run(quick: bool = False) -> list[Figure]:
    """Every unwind figure."""
    return preview_figures() + time_to_target_figures(3 if quick else 7)


if __name__ == "__main__":
    for figure in run("--quick" in sys.argv):
        print(figure.line(), flush=True)
