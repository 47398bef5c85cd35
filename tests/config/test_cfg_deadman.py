"""The dead-man's switch options of an account: opt-in, bounded per venue, one line per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import ConfigError, parse_config
from cockpit.model import DeadManMode, DeadManPolicy

HEAD = '[[accounts]]\nname = "a"\nvenue = "{venue}"\nreadonly = {readonly}\n'


def load(venue: str = "okx", readonly: str = "false", **extra: str):
    text = HEAD.format(venue=venue, readonly=readonly) + "".join(f"{k} = {v}\n" for k, v in extra.items())
    return parse_config(text, Path("f.toml"))


def error(**kw) -> str:
    with pytest.raises(ConfigError) as caught:
        load(**kw)
    return str(caught.value)


def test_off_by_default_and_the_policy_the_engine_gets():
    assert load().accounts[0].dead_man_policy() == DeadManPolicy(DeadManMode.OFF, 60.0)
    got = load("hyperliquid", dead_man='"during-run"', dead_man_seconds="30").accounts[0]
    assert got.dead_man_policy() == DeadManPolicy(DeadManMode.DURING_RUN, 30.0)
    assert load("binanceusdm", dead_man='"always"').accounts[0].dead_man_policy().mode is DeadManMode.ALWAYS


@pytest.mark.parametrize(("kw", "expected"), [
    ({"dead_man": '"sometimes"'}, "f.toml:5: accounts[0].dead_man: Input should be 'off', 'during-run' or 'always'"),
    ({"dead_man": '"always"', "dead_man_seconds": "200"},
     "f.toml:6: accounts[0].dead_man_seconds: must be between 10 and 120 seconds on okx"),
    ({"venue": "binanceusdm", "dead_man_seconds": "5"},
     "f.toml:5: accounts[0].dead_man_seconds: must be between 10 and 600 seconds on binanceusdm"),
    ({"dead_man_seconds": '"60"'}, "f.toml:5: accounts[0].dead_man_seconds: write a number of seconds"),
    ({"dead_man_seconds": "true"}, "f.toml:5: accounts[0].dead_man_seconds: write a number of seconds"),
    ({"dead_man_seconds": "nan"}, "f.toml:5: accounts[0].dead_man_seconds: Input should be a finite number"),
    ({"readonly": "true", "dead_man": '"always"'},
     "f.toml:5: accounts[0].dead_man: the switch cancels this account's orders, so it needs readonly = false"),
    ({"venue": "bybit", "dead_man": '"always"'}, "f.toml:5: accounts[0].dead_man: bybit: Bybit's disconnect"),
    ({"venue": "dydx", "dead_man": '"during-run"'}, "f.toml:5: accounts[0].dead_man: dydx: dYdX v4 has no"),
    ({"venue": "paradex", "dead_man": '"always"'}, "f.toml:5: accounts[0].dead_man: paradex: Paradex's"),
])
def test_mistakes_are_one_line_naming_the_field(kw, expected):
    message = error(**kw)
    assert message.startswith(expected) and "\n" not in message


def test_an_unsupported_venue_says_how_to_fix_it():
    assert error(venue="bybit", dead_man='"always"').endswith('set dead_man = "off"')


def test_starting_with_it_exits_2_with_the_line(tmp_path, capsys):
    import os

    from cockpit.cli import main

    path = tmp_path / "config.toml"
    path.write_text(HEAD.format(venue="okx", readonly="false") + "dead_man_seconds = 500\n")
    os.chmod(path, 0o600)
    # Refused while reading the config, before any engine starts.
    assert main(["--config", str(path), "guard", "--duration", "0.01"]) == 2
    assert capsys.readouterr().err == (f"cockpit: {path}:5: accounts[0].dead_man_seconds: must be "
                                       "between 10 and 120 seconds on okx\n")
