"""Regenerate screenshots/*.svg: the app renders itself from the simulator, fixed seed, frozen clock.

    python -m screenshots
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from cockpit.engine.demo import demo_engine
from cockpit.engine.local import LocalEngine
from cockpit.ui.app import CockpitApp
from cockpit.ui.themes import load_theme

HERE = Path(__file__).parent
FROZEN = 1_780_000_000.0  # the snapshot tests' wall clock: the simulator holds still, as in them

SHOTS = [
    # (file, size, theme, keys pressed after the first frame)
    ("cockpit-120x40.svg", (120, 40), "cockpit-dark", ()),
    ("cockpit-200x60.svg", (200, 60), "cockpit-dark", ()),
    ("cockpit-80x24.svg", (80, 24), "cockpit-dark", ()),
    ("funding-80x24.svg", (80, 24), "cockpit-dark", ("2",)),
    ("trim-confirm-120x40.svg", (120, 40), "cockpit-dark", ("t",)),
    # dYdX's ETH long, 10%: a hedge leg, so the account-level liquidation comes nearer
    ("trim-confirm-80x24.svg", (80, 24), "cockpit-dark", ("down", "down", "down", "r")),
    ("cockpit-light-120x40.svg", (120, 40), "cockpit-light", ()),
]


async def shoot(name: str, size: tuple[int, int], theme: str, keys: tuple[str, ...]) -> None:
    """Render one screenshot."""
    # The engine runs on its own thread as in `cockpit`; with the clock frozen every frame it
    # publishes is the first one again, so the picture does not depend on timing.
    api = LocalEngine(demo_engine(seed=7, clock=lambda: FROZEN))
    api.start()
    try:
        app = CockpitApp(api, theme=load_theme(theme))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            if keys:
                await pilot.press(*keys)
                await pilot.pause()
                await pilot.pause(0.2)  # a trim's preview is answered by the engine's thread
            app.save_screenshot(filename=name, path=str(HERE))
    finally:
        api.stop()


async def main() -> None:
    """Render every screenshot."""
    for shot in SHOTS:
        await shoot(*shot)
        print(f"screenshots/{shot[0]}")


if __name__ == "__main__":
    asyncio.run(main())
