"""The app as tests and screenshots see it: the simulator with a fixed seed and a frozen clock."""

from __future__ import annotations

from cockpit.engine.demo import demo_engine
from cockpit.ui.app import CockpitApp

FROZEN = 1_780_000_000.0  # a fixed wall clock: the simulator does not move, the status line is stable


def make_app(*, seed: int = 7, readonly: bool = False, keymap: dict[str, str] | None = None,
             theme=None, scenario: str | None = None) -> CockpitApp:
    """A cockpit over the demo simulator whose pollers do not run: tests poll by hand."""
    engine = demo_engine(seed=seed, scenario=scenario, clock=lambda: FROZEN, readonly=readonly)
    return CockpitApp(engine, theme=theme, keymap=keymap, start_engine=False)


async def first_frame(pilot) -> None:
    """Poll every account once and let the screen draw the frame."""
    await pilot.app.engine.poll_once()
    await pilot.pause()
