"""`RemoteEngine`: a guard's engine, reached over its Unix socket.

The terminal's side of `cockpit.engine.protocol`. It runs on a thread of its own (as the local
engine does), rebuilds each frame from the guard's patches, and hands frames and events to the
subscribers. When the guard goes away it says so (an event), keeps the last frame on screen,
marked, and reattaches as soon as a guard answers again.

It imports the model and the standard library only: an attached terminal loads neither numpy,
nor risk, nor the simulator.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from cockpit.engine.listeners import Listeners
from cockpit.engine.loopthread import LoopThread
from cockpit.engine.protocol import MAX_REPLY, VERSION, ProtocolError, read_message
from cockpit.model import MalformedReply
from cockpit.model import codec, patch
from cockpit.model.commands import ORDER_COMMANDS, Command, CommandResult, Preview, Refused
from cockpit.model.events import Event, EventKind, Severity
from cockpit.model.frame import Frame

log = logging.getLogger(__name__)

#: Seconds between attempts to reattach after the guard went away.
RETRY = 1.0

#: How long a command may wait for the guard's answer before it is reported unknown.
ANSWER_TIMEOUT = 30.0


class NoGuard(Exception):
    """No guard answers on the socket: one line naming it and what to do."""


class RemoteEngine:
    """An `EngineAPI` over a guard's socket.

    Args:
        path: the guard's socket.
        readonly: this terminal may look but not act (`cockpit --readonly`).
    """

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.welcome: dict = {}
        self.events: list[Event] = []  # the guard's recent events, then every event since
        self._latest: Frame | None = None
        self._frame: Frame | None = None  # the guard's newest frame, as received (patches apply to it)
        self._frames: Listeners[Frame] = Listeners(_failed)
        self._listeners: Listeners[Event] = Listeners(_failed)
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._attached = threading.Event()
        self._error: BaseException | None = None
        self._thread = LoopThread("cockpit-remote", self._main)
        self._seq = 0

    # -- lifecycle (the program's) ----------------------------------------------------------

    def attach(self, timeout: float = 5.0) -> None:
        """Connect, shake hands and receive the first frame; `NoGuard` or `ProtocolError`
        (one line each) when that fails."""
        self.begin()
        self.wait(timeout)

    def begin(self) -> None:
        """Start connecting on this port's thread, and return at once (`wait` for the outcome):
        a terminal loads its screens meanwhile, while the guard sends its frame."""
        self._thread.start()

    def wait(self, timeout: float = 5.0) -> None:
        """Wait for what `begin` started: attached with the first frame, or `NoGuard` or
        `ProtocolError` (one line each)."""
        if not self._attached.wait(timeout):
            self._thread.stop(1.0)
            raise NoGuard(f"the guard at {self.path} did not answer within {timeout:g} s")
        if self._error is not None:
            self._thread.stop(1.0)
            raise self._error

    def detach(self) -> None:
        """Say goodbye and stop (the guard carries on)."""
        self._thread.stop(2.0)

    async def _main(self, stopping: asyncio.Event) -> None:
        first = True
        refused: str | None = None  # the last refusal told (a reattach at another version)
        while not stopping.is_set():
            try:
                reader = await self._connect()
            except (NoGuard, ProtocolError) as error:
                if first:
                    self._error = error
                    self._attached.set()
                    return
                if isinstance(error, ProtocolError) and str(error) != refused:
                    # a guard restarted at another version: say why once, not "reattaching" forever
                    refused = str(error)
                    self._tell(EventKind.GUARD, f"cannot reattach: {refused}", Severity.CRITICAL)
                await _sleep_or(stopping, RETRY)
                continue
            refused = None
            if not first:
                self._tell(EventKind.GUARD, f"reattached to the guard at {self.path}", Severity.INFO)
            first = False
            self._attached.set()
            reading = asyncio.ensure_future(self._read(reader))
            stop = asyncio.ensure_future(stopping.wait())
            await asyncio.wait({reading, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if stopping.is_set():
                await self._bye()
                reading.cancel()
                return
            why = reading.exception() if not reading.cancelled() else None
            self._lost(why)
            await _sleep_or(stopping, RETRY)

    async def _connect(self) -> asyncio.StreamReader:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_unix_connection(str(self.path), limit=MAX_REPLY), 2.0)
        except (FileNotFoundError, ConnectionRefusedError):
            raise NoGuard(f"no guard is running at {self.path} (start one: cockpit guard)") from None
        except (OSError, asyncio.TimeoutError) as error:
            raise NoGuard(f"cannot reach the guard at {self.path}: {error}") from None
        writer.write(codec.dumps({"t": "hello", "version": VERSION, "pid": os.getpid(), "readonly": self.readonly}))
        line = await asyncio.wait_for(reader.readline(), 5.0)
        try:
            welcome = read_message(line, "guard") if line else {"t": "error", "message": "the guard closed the connection"}
        except MalformedReply:
            raise ProtocolError(f"{self.path} does not speak the guard's protocol") from None
        if welcome.get("t") != "welcome":
            writer.close()
            raise ProtocolError(f"guard at {self.path}: {welcome.get('message', 'no welcome')}")
        frame, events = welcome.pop("frame", None), welcome.pop("events", [])
        self.welcome = welcome
        self._writer = writer
        self._frame = None
        if not self.events:  # a reattach does not repeat what was already told
            for event in events if isinstance(events, list) else ():
                self._event(codec.decode(event))
        if frame is not None:
            self._publish(codec.decode(frame))
        return reader

    async def _bye(self) -> None:
        if self._writer is not None:
            try:
                self._writer.write(codec.dumps({"t": "bye"}))
                await asyncio.wait_for(self._writer.drain(), 1.0)
            except (OSError, asyncio.TimeoutError):
                pass
            self._writer.close()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while True:
            line = await reader.readline()
            if not line:
                raise ConnectionError("the guard closed the connection")
            message = read_message(line, "guard")
            kind = message.get("t")
            if kind == "frame":
                self._publish(codec.decode(message["frame"]))
            elif kind == "patch":
                if self._frame is None:
                    raise ProtocolError("a patch before any frame")
                # Only what changed is decoded; unchanged rows stay the same objects.
                self._publish(patch.patch_frame(self._frame, message["patch"]))
            elif kind == "event":
                self._event(codec.decode(message["event"]))
            elif kind == "result":
                self._answer(message.get("id"), codec.decode(message["result"]))
            elif kind == "error":
                self._refused(message.get("id"), str(message.get("message", "")))
            elif kind == "bye":
                raise ConnectionError(str(message.get("reason", "the guard said goodbye")))

    # -- what arrives -----------------------------------------------------------------------

    def _publish(self, frame: Frame) -> None:
        self._frame = frame
        if self.readonly and not frame.readonly:
            frame = replace(frame, readonly=True)  # this terminal may look but not act: say so
        self._show(frame)

    def _show(self, frame: Frame) -> None:
        self._latest = frame
        self._frames.call(frame)

    def _event(self, event: Event) -> None:
        self.events.append(event)
        del self.events[:-200]
        self._listeners.call(event)

    def _waiter(self, rid) -> asyncio.Future | None:
        """The request `rid` still waiting for its answer (None: an answer to nothing we asked)."""
        future = self._waiting.pop(rid, None) if isinstance(rid, int) else None
        return future if future is not None and not future.done() else None

    def _answer(self, rid, result) -> None:
        future = self._waiter(rid)
        if future is not None:
            future.set_result(result)

    def _refused(self, rid, text: str) -> None:
        future = self._waiter(rid)
        if future is not None:
            future.set_exception(ProtocolError(text))
        else:
            self._tell(EventKind.GUARD, f"guard: {text}", Severity.WARNING)

    def _lost(self, why: BaseException | None) -> None:
        self._writer = None
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ConnectionError("the guard went away before answering"))
        self._waiting.clear()
        reason = f": {why}" if why else ""
        self._tell(EventKind.GUARD, f"lost the guard at {self.path}{reason} — reattaching; "
                                    f"the screen shows its last frame", Severity.CRITICAL)
        if self._latest is not None:
            note = f"lost the guard{reason}: showing its last frame, reattaching"
            self._show(replace(self._latest, notices=self._latest.notices + (note,), lost=note))

    def _tell(self, kind: EventKind, text: str, severity: Severity) -> None:
        self._seq -= 1  # the terminal's own events count down, apart from the guard's
        self._event(Event(seq=self._seq, time=time.time(), kind=kind, text=text, severity=severity))

    # -- EngineAPI ------------------------------------------------------------------------

    @property
    def latest(self) -> Frame | None:
        """The newest frame received."""
        return self._latest

    @property
    def where(self) -> str:
        """Where the engine runs: the guard's own description."""
        return str(self.welcome.get("where", f"guard at {self.path}"))

    def subscribe(self, on_frame: Callable[[Frame], None]) -> Callable[[], None]:
        """Call `on_frame(frame)` (on this port's thread) for every frame."""
        return self._frames.add(on_frame)

    def on_event(self, on_event: Callable[[Event], None]) -> Callable[[], None]:
        """Call `on_event(event)` (on this port's thread) for every event."""
        return self._listeners.add(on_event)

    async def next_frame(self, timeout: float) -> Frame | None:
        """The newest frame (attach waits for the first)."""
        return self._latest

    async def send(self, command: Command) -> CommandResult:
        """Send `command` to the guard and await its answer."""
        if self.readonly and isinstance(command, ORDER_COMMANDS):
            return CommandResult(False, "this terminal is read-only (--readonly)")
        try:
            return await self._thread.call(lambda: self._request("send", command))
        except (ProtocolError, ConnectionError, RuntimeError, asyncio.TimeoutError) as error:
            return CommandResult(False, f"not sent: {error or type(error).__name__}")

    async def preview(self, command: Command) -> Preview:
        """Ask the guard what `command` would do."""
        try:
            return await self._thread.call(lambda: self._request("preview", command))
        except (ProtocolError, ConnectionError, RuntimeError, asyncio.TimeoutError) as error:
            return Refused(f"the guard cannot answer: {error or type(error).__name__}")

    async def _request(self, kind: str, command: Command):
        if self._writer is None:
            raise ConnectionError("not attached to the guard (reattaching)")
        rid = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        self._writer.write(codec.dumps({"t": kind, "id": rid, "command": codec.encode(command)}))
        try:
            return await asyncio.wait_for(future, ANSWER_TIMEOUT)
        finally:
            self._waiting.pop(rid, None)


async def _sleep_or(stopping: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except asyncio.TimeoutError:
        pass


def _failed(callback, error: Exception) -> None:
    # One broken subscriber never starves the others; its error is logged.
    log.error("listener %r failed", callback, exc_info=error)
