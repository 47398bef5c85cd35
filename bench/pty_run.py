"""Run a command on a pseudo-terminal of a given size, as a person's terminal would.

The parent drains everything the child writes (counting bytes) so the child never blocks.
"""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import termios
import threading
import time


class PtyProcess:
    """A child process whose stdin/stdout/stderr are a pty of `cols` × `rows`."""

    def __init__(self, argv: list[str], *, cols: int = 120, rows: int = 40, env: dict | None = None) -> None:
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
