"""Fire drills: does the kill switch stay quiet in a calm market and trip fast in a crisis?

Not a timed test: it drives the engine as the app does, without Textual (`build_demo` + `Engine`
+ a clock moved by hand + `poll_once`), over many seeds and hours of simulated time, and prints

* on `calm` (default 20 seeds x 24 h, a poll every 60 simulated seconds): the kill-switch
  transitions into WARN and into REDUCING, per trigger (the trigger with the highest reading
  when the switch moved). Goal: 0 for every trigger. The note says how many seeds moved, how
  often each trigger's own reading crossed its WARN and REDUCING levels (which the switch does
  not show while it is latched or already in WARN), and the trigger's highest reading as a share
  of its threshold over every seed (its headroom; WARN is at 80%).
* on `funding-squeeze` and `flash-crash` (default 20 seeds, a poll every 10 s, up to 1 h): the
  detection delay from the scenario's event (the first `funding_regime` resp. `flash_crash` event
  of its file) to WARN and to REDUCING, median and worst over the seeds; a seed that never trips
  counts as missed (worst = inf), one that trips before the event is counted as early.
* the same for `flash-crash@3h` (default 6 seeds): the flash-crash timeline 3 hours later, once
  the volatility trigger has the history it needs (a poll a minute until 2 min before the event).

Seeds run in parallel processes (`--jobs`, default: at most 2). Run:

    python -m bench drills                 # the full drill (a few minutes on 2 cores)
    python -m bench drills --quick         # 4 seeds x 6 h on calm, 6 seeds per event, 2 late
    python -m bench.bench_drills --seeds 20 --hours 24 --jobs 2
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import math
import os
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing import get_context

import cockpit.sim.venue
from bench.common import Figure, ManualClock
from cockpit.engine import Engine
from cockpit.model import KillStatus
from cockpit.sim import build_demo
from cockpit.sim.scenario import Scenario, load_scenario, seconds

START = 1_780_000_000.0  # wall clock of the drill (the sim keeps its own start)
EVENT_KIND = {"funding-squeeze": "funding_regime", "flash-crash": "flash_crash"}
LATE = "flash-crash@3h"  # the crash once the volatility trigger has its history
TRIGGERS = ("funding stress", "daily drawdown", "peak drawdown", "vol percentile", "stale account")


@dataclass
class Run:
    """What one seed of one scenario did.

    Attributes:
        transitions: (sim seconds from start, before, after, trigger) of every kill-switch move
            into WARN or REDUCING; trigger is the reading nearest its threshold at that moment.
        crossings: per (trigger, "WARN"|"REDUCING"), how often the trigger's own reading rose
            through that level, whatever the switch was doing.
        peak: per trigger, its highest reading as a fraction of its threshold (the headroom).
        event: sim seconds from start of the scenario's event (None on calm).
    """

    scenario: str
    seed: int
    transitions: list[tuple[float, str, str, str]] = field(default_factory=list)
    crossings: Counter = field(default_factory=Counter)
    peak: dict[str, float] = field(default_factory=dict)
    event: float | None = None

    def first(self, status: str) -> tuple[float, str] | None:
        """(seconds after the event, trigger) of the first move into `status` or beyond (a
        switch that jumps from NORMAL to REDUCING has reached WARN too), or None."""
        for at, _before, after, trigger in self.transitions:
            if after == status or after == "REDUCING":
                return at - (self.event or 0.0), trigger
        return None


def scenario_of(name: str) -> Scenario:
    """The shipped scenario `name`; ``NAME@3h`` is the same timeline starting 3 hours later (after
    the volatility trigger's warm-up), so a drill can see what a warmed-up session does."""
    base, _, late = name.partition("@")
    sc = load_scenario(base)
    if not late:
        return sc
    shift = seconds(late)
    return dataclasses.replace(sc, events=tuple(dataclasses.replace(e, at=e.at + shift) for e in sc.events))


def event_time(scenario: str) -> float | None:
    """Seconds from start of the scenario's drill event (None when it has none)."""
    kind = EVENT_KIND.get(scenario.partition("@")[0])
    if kind is None:
        return None
    return min(e.at for e in scenario_of(scenario).events if e.kind == kind)


def drill(scenario: str, seed: int, seconds: float, poll: float, stop_at_reducing: bool) -> Run:
    """Run `scenario` on `seed` for `seconds` of sim time, polling every `poll` sim seconds."""
    # The simulator's latency fault waits in wall time; the drill's clock is moved by hand, so
    # the wait would change nothing but how long the drill takes.
    fast = type(asyncio)("asyncio")
    fast.__dict__.update(vars(asyncio), sleep=_instant)
    cockpit.sim.venue.asyncio = fast
    try:
        return asyncio.run(_drill(scenario, seed, seconds, poll, stop_at_reducing))
    finally:
        cockpit.sim.venue.asyncio = asyncio


async def _instant(delay: float, result=None):
    return result


async def _drill(scenario: str, seed: int, seconds: float, poll: float, stop_at_reducing: bool) -> Run:
    clock = ManualClock(START)
    session = build_demo(seed=seed, scenario=scenario_of(scenario), clock=clock)
    engine = Engine(session.venues, sim=session, clock=clock)
    start = session.world.start
    run = Run(scenario, seed, event=event_time(scenario))
    # Until two minutes before the event, a poll a minute is enough (and 6x cheaper).
    slow_until = START + (run.event - 120.0 if run.event is not None else -1.0)
    warn_fraction = engine.risk.settings.warn_fraction
    level: dict[str, int] = {}
    seen = -math.inf
    while clock.now <= START + seconds:
        kill = (await engine.poll_once()).assessment.kill
        ratios = {name: ratio for (name, _v, _t), ratio in zip(kill.levels, kill.ratios)}
        top = max((r, n) for n, r in ratios.items() if r is not None)[1] if any(
            r is not None for r in ratios.values()) else "?"
        # The events tuple keeps the last 100; the drill sees each one on the poll that adds it.
        for event in [e for e in kill.events if e.time > seen]:
            seen = event.time
            if event.after in (KillStatus.WARN, KillStatus.REDUCING):
                run.transitions.append((event.time - start, event.before.value, event.after.value, top))
        for name, ratio in ratios.items():
            if ratio is not None:
                run.peak[name] = max(run.peak.get(name, 0.0), ratio)
            now_level = 0 if ratio is None else 2 if ratio >= 1.0 else 1 if ratio >= warn_fraction else 0
            before = level.get(name, 0)
            if now_level > before:
                for lv in range(before + 1, now_level + 1):
                    run.crossings[(name, ("WARN", "REDUCING")[lv - 1])] += 1
            level[name] = now_level
        if stop_at_reducing and kill.status in (KillStatus.REDUCING, KillStatus.HALTED):
            break
        clock.now += max(poll, 60.0) if clock.now < slow_until else poll
    return run


def _one(job: tuple) -> Run:
    return drill(*job)


def run_all(jobs: list[tuple], processes: int) -> list[Run]:
    """Every drill of `jobs` ((scenario, seed, seconds, poll, stop) tuples), in parallel."""
    if processes <= 1:
        return [_one(j) for j in jobs]
    with get_context("fork").Pool(processes) as pool:
        return pool.map(_one, jobs, chunksize=1)


def calm_figures(runs: list[Run], seeds: int, hours: float) -> list[Figure]:
    """Transitions per trigger on calm (target 0 each)."""
    out = []
    where = f"calm {seeds} seeds x {hours:g} h"
    for status in ("WARN", "REDUCING"):
        for trigger in TRIGGERS:
            hits = [(r.seed, t[0]) for r in runs for t in r.transitions if t[2] == status and t[3] == trigger]
            moved = len({s for s, _ in hits})
            crossed = sum(r.crossings[(trigger, status)] for r in runs)
            firsts = [min(t for s, t in hits if s == seed) for seed in {s for s, _ in hits}]
            note = f"{moved}/{seeds} seeds"
            if firsts:
                note += f", first median {statistics.median(firsts) / 60:.0f} min"
            note += f"; reading crossed the {status} level {crossed}x"
            if status == "REDUCING":
                peak = max((r.peak.get(trigger, 0.0) for r in runs), default=0.0)
                # A percentile at 100 has no tail left: its ratio is astronomically large.
                note += f", peak {'>1000%' if peak > 10 else f'{peak:.0%}'} of threshold"
            out.append(Figure(f"drill {where}: {trigger} -> {status}", float(len(hits)), "n",
                              target=0.0, note=note))
    return out


def event_figures(runs: list[Run], scenario: str) -> list[Figure]:
    """Detection delay after the scenario's event, to WARN and to REDUCING."""
    out = []
    for status in ("WARN", "REDUCING"):
        firsts = [r.first(status) for r in runs]
        delays = [f[0] for f in firsts if f is not None]
        missed = sum(f is None for f in firsts)
        early = sum(d < 0 for d in delays)
        by = Counter(f[1] for f in firsts if f is not None)
        note = f"{len(runs)} seeds; by {', '.join(f'{k} {v}' for k, v in by.most_common()) or 'none'}"
        if missed:
            note += f"; MISSED {missed}"
        if early:
            note += f"; {early} before the event"
        median = statistics.median(delays) if delays else math.inf
        worst = math.inf if missed or not delays else max(delays)
        out.append(Figure(f"drill {scenario}: delay to {status}, median", median, "s", note=note))
        out.append(Figure(f"drill {scenario}: delay to {status}, worst", worst, "s"))
    return out


def run(quick: bool = False, seeds: int | None = None, hours: float | None = None,
        event_seeds: int | None = None, jobs: int | None = None,
        late_seeds: int | None = None) -> list[Figure]:
    """Every drill figure: calm transitions per trigger, then detection delays."""
    seeds = seeds or (4 if quick else 20)
    hours = hours or (6.0 if quick else 24.0)
    event_seeds = event_seeds or (6 if quick else 20)
    jobs = jobs or max(1, min(2, os.cpu_count() or 1))
    todo = [("calm", s, hours * 3600, 60.0, False) for s in range(seeds)]
    for scenario in EVENT_KIND:
        todo += [(scenario, s, 3600.0, 10.0, True) for s in range(event_seeds)]
    todo += [(LATE, s, event_time(LATE) + 3600.0, 10.0, True) for s in range(late_seeds or (2 if quick else 6))]
    runs = run_all(todo, jobs)
    figures = calm_figures([r for r in runs if r.scenario == "calm"], seeds, hours)
    for scenario in (*EVENT_KIND, LATE):
        figures += event_figures([r for r in runs if r.scenario == scenario], scenario)
    return figures


def main(argv: list[str]) -> int:
    """`python -m bench.bench_drills [--seeds N] [--hours H] [--event-seeds N] [--jobs N]`."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_drills", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, help="calm seeds (default 20)")
    parser.add_argument("--hours", type=float, help="calm hours per seed (default 24)")
    parser.add_argument("--event-seeds", type=int, help="seeds per event scenario (default 20)")
    parser.add_argument("--late-seeds", type=int, help=f"seeds of {LATE} (default 6)")
    parser.add_argument("--jobs", type=int, help="processes (default: at most 2)")
    args = parser.parse_args(argv)
    for figure in run(args.quick, args.seeds, args.hours, args.event_seeds, args.jobs, args.late_seeds):
        print(figure.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
