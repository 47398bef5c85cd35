"""``cockpit alerts add|list|remove|test`` and `build_alerter`, against an in-memory keyring.

URLs go to apprise's ``json://`` target on a loopback server; the real keyring and the network
are never touched.
"""

from __future__ import annotations

import io
import os

import pytest

from cockpit import redact
from cockpit.alerts_cli import build_alerter
from cockpit.cli import alerts_main, main
from cockpit.config import AlertsConfig
from cockpit.engine.alerts import APPRISE_HINT, AlertsUnavailable, apprise_available
from cockpit.secrets import SecretStore
from tests.fixtures.keys import MemoryKeyring
from tests.fixtures.receiver import receiver

pytestmark = pytest.mark.skipif(not apprise_available(), reason="apprise is not installed")

TOKEN = "tok-Hq7Vb2Lm9Xc4"


@pytest.fixture
def keyring():
    yield MemoryKeyring()
    redact.forget_secrets()


@pytest.fixture
def store(keyring):
    return SecretStore(backend=keyring, timeout=2.0)


def config(tmp_path, targets=("phone",), rate=60):
    path = tmp_path / "config.toml"
    listed = ", ".join(f'"{t}"' for t in targets)
    path.write_text(f"[alerts]\ntargets = [{listed}]\nrate_limit_seconds = {rate}\n")
    os.chmod(path, 0o600)
    return path


def run(argv, cfg, store, answers=(), env=None):
    answers, asked = list(answers), []

    def prompt(text):
        asked.append(text)
        return answers.pop(0)

    out, terminal = io.StringIO(), io.StringIO()
    code = alerts_main(argv, cfg, store=store, prompt=prompt, out=out, terminal=terminal, env=env or {})
    return code, out.getvalue(), terminal.getvalue(), asked


def test_add_stores_the_url_in_the_keyring_and_never_shows_it(tmp_path, store, keyring):
    url = f"json://127.0.0.1:9/{TOKEN}"
    code, text, _, asked = run(["add", "phone"], config(tmp_path), store, [url])
    assert code == 0, text
    assert keyring.store[("cockpit", "alerts:phone:url")] == url
    assert len(asked) == 1 and "phone" in asked[0]
    assert TOKEN not in text and "json URL" in text and "cockpit alerts test" in text
    assert TOKEN not in redact.scrub(f"a log line with {TOKEN}")  # its secret part is registered
    assert redact.scrub("https://example.org:9/") == "https://example.org:9/"  # the URL whole is not


def test_add_says_how_to_list_a_target_the_config_does_not_name(tmp_path, store):
    code, text, _, _ = run(["add", "chat"], config(tmp_path), store, [f"json://127.0.0.1:9/{TOKEN}"])
    assert code == 0 and '[alerts] targets = ["chat"]' in text


@pytest.mark.parametrize("url,why", [("", "empty"), (f"nosuchservice://{TOKEN}", "does not understand")])
def test_add_refuses_an_empty_or_unknown_url_and_stores_nothing(tmp_path, store, keyring, url, why):
    code, text, _, _ = run(["add", "phone"], config(tmp_path), store, [url])
    assert code == 1 and why in text and "nothing was stored" in text
    assert keyring.store == {} and TOKEN not in text


def test_list_names_each_target_its_service_and_what_is_missing(tmp_path, store):
    cfg = config(tmp_path, ("phone", "mail"), rate=30)
    run(["add", "phone"], cfg, store, [f"json://127.0.0.1:9/{TOKEN}"])
    code, text, _, _ = run(["list"], cfg, store)
    assert code == 0
    lines = text.splitlines()
    assert lines[0].split() == ["phone", "json", "stored"]
    assert lines[1].startswith("mail") and "MISSING (cockpit alerts add mail)" in lines[1]
    assert "30 s" in lines[2] and TOKEN not in text


def test_list_without_targets_says_how_to_add_one(tmp_path, store):
    code, text, _, _ = run(["list"], config(tmp_path, ()), store)
    assert code == 0 and "no alert targets" in text and "cockpit alerts add phone" in text


def test_remove_deletes_the_url_and_says_when_the_config_still_names_it(tmp_path, store, keyring):
    cfg = config(tmp_path)
    run(["add", "phone"], cfg, store, [f"json://127.0.0.1:9/{TOKEN}"])
    code, text, _, _ = run(["remove", "phone"], cfg, store)
    assert code == 0 and "removed" in text and "still in [alerts] targets" in text
    assert keyring.store == {}
    code, text, _, _ = run(["remove", "phone"], cfg, store)
    assert code == 0 and "no URL stored" in text


