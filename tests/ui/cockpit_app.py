"""The app as tests and screenshots see it: the simulator with a fixed seed and a frozen clock,
behind a fake `EngineAPI` whose frames the test drives."""

from __future__ import annotations

from cockpit.engine.demo import demo_engine
from cockpit.ui.app import CockpitApp
from tests.ui.fake_engine import FakeEngine

FROZEN = 1_780_000_000.0  # a fixed wall clock: the simulator does not move, the status line is stable


def make_app(*, seed: int = 7, readonly: bool = False, keymap: dict[str, str] | None = None,
             theme=None, scenario: str | None = None) -> CockpitApp:
    """A cockpit over the demo simulator whose pollers do not run: tests poll by hand."""
    engine = demo_engine(seed=seed, scenario=scenario, clock=lambda: FROZEN, readonly=readonly)
    return CockpitApp(FakeEngine(engine), theme=theme, keymap=keymap)


async def first_frame(pilot) -> None:
    """Poll every account once and let the screen draw the frame."""
    await pilot.app.api.poll()
    await pilot.pause()
