"""The carry scanner's screen: its key and palette entry, the size field that prices it, the warning
pair first, and what it looks like at 80×24 and 120×40. It sends nothing but its size.

Update the pictures after looking at the report:
`python -m pytest tests/ui/test_carry_screen.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from cockpit.engine.demo import demo_engine
from cockpit.model.commands import SetCarrySize
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.carry import CarryScreen, CarryTable
from cockpit.ui.screens.cockpit import CockpitScreen
from tests.ui.cockpit_app import FROZEN, first_frame, make_app
from tests.ui.fake_engine import FakeEngine


def squeeze_app(**kw) -> CockpitApp:
    """The funding squeeze at 60×: a minute of wall clock in, some pairs you hold pay funding on
    both legs (the scanner lists them first)."""
    clock = [FROZEN]
    engine = demo_engine(seed=7, scenario="funding-squeeze", speed=60.0, clock=lambda: clock[0])
    app = CockpitApp(FakeEngine(engine), **kw)
    app.clock = clock  # type: ignore[attr-defined]  (the tests move it)
    return app


async def squeezed(pilot) -> None:
    """Three polls 30 s apart (30 simulated minutes each), then the scanner (the squeeze's
    alerts cleared: they are the cockpit's, not the scanner's)."""
    for _ in range(3):
        await pilot.app.api.poll()
        pilot.app.clock[0] += 30.0
    await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.press("c")
    await pilot.pause()


async def test_c_opens_the_scanner_and_escape_comes_back():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CarryScreen)
        assert app.screen.query_one(CarryTable).row_count == len(app.api.latest.assessment.carry.pairs) > 0
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)


async def test_a_remapped_key_opens_it_and_the_default_no_longer_does():
    app = make_app(keymap={"view.carry": "C"})
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, CarryScreen)


async def test_the_palette_offers_carry_scanner():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Carry scanner")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CarryScreen)


async def test_the_size_field_prices_the_scanner_and_sends_nothing_else():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("c", "s")
        await pilot.pause()
        await pilot.press(*"250k", "enter")
        await app.workers.wait_for_complete()
        assert app.api.sent == [SetCarrySize(250_000.0)]
        await app.api.poll()
        await pilot.pause()
        head = str(app.screen.query_one("#carry-head").render())
        assert "$250k per leg" in head
        assert app.api.latest.assessment.carry.size == 250_000.0
        assert app.screen.query_one(CarryTable).has_focus  # back on the pairs
        assert app.api.backend.journal.rows() == []  # no order


async def test_a_size_that_does_not_parse_is_told_and_not_sent():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("c", "s")
        await pilot.pause()
        await pilot.press(*"lots", "enter")
        await pilot.pause()
        assert app.api.sent == []
        assert any(n.message.startswith("size: write USD per leg") for n in app._notifications)


async def test_held_pairs_paying_on_both_legs_come_first_and_are_explained():
    app = squeeze_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await squeezed(pilot)
        scan = app.api.latest.assessment.carry
        warnings = [p for p in scan.pairs if p.pays_both]
        assert warnings and scan.pairs[:len(warnings)] == tuple(warnings)
        screen = app.screen
        assert isinstance(screen, CarryScreen)
        assert screen.selected == warnings[0]
        assert "pay funding on BOTH legs" in str(screen.query_one("#carry-detail").render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_carry_scanner(snap_compare, size):
    """The scanner in the funding squeeze: held pairs that pay on both legs first (!!, red), then
    the best pair per asset by net APR at $100k; the selected pair explained underneath; legend."""
    assert snap_compare(squeeze_app(), terminal_size=size, run_before=squeezed)


async def test_the_help_lists_the_scanner_key_as_remapped():
    """`?` lists "Carry scanner" on its key (the user's, after remapping)."""
    app = make_app(keymap={"view.carry": "C"})
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        lines = str(app.screen.query_one("#help-text").render()).splitlines()
        assert any(line.split()[:3] == ["C", "Carry", "scanner"] for line in lines)
        keys = {b.id: k for k, (_, b, _, _) in app.screen.under.active_bindings.items() if b.id == "view.carry"}
        assert keys == {"view.carry": "C"}