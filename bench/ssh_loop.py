"""A real SSH session on loopback, both ends in Python (asyncssh): a terminal reached as a person
reaches it from a laptop, for the detach tests and the bytes-over-SSH figure.

`LoopbackSSH` is an SSH server on 127.0.0.1 (port 0, a host key generated per run, one generated
client key authorised) that does what sshd does with a session: it runs the requested command as
the leader of a new session whose controlling terminal is a pty of the requested type and size,
copies bytes both ways, and when the connection goes, closes the pty's master, so the kernel
hangs the terminal up (SIGHUP to the command). `open_terminal` is the client's side: it connects
(the host key checked), asks for a pty and runs a command, and counts what arrives, second by
second. A relay in front of the server counts the bytes on the wire too (SSH framing and
encryption included).

asyncssh is a test dependency (the `test` extra), imported here only.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shlex
import struct
import subprocess
import termios
import time
from dataclasses import dataclass, field

import asyncssh

from bench.pty_run import controlling_tty


class _PtySession(asyncssh.SSHServerSession):
    """One SSH session: its command on a pty, bytes copied both ways, hung up with the connection."""

    def __init__(self, server: "LoopbackSSH") -> None:
        self.server = server
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term = ("dumb", 80, 24)
        self.command: str | None = None
        self.master: int | None = None
        self.proc: subprocess.Popen | None = None

    def connection_made(self, chan) -> None:
        self.chan = chan

    def pty_requested(self, term_type, term_size, term_modes) -> bool:
        self.term = (term_type, term_size[0], term_size[1])
        return True

    def exec_requested(self, command: str) -> bool:
        self.command = command
        return True

    def shell_requested(self) -> bool:
        return False  # only commands: the tests and the bench say what they run

    def session_started(self) -> None:
        term, cols, rows = self.term
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {**self.server.env, "TERM": term}
        self.proc = subprocess.Popen(shlex.split(self.command or ""), stdin=slave, stdout=slave, stderr=slave,
                                     env=env, close_fds=True, start_new_session=True,
                                     preexec_fn=controlling_tty)
        os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        self.server.children.append(self.proc)
        asyncio.get_running_loop().add_reader(master, self._pty_readable)

    def _pty_readable(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: the command has ended and closed the slave
            data = b""
        if data:
            self.chan.write(data)
            return
        self._hang_up()
        try:
            code = self.proc.wait(5)  # it closed the terminal: it is ending
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.chan.exit(code if code >= 0 else 128 - code)  # killed by signal N: 128 + N, as a shell says

    def data_received(self, data, datatype) -> None:
        if self.master is not None:
            os.write(self.master, data)

    def terminal_size_changed(self, width, height, pixwidth, pixheight) -> None:
        if self.master is not None:
            fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))

    def connection_lost(self, exc) -> None:
        self._hang_up()

    def _hang_up(self) -> None:
        """Close the pty's master, as sshd does when its session ends: the kernel then sends
        SIGHUP to the command, the leader of the terminal's session."""
        if self.master is None:
            return
        asyncio.get_running_loop().remove_reader(self.master)
        os.close(self.master)
        self.master = None


class _Server(asyncssh.SSHServer):
    """Every session a `_PtySession` (public-key authentication is asyncssh's, against the
    one authorised key)."""

    def __init__(self, owner: "LoopbackSSH") -> None:
        self.owner = owner

    def session_requested(self) -> _PtySession:
        return _PtySession(self.owner)


