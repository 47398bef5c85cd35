"""Ask, then send (`cockpit.ui.sending.CommandSender`), the same on the three screens that send
what a person confirms: the cockpit's trim and cut, the run's abort and run-all, the open orders'
cancel. A no sends nothing (and says so where the screen does); a yes sends the command once and
shows the engine's answer as it worded it; each screen's way of showing an answer is kept."""

from __future__ import annotations

import pytest

from cockpit.model import OrderStatus
from cockpit.model.commands import (
    AbortRun, AcceptKillCut, CancelOrder, CommandResult, OrderResult, ResumeRun, Trim,
)
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.orders import OrdersScreen
from cockpit.ui.screens.run import RunScreen
from cockpit.ui.widgets.positions import PositionsTable
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.test_confirm import _propose_cut
from tests.ui.test_orders_screen import orders_app
from tests.ui.test_unwind_run import _start_flat


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _question(pilot, key: str) -> ConfirmScreen:
    """Press `key`; the confirmation it opens, drawn (so y may confirm)."""
    await pilot.press(key)
    await _settle(pilot)
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmScreen)
    return pilot.app.screen


async def _no_then_yes(pilot, key: str, no: str, command_type: type, declined: str | None) -> None:
    """`key` then `no` sends nothing (saying `declined`, if any); `key` then y sends one
    `command_type` and shows the engine's answer."""
    app = pilot.app
    screen = app.screen
    sent = len(app.api.sent)
    answers = _answers(app)
    await _question(pilot, key)
    app.clear_notifications()
    await pilot.press(no)
    await _settle(pilot)
    assert app.screen is screen and app.api.sent[sent:] == []
    notes = [n.message for n in app._notifications]
    assert notes == ([declined] if declined else [])
    await _question(pilot, key)
    await pilot.press("y")
    await _settle(pilot)
    assert [type(c) for c in app.api.sent[sent:]] == [command_type]
    assert len(answers) == 1 and answers[0].message in [n.message for n in app._notifications]


def _answers(app) -> list[CommandResult]:
    """The engine's answers to the commands sent from now on, as they come back."""
    answers: list[CommandResult] = []
    send = app.api.send

    async def recorded(command):
        answers.append(await send(command))
        return answers[-1]

    app.api.send = recorded
    return answers


@pytest.mark.parametrize("no", ["n", "escape", "enter"])
async def test_cockpit_trim_no_sends_nothing_yes_sends_the_trim(no):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        table = app.screen.query_one(PositionsTable)
        table.focus()
        await pilot.pause()
        await _no_then_yes(pilot, "t", no, Trim, "Trim cancelled")
        trim = app.api.sent[0]
        assert trim.key == table.selected_position and trim.fraction == 0.25 and trim.cap is not None
        assert isinstance(app.screen, CockpitScreen)


async def test_cockpit_kill_cut_no_sends_nothing_yes_sends_the_cut():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        _propose_cut(app)
        await pilot.pause()
        await _no_then_yes(pilot, "a", "n", AcceptKillCut, None)
        assert len(app.api.backend.journal.rows()) == 2  # the two proposed cuts went


@pytest.mark.parametrize("key, command_type", [("A", AbortRun), ("g", ResumeRun)])
async def test_run_no_sends_nothing_yes_sends(key, command_type):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _start_flat(pilot)
        await _no_then_yes(pilot, key, "escape", command_type, None)
        assert isinstance(app.screen, RunScreen)


async def test_open_orders_no_keeps_the_order_yes_cancels_it():
    app = orders_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("O")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        await _no_then_yes(pilot, "x", "n", CancelOrder, "Order kept")


async def test_each_screen_shows_an_answer_as_it_did():
    """A refusal: a warning on the run (6 s) and the open orders, an error on the cockpit; an
    order a venue rejected under a carried-out command counts as a refusal."""
    app = orders_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_flat(pilot)
        rejected = CommandResult(True, "1 of 2 sent", (OrderResult("a", "X", "c", OrderStatus.REJECTED, 0, "no"),))
        shown = []
        for result in (CommandResult(True, "done [b]"), CommandResult(False, "refused [/b]"), rejected):
            app.clear_notifications()
            screen.told(result)
            await pilot.pause()
            note = list(app._notifications)[-1]
            shown.append((note.message, note.severity, note.timeout, note.markup))
        assert shown == [("done [b]", "information", 3, False), ("refused [/b]", "warning", 6, False),
                         ("1 of 2 sent", "warning", 6, False)]
        await pilot.press("escape")
        await pilot.pause()
        cockpit = app.screen
        assert isinstance(cockpit, CockpitScreen)
        app.clear_notifications()
        cockpit.told(CommandResult(False, "no"))
        cockpit.told(rejected)
        await pilot.pause()
        assert [(n.severity, n.timeout) for n in app._notifications] == [("error", app.NOTIFICATION_TIMEOUT)] * 2
        await pilot.press("O")
        await pilot.pause()
        app.clear_notifications()
        app.screen.told(CommandResult(False, "no"))
        await pilot.pause()
        assert [(n.severity, n.timeout) for n in app._notifications] == [("warning", app.NOTIFICATION_TIMEOUT)]
