"""`LocalEngine`: the engine in this process, on its own thread and event loop.

Rendering runs on the terminal's loop and the engine on this one, so a slow paint never delays a
poll or the kill switch, and an exception in the UI never stops them. Commands cross over with
`run_coroutine_threadsafe`; frames and events come back through the subscribers' callbacks,
called on the engine's thread.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Callable

from cockpit.engine import handling
from cockpit.engine.core import Engine
from cockpit.engine.loopthread import LoopThread
from cockpit.model import Mode
from cockpit.model.commands import Command, CommandResult, Preview
from cockpit.model.events import Event
from cockpit.model.frame import Frame

#: How long `stop` waits for the engine's tasks to end before it gives up on the thread.
STOP_TIMEOUT = 5.0


class LocalEngine:
    """An `EngineAPI` over an `Engine` that runs on a thread of its own.

    Args:
        engine: the engine to run; nothing else may use it once `start` is called.
        serve: also serve the engine on this socket, so that other terminals attach to it.
        alerter: the engine's alert sender (see `cockpit.engine.alerts`), closed with it.
    """

    def __init__(self, engine: Engine, *, serve: Path | None = None, alerter=None) -> None:
        self.engine = engine
        self.alerter = alerter
        self._serve = serve
        self.server = None
        self._first = threading.Event()
        self._thread = LoopThread("cockpit-engine", self._main)
        engine.subscribe(self._on_frame)

    # -- lifecycle (the program's, never the UI's) ----------------------------------------

    def start(self, *, first_frame_timeout: float = 2.0) -> None:
        """Start the engine's thread; on the simulator, wait for its first frame (it answers at
        once), so the first paint has data. Raises what stopped the engine from starting (a
        socket another guard holds: `GuardRunning`)."""
        self._thread.start()
        if self._thread.crash is not None:
            raise self._thread.crash
        if self.engine.mode is Mode.SIM:
            self._first.wait(first_frame_timeout)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the pollers, close the venues, the socket and the journal, and end the thread."""
        self._thread.stop(timeout)
        if self.alerter is not None:
            self.alerter.close()
        self.engine.journal.close()  # lets another engine have it (its lock goes with it)

    async def _main(self, stopping: asyncio.Event) -> None:
        if self._serve is not None:
            from cockpit.engine.server import GuardServer

            self.server = GuardServer(self.engine, self._serve)
            await self.server.start()
        try:
            if self.engine.mode is Mode.SIM and self.engine.latest is None:
                await self.engine.poll_once()
            self.engine.start()
            await stopping.wait()
        finally:
            if self.server is not None:
                await self.server.close()
            await self.engine.stop()

    # -- EngineAPI ------------------------------------------------------------------------

    @property
    def latest(self) -> Frame | None:
        """The newest frame (None before the first)."""
        return self.engine.latest

    @property
    def where(self) -> str:
        """Where the engine runs."""
        return "in this terminal"

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
        return await self._thread.call(lambda: handling.send(self.engine, command))

    async def preview(self, command: Command) -> Preview:
        """Preview `command` on the engine's loop (the engine's state is read there only)."""
        async def ask() -> Preview:
            return handling.preview(self.engine, command)

        return await self._thread.call(ask)

    def _on_frame(self, _frame: Frame) -> None:
        self._first.set()
