"""`cockpit guard`, `cockpit status` and how `cockpit` picks its engine, as a user runs them: real
processes, a real socket, a real journal on disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.cli import parse_args
from cockpit.engine.demo import demo_engine
from cockpit.engine.local import LocalEngine
from cockpit.engine.protocol import default_socket
from cockpit.engine.remote import RemoteEngine

ROOT = Path(__file__).resolve().parents[1]


def _cockpit(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "cockpit", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _wait_for_socket(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if default_socket().exists():
            return
        if proc.poll() is not None:
            raise AssertionError(f"guard ended early: {proc.communicate()}")
        time.sleep(0.05)
    raise AssertionError("the guard never listened")


def test_sigterm_stops_the_guard_cleanly_after_journaling_and_logging(tmp_path):
    log = tmp_path / "guard.jsonl"
    guard = _cockpit("guard", "--demo", "--duration", "120", "--log", str(log))
    try:
        _wait_for_socket(guard)
        # The guard listens before its first frame (`status` then says "no frame yet"): ask again.
        deadline = time.monotonic() + 30
        while True:
            status = _cockpit("status", "--json")
            out, err = status.communicate(timeout=30)
            assert status.returncode == 0, err
            report = json.loads(out)
            if "kill" in report or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert report["kill"]["status"] == "NORMAL" and len(report["accounts"]) == 6
        assert "terminal attached" not in report["last_event"]["text"]  # not its own attach
        assert report["alerts"] == 0 and "alerts: none configured" in "\n".join(report["lines"])
        guard.send_signal(signal.SIGTERM)
        out, err = guard.communicate(timeout=30)
    finally:
        guard.kill()
    assert guard.returncode == 0 and err == ""
    assert out.splitlines()[-1].endswith("guard stopping (SIGTERM): the book is no longer watched")
    records = [json.loads(line) for line in log.read_text().splitlines()]
    kinds = [r["kind"] for r in records]
    assert kinds[0] == "guard" and records[-1]["stopping"] == "yes" and records[-1]["severity"] == "critical"
    assert {"terminal"} <= set(kinds)  # the status look attached and detached
    assert not default_socket().exists()  # the socket goes with the guard
    files = list((Path(os.environ["XDG_DATA_HOME"]) / "cockpit" / "sim").glob("journal-*.sqlite"))
    journals = [f for f in files if not f.name.endswith("-history.sqlite")]
    assert len(journals) == 1  # the simulator's run has its journal on disk
    assert len(files) == 2  # and its funding history beside it


def test_a_second_guard_is_refused_in_one_line():
    first = _cockpit("guard", "--demo", "--duration", "60")
    try:
        _wait_for_socket(first)
        second = _cockpit("guard", "--demo", "--duration", "60")
        out, err = second.communicate(timeout=30)
        assert second.returncode == 2
        assert err.strip().splitlines() == [f"cockpit: a guard already runs at {default_socket()} "
                                            f"(attach to it: cockpit attach)"]
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)


def test_status_without_a_guard_is_one_line_and_exit_1():
    status = _cockpit("status")
    out, err = status.communicate(timeout=30)
    assert status.returncode == 1 and out == ""
    assert err.strip() == f"cockpit status: no guard is running at {default_socket()} (start one: cockpit guard)"


def test_a_log_file_that_cannot_be_written_is_a_usage_error(tmp_path):
    guard = _cockpit("guard", "--demo", "--duration", "5", "--log", str(tmp_path / "missing" / "x.jsonl"))
    _out, err = guard.communicate(timeout=30)
    assert guard.returncode == 2 and err.startswith("cockpit: --log ") and "Traceback" not in err


# -- which engine `cockpit` uses ----------------------------------------------------------


def test_cockpit_attaches_to_a_running_engine_instead_of_opening_a_second():
    from cockpit import guard_cli

    first = LocalEngine(demo_engine(seed=7, clock=lambda: 1_780_000_000.0), serve=default_socket())
    first.start()
    try:
        args = parse_args([])
        assert guard_cli.should_attach(args)
        api = guard_cli.attach(args)
        try:
            assert isinstance(api, RemoteEngine) and api.latest is not None
        finally:
            guard_cli.close_api(api)
    finally:
        first.stop()


def test_cockpit_with_no_guard_runs_its_own_engine_and_serves_the_socket():
    from cockpit import guard_cli
    from cockpit.startup import setup

    assert not guard_cli.should_attach(parse_args([]))
    args = parse_args(["--demo"])
    api = guard_cli.local_api(args, setup(args))
    try:
        assert isinstance(api, LocalEngine) and api.latest is not None and api.server is not None
        assert guard_cli.should_attach(parse_args([]))  # a second terminal attaches to this one
        second = guard_cli.attach(parse_args([]))
        try:
            assert isinstance(second, RemoteEngine)
            assert second.latest.book.accounts == api.latest.book.accounts or second.latest.seq > 0
        finally:
            guard_cli.close_api(second)
    finally:
        guard_cli.close_api(api)


@pytest.mark.parametrize("flags", [["--demo"], ["--seed", "3"]])
def test_flags_that_shape_an_engine_run_a_separate_one_beside_a_guard(flags):
    from cockpit import guard_cli
    from cockpit.startup import setup

    first = LocalEngine(demo_engine(seed=7, clock=lambda: 1_780_000_000.0), serve=default_socket())
    first.start()
    try:
        args = parse_args(flags)
        assert not guard_cli.should_attach(args)
        api = guard_cli.local_api(args, setup(args))
        try:
            assert isinstance(api, LocalEngine) and api.server is None  # the socket stays the guard's
        finally:
            guard_cli.close_api(api)
    finally:
        first.stop()
