"""The guard's socket: terminals attach here to an engine that outlives them.

One `GuardServer` serves one engine on one Unix socket (mode 0600, in a 0700 directory, and the
peer's user checked on every connection). It runs on the engine's own loop: a frame is encoded
once and each terminal gets the changes since the frame it last received; events go to every
terminal as they happen; commands are validated and carried out by `cockpit.engine.handling`.
A terminal that detaches, dies, sends garbage or cannot keep up changes nothing in the engine;
the journal records every attach and detach.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import struct
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.engine import handling
from cockpit.engine.core import Engine
from cockpit.engine.protocol import MAX_REQUEST, RECENT_EVENTS, VERSION, ProtocolError, guard_answers, read_message
from cockpit.model import MalformedReply
from cockpit.model import codec, patch
from cockpit.model.commands import COMMANDS, WatchPlots
from cockpit.model.events import Event, EventKind
from cockpit.model.frame import Frame

log = logging.getLogger(__name__)

#: A terminal whose unread output passes this is dropped (it reattaches with a full frame):
#: the engine never waits for a slow reader.
MAX_BACKLOG = 16 * 1024 * 1024

#: How long a new connection has to say hello.
HELLO_TIMEOUT = 5.0

class GuardRunning(Exception):
    """Another engine already serves this socket: one line naming it."""


@dataclass(eq=False)
class _Terminal:
    """One attached terminal."""

    writer: asyncio.StreamWriter
    pid: int
    readonly: str | None
    base: dict | None = None  # the encoded frame it last received (patches are against it)
    tasks: set = field(default_factory=set)
    watchers: set = field(default_factory=set)  # its plot watches (`WatchPlots`), dropped when it goes

    def write(self, message: dict) -> bool:
        """Queue one message; False (and the terminal is closed) when it cannot keep up."""
        if self.writer.is_closing():
            return False
        transport = self.writer.transport
        if transport.get_write_buffer_size() > MAX_BACKLOG:
            self.writer.close()
            return False
        self.writer.write(codec.dumps(message))
        return True


class GuardServer:
    """Serves `engine` to terminals on the Unix socket at `path`.

    Args:
        engine: the engine (its loop is the server's loop).
        path: the socket's path; its directory is created 0700.
    """

    def __init__(self, engine: Engine, path: Path) -> None:
        self.engine = engine
        self.path = Path(path)
        self._server: asyncio.AbstractServer | None = None
        self._terminals: set[_Terminal] = set()
        self._recent: deque[Event] = deque(maxlen=RECENT_EVENTS)
        self._unsubscribe: list = []

    @property
    def terminals(self) -> int:
        """How many terminals are attached now."""
        return len(self._terminals)

    async def start(self) -> None:
        """Listen; `GuardRunning` when another engine answers on the socket already."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.path.exists() or self.path.is_symlink():
            if guard_answers(self.path):  # a quick, blocking probe: nothing else runs yet
                raise GuardRunning(f"a guard already runs at {self.path} (attach to it: cockpit attach)")
            self.path.unlink()  # left by a guard that died: nobody answers on it
        old = os.umask(0o177)  # the socket is born 0600: no window where another user may connect
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.path), limit=MAX_REQUEST)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        self._unsubscribe = [self.engine.subscribe(self._on_frame), self.engine.on_event(self._on_event)]

    async def close(self) -> None:
        """Stop listening, say goodbye to every terminal and remove the socket."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self._server is not None:
            self._server.close()
        for terminal in list(self._terminals):
            terminal.write({"t": "bye", "reason": "the guard is stopping"})
            terminal.writer.close()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    # -- the engine's side -----------------------------------------------------------------

    def _on_frame(self, frame: Frame) -> None:
        if not self._terminals:
            return
        encoded = codec.encode(frame)
        patches: dict[int, dict] = {}  # by base: terminals that saw the same frame share one patch
        for terminal in list(self._terminals):
            if terminal.base is None:
                sent = terminal.write({"t": "frame", "frame": encoded})
            else:
                key = id(terminal.base)
                if key not in patches:
                    patches[key] = patch.frame_patch(terminal.base, encoded)
                sent = terminal.write({"t": "patch", "patch": patches[key]})
            if sent:
                terminal.base = encoded

    def _on_event(self, event: Event) -> None:
        self._recent.append(event)
        message = {"t": "event", "event": codec.encode(event)}
        for terminal in list(self._terminals):
            terminal.write(message)

    # -- a terminal's side ------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pid = -1
        terminal: _Terminal | None = None
        try:
            pid, uid = _peer(writer)
            if uid != os.getuid():
                writer.write(codec.dumps({"t": "error", "message": "refused: this guard serves its own user only"}))
                self.engine.journal.event("terminal_refused", self.engine.clock(), pid=pid, uid=uid)
                return
            hello = await asyncio.wait_for(reader.readline(), HELLO_TIMEOUT)
            readonly = _check_hello(hello)
            terminal = _Terminal(writer, pid, readonly)
            self._welcome(terminal)
            self._terminals.add(terminal)
            self.engine.emit(EventKind.TERMINAL, f"terminal attached (pid {pid}{', read-only' if readonly else ''})",
                             pid=str(pid), attached="yes")
            await self._read(terminal, reader)
        except ProtocolError as error:
            writer.write(codec.dumps({"t": "error", "message": str(error)}))
        except (asyncio.TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception as error:  # a terminal's trouble is never the guard's
            log.exception("serving terminal pid %s failed", pid)
            with contextlib.suppress(Exception):
                writer.write(codec.dumps({"t": "error", "message": f"guard: internal error ({type(error).__name__})"}))
        finally:
            if terminal is not None:
                self._terminals.discard(terminal)
                for task in terminal.tasks:
                    task.cancel()
                for watcher in terminal.watchers:
                    self.engine.plots.drop(watcher)
                self.engine.emit(EventKind.TERMINAL, f"terminal detached (pid {pid})", pid=str(pid), attached="no")
            with contextlib.suppress(Exception):
                writer.close()

    def _welcome(self, terminal: _Terminal) -> None:
        """The first message: who we are, the full frame (if any yet) and the recent events, in
        one line, so a terminal is whole the moment it is attached."""
        engine = self.engine
        terminal.base = codec.encode(engine.latest) if engine.latest is not None else None
        terminal.write({"t": "welcome", "version": VERSION, "pid": os.getpid(), "mode": engine.mode.value,
                        "readonly": engine.readonly, "where": f"guard pid {os.getpid()} at {self.path}",
                        "frame": terminal.base, "events": [codec.encode(e) for e in self._recent]})

    async def _read(self, terminal: _Terminal, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await reader.readline()
            except ValueError:  # longer than MAX_REQUEST: answered, then this terminal is closed
                terminal.write({"t": "error", "message": f"message longer than {MAX_REQUEST} bytes: closing"})
                return
            if not line:
                return
            try:
                message = read_message(line, "terminal")
                kind, rid = message.get("t"), message.get("id")
                if kind == "bye":
                    return
                if kind not in ("send", "preview") or not isinstance(rid, int):
                    raise ProtocolError(f"unknown request {str(kind)[:40]!r} (expected send or preview with an id)")
                command = codec.decode(message.get("command"))
                if not isinstance(command, COMMANDS):
                    raise ProtocolError(f"not a command: {type(command).__name__}")
            except (ProtocolError, MalformedReply) as error:
                terminal.write({"t": "error", "id": _id(line), "message": str(error)})
                continue
            task = asyncio.ensure_future(self._answer(terminal, kind, rid, command))
            terminal.tasks.add(task)
            task.add_done_callback(terminal.tasks.discard)

    async def _answer(self, terminal: _Terminal, kind: str, rid: int, command) -> None:
        try:
            if isinstance(command, WatchPlots):
                terminal.watchers.add(command.watcher)
            if kind == "send":
                result = await handling.send(self.engine, command, readonly=terminal.readonly)
            else:
                result = handling.preview(self.engine, command, readonly=terminal.readonly)
            terminal.write({"t": "result", "id": rid, "result": codec.encode(result)})
        except Exception as error:  # answered, never raised into the guard
            log.exception("command %r failed", command)
            terminal.write({"t": "error", "id": rid, "message": f"guard: {type(error).__name__} carrying out the command"})


def _check_hello(line: bytes) -> str | None:
    """This terminal's read-only reason (None: it may act) from its hello; ProtocolError if the
    hello is not one, or speaks another version."""
    try:
        hello = read_message(line, "terminal")
    except MalformedReply:
        raise ProtocolError("expected a hello message first") from None
    if hello.get("t") != "hello":
        raise ProtocolError("expected a hello message first")
    version = hello.get("version")
    if version != VERSION:
        raise ProtocolError(f"this guard speaks protocol {VERSION}, the terminal {version!r}: "
                            f"run the same cockpit version on both (pip install -U cockpit), then restart the guard")
    return "this terminal is read-only (--readonly)" if hello.get("readonly") else None


def _id(line: bytes) -> int | None:
    with contextlib.suppress(Exception):
        rid = json.loads(line).get("id")
        return rid if isinstance(rid, int) else None
    return None


def _peer(writer: asyncio.StreamWriter) -> tuple[int, int]:
    """The connecting process's pid and user id (SO_PEERCRED; the socket's own mode is the
    first wall, this the second)."""
    sock: socket.socket = writer.get_extra_info("socket")
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _gid = struct.unpack("3i", creds)
    return pid, uid
