"""Every file loader the user can point at (theme, keymap, scenario, config) is total: whatever
bytes the file holds, the result is a value or the loader's own one-line error, never another
exception (RecursionError, TypeError, OSError...)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.config import Config, ConfigError, load_config
from cockpit.sim.scenario import Scenario, ScenarioError, load_scenario
from cockpit.ui.keymap import KeymapError, load_keymap
from cockpit.ui.themes import ThemeError, load_theme

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
# One folder for the whole module: hypothesis reruns the test body, a fixture would not be fresh.
FOLDER = Path(tempfile.mkdtemp(prefix="cockpit-fuzz-"))


def _theme(path: Path):
    return load_theme(path)


def _keymap(path: Path):
    return load_keymap(path)


LOADERS = {
    # name: (load, its error, what a success is, the file's name)
    "theme": (_theme, ThemeError, object, "fuzz.toml"),
    "keymap": (_keymap, KeymapError, dict, "fuzz.toml"),
    "scenario": (load_scenario, ScenarioError, Scenario, "fuzz.toml"),
    "config": (load_config, ConfigError, Config, "config.toml"),
}


def total(kind: str, data: bytes) -> None:
    """Load `data` as a `kind` file: a value, or that loader's one-line error."""
    load, error, value_type, name = LOADERS[kind]
    path = FOLDER / name
    path.write_bytes(data)
    os.chmod(path, 0o600)
    try:
        result = load(path)
    except error as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 2000
    else:
        assert isinstance(result, value_type)


# TOML-ish lines built from each loader's own vocabulary, so the fuzzing gets past the syntax.
KEYS = st.sampled_from([
    "name", "dark", "description", "kind", "at", "move", "regime", "assets", "fault_rate", "vol",
    "primary", "pnl-up", "bindings", '"positions.trim"', "positions.trim", "app.quit", "risk",
    "max_leverage", "funding_history_samples", "accounts", "venue", "theme", "keymap", "x",
])
VALUES = st.one_of(
    st.sampled_from([
        '"cockpit-dark"', '"fuzz"', "true", "1e999", "-0.15", "0", '"00:02:00"', '"5m"', "[]",
        "[[]]", "{}", '"#1e90ff"', '"blue"', '"t"', '"ctrl+q"', '"escape,n"', '"flash_crash"',
        '"calm"', '["BTC"]', "[1, 2]", "100000000", '"okx"', '"nan"', "nan", "inf", '""',
        "1979-05-27", '"' + "x" * 300 + '"',
    ]),
    st.integers().map(str),
    st.text(max_size=12).map(lambda s: '"' + s.replace('"', "").replace("\\", "") + '"'),
)
LINES = st.one_of(
    st.tuples(KEYS, VALUES).map(lambda kv: f"{kv[0]} = {kv[1]}"),
    st.sampled_from(["[colors]", "[variables]", "[bindings]", "[[event]]", "[settings]", "[risk]",
                     "[[accounts]]", "[event]", "# c", ""]),
)
TEXTS = st.lists(LINES, max_size=12).map(lambda lines: "\n".join(lines).encode())


@pytest.mark.parametrize("kind", LOADERS)
@FUZZ
@given(data=st.binary(max_size=200))
def test_any_bytes(kind, data):
    total(kind, data)


@pytest.mark.parametrize("kind", LOADERS)
@FUZZ
@given(data=TEXTS)
def test_structured_fragments(kind, data):
    total(kind, data)


@pytest.mark.parametrize("kind", LOADERS)
@pytest.mark.parametrize("nest", ["[" * 2000 + "]" * 2000, "{a = " * 2000 + "1" + "}" * 2000],
                         ids=["arrays", "tables"])
def test_deep_nesting_is_the_loaders_error(kind, nest):
    # Was: RecursionError and a 3,000-line traceback.
    load, error, _value, name = LOADERS[kind]
    path = FOLDER / name
    path.write_text(f"a = {nest}\n")
    os.chmod(path, 0o600)
    with pytest.raises(error, match="nest(ed|ing) too deep"):
        load(path)


def test_an_event_kind_that_is_not_a_string_is_a_scenario_error():
    # Was: TypeError (unhashable type: 'list').
    path = FOLDER / "kind.toml"
    path.write_text('description = "x"\n[[event]]\nat = 0\nkind = []\n')
    with pytest.raises(ScenarioError, match=r"line 4: event 1: unknown event kind \[\]"):
        load_scenario(path)


@pytest.mark.parametrize("load, error", [(load_theme, ThemeError), (load_keymap, KeymapError),
                                         (load_scenario, ScenarioError)])
@pytest.mark.parametrize("name", ["x" * 300, "x" * 300 + ".toml", "/x" * 300, "a\0b"],
                         ids=["300-chars", "300-chars.toml", "300-levels", "nul"])
def test_a_name_no_file_can_have_is_the_loaders_error(load, error, name):
    # Was: OSError (file name too long) or ValueError (embedded null byte).
    with pytest.raises(error) as info:
        load(name)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400


@pytest.mark.parametrize("load, error", [(load_theme, ThemeError), (load_keymap, KeymapError)])
def test_a_fifo_or_a_folder_is_refused_without_hanging(load, error, tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(error, match="not a regular file"):
        load(fifo)
    with pytest.raises(error, match="cannot read"):
        load(str(tmp_path) + "/")