def test_test_sends_to_every_target_and_the_terminal_and_names_each_outcome(tmp_path, store):
    cfg = config(tmp_path, ("phone", "broken", "nourl"))
    with receiver() as (port, posts):
        run(["add", "phone"], cfg, store, [f"json://127.0.0.1:{port}/{TOKEN}"])
        run(["add", "broken"], cfg, store, [f"json://127.0.0.1:{port}/fail-{TOKEN}"])
        code, text, terminal, _ = run(["test"], cfg, store)
    assert code == 1
    lines = {line.split()[0]: line for line in text.splitlines()}
    assert lines["phone"].split() == ["phone", "ok"]
    assert "FAILED" in lines["broken"] and "500" in lines["broken"]
    assert "FAILED" in lines["nourl"] and "cockpit alerts add nourl" in lines["nourl"]
    assert "terminal" in lines and TOKEN not in text
    assert sorted(path for path, _ in posts) == sorted([f"/{TOKEN}", f"/fail-{TOKEN}"])
    assert all(body["title"] == "cockpit: test alert" for _, body in posts)
    assert terminal.startswith("\x1b]9;cockpit: test alert") and "\x1b]777;notify;cockpit: test alert;" in terminal
    assert terminal.endswith("\x07")


def test_test_passes_when_every_target_works_and_wraps_for_tmux(tmp_path, store):
    cfg = config(tmp_path)
    with receiver() as (port, posts):
        run(["add", "phone"], cfg, store, [f"json://127.0.0.1:{port}/{TOKEN}"])
        code, text, terminal, _ = run(["test"], cfg, store, env={"TMUX": "socket,1,0"})
    assert code == 0, text
    assert len(posts) == 1
    assert terminal.startswith("\x1bPtmux;\x1b\x1b]9;") and "allow-passthrough" in text


def test_without_apprise_a_configured_target_is_one_line_and_exit_2(tmp_path, store, monkeypatch):
    monkeypatch.setattr("cockpit.engine.alerts.apprise_available", lambda: False)
    cfg = config(tmp_path)
    for action in (["add", "phone"], ["test"], ["list"]):
        code, text, _, _ = run(action, cfg, store, [f"json://127.0.0.1:9/{TOKEN}"])
        assert code == 2 and text.splitlines()[-1] == f"error: {APPRISE_HINT}"
    code, text, _, _ = run(["remove", "phone"], cfg, store)  # nothing to send: no apprise needed
    assert code == 0


def test_a_bad_target_name_is_a_usage_error(tmp_path, store, capsys):
    assert main(["alerts", "add", "no spaces", "--config", str(config(tmp_path))]) == 2
    assert "not a target name" in capsys.readouterr().err


def test_add_asks_without_echo_by_default():
    import getpass

    from cockpit import alerts_cli

    assert alerts_main.__kwdefaults__["prompt"] is getpass.getpass
    assert alerts_cli.run_alerts.__kwdefaults__["prompt"] is getpass.getpass


# -- build_alerter: what `cockpit` and `cockpit guard` run -----------------------------------------

def test_build_alerter_makes_one_target_per_name_with_the_rate_limit(tmp_path, store):
    cfg = config(tmp_path, ("phone", "chat"))
    for name in ("phone", "chat"):
        run(["add", name], cfg, store, [f"json://127.0.0.1:9/{TOKEN}-{name}"])
    alerter = build_alerter(AlertsConfig(targets=("phone", "chat"), rate_limit_seconds=15), store)
    assert [t.name for t in alerter.targets] == ["phone", "chat"] and alerter.limiter.window == 15
    assert TOKEN not in repr(alerter.targets)


def test_build_alerter_without_targets_is_none_and_needs_nothing(monkeypatch):
    monkeypatch.setattr("cockpit.engine.alerts.apprise_available", lambda: False)
    assert build_alerter(AlertsConfig()) is None


def test_build_alerter_refuses_a_target_without_url_or_without_apprise(store, monkeypatch):
    with pytest.raises(AlertsUnavailable, match="no URL in the keyring — run: cockpit alerts add phone"):
        build_alerter(AlertsConfig(targets=("phone",)), store)
    monkeypatch.setattr("cockpit.engine.alerts.apprise_available", lambda: False)
    with pytest.raises(AlertsUnavailable, match="pip install"):
        build_alerter(AlertsConfig(targets=("phone",)), store)


def test_build_alerter_says_when_the_keyring_cannot_be_read():
    from keyring.backends import fail

    with pytest.raises(AlertsUnavailable, match="^alert targets: refusing the keyring backend"):
        build_alerter(AlertsConfig(targets=("phone",)), SecretStore(backend=fail.Keyring(), timeout=2.0))
