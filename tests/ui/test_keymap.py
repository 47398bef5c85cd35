"""Keymap loading: the one table of ids, shipped keymaps, strict errors, and remapping in a real app."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from textual.app import App
from textual.binding import Binding

from cockpit.ui.keymap import (
    DEFAULT_BINDINGS,
    KeymapError,
    collect_binding_ids,
    declared_bindings,
    load_keymap,
    normalize_key,
    shipped_keymaps,
)

ALL_IDS = set(DEFAULT_BINDINGS)


def _write(tmp_path: Path, body: str, name: str = "mine") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _raw(name: str) -> dict:
    return tomllib.loads((resources.files("cockpit.keymaps") / f"{name}.toml").read_text("utf-8"))


def test_shipped_keymaps() -> None:
    assert shipped_keymaps() == ["default", "vim"]


def test_default_toml_matches_default_bindings_exactly() -> None:
    expected = {binding_id: keys for binding_id, (keys, _) in DEFAULT_BINDINGS.items()}
    assert _raw("default")["bindings"] == expected
    assert load_keymap("default") == expected


def test_default_bindings_table_is_well_formed() -> None:
    for binding_id, (keys, description) in DEFAULT_BINDINGS.items():
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", binding_id), binding_id
        assert description
        # Already in Textual's own spelling, so the Footer and the keymap agree.
        assert ",".join(normalize_key(k) for k in keys.split(",")) == keys


def test_vim_keymap_is_complete_and_vim_like() -> None:
    vim = load_keymap("vim", known_ids=ALL_IDS)
    assert set(vim) == ALL_IDS
    assert vim["cursor.down"].split(",")[0] == "j"
    assert vim["cursor.up"].split(",")[0] == "k"
    assert vim["cursor.left"].split(",")[0] == "h"
    assert vim["cursor.right"].split(",")[0] == "l"
    assert "ctrl+u" in vim["cursor.page_up"] and "ctrl+d" in vim["cursor.page_down"]
    assert "G" in vim["cursor.bottom"].split(",") and "g" in vim["cursor.top"].split(",")
    assert "g" not in vim["positions.group"].split(",")


def test_entries_are_normalized(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[bindings]\n"confirm.cancel" = " escape , n "\n"app.help" = "?, f1"\n'
        '"cursor.top" = "ctrl+shift+up"\n',
    )
    assert load_keymap(path) == {
        "confirm.cancel": "escape,n",
        "app.help": "question_mark,f1",
        "cursor.top": "ctrl+shift+up",
    }


def test_unquoted_dotted_ids_mean_the_same(tmp_path: Path) -> None:
    path = _write(tmp_path, '[bindings]\npositions.trim = "w"\n[bindings.kill]\nreset = "ctrl+r"\n')
    assert load_keymap(path) == {"positions.trim": "w", "kill.reset": "ctrl+r"}


def test_modal_keys_may_reuse_pane_keys_but_not_app_keys(tmp_path: Path) -> None:
    # The confirmation dialog hides the panes, so "t" there cannot reach positions.trim...
    assert load_keymap(_write(tmp_path, '[bindings]\n"confirm.ok" = "t"\n')) == {"confirm.ok": "t"}
    # ...but app.* keys stay live in the dialog.
    with pytest.raises(KeymapError, match=r'"app\.quit".*"confirm\.ok"|"confirm\.ok".*app\.quit'):
        load_keymap(_write(tmp_path, '[bindings]\n"confirm.ok" = "q"\n'))


BROKEN = [
    # (file body, substrings the one-line message must contain)
    (
        '[bindings]\n"positions.trm" = "w"\n',
        ['mine.toml', '[bindings]."positions.trm" is not a binding id', "did you mean 'positions.trim'"],
    ),
    (
        '[bindings]\n"zzz.qqq" = "w"\n',
        ['[bindings]."zzz.qqq" is not a binding id', "keymaps/default.toml"],
    ),
    (
        '[bindings]\n"positions.trim" = "pgup"\n',
        ['mine.toml', '[bindings]."positions.trim"', "'pgup' is not a key name", "'pageup'"],
    ),
    (
        '[bindings]\n"positions.trim" = "Ctrl+w"\n',
        ['[bindings]."positions.trim"', "'Ctrl' in 'Ctrl+w' is not a modifier", "'ctrl'"],
    ),
    (
        '[bindings]\n"cursor.top" = "shift+ctrl+up"\n',
        ['[bindings]."cursor.top"', "out of order", "'ctrl+shift+up'"],
    ),
    (
        '[bindings]\n"positions.trim_half" = "shift+t"\n',
        ['[bindings]."positions.trim_half"', "can never be pressed", "'T'"],
    ),
    (
        '[bindings]\n"positions.close" = "alt+X"\n',
        ['[bindings]."positions.close"', "lower case", "'alt+shift+x'"],
    ),
    (
        '[bindings]\n"positions.trim" = "w"\n"positions.close" = "w"\n',
        ['mine.toml', '"positions.trim"', '"positions.close"', "both bound to 'w'"],
    ),
    (
        '[bindings]\n"positions.close" = "t"\n',
        ['mine.toml', '"positions.close"', "default key of \"positions.trim\""],
    ),
    (
        '[bindings]\n"cursor.down" = "j"\n"positions.group" = "j"\n',
        ['"cursor.down"', '"positions.group"', "both bound to 'j'"],
    ),
    (
        '[bindings]\n"positions.trim" = "w"\npositions.trim = "v"\n',
        ['[bindings]."positions.trim" is set twice'],
    ),
    ('[bindings]\n"positions.trim" = "w, w"\n', ['[bindings]."positions.trim"', "'w' twice"]),
    ('[bindings]\n"positions.trim" = "w,"\n', ['[bindings]."positions.trim"', "empty key"]),
    ('[bindings]\n"positions.trim" = 7\n', ['[bindings]."positions.trim" = 7 is not a string']),
    (
        '[bindings]\n"confirm.cancel" = ["escape", "n"]\n',
        ['[bindings]."confirm.cancel"', "is not a string", '"escape,n"'],
    ),
    ('[bindings]\n"view.all" = "ctrl+q"\n', ['[bindings]."view.all"', "Textual's own quit key"]),
    ('[bindings]\n"positions.trim" = "w"\n"x" = \n', ["mine.toml:3:", "invalid TOML"]),
    ('"positions.trim" = "w"\n', ["mine.toml", '"positions.trim" is outside the [bindings] table']),
    ('keys = "w"\n[bindings]\n', ["mine.toml", "keys is not a known entry"]),
    ("", ["mine.toml", "no [bindings] table"]),
    ('bindings = "t"\n', ["mine.toml", "bindings must be a table"]),
]


@pytest.mark.parametrize(("body", "expected"), BROKEN)
def test_broken_keymap_gives_one_line_naming_file_and_entry(
    tmp_path: Path, body: str, expected: list[str]
) -> None:
    with pytest.raises(KeymapError) as caught:
        load_keymap(_write(tmp_path, body), known_ids=ALL_IDS)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in expected:
        assert fragment in message, message


def test_ids_the_app_does_not_declare_are_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, '[bindings]\n"positions.close" = "X"\n')
    with pytest.raises(KeymapError, match="not a binding id"):
        load_keymap(path, known_ids={"positions.trim", "positions.trim_half"})
    assert load_keymap(path, known_ids={"positions.close"}) == {"positions.close": "X"}


def test_missing_file_and_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(KeymapError, match=r"nope\.toml: no such keymap file .*default, vim"):
        load_keymap(tmp_path / "nope.toml")
    with pytest.raises(KeymapError, match=r"'emacs': no such keymap \(available: default, vim;"):
        load_keymap("emacs")


def test_extra_dirs_provide_named_keymaps(tmp_path: Path) -> None:
    _write(tmp_path, '[bindings]\n"positions.trim" = "w"\n', name="mine")
    assert load_keymap("mine", extra_dirs=[tmp_path]) == {"positions.trim": "w"}
    with pytest.raises(KeymapError, match="available: default, mine, vim"):
        load_keymap("other", extra_dirs=[tmp_path])


def test_collect_binding_ids_follows_inheritance() -> None:
    class Base(App[None]):
        BINDINGS = [Binding("q", "quit", "Quit", id="app.quit"), Binding("z", "bell")]

    class Child(Base):
        BINDINGS = [Binding("t", "bell", "Trim", id="positions.trim"), ("x", "bell", "No id")]

    assert collect_binding_ids(Child) == {"app.quit", "positions.trim"}
    # One walk for this and for the palette and help (`palette.live_bindings`): own class first.
    assert [b.id for b in declared_bindings(Child)] == ["positions.trim", "app.quit"]


class TrimApp(App[None]):
    """A tiny app with cockpit-style binding ids, recording which actions ran."""

    BINDINGS = [
        Binding(DEFAULT_BINDINGS["positions.trim"][0], "record('trim')", "Trim", id="positions.trim"),
        Binding(
            DEFAULT_BINDINGS["positions.trim_half"][0], "record('half')", "Half",
            id="positions.trim_half",
        ),
        Binding(DEFAULT_BINDINGS["positions.group"][0], "record('group')", "Group", id="positions.group"),
        Binding(DEFAULT_BINDINGS["cursor.top"][0], "record('top')", "Top", id="cursor.top"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.ran: list[str] = []

    def action_record(self, what: str) -> None:
        self.ran.append(what)


async def test_remapped_key_fires_and_old_key_does_not(tmp_path: Path) -> None:
    path = _write(tmp_path, '[bindings]\n"positions.trim" = "w"\n"positions.trim_half" = "W"\n')
    app = TrimApp()
    async with app.run_test() as pilot:
        await pilot.press("t", "T")
        assert app.ran == ["trim", "half"]  # defaults work before the keymap

        app.set_keymap(load_keymap(path, known_ids=collect_binding_ids(TrimApp)))
        app.ran.clear()
        await pilot.press("t", "T")
        assert app.ran == []  # the keymap replaced the old keys
        await pilot.press("w")
        assert app.ran == ["trim"]
        await pilot.press("W")
        assert app.ran == ["trim", "half"]  # upper case is its own key: shift+w


async def test_vim_keymap_in_a_running_app() -> None:
    app = TrimApp()
    async with app.run_test() as pilot:
        app.set_keymap(load_keymap("vim", known_ids=ALL_IDS))
        await pilot.press("g", "z", "home")
        assert app.ran == ["top", "group", "top"]
