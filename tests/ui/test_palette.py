"""The command palette offers every action of the binding table on the screen where it is live,
with its key, and runs it there; and every shipped theme is in Textual's theme picker."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.actions import parse
from textual.command import CommandList

from cockpit.model.unwind import RunState
from cockpit.ui import palette
from cockpit.ui.app import CockpitApp
from cockpit.ui.keymap import DEFAULT_BINDINGS, collect_binding_ids
from cockpit.ui.panes import PANES
from cockpit.ui.screens.carry import CarryScreen
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.help import HelpScreen
from cockpit.ui.screens.ledger import LedgerScreen
from cockpit.ui.screens.orders import OrdersScreen
from cockpit.ui.screens.plots import PlotsScreen
from cockpit.ui.screens.run import RunScreen
from cockpit.ui.themes import shipped_themes
from cockpit.ui.widgets.heatmap import FundingHeatmap
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.test_apply_flag import _over, _select
from tests.ui.test_confirm import _propose_cut
from tests.ui.test_unwind_run import _start_flat

SCREENS = {
    "cockpit": (CockpitApp, CockpitScreen, FundingHeatmap, *PANES),
    "carry": (CarryScreen,),
    "ledger": (LedgerScreen,),
    "orders": (OrdersScreen,),
    "plots": (PlotsScreen,),
    "help": (HelpScreen,),
    "run": (RunScreen,),
}
"""The screens the palette opens over (the confirmation and the picker are modal: the palette's key
is not live there), with the classes whose bindings are live on each."""


def _where() -> dict[str, str]:
    """Each command's binding id → the screen it is declared on (the app's keys: the cockpit's)."""
    where: dict[str, str] = {}
    for screen, classes in SCREENS.items():
        for binding_id in collect_binding_ids(*classes):
            where.setdefault(binding_id, screen)
    return {i: s for i, s in where.items()
            if i not in palette.NOT_COMMANDS and i.partition(".")[0] not in palette.NOT_COMMAND_AREAS}


WHERE = _where()


def test_every_id_but_the_modal_ones_is_a_command_somewhere():
    modal = {"confirm", "picker"}
    left = {i for i in DEFAULT_BINDINGS if i.partition(".")[0] not in modal | palette.NOT_COMMAND_AREAS}
    assert set(WHERE) == left - palette.NOT_COMMANDS


async def _open(pilot, where: str):
    """The screen `where` (the carry scanner on its remapped key), in a state where its keys are live."""
    app = pilot.app
    await first_frame(pilot)
    if where == "run":
        await _start_flat(pilot)
    elif where == "cockpit":
        await _select(pilot, _over)  # a row flagged over a limit: its suggested trim can be applied
        _propose_cut(app)  # accept cut is offered only while the kill switch proposes one
    elif where == "carry":
        await pilot.press("C")
    elif where == "ledger":
        app.screen.action_ledger()
    elif where == "help":
        await pilot.press("question_mark")
    elif where == "orders":  # with an order to cancel: its cancel keys are off while there is none
        _rest_an_order(app.api.backend)
        await app.api.poll()
        app.screen.action_orders()
    elif where == "plots":
        app.screen.action_plots()
    await pilot.pause()
    return app.screen


def _rest_an_order(engine) -> None:
    """An order left resting by hand on the simulated Binance (the demo's take-profit)."""
    from cockpit.sim.demo import seed_orders

    seed_orders(engine.sim.world)


async def _choose(pilot, title: str) -> None:
    """Open the palette, type `title`, highlight the command of exactly that title, run it."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*title)
    await pilot.pause(0.3)
    listing = pilot.app.screen.query_one(CommandList)
    titles = [str(listing.get_option_at_index(i).prompt).split("\n")[0].strip() for i in range(listing.option_count)]
    assert title in titles, titles
    listing.highlighted = titles.index(title)
    await pilot.press("enter")
    await pilot.pause()


@pytest.mark.parametrize("binding_id", sorted(WHERE))
async def test_each_palette_entry_runs_its_action_where_it_is_live(binding_id, monkeypatch):
    app = make_app(keymap={"view.carry": "C"})
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, WHERE[binding_id])
        if binding_id == "run.dismiss":  # offered once the run is over
            screen.run = replace(screen.run, state=RunState.DONE)
        live = {b.id: b for b in palette.live_bindings(screen, commands_only=True) if b.enabled}
        assert binding_id in live, sorted(live)
        entry = live[binding_id]
        offered = {title: help for title, help, _ in palette.commands(screen)}
        assert offered[entry.description()].startswith(f"{entry.key()} · ")
        if binding_id == "view.carry":
            assert entry.key() == "C"  # the remapped key
        _, name, parameters = parse(entry.binding.action)
        ran = []
        monkeypatch.setattr(type(entry.node), f"action_{name}", lambda self, *args: ran.append(args))
        await _choose(pilot, entry.description())
        assert ran == [tuple(parameters)]


async def test_textual_commands_stay_without_doubles():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Theme" in titles and titles.count("Quit") == 1 and titles.count("Help") == 1
        assert "Keys" not in titles  # Textual's keys panel: the help replaces it
        assert titles.count("Screenshot") == 1


async def test_every_shipped_theme_is_in_the_theme_picker():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        assert len(shipped_themes()) == 4
        assert set(shipped_themes()) <= set(app.available_themes)
        await _choose(pilot, "Theme")
        await pilot.press(*"cockpit-amber")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "cockpit-amber"
