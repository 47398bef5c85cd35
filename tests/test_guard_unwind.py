"""`cockpit guard --unwind flat|gross:N [--unwind-id ID]`: a guided unwind run started headless once
every account is reconciled, let run, and never started twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.cli import main, parse_args
from cockpit.engine.journal import Journal
from cockpit.model.unwind import TargetKind

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("argv", "flag"), [
    (["--unwind", "flat:3"], "--unwind"), (["--unwind", "gross:0"], "--unwind"),
    (["--unwind", "gross:101"], "--unwind"), (["--unwind", "gross:abc"], "--unwind"),
    (["--unwind", "sideways"], "--unwind"), (["--unwind", "flat", "--unwind-id", "a:b"], "--unwind-id"),
    (["--unwind", "flat", "--unwind-id", "x" * 33], "--unwind-id"),
])
def test_bad_unwind_flags_are_one_line_naming_the_flag_and_exit_2(argv, flag, capsys):
    assert main(["guard", "--demo", "--duration", "1", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"argument {flag}: {flag} must be" in err[0]


def test_an_unwind_id_without_a_target_is_refused_in_one_line(capsys):
    assert main(["guard", "--demo", "--duration", "1", "--unwind-id", "r1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["cockpit: --unwind-id names the run --unwind starts: give --unwind flat or gross:N with it"]


def test_the_targets_parse():
    assert parse_args(["guard", "--unwind", "flat"]).unwind.kind is TargetKind.FLAT
    gross = parse_args(["guard", "--unwind", "gross:30", "--unwind-id", "r-1_a"])
    assert gross.unwind.kind is TargetKind.GROSS and gross.unwind.fraction == pytest.approx(0.30)
    assert gross.unwind_id == "r-1_a"


def _guard(tmp_path: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "cockpit", "guard", "--demo", "--journal", str(tmp_path / "j.sqlite"),
                           "--socket", str(tmp_path / "g.sock"), *args], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_headless_run_ends_flat_and_a_second_start_of_the_same_id_is_refused(tmp_path):
    out = _guard(tmp_path, "--duration", "8", "--unwind", "flat", "--unwind-id", "r1")
    assert "--unwind: unwind planned" in out and "--unwind: run r1: running" in out
    assert "unwind run r1 done" in out and "positions match the plan" in out
    again = _guard(tmp_path, "--duration", "3", "--unwind", "flat", "--unwind-id", "r1")
    assert "--unwind: run r1 was already started" in again
    journal = Journal(tmp_path / "j.sqlite")
    try:
        run = journal.last_run()
        assert run.id == "r1" and run.state.value == "done" and run.trigger == "guard --unwind"
        assert journal._db.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    finally:
        journal.close()
