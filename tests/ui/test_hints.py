"""Hints name this terminal's keys (`bindings.key_of`), never a letter: with a remapped keymap every
hint on screen follows it."""

from __future__ import annotations

from cockpit.ui.keymap import parse_keymap
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.help import HelpScreen
from cockpit.ui.widgets.playbook import PlaybookPane
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.test_apply_flag import _over, _select
from tests.ui.test_confirm import _propose_cut

REMAPPED = parse_keymap({"bindings": {
    "view.positions": "5", "view.funding": "6", "view.collateral": "7", "view.playbook": "8", "view.all": "9",
    "view.next": "n", "positions.trim": "w", "positions.apply_flag": "F", "kill.accept": "A",
    "unwind.start": "W", "funding.period": "D", "funding.scale": "V", "confirm.ok": "Y", "help.close": "backspace",
    "app.help": "f1", "cursor.down": "j,down",
}}, "test keymap")


def _plain(widget) -> str:
    return str(widget.render())


async def test_every_hint_names_the_remapped_key():
    app = make_app(keymap=REMAPPED)
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        screen = app.screen
        tabs = _plain(screen.query_one("#tabs"))
        assert " 5 Positions " in tabs and " 8 Playbook " in tabs and "9 all · n next" in tabs
        assert " 1 " not in tabs and "tab next" not in tabs
        assert screen.query_one("#positions").border_title == "5 Positions"
        row = await _select(pilot, _over)
        assert "F trims" in str(screen.query_one("#positions").border_subtitle) and row is not None
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "[Y]" in str(app.screen.query_one("#confirm").label)
        await pilot.press("escape")
        await pilot.pause()
        _propose_cut(app)
        await pilot.press("8")
        await pilot.pause()
        kill = _plain(screen.query_one(PlaybookPane).query_one("#kill-line"))
        assert "press A to accept" in kill and "W to unwind" in kill
        await pilot.press("6")
        await pilot.pause()
        options = _plain(screen.query_one("#funding-options"))
        assert options.startswith("D now") and "V scale" in options
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        head = _plain(app.screen.query_one("#help-head"))
        assert "⌫ or f1 closes" in head or "backspace or f1 closes" in head, head
        assert "j/" in head
        await pilot.press("backspace")
        await pilot.pause()
        assert app.screen is screen
