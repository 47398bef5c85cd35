"""`EngineAPI`: the one port between a terminal and the engine.

A terminal sees the engine only through this: a stream of Frames, a stream of Events,
`send(Command)` and `preview(Command)`. It never starts, polls or stops the engine, never builds
an intent and never reads the engine's internals. Two implementations: `LocalEngine` (the engine
in this process, on its own thread and event loop) and `RemoteEngine` (a guard's engine, over its
Unix socket). Tests of the UI use a fake.

This module imports the model only, so an attached terminal loads neither numpy, nor risk, nor
the simulator.
"""

from __future__ import annotations

from typing import Callable, Protocol, runtime_checkable

from cockpit.model.commands import Command, CommandResult, Preview
from cockpit.model.events import Event
from cockpit.model.frame import Frame


@runtime_checkable
class EngineAPI(Protocol):
    """What a terminal may ask of an engine, wherever it runs.

    Callbacks may be called from another thread than the subscriber's (the local engine calls
    them on its own thread): a Textual subscriber posts a message, which is thread-safe.
    """

    @property
    def latest(self) -> Frame | None:
        """The newest frame (None before the first)."""

    @property
    def where(self) -> str:
        """Where the engine runs, for the status line and `?` ("in this terminal", "guard ...")."""

    def subscribe(self, on_frame: Callable[[Frame], None]) -> Callable[[], None]:
        """Call `on_frame(frame)` on every new frame; returns a function that unsubscribes."""

    def on_event(self, on_event: Callable[[Event], None]) -> Callable[[], None]:
        """Call `on_event(event)` on every event; returns a function that unsubscribes."""

    async def next_frame(self, timeout: float) -> Frame | None:
        """The newest frame, waiting up to `timeout` seconds for the first one."""

    async def send(self, command: Command) -> CommandResult:
        """Carry out `command` (validated by the engine) and answer what happened."""

    async def preview(self, command: Command) -> Preview:
        """What `command` would do now, or why it is refused; nothing is sent."""
