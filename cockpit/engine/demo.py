"""The engine over the simulator: embedded (what `cockpit` runs when there is no config) or served
as the paper venue.

One place builds it, for the command line, the tests and `python -m screenshots`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Mapping

from cockpit.engine.core import Engine, EngineSettings
from cockpit.engine.journal import Journal
from cockpit.model import DeadManPolicy, Mode


def demo_engine(
    *,
    seed: int = 7,
    scenario: str | Path | None = None,
    speed: float = 1.0,
    clock: Callable[[], float] = time.time,
    readonly: bool = False,
    journal: Journal | None = None,
    reporter: Callable | None = None,
    dead_man: Mapping[str, DeadManPolicy] | None = None,
    orders: bool = False,
) -> Engine:
    """An engine over the simulator's demo book in `scenario` (default "calm"); with `orders`,
    the orders the demo trader left resting on the venues by hand (`cockpit.sim.demo.RESTING`).

    `clock` is the wall clock of both the simulator and the engine; a frozen one holds the
    simulated market still (tests, screenshots). Raises `cockpit.sim.ScenarioError` (one line)
    when the scenario cannot be loaded. `reporter` writes a finished unwind run's report.
    `dead_man`: accounts whose simulated dead-man's switch the engine arms (drills rehearse one
    that expires).
    """
    from cockpit.sim import build_demo  # the live path never loads the simulator

    session = build_demo(seed=seed, scenario=scenario, speed=speed, clock=clock, orders=orders)
    return Engine(session.venues, mode=Mode.SIM, readonly=readonly, clock=clock, sim=session, journal=journal,
                  reporter=reporter, dead_man=dead_man)


def paper_engine(path: str | Path, *, readonly: bool = False, journal: Journal | None = None,
                 absent_grace: float | None = None, reporter: Callable | None = None,
                 dead_man: Mapping[str, DeadManPolicy] | None = None) -> Engine:
    """An engine over the paper venue served at `path` (`cockpit paper`): the simulator in its own
    process, so a restart of this engine meets the same market and orders. `absent_grace` must
    exceed the venue's receive window (see `EngineSettings`). Raises `cockpit.model.VenueError`
    (one line) when nothing answers there."""
    from cockpit.venues.paper import open_paper

    session = open_paper(path)
    settings = EngineSettings() if absent_grace is None else EngineSettings(absent_grace=absent_grace)
    return Engine(session.venues, mode=Mode.SIM, readonly=readonly, sim=session, journal=journal,
                  settings=settings, reporter=reporter, dead_man=dead_man)
