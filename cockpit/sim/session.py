"""`SimSession`: the simulated world, its venues, and the clock that drives them.

The world advances lazily: whenever anyone asks (a venue call, `sim_time()`), it steps in fixed
one-second steps up to ``start + (clock() - wall_start) * speed``. So the state at sim time T is
the same at any speed, and a frozen clock freezes the market. A call never steps more than
`max_catchup` times; when the process stalled longer than that, the sim clock gives up the lost
time instead of freezing the caller.
"""

from __future__ import annotations

import time
from typing import Callable

from cockpit.sim.events import SimEvent
from cockpit.sim.venue import SimVenue
from cockpit.sim.world import World

MAX_CATCHUP = 2000  # steps per call: about a second of work at the worst


class SimSession:
    """What the engine, UI and CLI hold: the venues, the sim clock, the event log."""

    def __init__(self, world: World, *, speed: float = 1.0,
                 clock: Callable[[], float] = time.time, max_catchup: int = MAX_CATCHUP) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive, got {speed!r}")
        self.world = world
        self.clock = clock
        self.max_catchup = max_catchup
        self._speed = float(speed)
        self._wall0 = clock()
        self._sim0 = world.t
        self.scenario_name = world.scenario.name
        self.scenario_description = world.scenario.description
        self.venues: list[SimVenue] = [SimVenue(self, acc.name) for acc in world.ledger.accounts]

    @property
    def speed(self) -> float:
        """Sim seconds per wall second."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if not value > 0:
            raise ValueError(f"speed must be positive, got {value!r}")
        self.advance()
        self._wall0, self._sim0 = self.clock(), self.world.t
        self._speed = float(value)

    def target(self) -> float:
        """The sim time the world should be at now."""
        return self._sim0 + (self.clock() - self._wall0) * self._speed

    def advance(self) -> int:
        """Step the world up to the target time; returns the number of steps taken."""
        behind = int(self.target() - self.world.t + 1e-9)
        steps = min(max(behind, 0), self.max_catchup)
        for _ in range(steps):
            self.world.step()
        if behind > steps:  # stalled: give up the lost time rather than freeze the caller
            self._wall0, self._sim0 = self.clock(), self.world.t
        return steps

    def sim_time(self) -> float:
        """The current sim time (POSIX seconds), after advancing."""
        self.advance()
        return self.world.t

    def events(self, since_seq: int = 0) -> tuple[SimEvent, ...]:
        """The event log after `since_seq` (0: all of it)."""
        return self.world.log.since(since_seq)
