"""Regenerate screenshots/*.svg: the app renders itself from the simulator, fixed seed, frozen clock.

    python -m screenshots            # every one
    python -m screenshots orders     # those whose file name starts with "orders"
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Awaitable, Callable
from unittest import mock

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
    engine = demo_engine(seed=7, clock=lambda: FROZEN)
    api = LocalEngine(engine)
    api.start()
    try:
        app = CockpitApp(api, theme=load_theme(theme))
        async with app.run_test(size=size) as pilot:
            # The first evaluation's notices (a position near liquidation) travel with the frame
            # after it: wait for that one, however fast the first was drawn.
            await until(lambda: api.latest is not None and api.latest.notices == engine.notices != (),
                        "the first evaluation's notices on a frame")
            await pilot.pause()
            await pilot.pause(0.1)
            if keys:
                await pilot.press(*keys)
                await pilot.pause()
                await pilot.pause(0.2)  # a trim's preview is answered by the engine's thread
            app.save_screenshot(filename=name, path=str(HERE))
    finally:
        api.stop()


async def until(test: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Wait (the engine runs on its own thread) until `test()` holds."""
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: gave up waiting for {what}")
        await asyncio.sleep(0.05)


async def keys(pilot, *pressed: str) -> None:
    """Press `pressed`, then let the engine answer and the screen draw it."""
    await pilot.press(*pressed)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3)


async def picker(pilot, api, clock) -> None:
    """The unwind's target picker with the plan for Flat."""
    await keys(pilot, "U")


async def dydx_dark_hedge_asked(pilot, api, clock) -> None:
    """venue-outage a minute in: dYdX is DOWN; Flat started step by step; h on its hedge."""
    clock[0] = FROZEN + 45
    await until(lambda: api.latest.book.account("dydx").health.value == "DOWN", "dydx to go DOWN")
    await keys(pilot, "U")
    await keys(pilot, "enter")
    await keys(pilot, "y")
    await until(lambda: api.latest.run is not None and api.latest.run.state.value == "ready", "the plan")
    await keys(pilot, "end")
    await keys(pilot, "h")


async def hedged_and_running(pilot, api, clock) -> None:
    """As above, the hedge confirmed, then let it run: every cut done, the hedge in place."""
    await dydx_dark_hedge_asked(pilot, api, clock)
    await pilot.pause(0.2)
    await keys(pilot, "y")
    await keys(pilot, "g")
    await pilot.pause(0.2)
    await keys(pilot, "y")
    await until(lambda: "hedge in place" in api.latest.run.note, "every cut to be over")
    pilot.app.clear_notifications()
    await pilot.pause(0.3)


UNWIND_SHOTS: list[tuple[str, tuple[int, int], str | None, Callable[..., Awaitable[None]]]] = [
    # (file, size, scenario, what to do after the first frame)
    ("unwind-plan-120x40.svg", (120, 40), None, picker),
    ("unwind-hedge-confirm-120x40.svg", (120, 40), "venue-outage", dydx_dark_hedge_asked),
    ("unwind-running-80x24.svg", (80, 24), "venue-outage", hedged_and_running),
]


async def shoot_unwind(name: str, size: tuple[int, int], scenario: str | None, script) -> None:
    """Render one screenshot of the guided unwind: the clock holds still unless the script moves
    it (once, so the simulator takes one step), and the run's id is fixed."""
    clock = [FROZEN]
    api = LocalEngine(demo_engine(seed=7, scenario=scenario, clock=lambda: clock[0]))
    api.start()
    try:
        app = CockpitApp(api, theme=load_theme("cockpit-dark"))
        with mock.patch("cockpit.ui.screens.picker.new_command_id", lambda: "shot0001"):
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                await script(pilot, api, clock)
                app.save_screenshot(filename=name, path=str(HERE))
    finally:
        api.stop()


