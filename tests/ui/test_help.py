"""The `?` help: the keys live on the screen it was opened from, as remapped; why accounts are not
LIVE; and a glossary that explains every table column on screen (headers read from the tables)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import cockpit.ui
from cockpit.present import glossary
from cockpit.ui.keymap import load_keymap
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.help import HelpScreen, HelpText, sections_of
from cockpit.ui.screens.picker import UnwindPicker
from cockpit.ui.widgets.table import Column, KeyedTable
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.test_palette import _open


def _text(app) -> str:
    return str(app.screen.query_one("#help-text").render())


def _key_lines(app, *, later: bool = False) -> dict[str, str]:
    """The help's key lines, by description: description -> keys as shown; those live now, or
    (`later`) those listed under "Keys when they apply"."""
    text = _text(app)
    glossary_title = glossary.SECTIONS[sections_of(app.screen.under)[0]].title
    keys_part = text.split(f"\n{glossary_title}\n")[0]
    live, _, hidden = keys_part.partition("\nKeys when they apply\n")
    lines = {}
    for line in (hidden if later else live).splitlines():
        if len(line) > 12 and line[10:12] == "  " and line[:10].strip():
            lines[line[12:26].strip()] = line[:10].strip()
    return lines


async def test_help_lists_the_live_keys_as_remapped_and_closes_with_escape_or_its_own_key():
    keymap = load_keymap("vim") | {"app.help": "f1", "positions.trim": "w"}
    app = make_app(keymap=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = _key_lines(app)
        assert keys["Trim 25%"] == "w" and keys["Group"] == "z" and keys["Help"] == "f1"
        assert keys["Up"] == "k, ↑" and keys["Period"] == "d"
        assert "Reset kill" in keys and "Apply flag" not in keys  # the row selected has no flag to apply
        assert _key_lines(app, later=True)["Apply flag"] == "f"
        assert "Send" not in keys  # the run screen's keys are not live on the cockpit
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)
        await pilot.press("f1")
        await pilot.pause()
        await pilot.press("f1")  # its own key again closes it
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)


async def test_at_80x24_the_help_scrolls_with_the_remapped_cursor():
    app = make_app(keymap=load_keymap("vim"))
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        body = app.screen.query_one(HelpText)
        assert body.has_focus and body.max_scroll_y > 20
        await pilot.press("j", "j")
        await pilot.pause()
        assert body.scroll_y == 2
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert body.scroll_y < body.max_scroll_y
        head = str(app.screen.query_one("#help-head").render())
        assert "esc or ? closes" in head and "j/k/^d scroll" in head


@pytest.mark.parametrize("where", ["cockpit", "carry", "ledger", "run", "orders"])
async def test_every_column_on_screen_has_a_glossary_entry_in_its_help(where):
    """Headers from the tables on the screen (their column definitions), not from a list."""
    app = make_app(keymap={"view.carry": "C"})
    async with app.run_test(size=(200, 60)) as pilot:
        screen = await _open(pilot, where)
        explained = glossary.explained(sections_of(screen))
        tables = list(screen.query(KeyedTable))
        assert tables
        headers = {c.label for table in tables for c in table.all_columns if c.label}
        assert headers - explained == set()
        await pilot.press("question_mark")
        await pilot.pause()
        text = _text(app)
        for entry_term in (e.term for sid in sections_of(screen) for e in glossary.SECTIONS[sid].entries):
            assert f"\n{entry_term}  " in text


def _column_lists():
    """Every module-level list of table columns under cockpit.ui (a new table is found here too)."""
    found = []
    for info in pkgutil.walk_packages(cockpit.ui.__path__, "cockpit.ui."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, (list, tuple)) and value and all(isinstance(c, Column) for c in value):
                found.append((f"{info.name}.{name}", value))
    return found


def test_every_table_column_anywhere_in_the_ui_is_in_the_glossary():
    lists = _column_lists()
    assert len(lists) >= 7
    every = glossary.explained(glossary.SECTIONS)
    missing = {(where, c.label) for where, columns in lists for c in columns if c.label and c.label not in every}
    assert missing == set()


def test_the_terms_the_issue_names_are_explained():
    text = "\n".join(f"{e.term} {e.meaning}" for s in glossary.SECTIONS.values() for e in s.entries)
    for needed in ("Liq Δ", "account-level move", "a long in a net-short account is liquidated by a rise",
                   "Maint%", "100% = liquidation", "OVER max-loss −11%", "Short", "Rescue", "InFlight", "▲ / ▼"):
        assert needed in text, needed
    for limit in ("max-loss", "vol-target", "kelly", "leverage", "asset-gross", "total-gross"):
        assert f"{limit}: " in glossary.SIZING_LIMITS


async def test_the_picker_has_help_too():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        await pilot.press("U")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnwindPicker)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = _text(app)
        assert "Unwind picker" in text and "step by step / running" in text
        keys = _key_lines(app)
        assert keys["Back"] == "esc" and keys["Help"] == "?"
        assert "Quit" not in keys and "Commands" not in keys  # the app's keys are not live over a modal screen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, UnwindPicker)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_help_view(snap_compare, size):
    """The help over the cockpit: its head (how to close and scroll), the keys live here with what
    they do, then the glossary; the key bar at the bottom."""

    async def run_before(pilot):
        await first_frame(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


async def test_the_plots_help_explains_its_lines():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        app.screen.action_plots()
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        text = _text(app)
        assert "HELP · Plots" in str(app.screen.query_one("#help-head").render())
        assert "Funding stress index" in text and "re-entry" in text and "daily dd" in text


def test_every_key_says_what_it_does():
    """The help and the palette explain each key in a line: a key added to the table needs one in
    `present.glossary.KEY_HELP` (and a stale entry goes with its key)."""
    from cockpit.ui.keymap import DEFAULT_BINDINGS

    assert set(glossary.KEY_HELP) == set(DEFAULT_BINDINGS)
