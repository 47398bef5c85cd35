"""``cockpit config init|check|path``."""

from __future__ import annotations

import io
import stat

from cockpit.cli import config_main


def run(argv, path):
    out = io.StringIO()
    code = config_main(argv, path, out=out)
    return code, out.getvalue()


def test_init_then_check(tmp_path):
    path = tmp_path / "c.toml"
    code, text = run(["init"], path)
    assert code == 0 and "wrote" in text and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert run(["init"], path)[0] == 1  # no silent overwrite
    assert run(["init", "--force"], path)[0] == 0
    code, text = run(["check"], path)
    assert code == 0 and "0 account(s)" in text


def test_check_prints_every_problem(write):
    path = write('[[accounts]]\nname = "a"\nvenue = "nope"\n[[accounts]]\nname = "b"\n'
                 'venue = "okx"\nsecret = "x"\n')
    code, text = run(["check"], path)
    lines = text.strip().splitlines()
    assert code == 1 and len(lines) == 1 and "accounts[1].secret" in lines[0]
    path = write('[[accounts]]\nname = "a"\nvenue = "nope"\n[[accounts]]\nvenue = "okx"\n')
    code, text = run(["check"], path)
    lines = text.strip().splitlines()
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith(f"{path}:3: accounts[0].venue: unknown venue 'nope'")
    assert lines[1].startswith(f"{path}:4: accounts[1].name: missing")


def test_check_summarises_a_good_file(write):
    path = write('[[accounts]]\nname = "bn"\nvenue = "binanceusdm"\nreadonly = false\n'
                 '[[accounts]]\nname = "hl"\nvenue = "hyperliquid"\n'
                 'api_url = "http://127.0.0.1:8765"\n')
    code, text = run(["check"], path)
    assert code == 0 and "2 account(s)" in text
    assert "bn" in text and "trading" in text and "read-only → http://127.0.0.1:8765" in text


def test_check_without_a_file_explains_the_demo(tmp_path, monkeypatch):
    import cockpit.accounts_cli as cli
    import cockpit.config as config

    monkeypatch.setattr(config, "default_config_path", lambda: tmp_path / "none.toml")
    monkeypatch.setattr(cli, "default_config_path", lambda: tmp_path / "none.toml")
    code, text = run(["check"], None)
    assert code == 0 and "simulator demo" in text and "cockpit config init" in text
    assert run(["path"], None)[1].strip() == str(tmp_path / "none.toml")


def test_usage_errors_exit_2(tmp_path):
    assert run(["frobnicate"], tmp_path / "c.toml")[0] == 2


def test_check_refuses_a_setting_out_of_its_range(write):
    # Was accepted (exit 0); the engine then died of a MemoryError.
    path = write("[risk]\nfunding_history_samples = 100000000\n")
    code, text = run(["check"], path)
    assert code == 1
    assert text == (f"{path}:2: risk.funding_history_samples: must be at least 2 and at most 2016 "
                    "(one week at 5 min; one row per cell), got 100000000\n")


def test_check_takes_its_config_flag_after_the_action(write, tmp_path):
    path = write('[[accounts]]\nname = "bn"\nvenue = "binanceusdm"\n')
    code, text = run(["check", "--config", str(path)], tmp_path / "elsewhere.toml")
    assert code == 0 and f"{path}: 1 account(s)" in text
