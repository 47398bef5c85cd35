"""A fake `EngineAPI` for Pilot tests: the test decides when frames arrive, and sees every command.

Frames come from a real engine that no thread runs (the demo simulator with a frozen clock): the
test polls it by hand (`poll`) or pushes a frame it built (`push`, or by setting `latest`).
Commands are recorded in `sent` / `previewed` and answered by the engine's own command handling
over that engine, so a confirmed trim really reaches the simulated venue and its journal.
"""

from __future__ import annotations

from typing import Callable

from cockpit.engine import handling
from cockpit.engine.core import Engine
from cockpit.engine.listeners import Listeners
from cockpit.model import Frame
from cockpit.model.commands import Command, CommandResult, Preview
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
        return await handling.send(self.backend, command)

    async def preview(self, command: Command) -> Preview:
        """Record `command`; preview it as the engine would."""
        self.previewed.append(command)
        return handling.preview(self.backend, command)

    async def poll(self) -> Frame:
        """Poll every account of the backend once and publish the frame (tests drive time)."""
        return await self.backend.poll_once()


def _raise(_callback, error: Exception) -> None:
    raise error  # in a test, a failing subscriber is the test's failure
