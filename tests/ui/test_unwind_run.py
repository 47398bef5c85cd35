"""The guided unwind as a trader drives it: pick a target, read the plan, start, step, run, pause,
abort, read the end; the run's commands reach the demo engine's own run (FakeEngine)."""

from __future__ import annotations

from cockpit.model.commands import AbortRun, ConfirmStep, PauseRun, ResumeRun, StartUnwind
from cockpit.model.unwind import RunMode, RunState, StepKind, StepStatus, TargetKind
from cockpit.ui.keymap import DEFAULT_BINDINGS
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.picker import UnwindPicker
from cockpit.ui.screens.run import RunScreen, StepTable
from tests.ui.cockpit_app import first_frame, make_app


async def _open_picker(pilot) -> UnwindPicker:
    await first_frame(pilot)
    await pilot.press("U")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, UnwindPicker)
    return pilot.app.screen


async def _start_flat(pilot, *, running: bool = False) -> RunScreen:
    """U, Flat, (running), enter, y: the run screen over the planned run."""
    picker = await _open_picker(pilot)
    if running:
        await pilot.press("tab", "tab", "right", "enter", "shift+tab", "shift+tab")
    assert picker.query_one("#picker-targets").highlighted == 0  # Flat: no kill cut is offered
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmScreen)
    await pilot.pause()
    await pilot.press("y")
    await pilot.app.workers.wait_for_complete()
    await pilot.app.api.settle()
    await pilot.pause()
    assert isinstance(pilot.app.screen, RunScreen)
    return pilot.app.screen


async def _press(pilot, *keys) -> None:
    await pilot.press(*keys)
    await pilot.app.workers.wait_for_complete()
    await pilot.app.api.settle()
    await pilot.pause()


async def test_the_picker_shows_the_plan_before_anything_is_sent():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await _open_picker(pilot)
        await pilot.app.workers.wait_for_complete()
        assert picker.plan is not None and picker.plan.state is RunState.READY
        assert "steps" in str(picker.query_one("#picker-plan").render())
        assert not app.api.sent and isinstance(app.api.previewed[-1], StartUnwind)
        assert app.api.backend.unwind.run is None  # a preview starts nothing


async def test_a_held_enter_never_starts_the_run():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_picker(pilot)
        for _ in range(6):
            await pilot.press("enter")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        assert not [c for c in app.api.sent if isinstance(c, StartUnwind)]


async def test_gross_cut_takes_the_typed_percentage():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await _open_picker(pilot)
        await pilot.press("down")  # Cut gross by the % below
        await pilot.press("tab", "backspace", "backspace", "5", "0")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        command = app.api.previewed[-1]
        assert command.target.kind is TargetKind.GROSS and command.target.fraction == 0.5
        assert picker.plan is not None


async def test_one_asset_lists_the_books_assets():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await _open_picker(pilot)
        await pilot.press("down", "down", "enter")
        await pilot.app.workers.wait_for_complete()
        assert picker.listing == "asset"
        command = app.api.previewed[-1]
        assert command.target.kind is TargetKind.ASSET and command.target.name
        await pilot.press("escape")
        assert picker.listing == "" and isinstance(app.screen, UnwindPicker)
        await pilot.press("escape")
        assert not isinstance(app.screen, UnwindPicker)


