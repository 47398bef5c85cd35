"""A terminal dies mid-session; the guard does not care (issue 11).

`cockpit guard --auto` runs as its own process on `flash-crash` at 20× (the kill switch moves
to WARN about 17 s in: funding stress nears 60 some four simulated minutes after the crash). A terminal
(`cockpit attach`) is started on a pty, once over a real SSH session on loopback (an asyncssh
server on 127.0.0.1 with its own host key, that runs the command on a pty as sshd does; the
client asks for an xterm-256color 120×40 pty) and once on a plain pty. As soon as its first frame
is on screen the connection is aborted (or the pty's master closed): the pty hangs up, the
kernel sends SIGHUP, the terminal process is gone. Then the guard's JSON log and journal must
show that it carried on alone: the detach, then the kill switch's transitions and its own
reduce-only orders; and a new terminal attached afterwards sees the same episode, HALTED with the
journaled cause and time.

The whole of each test is bounded: every wait has a deadline, every process is killed in
`finally`. The ordering (terminal gone before the switch moves) has a margin of about 14 s on
this machine (gone 3 s after the guard started), kept wide for a loaded CI machine; one too slow
for it fails with a message saying so. Each test takes about 26 s.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import select
import shlex
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from bench.pty_run import controlling_tty
from cockpit.engine.protocol import default_socket, guard_answers
from cockpit.model.events import EventKind
from tests.waiting import until, until_async

COLS, ROWS = 120, 40

#: A first frame: half the screen's cells in bytes (start-up escapes are far fewer).
FIRST_FRAME = COLS * ROWS // 2

GUARD = ["guard", "--scenario", "flash-crash", "--speed", "20", "--auto", "--duration", "55"]


class Guard:
    """`cockpit guard` as its own process, with a JSON log and a journal in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.log = folder / "guard.jsonl"
        self.journal = folder / "journal.sqlite"
        self.proc = subprocess.Popen([sys.executable, "-m", "cockpit", *GUARD, "--log", str(self.log),
                                      "--journal", str(self.journal)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
        until(lambda: guard_answers(default_socket()) or self._died(), 30, "the guard to listen")

    def _died(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the guard exited {self.proc.returncode}: {self.proc.stderr.read().decode()}")
        return False

    def events(self) -> list[dict]:
        """Every complete line of the JSON log so far."""
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines(keepends=True)
        return [json.loads(line) for line in lines if line.endswith("\n")]

    def wait(self, what: str, check, timeout: float) -> dict:
        """The first event `check` accepts, waiting up to `timeout` seconds."""
        def found():
            self._died()
            return next((e for e in self.events() if check(e)), None)

        return until(found, timeout, what)

    def stop(self) -> int:
        """SIGTERM (a clean stop), its exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(15)

    def kill(self) -> None:
        """Whatever happened: gone."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def _attached(pid: int):
    return lambda e: e["kind"] == EventKind.TERMINAL.value and e.get("pid") == str(pid) and e["attached"] == "yes"


def _detached(pid: int):
    return lambda e: e["kind"] == EventKind.TERMINAL.value and e.get("pid") == str(pid) and e["attached"] == "no"


def _halted(e: dict) -> bool:
    return e["kind"] == EventKind.KILL.value and e.get("after") == "HALTED"


def _the_guard_carried_on_alone(guard: Guard, pid: int) -> dict:
    """After the terminal `pid` detached: the kill switch tripped, cut with its own orders and
    latched HALTED, all in the log after the detach and in the journal. The HALTED event."""
    gone = guard.wait("the guard to see the terminal detach", _detached(pid), 10)
    halted = guard.wait("the kill switch to cut and halt on its own", _halted, 45)
    events = guard.events()
    kills = [e for e in events if e["kind"] == EventKind.KILL.value]
    assert kills[0]["seq"] > gone["seq"], (
        "the kill switch tripped before the terminal was gone: this machine was too slow for the "
        f"test's margin ({kills[0]['text']!r} before {gone['text']!r})")
    assert [e["after"] for e in kills if e["after"] in ("REDUCING", "HALTED")] == ["REDUCING", "HALTED"]
    cuts = [e for e in events if e["kind"] == EventKind.ORDER.value]
    assert cuts and all(e["source"] == "kill_switch" for e in cuts)
    assert all(gone["seq"] < e["seq"] < halted["seq"] for e in cuts)
    assert not any(_attached(pid)(e) for e in events if e["seq"] > gone["seq"])
    with sqlite3.connect(f"file:{guard.journal}?mode=ro", uri=True) as db:
        sources = {row[0] for row in db.execute("SELECT source FROM orders")}
        count = db.execute("SELECT count(*) FROM orders").fetchone()[0]
    assert sources == {"kill_switch"} and count == len(cuts)
    return halted


def _latch(guard: Guard) -> tuple[str, str, float]:
    """(status, cause, since) of the kill switch as journaled."""
    with sqlite3.connect(f"file:{guard.journal}?mode=ro", uri=True) as db:
        return db.execute("SELECT status, cause, since FROM kill_latch").fetchone()


async def test_a_terminal_over_ssh_is_cut_off_and_the_guard_acts_alone(tmp_path):
    pytest.importorskip("asyncssh")
    from bench.ssh_loop import LoopbackSSH, open_terminal
    from cockpit.engine.remote import RemoteEngine

    guard = Guard(tmp_path)
    ssh = LoopbackSSH(env=dict(os.environ))
    try:
        await ssh.start()
        conn = await asyncio.wait_for(ssh.connect(), 15)
        _, screen = await open_terminal(conn, f"{shlex.quote(sys.executable)} -m cockpit attach", cols=COLS,
                                        rows=ROWS)
        await screen.until(FIRST_FRAME, 30)
        # The guard's market on the status line: a frame from the guard is on screen.
        await until_async(lambda: "flash-crash" in screen.text(), 10, "the status line")
        [terminal] = ssh.children
        await until_async(lambda: any(_attached(terminal.pid)(e) for e in guard.events()), 10,
                           "the guard to log the terminal's attach")

        conn.abort()  # the laptop's Wi-Fi goes: no goodbye, the server hangs the session up
        await until_async(lambda: terminal.poll() is not None, 10, "the terminal to end")
        assert terminal.returncode == -signal.SIGHUP

        halted = await asyncio.to_thread(_the_guard_carried_on_alone, guard, terminal.pid)

        # A new terminal sees the same episode, and frames that keep coming.
        remote = RemoteEngine(default_socket(), readonly=True)
        await asyncio.to_thread(remote.attach, 10)
        try:
            kill = remote.latest.assessment.kill
            assert (kill.status.value, kill.cause, kill.since) == _latch(guard)
            assert kill.status.value == "HALTED" and kill.latched and kill.cause == halted["cause"]
            assert halted["seq"] in [e.seq for e in remote.events]
            first = remote.latest
            await until_async(lambda: remote.latest.seq > first.seq + 1, 10, "the guard's next frames")
            assert remote.latest.now > first.now and remote.latest.sim_time > first.sim_time
        finally:
            remote.detach()
        assert await asyncio.to_thread(guard.stop) == 0
    finally:
        guard.kill()
        await ssh.close()


def test_a_terminal_on_a_pty_hung_up_and_the_guard_acts_alone(tmp_path):
    guard = Guard(tmp_path)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    terminal = subprocess.Popen([sys.executable, "-m", "cockpit", "attach"], stdin=slave, stdout=slave,
                                stderr=slave, env={**os.environ, "TERM": "xterm-256color"}, close_fds=True,
                                start_new_session=True, preexec_fn=controlling_tty)
    os.close(slave)
    try:
        screen = b""

        def drawn():
            nonlocal screen
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                screen += os.read(master, 65536)
            assert terminal.poll() is None, screen[-300:]
            return len(screen) >= FIRST_FRAME and b"flash-crash" in screen

        until(drawn, 30, "the terminal's first frame")
        guard.wait("the guard to log the terminal's attach", _attached(terminal.pid), 10)

        os.close(master)  # the terminal window is closed: the pty hangs up
        master = None
        terminal.wait(10)
        assert terminal.returncode == -signal.SIGHUP

        halted = _the_guard_carried_on_alone(guard, terminal.pid)

        # `cockpit status --json` is the new terminal here.
        out = subprocess.run([sys.executable, "-m", "cockpit", "status", "--json"], capture_output=True,
                             timeout=30, env=dict(os.environ))
        assert out.returncode == 0, out.stderr
        status = json.loads(out.stdout)
        kill = status["kill"]
        assert (kill["status"], kill["cause"], kill["since"]) == _latch(guard)
        assert kill["status"] == "HALTED" and kill["latched"] and kill["cause"] == halted["cause"]
        assert status["guard"]["pid"] == guard.proc.pid
        assert guard.stop() == 0
    finally:
        if master is not None:
            os.close(master)
        if terminal.poll() is None:
            terminal.kill()
            terminal.wait(5)
        guard.kill()
