"""Bytes written to the terminal per second: the cockpit against a full redraw of the same tables.

Run: ``python -m bench bytes``, or ``python -m bench.bench_bytes [--quick] [--seconds N]``.

* **cockpit**: `cockpit` with no config (the embedded simulator, 1 Hz, the demo book) on a
  120×40 pty, with XDG_CONFIG_HOME / XDG_DATA_HOME / XDG_STATE_HOME / XDG_RUNTIME_DIR in a
  temporary directory, so no user config, journal or running guard is met.
* **baseline**: `python -m bench.live_baseline` on the same pty size: the same simulator and the
  cockpit's own cells (status line, positions, heatmap, collateral, playbook, stress table),
  redrawn in full once a second by `rich.Live`.

* **over SSH**: the cockpit again, and `cockpit attach` to a `cockpit guard` the bench starts
  (the same demo book at 1 Hz), each run over a real SSH session on loopback
  (`bench.ssh_loop`: an asyncssh server running the command on a 120×40 xterm-256color pty, as
  sshd does, and an asyncssh client; no compression, as OpenSSH's default). Two counts per
  second: the terminal's bytes as the client receives them, and the bytes on the wire from
  server to client (SSH packets: headers, padding, MAC, encryption), counted by a relay in front
  of the server.

Each runs for `seconds` whole seconds after its first frame and a warm-up; the figure is the
median of the per-second byte counts (the mean is in the note). They run one after the other in
the same invocation. `bench.pty_run.terminal_bytes` takes any command line.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import sys
import tempfile
import time

from bench.common import Figure
from bench.pty_run import ByteRate, terminal_bytes

COLS, ROWS = 120, 40


def isolated_env(root: str) -> dict[str, str]:
    """Environment variables that keep a cockpit away from the user's config, data and guard."""
    env = {}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        path = os.path.join(root, name.lower())
        os.makedirs(path, mode=0o700, exist_ok=True)
        env[name] = path
    return env


def measure(seconds: int = 20, warmup: float = 3.0) -> tuple[ByteRate, ByteRate]:
    """(cockpit, rich.Live baseline) byte rates at 120×40, one after the other."""
    with tempfile.TemporaryDirectory() as root:
        env = isolated_env(root)
        ours = terminal_bytes([sys.executable, "-m", "cockpit"], cols=COLS, rows=ROWS, seconds=seconds,
                              warmup=warmup, env=env)
        base = terminal_bytes([sys.executable, "-m", "bench.live_baseline"], cols=COLS, rows=ROWS,
                              seconds=seconds, warmup=warmup, env=env)
    return ours, base


