"""The engine over the embedded simulator: what `cockpit` runs when there is no config.

One place builds it, for the command line, the tests and `python -m screenshots`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from cockpit.engine.core import Engine
from cockpit.model import Mode


def demo_engine(
    *,
    seed: int = 7,
    scenario: str | Path | None = None,
    speed: float = 1.0,
    clock: Callable[[], float] = time.time,
    readonly: bool = False,
) -> Engine:
    """An engine over the simulator's demo book in `scenario` (default "calm").

    `clock` is the wall clock of both the simulator and the engine; a frozen one holds the
    simulated market still (tests, screenshots). Raises `cockpit.sim.ScenarioError` (one line)
    when the scenario cannot be loaded.
    """
    from cockpit.sim import build_demo  # the live path never loads the simulator

    session = build_demo(seed=seed, scenario=scenario, speed=speed, clock=clock)
    return Engine(session.venues, mode=Mode.SIM, readonly=readonly, clock=clock, sim=session)
