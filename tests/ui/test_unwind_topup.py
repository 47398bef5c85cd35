"""A top-up within a venue on the run screen: its TOPUP row, its detail line, and the confirm key,
which asks first (Cancel is the default) and only then sends it to the simulated venue.

The demo's first frames have no price history, so no time to liquidation: the planner's rule (a
near position whose rescue from another layer is slower, or none) is tested in
tests/risk/test_unwind_plan.py; here it is stood in for, so that Bybit's near SOL gets the offer."""

from __future__ import annotations

from cockpit.engine import topup
from cockpit.model.commands import ConfirmStep
from cockpit.model.unwind import StepKind, StepStatus
from cockpit.risk import unwind as planner
from cockpit.sim import topup as sim_topup
from cockpit.sim.demo import SPOT
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.run import StepTable
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.test_unwind_branches import _settled, select, start_flat


async def test_a_top_up_row_is_sent_only_after_its_own_confirmation(monkeypatch):
    monkeypatch.setattr(planner, "_saved_by_top_up",
                        lambda legs, account: [leg for leg in legs if leg.key.account == account and leg.near])

    async def bybit_only(flow, run):
        return {"bybit": await flow.engine.venues["bybit"].top_up_available()}

    monkeypatch.setattr(topup, "available", bybit_only)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        screen = await start_flat(pilot)
        run = screen.run
        top = next(s for s in run.steps if s.kind is StepKind.TOPUP)
        first_bybit_cut = next(s for s in run.steps if s.kind is StepKind.CUT and s.key.account == "bybit")
        assert top.status is StepStatus.OFFERED and top.seq < first_bybit_cut.seq and 0 < top.amount <= SPOT["bybit"]
        select(screen, top.seq)
        await pilot.pause()
        row = [str(c) for c in screen.query_one(StepTable).row_cells(top.seq)]
        assert row[1] == "TOPUP" and row[2] == "bybit" and "offered" in row
        assert "top-up: move" in str(screen.query_one("#run-detail").render())

        await pilot.press("enter")  # asks first; enter on the question is Cancel
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "perp margin" in " ".join(str(line) for line in app.screen.lines)
        await pilot.press("enter")
        await _settled(pilot)
        assert not [c for c in app.api.sent if isinstance(c, ConfirmStep)]

        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        await pilot.press("y")
        await _settled(pilot)
        assert ConfirmStep(run.id, top.seq) in app.api.sent
        world = app.api.backend.sim.world
        sent = sim_topup.status(world, "bybit", topup.top_up_id(run.id, top.seq))
        assert sent is not None and sent.amount == top.amount  # the frozen clock: on its way
        assert screen.run.step(top.seq).status is StepStatus.SENDING
        assert not any(s.status.over for s in screen.run.steps if s.kind is StepKind.CUT)  # cuts not sent


async def test_a_top_up_whose_outcome_is_unknown_says_what_to_check_and_is_marked_only_after_asking(monkeypatch):
    """Bybit's venue stood in for one without client ids (Binance, Hyperliquid): the send times
    out, the look-up finds nothing: the row is UNKNOWN, the detail line says what to check at the
    venue with this terminal's keys, and the confirm key asks (Cancel first) before marking it."""
    from cockpit.model import VenueTimeout
    from cockpit.model.unwind import RunState
    from cockpit.ui.bindings import key_of

    monkeypatch.setattr(planner, "_saved_by_top_up",
                        lambda legs, account: [leg for leg in legs if leg.key.account == account and leg.near])

    async def bybit_only(flow, run):
        return {"bybit": await flow.engine.venues["bybit"].top_up_available()}

    monkeypatch.setattr(topup, "available", bybit_only)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        venue = app.api.backend.venues["bybit"]
        sends = []

        async def times_out(amount, client_id):
            sends.append(client_id)
            raise VenueTimeout("bybit: request timed out", account="bybit")

        monkeypatch.setattr(venue, "top_up_keyed", False, raising=False)
        monkeypatch.setattr(venue, "top_up", times_out)
        screen = await start_flat(pilot)
        top = next(s for s in screen.run.steps if s.kind is StepKind.TOPUP)
        assert top.keyed is False
        select(screen, top.seq)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        said = " ".join(str(line) for line in app.screen.lines)
        assert "NOT" in said and "sent again" in said and "same transfer" not in said
        await pilot.press("y")
        for _ in range(100):
            await _settled(pilot)
            if screen.run.step(top.seq).status is StepStatus.UNKNOWN:
                break
            await pilot.pause(0.05)
        assert screen.run.step(top.seq).status is StepStatus.UNKNOWN and screen.run.state is RunState.PAUSED
        assert len(sends) == 1
        row = [str(c) for c in screen.query_one(StepTable).row_cells(top.seq)]
        assert "UNKNOWN" in row
        detail = str(screen.query_one("#run-detail").render())
        confirm, skip = key_of(app, "run.confirm"), key_of(app, "run.skip")
        assert "transfer history" in detail and f"{confirm} marks it done" in detail
        assert f"{skip} marks it not done" in detail

        await pilot.press("enter")  # asks first; enter on the question is Cancel
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "arrived" in app.screen.title_text
        await pilot.press("enter")
        await _settled(pilot)
        assert screen.run.step(top.seq).status is StepStatus.UNKNOWN
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await _settled(pilot)
        assert screen.run.step(top.seq).status is StepStatus.DONE and len(sends) == 1
