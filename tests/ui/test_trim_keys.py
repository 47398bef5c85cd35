"""Every trim size has a key (10%, 25%, 50%, close), listed in the help and, where there is
room, on the key bar; each opens its own confirmation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.risk.orders import round_down
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.widgets.keybar import KeyBar
from cockpit.ui.widgets.positions import PositionsTable
from tests.ui.cockpit_app import first_frame, make_app

CHOICES = [("r", "Trim 10%", Decimal("0.1")), ("t", "Trim 25%", Decimal("0.25")), ("T", "Trim 50%", Decimal("0.5")),
           ("x", "Close 100%", Decimal(1))]


async def _select_first(pilot):
    table = pilot.app.screen.query_one(PositionsTable)
    table.focus()
    table.move_cursor(row=0)
    await pilot.pause()
    return table.selected_position


@pytest.mark.parametrize("key,label,fraction", CHOICES, ids=[c[0] for c in CHOICES])
async def test_each_trim_key_confirms_and_sends_its_own_fraction(key, label, fraction):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        selected = await _select_first(pilot)
        position = app.api.latest.book.position(selected)
        await pilot.press(key)
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ConfirmScreen)
        title = str(modal.query_one("#title").render())
        assert title.startswith("Close" if fraction == 1 else f"{label} of")
        await pilot.press("y")
        await app.workers.wait_for_complete()
        (row,) = app.api.backend.journal.rows()
        step = app.api.backend.venues[selected.account].instruments()[selected.symbol].amount_step
        expected = position.order_size if fraction == 1 else round_down(position.order_size * fraction, step)
        assert row.amount == expected and row.reduce_only


async def test_the_help_lists_every_trim_size_with_its_key():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await _select_first(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-text").render())
        for key, label, _ in CHOICES:
            assert any(line.split()[:1 + len(label.split())] == [key, *label.split()] for line in text.splitlines()), \
                (key, label, text)


@pytest.mark.parametrize("width,shown,left_out", [
    (120, ["r Trim 10%", "t Trim 25%", "T Trim 50%", "x Close 100%"], []),
    (80, ["t Trim 25%", "x Close 100%"], ["r Trim 10%", "T Trim 50%"]),
])
async def test_the_key_bar_shows_the_other_trim_sizes_where_there_is_room(width, shown, left_out):
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await first_frame(pilot)
        line = str(app.screen.query_one(KeyBar).render())
        assert all(item in line for item in shown) and not any(item in line for item in left_out)
        assert line.rstrip().endswith("▏^p Commands") and "? Help" in line  # nothing cropped
