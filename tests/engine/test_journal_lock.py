"""One engine per journal: a file journal is held while open, and a second holder is refused in one line."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cockpit.engine.journal import Journal, JournalBusy


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _holder_pid(path: Path) -> str:
    lock = Path(f"{path}.lock")
    return lock.read_text().strip() if lock.exists() else ""


def test_a_second_journal_on_the_same_file_is_refused_until_the_first_closes(tmp_path):
    path = tmp_path / "journal.sqlite"
    first = Journal(path)
    with pytest.raises(JournalBusy) as refused:
        Journal(path)
    message = str(refused.value)
    assert str(path) in message and f"pid {os.getpid()}" in message and "--journal" in message
    assert "\n" not in message
    first.close()
    second = Journal(path)  # free again once the first engine let go
    assert second.rows() == []
    second.close()
    assert (Path(f"{path}.lock").stat().st_mode & 0o777) == 0o600


def test_memory_journals_hold_nothing():
    a, b = Journal(":memory:"), Journal(":memory:")
    a.close()
    b.close()


def test_a_file_that_is_not_a_journal_is_an_error_and_leaves_it_free(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("these are not the tables you are looking for\n" * 200)
    for _ in range(2):  # the second open meets the same error, not "in use" by the failed first
        with pytest.raises(sqlite3.DatabaseError):
            Journal(path)


def test_a_journal_held_by_another_process_is_refused_and_freed_when_it_dies(tmp_path):
    path = tmp_path / "journal.sqlite"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from cockpit.engine.journal import Journal
        j = Journal({str(path)!r})
        print("held", flush=True)
        time.sleep(600)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(JournalBusy, match=f"pid {holder.pid}"):
            Journal(path)
        holder.send_signal(signal.SIGKILL)  # however it dies, the kernel drops its lock
        holder.wait(timeout=30)
        Journal(path).close()
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_a_second_guard_on_the_same_journal_says_why_in_one_line(tmp_path):
    journal = tmp_path / "journal.sqlite"
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}
    command = [sys.executable, "-m", "cockpit", "--demo", "guard", "--journal", str(journal)]
    first = subprocess.Popen([*command, "--duration", "120"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: _holder_pid(journal) == str(first.pid) or first.poll() is not None)
        assert first.poll() is None, first.stderr.read()
        second = subprocess.run([*command, "--duration", "5"], env=env, capture_output=True, text=True,
                                timeout=120)
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in second.stderr
        assert lines[0].startswith(f"cockpit: journal {journal} is in use by another cockpit or guard "
                                   f"(pid {first.pid})")
        assert second.stdout == ""  # it never started an engine: no kill switch line
    finally:
        first.send_signal(signal.SIGTERM)
        try:
            first.wait(timeout=30)
        except subprocess.TimeoutExpired:
            first.kill()
            first.wait(timeout=30)



def test_a_journal_that_cannot_be_created_leaves_its_path_free(tmp_path, monkeypatch):
    path = tmp_path / "journal.sqlite"
    real_open = os.open

    def full_disk(name, flags, mode=0o777):  # the lock file opens; the journal itself cannot
        if str(name) == str(path):
            raise OSError(28, "No space left on device", str(name))
        return real_open(name, flags, mode)

    monkeypatch.setattr(os, "open", full_disk)
    for _ in range(2):  # the same error twice, never "in use" by the failed first attempt
        with pytest.raises(OSError, match="No space left"):
            Journal(path)
    monkeypatch.setattr(os, "open", real_open)
    Journal(path).close()
