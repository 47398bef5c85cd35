"""The unwind's branches on screen: a blind venue's hedge (its own confirmation), the kill switch's
cut offered first, and hints that name the keys of this terminal's keymap."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from cockpit.engine.demo import demo_engine
from cockpit.model import Intent, IntentSource, KillMode, KillStatus
from cockpit.model.commands import ConfirmHedge, ConfirmStep, StartUnwind
from cockpit.model.unwind import StepKind, StepStatus, TargetKind
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.picker import UnwindPicker
from cockpit.ui.screens.run import RunScreen, StepTable
from tests.ui.cockpit_app import FROZEN, first_frame, make_app
from tests.ui.fake_engine import FakeEngine


def outage_app(keymap: dict[str, str] | None = None) -> tuple[CockpitApp, list[float]]:
    """The demo in `venue-outage` on a clock the test moves: dYdX goes dark a minute in."""
    clock = [FROZEN]
    engine = demo_engine(seed=7, scenario="venue-outage", clock=lambda: clock[0])
    return CockpitApp(FakeEngine(engine), keymap=keymap), clock


async def dydx_dark(pilot, clock: list[float]) -> None:
    """Poll through the first minute: dYdX stops answering and is DOWN."""
    for seconds in (0, 30, 45, 62):
        clock[0] = FROZEN + seconds
        await pilot.app.api.poll()
    await pilot.pause()
    assert pilot.app.api.latest.book.account("dydx").health.value == "DOWN"


async def _settled(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.app.api.settle()
    await pilot.pause()


async def start_flat(pilot) -> RunScreen:
    """U, enter (Flat), y: the run screen over the planned run."""
    await pilot.press("U")
    await _settled(pilot)
    await pilot.press("enter")
    await _settled(pilot)
    await pilot.pause()
    await pilot.press("y")
    await _settled(pilot)
    assert isinstance(pilot.app.screen, RunScreen)
    return pilot.app.screen


def select(screen: RunScreen, seq: int) -> None:
    """Put the step table's cursor on step `seq`."""
    screen.query_one(StepTable).move_cursor(row=[s.seq for s in screen.run.steps].index(seq))


async def test_a_blind_venues_hedge_is_sent_only_after_its_own_confirmation():
    app, clock = outage_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await dydx_dark(pilot, clock)
        screen = await start_flat(pilot)
        run = screen.run
        assert [b.account for b in run.blind] == ["dydx"]
        assert "blind: dydx DOWN" in str(screen.query_one("#run-blind").render())
        hedge = next(s for s in run.steps if s.kind is StepKind.HEDGE)
        assert hedge.status is StepStatus.OFFERED and hedge.hedges.account == "dydx"
        select(screen, hedge.seq)
        await pilot.pause()
        assert "opens a position on" in str(screen.query_one("#run-detail").render())

        # Enter does not send a hedge: it says which key does.
        await pilot.press("enter")
        await _settled(pilot)
        assert not [c for c in app.api.sent if isinstance(c, ConfirmStep)]
        assert any("confirm it with h" in n.message for n in app._notifications)

        # h asks, naming the blind position and the venue it opens on; Cancel is the default.
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        said = " ".join(str(line) for line in app.screen.lines)
        assert f"hedge for dydx {hedge.asset} {hedge.side.opposite.value}: opens a position on " \
               f"{hedge.key.account}" in said
        await pilot.press("enter")
        await _settled(pilot)
        assert not [c for c in app.api.sent if isinstance(c, ConfirmHedge)]

        await pilot.press("h")
        await pilot.pause()
        await pilot.pause()
        await pilot.press("y")
        await _settled(pilot)
        assert ConfirmHedge(run.id, hedge.seq) in app.api.sent
        step = screen.run.step(hedge.seq)
        assert step.status is StepStatus.DONE and step.filled > 0
        assert screen.query_one("#run-orders").row_count == 1


async def test_remapped_keys_are_the_ones_hints_name():
    """With the hedge on H, enter's hint names H, h does nothing and H asks."""
    app, clock = outage_app(keymap={"run.hedge": "H", "run.go": "r"})
    async with app.run_test(size=(120, 40)) as pilot:
        await dydx_dark(pilot, clock)
        screen = await start_flat(pilot)
        hedge = next(s for s in screen.run.steps if s.kind is StepKind.HEDGE)
        select(screen, hedge.seq)
        await pilot.press("enter")
        await _settled(pilot)
        assert any("confirm it with H" in n.message for n in app._notifications)
        await pilot.press("h")  # no longer the hedge key
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)


def _reducing(frame):
    """`frame` with the kill switch reducing in advise mode, proposing to halve two positions."""
    positions = frame.assessment.positions[:2]
    proposed = tuple(Intent(id=f"kill:test:{p.key}", account=p.account, symbol=p.symbol,
                            source=IntentSource.KILL_SWITCH, reason="kill switch cut",
                            amount=(p.size / 2).quantize(Decimal("0.001"))) for p in positions)
    kill = dataclasses.replace(frame.assessment.kill, status=KillStatus.REDUCING, mode=KillMode.ADVISE,
                               cause="funding stress 72/60", proposed=proposed, latched=True)
    return dataclasses.replace(frame, assessment=dataclasses.replace(frame.assessment, kill=kill))


async def test_the_kill_switchs_cut_is_offered_first_when_it_waits_for_a_person():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        app.api.push(_reducing(app.api.latest))
        await pilot.pause()
        kill_line = str(app.screen.query_one("#kill-line").render())
        assert "or U to unwind it step by step" in kill_line
        await pilot.press("U")
        await _settled(pilot)
        picker = app.screen
        assert isinstance(picker, UnwindPicker)
        assert picker.query_one("#picker-targets").get_option_at_index(0).id == "kill"
        command = app.api.previewed[-1]
        assert isinstance(command, StartUnwind) and command.target.kind is TargetKind.KILL_CUT
        assert command.trigger == "kill switch"
        assert picker.plan is not None
        cut = {s.key for s in picker.plan.steps if s.kind is StepKind.CUT}
        assert {i.key for i in app.api.latest.assessment.kill.proposed} <= cut
