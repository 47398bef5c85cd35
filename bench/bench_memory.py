"""Memory over a long session: does the engine stay flat once its histories are full?

Not a timed test: it drives the engine as `cockpit guard --demo --speed 10` would, without a
terminal and without waiting (`build_demo` + `Engine` + a clock moved by hand + `poll_once` and
`resolve_pending` every wall second, i.e. every 10 simulated seconds), on `calm` with the fault
mix (5% of venue calls draw a random fault: rate limits, 502s, timeouts, truncated replies,
latency), for 48 simulated hours. The risk histories are full after 24 h (the longest, each
cell's funding APR, is 24 h at 5 min), so growth is measured from hour 24 to hour 48:

* traced bytes per simulated hour (tracemalloc, from the start, after a full collection);
* the in-memory journal's bytes per simulated hour (SQLite pages: tracemalloc cannot see them);
* RSS bytes per simulated hour, from a second run of the same session without tracemalloc
  (noisy: the allocator keeps freed arenas);
* the largest growing allocation sites (in the note), so a leak names its line.

Each figure is the median of the slopes between every two hourly samples after warm-up (the
Theil-Sen slope); the note gives the mean from the first to the last.
The traced and the untraced run go in two fresh processes side by side, so that nothing of
another suite is counted. Run:

    python -m bench memory            # 48 h simulated (15 minutes idle, 40 on a loaded 2-core machine)
    python -m bench memory --quick    # 12 h, warm-up 6 h
    python -m bench.bench_memory --hours 48 --warmup 24 [--seed 7] [--fault-rate 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

from bench.common import Figure, ManualClock

START = 1_780_000_000.0  # the wall clock the run starts at
SPEED = 10.0  # simulated seconds per wall second: one poll of every account per 10 s of sim time
FAULT_RATE = 0.05


@dataclass
class Samples:
    """One sample per simulated hour (index 0 is the start).

    Attributes:
        traced: bytes tracemalloc holds.
        journal: bytes of the in-memory journal's SQLite pages.
        rss: the process's resident set, bytes.
        growth: the allocation sites that grew most from warm-up to the end, (bytes, "file:line").
        sizes: the engine's own containers at the end, by name (their lengths).
    """

    traced: list[int] = field(default_factory=list)
    journal: list[int] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    growth: list[tuple[int, str]] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def _instant(delay: float, result=None):
    return result


def containers(engine) -> dict[str, int]:
    """The lengths of what an engine and its simulator keep between polls: what could leak."""
    world = engine.sim.world if engine.sim is not None else None
    sizes = {name: len(getattr(engine, name)) for name in (
        "_kill_seen", "_liq_seen", "_auto_sent", "_auto_refused", "_lookups", "_logged")
        if hasattr(engine, name)}
    ex = engine.executor
    sizes.update({f"executor.{n}": len(getattr(ex, n)) for n in ("_sent_here", "_resent", "_absent_since")
                  if hasattr(ex, n)})
    sizes["journal events"] = engine.journal._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    if world is not None:
        sizes["sim log kept"] = len(getattr(world.log, "_events", ()))
        sizes["sim orders"] = len(world.exchange.orders)
        sizes["sim transfers done"] = len(world.transfers.done)
    return sizes


def measure(hours: int, warmup: int, seed: int = 7, fault_rate: float = FAULT_RATE,
            trace: bool = True) -> Samples:
    """Run the session for `hours` simulated hours and sample memory every simulated hour; with
    `trace`, under tracemalloc (whose own tables then swell the RSS: RSS is measured untraced)."""
    import cockpit.sim.venue

    # The simulator's latency fault waits in wall time; the clock is moved by hand, so the wait
    # would change nothing but how long the run takes.
    fast = type(asyncio)("asyncio")
    fast.__dict__.update(vars(asyncio), sleep=_instant)
    cockpit.sim.venue.asyncio = fast
    if trace:
        tracemalloc.start(1)
    return asyncio.run(_measure(hours, warmup, seed, fault_rate, trace))


async def _measure(hours: int, warmup: int, seed: int, fault_rate: float, trace: bool) -> Samples:
    from cockpit.engine import Engine
    from cockpit.sim import build_demo

    clock = ManualClock(START)
    session = build_demo(seed=seed, scenario="calm", speed=SPEED, clock=clock, fault_rate=fault_rate)
    engine = Engine(session.venues, sim=session, clock=clock)
    out = Samples()
    warm = None
    polls_per_hour = int(3600 / SPEED)

    def sample() -> None:
        gc.collect()
        out.traced.append(tracemalloc.get_traced_memory()[0])
        pages = engine.journal._db.execute("PRAGMA page_count").fetchone()[0]
        size = engine.journal._db.execute("PRAGMA page_size").fetchone()[0]
        out.journal.append(pages * size)
        out.rss.append(_rss())

    sample()
    for hour in range(1, hours + 1):
        for _ in range(polls_per_hour):
            clock.now += 1.0
            await engine.poll_once()
            await engine.resolve_pending()
        sample()
        if hour == warmup and trace:
            warm = tracemalloc.take_snapshot()
    if warm is not None:
        diff = tracemalloc.take_snapshot().compare_to(warm, "lineno")
        out.growth = [(d.size_diff, f"{_short(d.traceback[0].filename)}:{d.traceback[0].lineno}")
                      for d in diff[:5] if d.size_diff > 0]
    out.sizes = containers(engine)
    await engine.stop()
    return out


def _short(path: str) -> str:
    """The last two parts of a source path (`sim/events.py`)."""
    return "/".join(path.replace(os.sep, "/").split("/")[-2:])


def per_hour(series: list[int], warmup: int) -> tuple[float, float]:
    """(slope, mean) per hour after `warmup` hours. The slope is the median of the slopes between
    every two samples (Theil-Sen): a structure that fills and is cut (a dict resized, a cache
    emptied) swings the hourly differences both ways, and their own median would follow the
    swing; the mean is the first sample to the last."""
    tail = series[warmup:]
    if len(tail) < 2:
        return 0.0, 0.0
    slopes = [(tail[j] - tail[i]) / (j - i) for i in range(len(tail)) for j in range(i + 1, len(tail))]
    return float(statistics.median(slopes)), (tail[-1] - tail[0]) / (len(tail) - 1)


def figures(s: Samples, r: Samples, hours: int, warmup: int) -> list[Figure]:
    """The figures of a traced run `s` and an untraced run `r` of the same session."""
    where = f"{hours} h sim, from hour {warmup}, calm + {FAULT_RATE:.0%} faults"
    traced, traced_mean = per_hour(s.traced, warmup)
    journal, journal_mean = per_hour(s.journal, warmup)
    rss, rss_mean = per_hour(r.rss, warmup)
    top = "; ".join(f"{where_} +{size / 1e3:.1f} kB" for size, where_ in s.growth[:3])
    sizes = ", ".join(f"{k} {v}" for k, v in s.sizes.items())
    return [
        Figure(f"memory: traced bytes per sim hour ({where})", traced, "B", target=1024.0,
               note=f"mean {traced_mean:+.0f} B/h, {s.traced[-1] / 1e6:.2f} MB at the end; grew most: {top or 'none'}"),
        Figure("memory: in-memory journal bytes per sim hour", journal, "B", target=1024.0,
               note=f"mean {journal_mean:+.0f} B/h, {s.journal[-1] / 1e3:.0f} kB at the end"),
        Figure("memory: RSS bytes per sim hour", rss, "B",
               note=f"mean {rss_mean:+.0f} B/h, {r.rss[-1] / 1e6:.1f} MB at the end, untraced run; kept: {sizes}"),
    ]


def run(quick: bool = False, hours: int | None = None, warmup: int | None = None, seed: int = 7,
        fault_rate: float = FAULT_RATE) -> list[Figure]:
    """Every memory figure, measured in a fresh process."""
    hours = hours or (12 if quick else 48)
    warmup = warmup if warmup is not None else (6 if quick else 24)
    # A pool of executors, not multiprocessing.Pool: a worker that dies fails the run, not hangs it.
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        traced = pool.submit(measure, hours, warmup, seed, fault_rate, True)
        untraced = pool.submit(measure, hours, warmup, seed, fault_rate, False)
        return figures(traced.result(), untraced.result(), hours, warmup)


def main(argv: list[str]) -> int:
    """`python -m bench.bench_memory [--quick] [--hours H] [--warmup H] [--seed N] [--fault-rate R]`."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_memory", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--hours", type=int, help="simulated hours (default 48)")
    parser.add_argument("--warmup", type=int, help="hours before growth is measured (default 24)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fault-rate", type=float, default=FAULT_RATE)
    args = parser.parse_args(argv)
    for figure in run(args.quick, args.hours, args.warmup, args.seed, args.fault_rate):
        print(figure.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