@dataclass
class LoopbackSSH:
    """An SSH server on 127.0.0.1 whose sessions run their command on a pty with `env`.

    Attributes:
        env: the environment every command gets (TERM comes from the client's pty request).
        children: every command started, in order (the test kills what is left).
        port: the relay's port, where clients connect (the server's own is behind it).
        wire: bytes the server sent to clients, counted at the relay, with their time.
    """

    env: dict[str, str]
    children: list[subprocess.Popen] = field(default_factory=list)
    port: int = 0
    wire: list[tuple[float, int]] = field(default_factory=list)

    async def start(self) -> None:
        """Generate the keys, listen (port 0), and put the counting relay in front."""
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = asyncssh.generate_private_key("ssh-ed25519")
        authorized = asyncssh.import_authorized_keys(self.client_key.export_public_key().decode())
        self._acceptor = await asyncssh.listen("127.0.0.1", 0, server_host_keys=[self.host_key],
                                               authorized_client_keys=authorized,
                                               server_factory=lambda: _Server(self),
                                               encoding=None, line_editor=False)  # bytes, as sshd
        inner = self._acceptor.sockets[0].getsockname()[1]
        self._pipes: set[asyncio.Task] = set()
        self._relay = await asyncio.start_server(lambda r, w: self._pipe(r, w, inner), "127.0.0.1", 0)
        self.port = self._relay.sockets[0].getsockname()[1]

    async def _pipe(self, reader, writer, inner: int) -> None:
        self._pipes.add(asyncio.current_task())
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", inner)
        except OSError:
            writer.close()
            return

        async def copy(src, dst, count: bool) -> None:
            try:
                while data := await src.read(65536):
                    if count:
                        self.wire.append((time.monotonic(), len(data)))
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        try:
            await asyncio.gather(copy(reader, up_w, False), copy(up_r, writer, True))
        except asyncio.CancelledError:
            pass  # `close`: ends quietly (asyncio would log a cancelled connection task)

    async def connect(self) -> asyncssh.SSHClientConnection:
        """A client connection, the server's host key checked against the one generated."""
        return await asyncssh.connect("127.0.0.1", self.port, username="trader",
                                      known_hosts=([self.host_key.convert_to_public()], [], []),
                                      client_keys=[self.client_key], agent_path=None,
                                      config=None, preferred_auth="publickey")

    async def close(self) -> None:
        """Stop listening and kill any command still running."""
        self._acceptor.close()
        self._relay.close()
        for task in self._pipes:
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        for child in self.children:
            if child.poll() is None:
                child.kill()
                child.wait(5)


class Screen(asyncssh.SSHClientSession):
    """The client's terminal: what arrived, with when (monotonic), and whether it has closed."""

    def __init__(self) -> None:
        self.chunks: list[tuple[float, bytes]] = []
        self.closed = asyncio.Event()
        self.exit_status: int | None = None

    def data_received(self, data, datatype) -> None:
        self.chunks.append((time.monotonic(), data))

    def exit_status_received(self, status: int) -> None:
        self.exit_status = status

    def connection_lost(self, exc) -> None:
        self.closed.set()

    @property
    def written(self) -> int:
        """Bytes received so far."""
        return sum(len(c) for _, c in self.chunks)

    def text(self) -> str:
        """Everything received, as text (escape sequences included)."""
        return b"".join(c for _, c in self.chunks).decode("utf-8", "replace")

    async def until(self, nbytes: int, timeout: float) -> float:
        """Wait until `nbytes` have arrived; the time of the chunk that brought them."""
        deadline = time.monotonic() + timeout
        while True:
            total = 0
            for when, chunk in self.chunks:
                total += len(chunk)
                if total >= nbytes:
                    return when
            if self.closed.is_set() or time.monotonic() > deadline:
                raise RuntimeError(f"{total} bytes within {timeout:g}s, expected {nbytes} "
                                   f"(exit status {self.exit_status}): {self.text()[-300:]!r}")
            await asyncio.sleep(0.02)


async def open_terminal(conn: asyncssh.SSHClientConnection, command: str, *, cols: int = 120,
                        rows: int = 40) -> tuple[asyncssh.SSHClientChannel, Screen]:
    """Run `command` over `conn` on a pty (xterm-256color, `cols` × `rows`), as `ssh -t` does."""
    return await conn.create_session(Screen, command, term_type="xterm-256color", term_size=(cols, rows),
                                     encoding=None)
