"""The key bar and the palette follow state (`CockpitScreen.check_action`): trims and close only
on a position row of an account that trades, accept cut only while the kill switch proposes one
and waits; the bar refreshes as frames and the cursor change, and a key that is not offered still
says why when pressed."""

from __future__ import annotations

from dataclasses import replace

from cockpit.model import KillMode
from cockpit.ui import palette
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.widgets.keybar import KeyBar
from cockpit.ui.widgets.positions import PositionsTable
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.test_confirm import _propose_cut

BOOK = ("Trim 10%", "Trim 25%", "Trim 50%", "Close 100%")


def _bar(app) -> dict[str, bool]:
    """The key bar's items: description -> enabled."""
    return {item.description: item.enabled for item in app.screen.query_one(KeyBar).items}


def _commands(app) -> set[str]:
    return {title for title, _help, _run in palette.commands(app.screen)}


async def _row(pilot, wanted) -> None:
    table = pilot.app.screen.query_one(PositionsTable)
    table.focus()
    for i in range(table.row_count):
        table.move_cursor(row=i)
        if wanted(table.selected_key):
            await pilot.pause()
            return
    raise AssertionError("no such row")


async def test_on_a_position_of_a_trading_account_trims_are_offered_and_accept_cut_is_not():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _row(pilot, lambda key: not isinstance(key, str))
        bar = _bar(app)
        assert all(bar[name] for name in BOOK)
        assert "Accept cut" not in bar and "Accept cut" not in _commands(app)
        assert set(BOOK) <= _commands(app)
        await pilot.press("a")  # not offered: pressed anyway, it says why
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)
        assert "Kill switch is NORMAL: it proposes a cut only when REDUCING" in [n.message for n in app._notifications]


async def test_accept_cut_comes_with_a_proposal_in_advise_mode_and_goes_in_auto():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        _propose_cut(app)  # a new frame: the bar follows it
        await pilot.pause()
        assert _bar(app)["Accept cut"] and "Accept cut" in _commands(app)
        frame = app.api.latest
        auto = replace(frame, assessment=replace(frame.assessment, kill=replace(frame.assessment.kill,
                                                                                mode=KillMode.AUTO)))
        app.api.latest = auto
        app.screen.show_frame(auto)
        await pilot.pause()
        assert "Accept cut" not in _bar(app) and "Accept cut" not in _commands(app)


async def test_on_a_summary_row_trims_are_shown_off_and_say_why():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _row(pilot, lambda key: isinstance(key, str))  # an asset's net/gross line
        bar = _bar(app)
        assert all(bar[name] is False for name in ("Trim 25%", "Close 100%"))
        assert not set(BOOK) & _commands(app)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)
        assert any("Select a position row" in n.message for n in app._notifications)
        await _row(pilot, lambda key: not isinstance(key, str))  # back on a position: on again
        assert _bar(app)["Trim 25%"]


async def test_read_only_offers_no_trim_nor_cut():
    app = make_app(readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        _propose_cut(app)
        await pilot.pause()
        await _row(pilot, lambda key: not isinstance(key, str))
        bar = _bar(app)
        assert not set(BOOK) & set(bar) and "Accept cut" not in bar
        assert not (set(BOOK) | {"Accept cut"}) & _commands(app)


async def test_a_read_only_account_offers_no_trim_on_its_rows_but_others_do():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _row(pilot, lambda key: not isinstance(key, str))
        table = app.screen.query_one(PositionsTable)
        name = table.selected_position.account
        frame = app.api.latest
        accounts = tuple(replace(acc, info=replace(acc.info, readonly=True)) if acc.name == name else acc
                         for acc in frame.book.accounts)
        app.api.latest = replace(frame, book=replace(frame.book, accounts=accounts))
        app.screen.show_frame(app.api.latest)
        await pilot.pause()
        assert "Trim 25%" not in _bar(app) and "Trim 25%" not in _commands(app)
        await _row(pilot, lambda key: not isinstance(key, str) and key.account != name)
        assert _bar(app)["Trim 25%"]


async def test_a_flagged_row_of_a_read_only_account_offers_no_flag_trim():
    """The apply-flag key follows the same rule as the trims (`Frame.orders_off`): on a row of an
    account that is read-only in its own config it is neither on the bar nor in the row's hint."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _row(pilot, lambda key: not isinstance(key, str) and app.screen._flag_trim() is not None)
        assert _bar(app)["Apply flag"]
        pane = app.screen.query_one("#positions")
        assert " trims " in str(pane.border_subtitle)
        name = app.screen.query_one(PositionsTable).selected_position.account
        frame = app.api.latest
        accounts = tuple(replace(acc, info=replace(acc.info, readonly=True)) if acc.name == name else acc
                         for acc in frame.book.accounts)
        app.api.latest = replace(frame, book=replace(frame.book, accounts=accounts))
        app.screen.show_frame(app.api.latest)
        await pilot.pause()
        assert "Apply flag" not in _bar(app) and "Apply flag" not in _commands(app)
        assert " trims " not in str(pane.border_subtitle)
        app.clear_notifications()
        await pilot.press("f")  # says why by the same rule: the account is read-only, not "no trim"
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["Read-only: no orders are sent"]
        assert app.api.previewed == [] and app.api.sent == []