async def test_start_confirm_a_step_run_pause_abort_and_read_the_end():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_flat(pilot)
        run = screen.run
        assert run is not None and run.state is RunState.READY and run.mode is RunMode.STEP
        steps = screen.query_one(StepTable)
        assert steps.row_count == len(run.steps)

        # The first cut: enter sends the selected step, and only it (with its group).
        first_cut = next(s for s in run.steps if s.kind is StepKind.CUT)
        steps.move_cursor(row=[s.seq for s in run.steps].index(first_cut.seq))
        await _press(pilot, "enter")
        assert ConfirmStep(run.id, first_cut.seq) in app.api.sent
        run = screen.run
        assert run.state is RunState.WAITING and run.step(first_cut.seq).status is StepStatus.DONE
        assert screen.query_one("#run-orders").row_count >= 1
        assert "1:" not in str(screen.query_one("#run-head").render())  # frozen clock: 0:00

        # Enter again on the same (done) row: the engine refuses, nothing else is sent.
        sent = len(app.api.sent)
        await _press(pilot, "enter")
        assert app.api.backend.unwind.run.step(first_cut.seq).status is StepStatus.DONE
        assert len([c for c in app.api.sent[sent:] if isinstance(c, ConfirmStep)]) == 1

        # Pause, then abort (asks first; cancel is the default).
        await _press(pilot, "p")
        assert isinstance(app.api.sent[-1], PauseRun) and screen.run.state is RunState.PAUSED
        await _press(pilot, "A")
        assert isinstance(app.screen, ConfirmScreen)
        await _press(pilot, "enter")  # Cancel has the focus
        assert not isinstance(app.api.sent[-1], AbortRun)
        await _press(pilot, "A")
        await pilot.pause()
        await _press(pilot, "y")
        assert isinstance(app.api.sent[-1], AbortRun)
        assert screen.run.state is RunState.ABORTED
        events = str(screen.query_one("#run-events").render())
        assert "report:" in events
        assert "aborted" in str(screen.query_one("#run-note").render())

        # Over: d dismisses, and the cockpit is back with no marker.
        await _press(pilot, "d")
        assert app.api.backend.unwind.run is None
        assert not isinstance(app.screen, RunScreen)


async def test_running_mode_sends_every_step_after_one_confirmation():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_flat(pilot, running=True)
        assert isinstance(app.api.sent[-1], ResumeRun)
        assert screen.run.state is RunState.DONE
        over, total = screen.run.progress
        assert over == total
        assert "positions match the plan" in screen.run.note


async def test_escape_goes_back_and_the_status_line_marks_the_run():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _start_flat(pilot)
        await _press(pilot, "escape")
        assert not isinstance(app.screen, RunScreen)
        await app.api.poll()
        await pilot.pause()
        assert "UNWIND 0/21 READY" in str(app.screen.query_one("#status").render())
        await _press(pilot, "U")
        assert isinstance(app.screen, RunScreen)


async def test_readonly_sees_the_refusal():
    app = make_app(readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        picker = await _open_picker(pilot)
        await pilot.app.workers.wait_for_complete()
        assert "refused" in str(picker.query_one("#picker-plan").render())
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnwindPicker)  # nothing to confirm
        assert any("read-only" in n.message.lower() or "readonly" in n.message.lower()
                   for n in app._notifications)


async def test_the_engines_note_names_no_key_and_the_key_bar_shows_this_terminals():
    from cockpit.ui.widgets.keybar import KeyBar

    app = make_app(keymap={"run.go": "r", "run.confirm": "space"})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_flat(pilot)
        note = str(screen.query_one("#run-note").render())
        assert "confirm a step" in note and "(" not in note  # the engine knows no terminal's keys
        bar = str(screen.query_one(KeyBar).render())
        assert "r Run" in bar and "g Run" not in bar


async def test_a_readonly_terminal_sees_the_run_and_each_key_answers_the_refusal():
    """A run under way when orders go off (a read-only guard): the keys that would send ask
    nothing and show the engine's refusal; the run is untouched."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_flat(pilot)
        app.api.backend.readonly = app.api.backend.executor.readonly = True
        await app.api.settle()
        await pilot.pause()
        for key, command in (("g", ResumeRun), ("A", AbortRun), ("enter", ConfirmStep)):
            app.clear_notifications()
            await _press(pilot, key)
            assert app.screen is screen  # no question first
            assert isinstance(app.api.sent[-1], command)
            assert any("read-only" in n.message for n in app._notifications), key
        assert screen.run.state is RunState.READY


async def test_the_palette_offers_the_emergency_unwind():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == DEFAULT_BINDINGS["unwind.start"][1])
        await command.callback()  # the binding's action, run on the cockpit screen
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnwindPicker)
