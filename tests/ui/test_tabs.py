"""One tab logic (`cockpit.ui.tabs`) for the cockpit's panes and the plots, the same keys doing the
same: at 80x24 one view at a time; the next key moves the current view round (and the zoomed one
while one is zoomed); a number zooms and makes current; 0 shows all that fit; the tab line
highlights what is shown and names the keys as remapped."""

from __future__ import annotations

import pytest
from rich.text import Text

from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.plots import PlotsScreen
from cockpit.ui.tabs import ALL, tab_line
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.test_plots_screen import opened

CASES = {
    "panes": ({"view.next": "n", "view.collateral": "C", "view.all": "z"}, "#tabs",
              ["positions", "funding", "collateral", "playbook"], ["Positions", "Funding", "Collateral", "Playbook"]),
    "plots": ({"plots.next": "n", "plots.equity": "C", "plots.all": "z"}, "#plots-tabs",
              ["funding", "stress", "equity", "shocks"], ["Funding", "Stress", "Equity", "Shocks"]),
}
"""Per screen: a keymap giving both the same keys (n next, C the third view, z all), its tab
line, its views and their titles."""


def _highlighted(line: Text) -> list[str]:
    """The titles the tab line highlights."""
    return [line.plain[span.start:span.end].split(" ", 2)[2].strip()
            for span in line.spans if "reverse" in str(span.style)]


@pytest.mark.parametrize("which", list(CASES))
async def test_the_panes_and_the_plots_tab_the_same_way(which):
    keymap, tabs_id, ids, titles = CASES[which]
    app = make_app(keymap=keymap)
    async with app.run_test(size=(80, 24)) as pilot:
        if which == "plots":
            screen = await opened(pilot)
            assert isinstance(screen, PlotsScreen)
        else:
            await first_frame(pilot)
            screen = app.screen
            assert isinstance(screen, CockpitScreen)

        def state() -> tuple[str, str, list[str]]:
            return screen.view, screen.current, _highlighted(screen.query_one(tabs_id).render())

        assert state() == (ALL, ids[0], [titles[0]])
        await pilot.press("n", "n")
        assert state() == (ALL, ids[2], [titles[2]])
        await pilot.press("tab")  # the default next key is remapped away: nothing moves
        assert state()[:2] == (ALL, ids[2])
        await pilot.press("C")  # zoom the third
        assert state() == (ids[2], ids[2], [titles[2]])
        await pilot.press("n", "n")  # zoomed: the next is zoomed, round the end
        assert state() == (ids[0], ids[0], [titles[0]])
        await pilot.press("z")
        assert state() == (ALL, ids[0], [titles[0]])
        line = screen.query_one(tabs_id).render().plain
        assert f" C {titles[2]} " in line and line.rstrip().endswith("z all · n next")


def test_the_tab_line_names_the_keys_and_highlights_the_shown():
    class _App:
        keymap_overrides = {"plots.next": "n"}

        def get_key_display(self, binding) -> str:
            return binding.key

    line = tab_line(_App(), [("1", "One", False), ("2", "Two", True)], "plots.all", "plots.next")
    assert line.plain == " 1 One  2 Two   0 all · n next"
    assert _highlighted(line) == ["Two"] and line.no_wrap and line.overflow == "ellipsis"
