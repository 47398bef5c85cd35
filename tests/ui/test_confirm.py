"""A confirmation acts on its first decision only, and never pops the cockpit screen beneath it.

A terminal delivers a fast `Enter y` in one read: both keys reach the app before either is
handled. `burst` sends them so (no idle wait between them, unlike `Pilot.press`).
"""

from __future__ import annotations

from dataclasses import replace

from textual import events

from cockpit.model import Intent, IntentSource, KillStatus
from cockpit.risk.output import proposal_rows
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.widgets.positions import PositionsTable
from tests.ui.cockpit_app import first_frame, make_app

ROUNDS = 25


async def burst(pilot, *keys: str) -> None:
    """Send `keys` to the app in one go, as one terminal read would, then let them be handled."""
    app = pilot.app
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _open_trim(pilot) -> None:
    table = pilot.app.screen.query_one(PositionsTable)
    table.focus()
    table.move_cursor(row=0)
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmScreen)


def _propose_cut(app) -> None:
    """Make the latest frame a REDUCING one that proposes cutting the first two positions."""
    frame = app.api.latest
    a = frame.assessment
    proposed = tuple(
        Intent(id=f"kill:{p.key}", account=p.account, symbol=p.symbol,
               source=IntentSource.KILL_SWITCH, reason="test cut", amount=p.size / 4)
        for p in frame.book.positions()[:2])
    kill = replace(a.kill, status=KillStatus.REDUCING, cause="test", proposed=proposed, cut_planned=0.1)
    app.api.latest = replace(frame, assessment=replace(a, kill=kill, proposal=proposal_rows(a.positions, proposed, frame.book)))
    app.screen.show_frame(app.api.latest)


async def _open_cut(pilot) -> None:
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmScreen)


async def test_enter_then_y_in_one_burst_never_sends_a_trim():
    """Enter presses Cancel first: the `y` right behind it must find the decision taken."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        for _ in range(ROUNDS):
            await _open_trim(pilot)
            await burst(pilot, "enter", "y")
            assert isinstance(app.screen, CockpitScreen)
            assert app.api.backend.journal.rows() == []
        for _ in range(3):  # the same through Pilot (an idle wait between the keys)
            await _open_trim(pilot)
            await pilot.press("enter", "y")
            await app.workers.wait_for_complete()
            assert isinstance(app.screen, CockpitScreen)
            assert app.api.backend.journal.rows() == []


async def test_enter_then_y_in_one_burst_never_accepts_the_kill_cut():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        _propose_cut(app)
        for _ in range(ROUNDS):
            await _open_cut(pilot)
            await burst(pilot, "enter", "y")
            assert isinstance(app.screen, CockpitScreen)
            assert app.api.backend.journal.rows() == []
        await _open_cut(pilot)  # and the cut does go when confirmed: the test can see a send
        await burst(pilot, "y", "escape")
        assert isinstance(app.screen, CockpitScreen)
        assert len(app.api.backend.journal.rows()) == 2


async def test_y_then_escape_confirms_once_and_keeps_the_cockpit():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _open_trim(pilot)
        await burst(pilot, "y", "escape", "enter", "y")
        assert isinstance(app.screen, CockpitScreen)
        assert len(app.api.backend.journal.rows()) == 1


async def test_a_double_dismiss_never_pops_the_cockpit_screen():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        for decide in (lambda m: (m.dismiss(False), m.dismiss(False)),
                       lambda m: (m.action_cancel(), m.action_confirm(), m.dismiss(True))):
            await _open_trim(pilot)
            modal = app.screen
            stack = len(app.screen_stack)
            decide(modal)
            await pilot.pause()
            await app.workers.wait_for_complete()
            assert isinstance(app.screen, CockpitScreen)
            assert len(app.screen_stack) == stack - 1
            assert app.api.backend.journal.rows() == []


async def test_the_kill_cut_double_dismiss_keeps_the_cockpit():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        _propose_cut(app)
        await _open_cut(pilot)
        modal = app.screen
        modal.action_cancel()
        modal.dismiss(True)
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, CockpitScreen)
        assert app.api.backend.journal.rows() == []


async def test_a_y_typed_before_the_dialog_was_drawn_never_confirms():
    """`t y` (or `a y`) in one burst: the `y` was not a decision about values never shown."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        table = app.screen.query_one(PositionsTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.pause()
        for _ in range(ROUNDS):
            await burst(pilot, "t", "y")
            assert isinstance(app.screen, ConfirmScreen) and app.screen.decision is None
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, CockpitScreen)
        _propose_cut(app)
        for _ in range(5):
            await burst(pilot, "a", "y")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("escape")
            await pilot.pause()
        assert app.api.backend.journal.rows() == []
        await burst(pilot, "t")  # drawn now: y confirms
        await burst(pilot, "y")
        assert len(app.api.backend.journal.rows()) == 1
