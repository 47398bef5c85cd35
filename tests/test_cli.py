"""The command line: every bad flag is one line and exit 2; no terminal is refused; never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cockpit.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--seed", "x"], "--seed must be a whole number"),
        (["--seed", "-1"], "--seed must be 0 or more"),
        (["--speed", "0"], "--speed must be above 0"),
        (["--speed", "fast"], "--speed must be a number"),
        (["--theme", "nope"], "nope"),
        (["--keymap", "nope"], "nope"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(args, fragment, capsys, monkeypatch):
    # Pretend to be on a terminal so the flag checks, not the TTY check, answer.
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2
    assert fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_no_terminal_says_so_and_exits_non_zero():
    result = run("--demo")
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "Traceback" not in result.stderr


def test_help_lists_the_flags():
    result = run("--help")
    assert result.returncode == 0
    for flag in ("--seed", "--readonly", "--theme", "--keymap", "--scenario", "--speed"):
        assert flag in result.stdout


def test_bad_flag_from_a_real_process_has_no_traceback():
    result = run("--speed", "-3")
    assert result.returncode == 2 and result.stderr.startswith("cockpit: ")
    assert "Traceback" not in result.stderr
