"""Simulator figures: the cost of one step, of a headless sim day, and of one poll of every venue.

Targets from the "Simulator depth" issue: one step for 6 accounts x 40 assets <= 2 ms; 24 hours of
sim time at 1-second steps, headless, <= 60 s on a 2-core machine. Run:

    python -c "import bench.bench_sim as b; [print(f.line()) for f in b.run()]"
"""

from __future__ import annotations

import asyncio
import time

from bench.common import Figure, median_time
from cockpit.sim import build_demo, build_world

BATCH = 200  # steps timed together, so timer overhead does not dominate


def _step_ms(assets: int, scenario: str = "calm") -> float:
    world = build_world(7, scenario, assets=assets)

    def batch() -> None:
        for _ in range(BATCH):
            world.step()
    return median_time(batch, repeat=15, warmup=2) / BATCH * 1e3


def _day_seconds(assets: int, hours: int) -> tuple[float, int]:
    """Seconds to run `hours` of sim time, scaled to a whole day; and the events logged."""
    world = build_world(7, "funding-squeeze", assets=assets)
    t0 = time.perf_counter()
    world.advance(hours * 3600)
    return (time.perf_counter() - t0) * 24 / hours, len(world.log)


def _poll_ms(assets: int) -> float:
    session = build_demo(seed=7, clock=lambda: 0.0, assets=assets)

    async def poll() -> None:
        for venue in session.venues:
            session.world.version += 1  # defeat the per-step cache: a fresh snapshot each time
            await venue.snapshot()
    return median_time(lambda: asyncio.run(poll()), repeat=21) * 1e3


def run(quick: bool = False) -> list[Figure]:
    """Measure and return the simulator's figures (`quick`: a 3-hour run scaled to the day)."""
    step40 = _step_ms(40)
    step16 = _step_ms(16)
    crash = _step_ms(40, "flash-crash")
    hours = 3 if quick else 24
    day, events = _day_seconds(40, hours)
    return [
        Figure("sim: one step, 6 accounts x 40 assets", step40, "ms", target=2.0),
        Figure("sim: one step, 6 accounts x 40 assets, flash-crash", crash, "ms", target=2.0),
        Figure("sim: one step, demo size (6 x 16)", step16, "ms", ratio=step16 / step40,
               note="baseline: 6 x 40"),
        Figure("sim: 24 h of sim time, 1-s steps, headless (6 x 40)", day, "s", target=60.0,
               note=f"funding-squeeze, {events} events" + ("; 3 h run x 8" if quick else "")),
        Figure("sim: one snapshot of each of 6 accounts (40 assets)", _poll_ms(40), "ms"),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
