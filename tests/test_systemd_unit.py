"""systemd/cockpit-guard.service, the unit the README tells users to copy: it parses as the
INI-style file systemd reads, runs `cockpit guard` with options the guard accepts, restarts on
failure but not on a usage error, and holds no secret."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest

from cockpit.cli import parse_args

UNIT = Path(__file__).resolve().parent.parent / "systemd" / "cockpit-guard.service"


def _unit() -> configparser.ConfigParser:
    # systemd's syntax: case-sensitive keys, '%' specifiers (no interpolation), '#' comments.
    parser = configparser.ConfigParser(interpolation=None, strict=True, comment_prefixes=("#", ";"))
    parser.optionxform = str
    parser.read_string(UNIT.read_text(encoding="utf-8"), source=str(UNIT))
    return parser


def _environment(unit) -> dict[str, str]:
    name, _, value = unit["Service"]["Environment"].partition("=")
    return {name: value}


def test_the_unit_runs_the_installed_cockpit_guard_with_options_it_accepts():
    unit = _unit()
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    argv = shlex.split(unit["Service"]["ExecStart"])
    assert argv[:2] == ["%h/.local/bin/cockpit", "guard"]
    # systemd replaces a lone $NAME by the variable's words (none when it is empty).
    env = _environment(unit)
    words = [w for a in argv[2:] for w in (env[a[1:]].split() if a.startswith("$") else [a])]
    assert words == ["--auto"]  # the kill-switch mode users edit, acting alone by default
    args = parse_args(["guard", *words])
    assert args.command == "guard" and args.auto and not args.duration
    parse_args(["guard"])  # emptied, it is still a valid command line


def test_it_restarts_on_failure_but_not_on_a_usage_error():
    service = _unit()["Service"]
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"  # what cockpit exits with on a usage error
    assert service["KillSignal"] == "SIGTERM"  # the guard's clean stop
    assert int(service["TimeoutStopSec"]) >= 10
    assert _unit()["Install"]["WantedBy"] == "default.target"  # a --user unit


def test_the_unit_holds_no_secret():
    lines = [line for line in UNIT.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    settings = "\n".join(lines)
    assert not re.search(r"(?i)(key|secret|token|passw|passphrase)\w*\s*=", settings)
    assert "PYTHON_KEYRING_BACKEND" not in settings
    assert set(_environment(_unit())) == {"COCKPIT_GUARD_OPTIONS"}


def test_systemd_itself_accepts_the_unit(tmp_path, monkeypatch):
    # Where systemd-analyze is installed: it reads the unit as a --user manager would (unknown
    # directives, bad values, a missing ExecStart binary), without a running systemd.
    import shutil
    import subprocess

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    home, runtime = tmp_path / "home", tmp_path / "run"
    (home / ".local" / "bin").mkdir(parents=True)
    runtime.mkdir(mode=0o700)
    script = home / ".local" / "bin" / "cockpit"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    unit = tmp_path / UNIT.name
    unit.write_text(UNIT.read_text(encoding="utf-8"))
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([analyze, "verify", "--user", str(unit)], capture_output=True, text=True, timeout=60,
                         env=env)
    assert out.returncode == 0, out.stderr
    assert "cockpit-guard.service" not in out.stderr, out.stderr  # no warning about it either
