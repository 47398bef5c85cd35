"""The apply-flag key: on a row flagged over a limit it trims by the fraction risk suggests,
through the usual preview and confirmation; elsewhere it says why and is not on the key bar."""

from __future__ import annotations

from decimal import Decimal

from cockpit.risk.orders import round_down
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.widgets.keybar import KeyBar
from cockpit.ui.widgets.positions import PositionsTable
from tests.ui.cockpit_app import first_frame, make_app


async def _select(pilot, wanted):
    """Put the positions' cursor on the first row whose risk row satisfies `wanted`; its row."""
    app = pilot.app
    table = app.screen.query_one(PositionsTable)
    table.focus()
    rows = {p.key: p for p in app.api.latest.assessment.positions}
    for i in range(table.row_count):
        table.move_cursor(row=i)
        row = rows.get(table.selected_position)
        if row is not None and wanted(row):
            await pilot.pause()
            return row
    raise AssertionError("no such row in the demo's first frame")


def _bar(app) -> str:
    return str(app.screen.query_one(KeyBar).render())


def _over(p):
    return "over-limit" in p.flags and p.trim_fraction > 0


async def test_f_on_a_flagged_row_confirms_and_sends_the_suggested_trim_rounded_by_the_engine():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        row = await _select(pilot, _over)
        position = app.api.latest.book.position(row.key)
        assert "f Apply flag" in _bar(app)
        hint = str(app.screen.query_one("#positions").border_subtitle)
        assert hint.startswith(f"{row.account} {row.asset}: OVER {row.limit_reason} −") and "f trims to $" in hint
        await pilot.press("f")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConfirmScreen)
        assert app.focused is modal.query_one("#cancel")  # a stray Enter cancels
        assert f"of {row.symbol} on {row.account}?" in str(modal.query_one("#title").render())
        text = " ".join(str(line.render()) for line in modal.query(".line"))
        assert f"OVER {row.limit_reason}" in text and "reduce-only" in text
        (previewed,) = app.api.previewed
        assert previewed.key == row.key and previewed.fraction == row.trim_fraction  # risk's, not the UI's
        await pilot.press("y")
        await app.workers.wait_for_complete()
        (sent,) = app.api.sent
        assert sent.key == row.key and sent.fraction == row.trim_fraction
        (order,) = app.api.backend.journal.rows()
        step = app.api.backend.venues[row.account].instruments()[row.symbol].amount_step
        assert 0 < order.amount < position.order_size  # a cut, never a close or a flip
        assert order.reduce_only and order.amount == round_down(position.order_size * Decimal(str(sent.fraction)), step)


async def test_f_cancelled_sends_nothing():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _select(pilot, _over)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("enter")  # Cancel has the focus
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen) and app.api.sent == []


async def test_f_on_a_row_without_a_suggestion_is_refused_with_the_reason_and_not_offered():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        row = await _select(pilot, lambda p: "near-liq" in p.flags and not _over(p))
        assert "Apply flag" not in _bar(app)
        assert "LIQ" in str(app.screen.query_one("#positions").border_subtitle)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)  # no confirmation
        assert app.api.previewed == [] and app.api.sent == []
        (note,) = [n.message for n in app._notifications]
        assert note.startswith(f"{row.account} {row.asset} is ") and "from liquidation" in note
        assert "no trim suggested" in note and note.endswith("trim by hand with t")
        clean = await _select(pilot, lambda p: not p.flags and p.trim_fraction == 0)
        assert str(app.screen.query_one("#positions").border_subtitle) == ""
        app.clear_notifications()
        await pilot.press("f")
        await pilot.pause()
        (note,) = [n.message for n in app._notifications]
        assert note == f"{clean.account} {clean.asset} has no flag: within every limit, no trim suggested"


async def test_the_key_follows_the_keymap_in_the_hint_the_bar_and_the_refusal():
    app = make_app(keymap={"positions.apply_flag": "F"})
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _select(pilot, _over)
        assert "F Apply flag" in _bar(app)
        assert "F trims to $" in str(app.screen.query_one("#positions").border_subtitle)
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)


async def test_read_only_offers_no_flag_trim():
    app = make_app(readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _select(pilot, _over)
        assert "Apply flag" not in _bar(app)
        assert "trims" not in str(app.screen.query_one("#positions").border_subtitle)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen) and app.api.previewed == []
        assert any("Read-only" in n.message for n in app._notifications)
