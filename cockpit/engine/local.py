"""`LocalEngine`: the engine in this process, on its own thread and event loop.

Rendering runs on the terminal's loop and the engine on this one, so a slow paint never delays a
poll or the kill switch, and an exception in the UI never stops them. Commands cross over with
`run_coroutine_threadsafe`; frames and events come back through the subscribers' callbacks,
called on the engine's thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import Awaitable, Callable, TypeVar

from cockpit.engine import handling
from cockpit.engine.core import Engine
from cockpit.model import Mode
from cockpit.model.commands import Command, CommandResult, Preview
from cockpit.model.events import Event
from cockpit.model.frame import Frame

log = logging.getLogger(__name__)
T = TypeVar("T")

#: How long `stop` waits for the engine's tasks to end before it gives up on the thread.
STOP_TIMEOUT = 5.0


class LocalEngine:
    """An `EngineAPI` over an `Engine` that runs on a thread of its own.

    Args:
        engine: the engine to run; nothing else may use it once `start` is called.
        readonly: this terminal's own reason to refuse orders (None: the engine decides).
        where: how the status line names this engine.
    """

    def __init__(self, engine: Engine, *, readonly: str | None = None, where: str = "in this terminal") -> None:
        self.engine = engine
        self.readonly = readonly
        self._where = where
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._first = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._crash: BaseException | None = None
        self._frames: list[Callable[[Frame], None]] = []
        engine.subscribe(self._on_frame)

    # -- lifecycle (the program's, never the UI's) ----------------------------------------

    def start(self, *, first_frame_timeout: float = 2.0) -> None:
        """Start the engine's thread; on the simulator, wait for its first frame (it answers at
        once), so the first paint has data."""
        self._thread = threading.Thread(target=self._run, name="cockpit-engine", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._crash is not None:
            raise self._crash
        if self.engine.mode is Mode.SIM:
            self._first.wait(first_frame_timeout)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the pollers, close the venues and end the thread."""
        loop, stopped = self._loop, self._stopped
        if loop is None or stopped is None or self._thread is None:
            return
        loop.call_soon_threadsafe(stopped.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("the engine's thread did not stop within %.1f s", timeout)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # said once; the terminal shows the engine stopped
            self._crash = error
            self._ready.set()
            log.exception("the engine's thread stopped")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self._ready.set()
        try:
            if self.engine.mode is Mode.SIM and self.engine.latest is None:
                await self.engine.poll_once()
            self.engine.start()
            await self._stopped.wait()
        finally:
            await self.engine.stop()

    # -- EngineAPI ------------------------------------------------------------------------

    @property
    def latest(self) -> Frame | None:
        """The newest frame (None before the first)."""
        return self.engine.latest

    @property
    def where(self) -> str:
        """Where the engine runs."""
        return self._where

    def subscribe(self, on_frame: Callable[[Frame], None]) -> Callable[[], None]:
        """Call `on_frame(frame)` on the engine's thread for every new frame."""
        return self.engine.subscribe(on_frame)

    def on_event(self, on_event: Callable[[Event], None]) -> Callable[[], None]:
        """Call `on_event(event)` on the engine's thread for every event."""
        return self.engine.on_event(on_event)

    async def next_frame(self, timeout: float) -> Frame | None:
        """The newest frame, waiting up to `timeout` seconds for the first."""
        if self.engine.latest is None:
            await asyncio.get_running_loop().run_in_executor(None, self._first.wait, timeout)
        return self.engine.latest

    async def send(self, command: Command) -> CommandResult:
        """Carry out `command` on the engine's loop."""
        return await self._call(lambda: handling.send(self.engine, command, readonly=self.readonly))

    async def preview(self, command: Command) -> Preview:
        """Preview `command` on the engine's loop (the engine's state is read there only)."""
        async def ask() -> Preview:
            return handling.preview(self.engine, command, readonly=self.readonly)

        return await self._call(ask)

    # -- plumbing -------------------------------------------------------------------------

    def _on_frame(self, _frame: Frame) -> None:
        self._first.set()

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run the coroutine `make()` on the engine's loop and await its answer here."""
        loop = self._loop
        if loop is None or self._thread is None or not self._thread.is_alive():
            raise RuntimeError("the engine is not running")
        future: Future[T] = asyncio.run_coroutine_threadsafe(_call(make), loop)
        return await asyncio.wrap_future(future)


async def _call(make: Callable[[], Awaitable[T]]) -> T:
    return await make()