def _per_second(arrivals: list[tuple[float, int]], start: float, seconds: int) -> list[int]:
    """Bytes per whole second from `start`, of (monotonic time, bytes) arrivals."""
    counts = [0] * seconds
    for when, n in arrivals:
        k = int((when - start) // 1)
        if 0 <= k < seconds:
            counts[k] += n
    return counts


async def _over_ssh(command: list[str], env: dict[str, str], seconds: int, warmup: float,
                    timeout: float = 60.0) -> tuple[ByteRate, ByteRate]:
    """(terminal bytes at the client, bytes on the wire) per second of `command` run over a
    loopback SSH session on a COLS × ROWS pty."""
    from bench.ssh_loop import LoopbackSSH, open_terminal

    ssh = LoopbackSSH(env={**os.environ, **env})
    await ssh.start()
    try:
        conn = await asyncio.wait_for(ssh.connect(), timeout)
        started = time.monotonic()
        chan, screen = await open_terminal(conn, shlex.join(command), cols=COLS, rows=ROWS)
        first = await screen.until(COLS * ROWS // 2, timeout)
        start = first + warmup
        await asyncio.sleep(start + seconds + 0.2 - time.monotonic())
        chan.write(b"q")
        try:
            await asyncio.wait_for(screen.closed.wait(), 10)
        except asyncio.TimeoutError:
            pass
        conn.close()
        upto = sum(len(c) for t, c in screen.chunks if t <= first)
        terminal = ByteRate(_per_second([(t, len(c)) for t, c in screen.chunks], start, seconds),
                            first - started, upto)
        wire = ByteRate(_per_second(ssh.wire, start, seconds), first - started,
                        sum(n for t, n in ssh.wire if t <= first))
        return terminal, wire
    finally:
        await ssh.close()


def measure_ssh(seconds: int = 20, warmup: float = 3.0) -> tuple[dict[str, tuple[ByteRate, ByteRate]], ByteRate]:
    """Over a loopback SSH session: {"cockpit": ..., "attached": ...}, each (terminal, wire);
    and `cockpit attach` on a local pty, to tell what attaching costs from what SSH costs."""
    found = {}
    with tempfile.TemporaryDirectory() as root:
        env = isolated_env(os.path.join(root, "own"))
        found["cockpit"] = asyncio.run(_over_ssh([sys.executable, "-m", "cockpit"], env, seconds, warmup))
        env = isolated_env(os.path.join(root, "guard"))
        # The guard outlives the measurement by a margin; killed in any case below.
        guard = subprocess.Popen([sys.executable, "-m", "cockpit", "guard", "--duration", str(seconds + 120)],
                                 env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            for line in guard.stdout:  # its second line says it serves terminals
                if b"serving terminals" in line:
                    break
            else:
                raise RuntimeError(f"cockpit guard exited {guard.wait()} before serving terminals")
            found["attached"] = asyncio.run(_over_ssh([sys.executable, "-m", "cockpit", "attach"], env,
                                                      seconds, warmup))
            local = terminal_bytes([sys.executable, "-m", "cockpit", "attach"], cols=COLS, rows=ROWS,
                                   seconds=seconds, warmup=warmup, env=env)
        finally:
            guard.terminate()
            try:
                guard.wait(15)
            except subprocess.TimeoutExpired:
                guard.kill()
                guard.wait(5)
    return found, local


def run(quick: bool = False, seconds: int | None = None) -> list[Figure]:
    """The byte figures: the cockpit's median bytes/s, its ratio to the baseline, and the baseline;
    then the cockpit and an attached terminal over SSH (the terminal's bytes and the wire's)."""
    n = seconds or (8 if quick else 20)
    ours, base = measure(seconds=n)
    where = f"{COLS}x{ROWS}, simulator at 1 Hz, median of {n} s after first frame + 3 s"
    figures = [
        Figure("bytes/s written to the terminal, cockpit", ours.median, "B/s", target=4000.0,
               ratio=ours.median / base.median,
               note=f"{where}; mean {ours.mean:.0f}; target <= 0.1x baseline"),
        Figure("bytes/s, rich.Live full redraw of the same tables (baseline)", base.median, "B/s",
               note=f"mean {base.mean:.0f}"),
    ]
    try:
        import asyncssh  # noqa: F401
    except ImportError:
        print("bytes over SSH: skipped (pip install asyncssh, or the test extra)", file=sys.stderr)
        return figures
    names = {"cockpit": "cockpit", "attached": "cockpit attach to a guard"}
    found, local = measure_ssh(seconds=n)
    figures.append(Figure("bytes/s, cockpit attach to a guard, local pty", local.median, "B/s",
                          ratio=local.median / ours.median,
                          note=f"ratio to the cockpit's own engine on a local pty; mean {local.mean:.0f}"))
    for key, (terminal, wire) in found.items():
        figures.append(Figure(f"bytes/s over SSH, {names[key]}: terminal", terminal.median, "B/s",
                              ratio=terminal.median / ours.median,
                              note=f"ratio to the cockpit on a local pty; mean {terminal.mean:.0f}"))
        figures.append(Figure(f"bytes/s over SSH, {names[key]}: on the wire", wire.median, "B/s",
                              ratio=wire.median / terminal.median,
                              note=f"ratio to its terminal bytes; mean {wire.mean:.0f}; no compression"))
    return figures


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    args = sys.argv[1:]
    secs = int(args[args.index("--seconds") + 1]) if "--seconds" in args else None
    for figure in run("--quick" in args, seconds=secs):
        print(figure.line())
