"""The status line shows each account's dead-man's switch where there is room, one badge where
there is not, and never pushes an account's health off an 80-column line for it."""

from __future__ import annotations

from dataclasses import replace

from cockpit.model import DeadManState, DeadManStatus as S, Frame
from cockpit.ui.widgets.status import status_line
from tests.ui.cockpit_app import make_app


async def _frame(accounts: int | None = None) -> Frame:
    frame = await make_app().api.poll()
    if accounts is not None:
        frame = replace(frame, book=replace(frame.book, accounts=frame.book.accounts[:accounts]))
    return frame


def _with(frame: Frame, *states: tuple[int, S, float | None]) -> Frame:
    names = [a.name for a in frame.book.accounts]
    return replace(frame, dead_man=tuple(DeadManState(names[i], status, None if at is None else frame.now + at)
                                         for i, status, at in states))


async def test_each_account_says_its_switch_when_there_is_room():
    frame = _with(await _frame(3), (0, S.ARMED, 41.5), (2, S.EXPIRED, -3.0))
    text = status_line(frame, {}, 200).plain
    first, _, third = (a.name for a in frame.book.accounts)
    assert text.index(first) < text.index("DMS 42s") < text.index(third) < text.index("DMS expired")


async def test_at_80_columns_one_badge_and_every_account_still_in_view():
    for count in (3, 6):
        base = await _frame(count)
        frame = _with(base, (0, S.ARMED, 41.5), (1, S.EXPIRED, -3.0))
        shown = status_line(frame, {}, 80).plain[:80]
        assert "DMS expired" in shown or "DMS✗" in shown  # the expiry is told first
        assert "DMS 42s" not in shown  # no room for one label per account
        for acc in frame.book.accounts:
            # No account's health lost to the badge (six accounts' names are cut shorter, to
            # two letters beside the badge, so that the clock stays in view too).
            assert f"{acc.name[:4 if count == 3 else 2]}●" in shown
        assert shown.rstrip().endswith("sim 03-02 00:00")
    few = _with(await _frame(3), (0, S.ARMED, 41.5))
    assert "DMS 42s" in status_line(few, {}, 80).plain[:80]


async def test_nothing_when_no_switch_is_armed():
    frame = await _frame(3)
    plain = status_line(frame, {}, 200).plain
    assert "DMS" not in plain
    assert "DMS" not in status_line(_with(frame, (0, S.IDLE, None)), {}, 80).plain
    assert status_line(_with(frame, (0, S.IDLE, None)), {}, 200).plain == plain


async def test_help_lists_each_switch_and_what_dms_means():
    from cockpit.present.deadman import GLOSSARY
    from tests.ui.cockpit_app import first_frame

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        frame = _with(app.screen.frame, (0, S.ARMED, 30.0))
        app.api.latest = frame  # the help reads the newest frame
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-text").render())
        said = text.split("Dead-man's switches\n", 1)[1].split("\n\n", 1)[0]
        assert said.startswith(f"{frame.book.accounts[0].name}: DMS 30s")
        assert " ".join(said.split()).endswith(GLOSSARY)  # wrapped to the help's width
