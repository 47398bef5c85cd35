"""Run a command on a pseudo-terminal of a given size, as a person's terminal would.

The parent drains everything the child writes (counting bytes) so the child never blocks.
`terminal_bytes(argv)` runs any command line that way and counts its bytes per second.
"""

from __future__ import annotations

import fcntl
import os
import statistics
import struct
import subprocess
import termios
import threading
import time
from dataclasses import dataclass


def controlling_tty() -> None:
    """In a child started with ``start_new_session=True`` (as its `preexec_fn`): make its stdin,
    a pty's slave, its controlling terminal, as sshd and terminal emulators do, so that the pty's
    hangup (its master closed) reaches it as SIGHUP."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess:
    """A child process whose stdin/stdout/stderr are a pty of `cols` × `rows`."""

    def __init__(self, argv: list[str], *, cols: int = 120, rows: int = 40, env: dict | None = None,
                 record: bool = False) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        full_env.update(env or {})
        self.started = time.time()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=full_env,
                                     close_fds=True, start_new_session=True)
        os.close(slave)
        self.master = master
        self.bytes = 0
        # (monotonic time, chunk) of everything read, when `record` is set (for per-second figures).
        self.chunks: list[tuple[float, bytes]] | None = [] if record else None
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self.bytes += len(chunk)
                if self.chunks is not None:
                    self.chunks.append((time.monotonic(), chunk))

    def written(self) -> int:
        """Bytes the child has written to the terminal so far."""
        with self._lock:
            return self.bytes

    def cpu_seconds(self) -> float:
        """User + system CPU time the child has used (Linux /proc)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def send(self, data: bytes) -> None:
        """Type `data` into the terminal."""
        os.write(self.master, data)

    def stop(self, timeout: float = 5.0) -> None:
        """Quit the child (q, then terminate) and close the pty."""
        try:
            self.send(b"q")
            self.proc.wait(timeout=timeout)
        except Exception:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except Exception:
                self.proc.kill()
        try:
            os.close(self.master)
        except OSError:
            pass


@dataclass(frozen=True)
class ByteRate:
    """What a command wrote to its terminal, second by second, after its first frame.

    Attributes:
        per_second: bytes written in each whole second after the warm-up.
        first_frame: seconds from the start to the first frame (see `terminal_bytes`).
        first_frame_bytes: bytes written up to and including the first frame.
    """

    per_second: list[int]
    first_frame: float
    first_frame_bytes: int

    @property
    def median(self) -> float:
        """Median bytes per second."""
        return statistics.median(self.per_second)

    @property
    def mean(self) -> float:
        """Mean bytes per second (everything written over the window)."""
        return sum(self.per_second) / len(self.per_second)


def terminal_bytes(argv: list[str], *, cols: int = 120, rows: int = 40, seconds: int = 20,
                   warmup: float = 3.0, env: dict | None = None, first_frame_bytes: int | None = None,
                   timeout: float = 60.0) -> ByteRate:
    """Run `argv` on a `cols` × `rows` pty and count what it writes to the terminal per second.

    The first frame is the moment the output first reaches `first_frame_bytes` (default: one
    byte per cell of half the screen, which a full-screen program's first paint passes and its
    start-up escapes do not). After it, `warmup` seconds are skipped, then `seconds` whole
    seconds are counted. The child is then sent "q" and stopped. Any command line works: a local
    program, or `ssh -tt host cockpit` over a loopback session.
    """
    threshold = first_frame_bytes if first_frame_bytes is not None else cols * rows // 2
    proc = PtyProcess(argv, cols=cols, rows=rows, env=env, record=True)
    start = time.monotonic()
    try:
        first = None
        while first is None:
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"no first frame from {argv} within {timeout:g}s "
                                   f"({proc.written()} bytes written)")
            if proc.proc.poll() is not None:
                raise RuntimeError(f"{argv} exited with {proc.proc.returncode} before its first frame")
            time.sleep(0.01)
            first = _first_frame(proc, threshold)
        end = first[0] + warmup + seconds
        while time.monotonic() < end + 0.2:
            time.sleep(0.05)
    finally:
        proc.stop()
    when, upto = first
    counts = [0] * seconds
    for t, chunk in proc.chunks or ():
        k = int((t - when - warmup) // 1)
        if 0 <= k < seconds:
            counts[k] += len(chunk)
    return ByteRate(counts, when - start, upto)


def _first_frame(proc: PtyProcess, threshold: int) -> tuple[float, int] | None:
    """(time, bytes so far) of the chunk that took the output past `threshold`, else None."""
    with proc._lock:
        total = 0
        for t, chunk in proc.chunks or ():
            total += len(chunk)
            if total >= threshold:
                return t, total
    return None
