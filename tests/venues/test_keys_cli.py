"""``cockpit keys set|list|delete|doctor`` against the in-memory keyring."""

from __future__ import annotations

import io
import os

import pytest
from keyring.backends import fail

from cockpit.accounts_cli import doctor_report
from cockpit.cli import keys_main
from cockpit.secrets import SecretStore
from tests.fixtures.keys import DYDX_ADDRESS, FAKE

CONFIG = """\
[[accounts]]
name = "bn"
venue = "binanceusdm"
readonly = false
[[accounts]]
name = "ok"
venue = "okx"
[[accounts]]
name = "hl"
venue = "hyperliquid"
readonly = false
[[accounts]]
name = "hl-ro"
venue = "hyperliquid"
[[accounts]]
name = "dx"
venue = "dydx"
"""


@pytest.fixture
def cfg(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    os.chmod(path, 0o600)
    return path


def run(argv, cfg, store, answers=()):
    asked: list[str] = []
    answers = list(answers)

    def prompt(text):
        asked.append(text)
        return answers.pop(0)

    out = io.StringIO()
    code = keys_main(argv, cfg, store=store, prompt=prompt, out=out)
    return code, out.getvalue(), asked


@pytest.mark.parametrize("name,answers,fields", [
    ("bn", [FAKE["apiKey"], FAKE["secret"]], ["API key", "API secret"]),
    ("ok", ["a" * 36, "b" * 32, "Pass-phrase-1"], ["API key", "API secret", "API passphrase"]),
    ("hl", [FAKE["walletAddress"], FAKE["privateKey"]],
     ["wallet address", "API (agent) wallet private key"]),
    ("hl-ro", [FAKE["walletAddress"]], ["wallet address"]),
    ("dx", [DYDX_ADDRESS], ["wallet address"]),
])
def test_set_asks_exactly_the_venue_fields(cfg, store, name, answers, fields):
    code, text, asked = run(["set", name], cfg, store, answers)
    assert code == 0, text
    assert [a.split(" for ")[0] for a in asked] == fields
    for secret in (FAKE["apiKey"], FAKE["secret"], FAKE["privateKey"], "Pass-phrase-1"):
        assert secret not in text


def test_set_uses_getpass_by_default():
    import getpass

    from cockpit import accounts_cli, cli

    assert cli.keys_main.__kwdefaults__["prompt"] is getpass.getpass
    assert accounts_cli.run_keys.__kwdefaults__["prompt"] is getpass.getpass


def test_bad_values_store_nothing(cfg, store, memory_keyring):
    code, text, _ = run(["set", "hl"], cfg, store, ["not-an-address", "x"])
    assert code == 1 and "walletAddress should be 0x followed by 40 hex digits" in text
    assert memory_keyring.store == {}


def test_list_shows_fields_never_values(cfg, store):
    run(["set", "bn"], cfg, store, [FAKE["apiKey"], FAKE["secret"]])
    run(["set", "hl-ro"], cfg, store, [FAKE["walletAddress"]])
    code, text, _ = run(["list"], cfg, store)
    lines = {line.split()[0]: line for line in text.splitlines()}
    assert "ready" in lines["bn"] and "apiKey ✓" in lines["bn"] and "secret ✓" in lines["bn"]
    assert "NOT READY" in lines["ok"] and "passphrase missing" in lines["ok"]
    assert "ready" in lines["hl-ro"] and "privateKey -" in lines["hl-ro"]
    assert FAKE["apiKey"] not in text and FAKE["walletAddress"] not in text


def test_delete(cfg, store, memory_keyring):
    run(["set", "bn"], cfg, store, [FAKE["apiKey"], FAKE["secret"]])
    code, text, _ = run(["delete", "bn"], cfg, store)
    assert code == 0 and "deleted apiKey, secret" in text and memory_keyring.store == {}


def test_unknown_account(cfg, store):
    code, text, _ = run(["set", "nope"], cfg, store)
    assert code == 1 and "no account 'nope'" in text and "bn, ok, hl" in text


def test_refused_backend_on_set(cfg):
    code, text, asked = run(["set", "bn"], cfg, SecretStore(backend=fail.Keyring()))
    assert code == 1 and "no keyring backend is available" in text and asked == []


def test_doctor_on_a_headless_box():
    env = {"SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22"}
    text = doctor_report(SecretStore(backend=fail.Keyring()), env=env,
                         which=lambda tool: "/usr/bin/dbus-run-session"
                         if tool == "dbus-run-session" else None)
    assert "keyring backend: keyring.backends.fail.Keyring" in text and "REFUSED" in text
    assert "session: SSH; D-Bus session bus: none" in text
    assert "sudo apt-get install gnome-keyring" in text
    assert "dbus-run-session -- tmux new -s cockpit" in text
    assert "gnome-keyring-daemon --unlock --components=secrets" in text
    assert "keyrings.cryptfile.cryptfile.CryptFileKeyring" in text


def test_doctor_with_a_usable_backend(cfg, store):
    code, text, _ = run(["doctor"], cfg, store)
    assert code == 0 and "usable" in text and "pick one" not in text