class SteppedEngine(LocalEngine):
    """A `LocalEngine` whose engine takes a step only when the script says so: one poll of every
    account and one frame (`step`), no pollers, publisher or background backfill. The pictures of
    history (sparklines, the 7-day view, the ledger, the scanner's stability) then hold the same
    samples on every run: with the real pollers, which account had answered when a frame sampled
    the history depended on the machine's load."""

    async def _main(self, stopping: asyncio.Event) -> None:
        try:
            await self.engine.poll_once()
            await stopping.wait()
        finally:
            await self.engine.stop()

    async def step(self, clock: list[float], seconds: float) -> None:
        """Move the frozen clock `seconds` on, poll every account once and publish one frame."""
        clock[0] += seconds
        await self._thread.call(self.engine.poll_once)

    async def backfill(self, most: int = 1000) -> None:
        """Read the venues' funding histories now, request after request until none is due (the
        engine does it in the background, paced, after its first frame)."""
        backfill = self.engine.backfill

        async def drain() -> None:
            for _ in range(most):
                if not backfill.due():
                    return
                await backfill.step()
            raise SystemExit(f"screenshots: the funding backfill still had requests due after {most}")

        await self._thread.call(drain)


CARRY_SHOTS = [("carry-80x24.svg", (80, 24)), ("carry-120x40.svg", (120, 40))]
"""The carry scanner in the funding squeeze (file, size)."""


async def shoot_carry(name: str, size: tuple[int, int]) -> None:
    """The carry scanner in the funding squeeze at 60x, an hour in (the clock moved 30 s at a
    time: half an hour of the simulator each), once held pairs pay funding on both legs; the
    squeeze's alerts cleared (they are the cockpit's)."""
    clock = [FROZEN]
    api = SteppedEngine(demo_engine(seed=7, scenario="funding-squeeze", speed=60.0, clock=lambda: clock[0]))
    api.start()
    try:
        app = CockpitApp(api, theme=load_theme("cockpit-dark"))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for _ in range(2):
                await api.step(clock, 30.0)
            if not any(p.pays_both for p in api.latest.assessment.carry.pairs):
                raise SystemExit("screenshots: no held pair pays funding on both legs an hour into the squeeze")
            await pilot.pause(0.2)
            app.clear_notifications()
            await keys(pilot, "c")
            app.save_screenshot(filename=name, path=str(HERE))
    finally:
        api.stop()


FUNDING_SHOTS = [("funding-card-120x40.svg", (120, 40), ("2", "down", "down")),
                 ("funding-week-80x24.svg", (80, 24), ("2", "d", "d")),
                 ("funding-ledger-120x40.svg", (120, 40), ("2", "L"))]
"""The funding pane after a few simulated hours at 600x (file, size, keys): the card of a held
cell, the 7-day view, and the ledger of the payments the simulator booked."""

FUNDING_STEPS = 12
"""Frames before the funding shots: 3 s of the frozen clock each, half an hour of the simulator,
so the history holds a sample per frame (six simulated hours in all)."""


async def shoot_funding(name: str, size: tuple[int, int], pressed: tuple[str, ...]) -> None:
    """Step the engine through six simulated hours, read every account's payments, one more
    frame (with the ledger), then the keys."""
    clock = [FROZEN]
    api = SteppedEngine(demo_engine(seed=7, speed=600.0, clock=lambda: clock[0]))
    api.start()
    try:
        app = CockpitApp(api, theme=load_theme("cockpit-dark"))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for _ in range(FUNDING_STEPS):
                await api.step(clock, 3.0)
            await api.backfill()
            await api.step(clock, 1.0)
            if api.latest.ledger is None or not api.latest.ledger.lines:
                raise SystemExit("screenshots: the ledger is empty after six simulated hours")
            await pilot.pause(0.2)
            app.clear_notifications()
            await keys(pilot, *pressed)
            app.save_screenshot(filename=name, path=str(HERE))
    finally:
        api.stop()


ORDERS_SHOTS = [("orders-120x40.svg", (120, 40))]
"""The open-orders view of a fresh start (file, size): the demo trader's two orders left on the
venues by hand, and one of ours, a limit trim resting on Hyperliquid."""


async def shoot_orders(name: str, size: tuple[int, int]) -> None:
    """The demo with its resting orders, one limit trim of ours placed on the engine's thread, O."""
    from decimal import Decimal

    from cockpit.model import Intent, IntentSource

    engine = demo_engine(seed=7, clock=lambda: FROZEN, orders=True)
    api = LocalEngine(engine)
    api.start()
    try:
        app = CockpitApp(api, theme=load_theme("cockpit-dark"))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            p = next(p for p in api.latest.book.positions() if p.account == "hyperliquid" and p.asset == "ETH")
            step = engine.venues["hyperliquid"].instruments()[p.symbol].price_step
            limit = (Decimal(str(p.mark_price)) * Decimal("1.04") / step).to_integral_value() * step
            intent = Intent(id="trim:shot:limit", account="hyperliquid", symbol=p.symbol, source=IntentSource.HOTKEY,
                            reason="hotkey trim 25%", fraction=0.25, limit=limit)
            api._thread.submit(lambda: engine.submit(intent)).result(10)
            await until(lambda: len(api.latest.working) == 1, "our limit trim on the frame")
            app.clear_notifications()
            await keys(pilot, "O")
            app.save_screenshot(filename=name, path=str(HERE))
    finally:
        api.stop()


