"""Every TOML file a user writes fails the same way: one line, `file:line: invalid TOML: ...`.

Config, scenarios, themes and keymaps all read through `cockpit.model.tomltext`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cockpit.config import ConfigError, load_config
from cockpit.model.tomltext import load_toml
from cockpit.sim import ScenarioError, load_scenario
from cockpit.ui.keymap import KeymapError, load_keymap
from cockpit.ui.themes import ThemeError, load_theme

BROKEN = 'name = "x"\ndescription = "y"\nvalue = \n'  # line 3 has no value
LOADERS = [
    pytest.param(load_config, ConfigError, id="config"),
    pytest.param(load_scenario, ScenarioError, id="scenario"),
    pytest.param(load_theme, ThemeError, id="theme"),
    pytest.param(load_keymap, KeymapError, id="keymap"),
]


@pytest.mark.parametrize(("load", "error"), LOADERS)
def test_a_syntax_error_names_file_and_line_the_same_way_everywhere(tmp_path: Path, load, error):
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN, encoding="utf-8")
    os.chmod(path, 0o600)  # the config refuses a file others can read before it parses it
    with pytest.raises(error) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: invalid TOML: "), message
    assert "(column " in message and "\n" not in message


@pytest.mark.parametrize(("load", "error"), LOADERS)
def test_text_that_is_not_utf8_is_named_the_same_way_everywhere(tmp_path: Path, load, error):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "café"\n'.encode("latin-1"))
    os.chmod(path, 0o600)
    with pytest.raises(error, match=r"latin1\.toml: not UTF-8 text \(byte 11\); save it as UTF-8"):
        load(path)


def test_the_end_of_the_file_is_named_by_its_line():
    with pytest.raises(ValueError) as caught:
        load_toml('a = 1\nb = "x"\nc = [\n', "f.toml", ValueError)
    assert str(caught.value).startswith("f.toml:3: invalid TOML: ")
    assert str(caught.value).endswith("(at the end of the file)")


def test_nesting_that_would_exhaust_the_stack_is_one_line():
    with pytest.raises(ValueError, match=r"^f\.toml: invalid TOML: nested too deeply$"):
        load_toml("a = " + "[" * 5000, "f.toml", ValueError)


@pytest.mark.parametrize(("load", "error"), LOADERS[1:])  # the config names its file in full
def test_a_long_path_is_named_by_its_ends(tmp_path: Path, load, error):
    folder = tmp_path / ("d" * 100)
    folder.mkdir()
    path = folder / "broken.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(error) as caught:
        load(path)
    message = str(caught.value)
    assert "…" in message and message.split(":")[0].endswith("broken.toml")
