"""A fake `EngineAPI` for Pilot tests: the test decides when frames arrive, and sees every command.

Frames come from a real engine that no thread runs (the demo simulator with a frozen clock): the
test polls it by hand (`poll`) or pushes a frame it built (`push`, or by setting `latest`).
Commands are recorded in `sent` / `previewed` and answered by the engine's own command handling
over that engine, so a confirmed trim really reaches the simulated venue and its journal. An
unwind run's commands reach the engine's own run too: its driver runs on the test's event loop,
and `settle` waits until it has nothing in flight, then publishes the frame that shows it.
"""

from __future__ import annotations

import asyncio

from typing import Callable

from cockpit.engine import handling
from cockpit.engine.core import Engine
from cockpit.engine.listeners import Listeners
from cockpit.model import Frame
from cockpit.model.commands import RUN_COMMANDS, Command, CommandResult, Preview
from cockpit.model.unwind import RunState
from cockpit.model.events import Event


class FakeEngine:
    """An `EngineAPI` whose frames the test controls."""

    def __init__(self, backend: Engine, *, where: str = "fake engine") -> None:
        self.backend = backend
        self.where = where
        self.sent: list[Command] = []
        self.previewed: list[Command] = []
        self._frames: Listeners[Frame] = Listeners(_raise)
        self._events: Listeners[Event] = Listeners(_raise)
        backend.subscribe(self.push)
        backend.on_event(self._event)

    @property
    def latest(self) -> Frame | None:
        """The newest frame (the backend's)."""
        return self.backend.latest

    @latest.setter
    def latest(self, frame: Frame) -> None:
        # A frame a test built stands for the engine's state too: the engine answers commands
        # (an accepted cut) from its latest frame.
        self.backend.latest = frame

    def push(self, frame: Frame) -> None:
        """Hand `frame` to every subscriber, as an engine publishing it would."""
        self.backend.latest = frame
        self._frames.call(frame)

    def _event(self, event: Event) -> None:
        self._events.call(event)

    def subscribe(self, on_frame: Callable[[Frame], None]) -> Callable[[], None]:
        """See `EngineAPI.subscribe`."""
        return self._frames.add(on_frame)

    def on_event(self, on_event: Callable[[Event], None]) -> Callable[[], None]:
        """See `EngineAPI.on_event`."""
        return self._events.add(on_event)

    async def next_frame(self, timeout: float) -> Frame | None:
        """The newest frame (a fake never waits)."""
        return self.latest

    async def send(self, command: Command) -> CommandResult:
        """Record `command`; answer it as the engine would."""
        self.sent.append(command)
        result = await handling.send(self.backend, command)
        if isinstance(command, RUN_COMMANDS):
            self.backend.publish()  # as the engine's publisher would: the run changed
        return result

    async def preview(self, command: Command) -> Preview:
        """Record `command`; preview it as the engine would."""
        self.previewed.append(command)
        return handling.preview(self.backend, command)

    async def settle(self, timeout: float = 10.0) -> Frame:
        """Wait until the unwind run has no step in flight and waits for a person (or is over),
        then publish the frame that shows it."""
        flow = self.backend.unwind
        resting = (RunState.READY, RunState.WAITING, RunState.PAUSED, RunState.DONE, RunState.ABORTED)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            run = flow.run
            if not flow._active and (run is None or run.state in resting):
                break
            await asyncio.sleep(0.02)
        return self.backend.publish()

    async def poll(self) -> Frame:
        """Poll every account of the backend once and publish the frame (tests drive time)."""
        return await self.backend.poll_once()


def _raise(_callback, error: Exception) -> None:
    raise error  # in a test, a failing subscriber is the test's failure