PLOTS_SHOTS = [("plots-120x40.svg", (120, 40), "cockpit-dark", ()),
               ("plots-contrast-120x40.svg", (120, 40), "cockpit-contrast", ()),
               ("plots-funding-80x24.svg", (80, 24), "cockpit-dark", ("1",)),
               ("plots-stress-80x24.svg", (80, 24), "cockpit-dark", ("2",)),
               ("plots-equity-80x24.svg", (80, 24), "cockpit-dark", ("3",)),
               ("plots-shocks-80x24.svg", (80, 24), "cockpit-dark", ("4",))]
"""The plots after the funding squeeze (file, size, theme, keys on the plots): all four at 120×40
(in the dark and the colour-blind theme), each alone at 80×24."""

PLOTS_STEPS = 30
"""Frames before the plots: 1.5 s of the frozen clock each, 15 simulated minutes at 600x."""


async def shoot_plots(name: str, size: tuple[int, int], theme: str, pressed: tuple[str, ...]) -> None:
    """The funding squeeze at 600x, stepped 1.5 s of the frozen clock at a time (15 simulated
    minutes, one poll of every account and one frame each) for 7.5 simulated hours, so the
    history holds the squeeze and its calming down, sampled the same on every run (`SteppedEngine`:
    with the real pollers which account had answered when a frame sampled the history depended on
    the machine's load); then the funding pane's cursor on BTC (a held cell whose funding spiked),
    P, one more frame (it carries the series the plots watch), and the keys."""
    clock = [FROZEN]
    api = SteppedEngine(demo_engine(seed=7, scenario="funding-squeeze", speed=600.0, clock=lambda: clock[0]))
    api.start()
    try:
        app = CockpitApp(api, theme=load_theme(theme))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for _ in range(PLOTS_STEPS):
                await api.step(clock, 1.5)
            await pilot.pause(0.2)
            app.clear_notifications()
            await keys(pilot, "2", "down")
            await keys(pilot, "P")
            await until(lambda: api.engine.plots.watched, "the plots' watch")
            await api.step(clock, 1.0)
            if api.latest.plots is None or api.latest.plots.equity is None:
                raise SystemExit("screenshots: the frame after the watch carries no series")
            await pilot.pause(0.5)
            app.clear_notifications()
            if pressed:
                await keys(pilot, *pressed)
            app.save_screenshot(filename=name, path=str(HERE))
    finally:
        api.stop()


MASKED_SHOTS = [("cockpit-masked-120x40.svg", (120, 40))]
"""The cockpit with the privacy mask remembered on (file, size)."""


async def shoot_masked(name: str, size: tuple[int, int]) -> None:
    """The cockpit as it starts with the privacy mask on in its state file."""
    state = Path(os.environ["XDG_STATE_HOME"]) / "cockpit" / "ui.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text('{"privacy_mask": true}\n')
    try:
        await shoot(name, size, "cockpit-dark", ())
    finally:
        state.unlink()


def wanted(name: str) -> bool:
    """Whether to render `name`: every shot, or those starting with a name given on the command
    line (``python -m screenshots orders`` renders the open-orders shots only)."""
    names = sys.argv[1:]
    return not names or any(name.startswith(n) for n in names)


async def main() -> None:
    """Render every screenshot (or those named on the command line, by the start of the file name)."""
    # The pictures never depend on this user's UI state (the privacy mask): a private state dir.
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="cockpit-shots-")
    groups = ((SHOTS, shoot), (UNWIND_SHOTS, shoot_unwind), (CARRY_SHOTS, shoot_carry),
              (FUNDING_SHOTS, shoot_funding), (ORDERS_SHOTS, shoot_orders), (PLOTS_SHOTS, shoot_plots),
              (MASKED_SHOTS, shoot_masked))
    for shots, render in groups:
        for shot in shots:
            if wanted(shot[0]):
                await render(*shot)
                print(f"screenshots/{shot[0]}")


if __name__ == "__main__":
    asyncio.run(main())
