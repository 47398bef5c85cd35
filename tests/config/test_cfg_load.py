"""The config loader: valid files, and each broken file giving its one-line error."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import cockpit.config as config
from cockpit.config import ConfigError, load_config, parse_config, write_template
from cockpit.model import Layer

GOOD = """\
theme = "dark"
keymap = "vim"

[risk]
max_leverage = 5
buffer_fraction = 0.2

[[accounts]]
name = "bn-main"
venue = "binanceusdm"
readonly = false
symbols = ["BTC", "ETH/USDT:USDT"]

[[accounts]]
name = "hl-main"
venue = "hyperliquid"
api_url = "http://127.0.0.1:8765/"

[[accounts]]
name = "dx"
venue = "dydx"
layer = "arbitrum"
sandbox = true
"""


def one_line_error(text: str, tmp: Path) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_good_file(write):
    cfg = load_config(write(GOOD))
    assert (cfg.theme, cfg.keymap) == ("dark", "vim")
    assert cfg.risk == {"max_leverage": 5, "buffer_fraction": 0.2}
    assert (cfg.settings.max_leverage, cfg.settings.buffer_fraction) == (5.0, 0.2)
    bn, hl, dx = cfg.accounts
    assert (bn.name, bn.venue, bn.layer, bn.readonly, bn.symbols) == (
        "bn-main", "binanceusdm", Layer.CEX, False, ("BTC", "ETH/USDT:USDT"))
    assert (hl.layer, hl.readonly, hl.api_url, hl.sandbox) == (
        Layer.HYPERLIQUID, True, "http://127.0.0.1:8765", False)  # read-only unless said
    assert (dx.layer, dx.sandbox) == (Layer.ARBITRUM, True)
    assert dx.info().layer is Layer.ARBITRUM and cfg.account("hl-main") is hl


def test_no_file_at_the_default_path_means_demo(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "default_config_path", lambda: tmp_path / "nope.toml")
    assert load_config(None) is None


def test_explicit_missing_path_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file — create it with: cockpit config init"):
        load_config(tmp_path / "missing.toml")


def test_default_path_is_in_the_user_config_dir():
    assert config.default_config_path().name == "config.toml"
    assert "cockpit" in str(config.default_config_path())


@pytest.mark.parametrize("text,expected", [
    ("[[accounts]\nname = 1", "f.toml:1: invalid TOML: "),
    ("a = " + "[" * 800, "f.toml: invalid TOML: nested too deeply"),
    ('[[accounts]]\nname = "a"\nvenue = "bnance"\n',
     "f.toml:3: accounts[0].venue: unknown venue 'bnance'; use one of binanceusdm, bybit"),
    ('[[accounts]]\nvenue = "okx"\n', "f.toml:1: accounts[0].name: missing — required: add it"),
    ('[[accounts]]\nname = "a"\nvenue = "okx"\nreadonly = "yes"\n',
     "f.toml:4: accounts[0].readonly: Input should be a valid boolean — write true or false"),
    ('[[accounts]]\nname = "a"\nvenue = "okx"\nlevrage = 3\n',
     "f.toml:4: accounts[0].levrage: Extra inputs are not permitted — unknown field"),
    ('[[accounts]]\nname = "a"\nvenue = "okx"\n[[accounts]]\nname = "a"\nvenue = "bybit"\n',
     "f.toml:1: accounts: two accounts are named 'a'; names must be unique"),
    ('[[accounts]]\nname = "a"\nvenue = "okx"\napi_url = "http://10.0.0.5:80"\n',
     "f.toml:4: accounts[0].api_url: plain http is allowed only to this machine"),
    ('[[accounts]]\nname = "a"\nvenue = "okx"\nlayer = "moon"\n', "f.toml:4: accounts[0].layer"),
    ('colour = "red"\n', "f.toml:1: colour: Extra inputs are not permitted"),
])
def test_broken_files_give_one_line(text, expected):
    assert one_line_error(text, Path("f.toml")).startswith(expected)


@pytest.mark.parametrize("text,line,field", [
    ('[[accounts]]\nname = "a"\nvenue = "okx"\napi_key = "abc"\n', 4, "accounts[0].api_key"),
    ('[[accounts]]\nname = "a"\nvenue = "hyperliquid"\nprivateKey = "0x12"\n', 4,
     "accounts[0].privateKey"),
    ('[[accounts]]\nname = "a"\nvenue = "okx"\n[accounts.secrets]\nx = 1\n', 4,
     "accounts[0].secrets"),
    ('[risk]\nnote = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"\n', 2,
     "risk.note"),
    ('[[accounts]]\nname = "a"\nvenue = "okx"\nlabel = '
     '"4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"\n', 4,
     "accounts[0].label"),
])
def test_a_secret_in_the_file_is_an_error(text, line, field):
    message = one_line_error(text, Path("f.toml"))
    assert message.startswith(f"f.toml:{line}: {field}: looks like a credential")
    assert "cockpit keys set" in message
    assert "vmPUZE6" not in message and "4c0883a6" not in message  # never echoed


@pytest.mark.parametrize("mode", [0o644, 0o604, 0o660, 0o666, 0o640, 0o610])
def test_file_others_can_read_or_change_is_refused(write, mode):
    path = write(GOOD, mode=mode)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (f"{path}: mode {mode:o} lets other users read or change it — "
                               f"run: chmod 600 {path}")


def test_only_the_owner_may_read_it(write):
    # The README says chmod 600: a group-readable file (0640) is refused above; 0400 is fine.
    assert load_config(write(GOOD, mode=0o400)) is not None


def test_the_mode_judged_is_that_of_the_file_read(write, monkeypatch):
    # Whatever the path looked like when stat'ed (here: a private file, as if the world-readable
    # one were swapped in afterwards), the handle the text is read from is what counts.
    path = write(GOOD, mode=0o644)
    private = os.stat(path)
    private = os.stat_result((private.st_mode & ~0o777 | 0o600, *tuple(private)[1:]))
    monkeypatch.setattr(Path, "stat", lambda self, **kw: private)
    with pytest.raises(ConfigError, match="mode 644 lets other users"):
        load_config(path)


def test_not_a_regular_file_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo)


def test_all_problems_are_listed(write):
    text = ('[[accounts]]\nname = "a b"\nvenue = "x"\n[[accounts]]\nvenue = "okx"\nfoo = 1\n')
    with pytest.raises(ConfigError) as info:
        load_config(write(text))
    assert len(info.value.problems) == 4
    assert "(and 3 more: run `cockpit config check`)" in str(info.value)


def test_not_utf8_and_too_big(write, tmp_path):
    bad = tmp_path / "bin.toml"
    bad.write_bytes(b"theme = \"\xff\"\n")
    os.chmod(bad, 0o600)
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)
    with pytest.raises(ConfigError, match="larger than"):
        load_config(write("# " + "x" * (config.MAX_BYTES + 10)))


def test_template_is_valid_private_and_not_overwritten(tmp_path):
    path = write_template(tmp_path / "sub" / "config.toml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    cfg = load_config(path)
    assert cfg.accounts == [] and cfg.risk == {}
    with pytest.raises(ConfigError, match="already exists"):
        write_template(path)
    # Uncommenting the example accounts gives a valid file.
    text = path.read_text().replace("# [[accounts]]", "[[accounts]]")
    for key in ("name", "venue", "readonly", "symbols", "sandbox"):
        text = text.replace(f"# {key} = ", f"{key} = ")
    cfg = parse_config(text, path)
    assert [a.name for a in cfg.accounts] == ["bn-main", "hl-main", "dydx-main"]


def test_a_bad_risk_table_is_an_error_even_without_accounts(write):
    # config check used to accept this; the engine then died of a MemoryError.
    path = write("[risk]\nmax_leverage = 3\nfunding_history_samples = 100000000\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (f"{path}:3: risk.funding_history_samples: must be at least 2 and at "
                               "most 2016 (one week at 5 min; one row per cell), got 100000000")


def test_an_attached_terminal_reads_only_the_theme_and_keymap(tmp_path):
    # `cockpit attach` needs the config's look only: read without validating the accounts (the
    # guard's business), yet safely (a private regular file) and with one-line errors.
    from cockpit.configfile import ConfigError as FileError, ui_choices

    path = tmp_path / "config.toml"
    path.write_text('theme = "cockpit-light"\nkeymap = "vim"\n[[accounts]]\nname = "x"\n')
    path.chmod(0o600)
    assert ui_choices(path) == ("cockpit-light", "vim")
    path.write_text("theme = 3\n")
    with pytest.raises(FileError, match="theme must be a name or a path"):
        ui_choices(path)
    path.chmod(0o644)
    with pytest.raises(FileError, match="chmod 600"):
        ui_choices(path)
    assert FileError is ConfigError  # one error class, wherever the file is read
