"""A thread with an asyncio event loop of its own, and a way to await its coroutines from
another loop: what the terminal's engine port runs on, local or remote.

Standard library only: the remote port uses it in a terminal that never loads the engine.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import Awaitable, Callable, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class LoopThread:
    """Runs `main()` on a daemon thread's own event loop until `stop`.

    Args:
        name: the thread's name.
        main: the coroutine function to run; it receives an `asyncio.Event` set by `stop`, and
            should return once it is set (after its own clean-up).
    """

    def __init__(self, name: str, main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        self.name = name
        self._main = main
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self.crash: BaseException | None = None

    def start(self) -> None:
        """Start the thread and wait until its loop runs."""
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        self._ready.wait()

    @property
    def alive(self) -> bool:
        """True while the loop runs."""
        return self._thread is not None and self._thread.is_alive() and self.loop is not None

    def stop(self, timeout: float) -> bool:
        """Ask `main` to finish and wait up to `timeout` seconds; False if the thread lingers."""
        if self.loop is None or self._stopping is None or self._thread is None:
            return True
        try:
            self.loop.call_soon_threadsafe(self._stopping.set)
        except RuntimeError:  # the loop has already closed
            pass
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("thread %s did not stop within %.1f s", self.name, timeout)
            return False
        return True

    def submit(self, make: Callable[[], Awaitable[T]]) -> Future[T]:
        """Run the coroutine `make()` on this loop; its result as a concurrent future."""
        if not self.alive:
            raise RuntimeError(f"{self.name} is not running")
        return asyncio.run_coroutine_threadsafe(_await(make), self.loop)  # type: ignore[arg-type]

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Await the coroutine `make()`, run on this loop, from the caller's loop."""
        return await asyncio.wrap_future(self.submit(make))

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # kept for the starter; logged once
            self.crash = error
            log.exception("thread %s stopped", self.name)
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._ready.set()
        await self._main(self._stopping)


async def _await(make: Callable[[], Awaitable[T]]) -> T:
    return await make()
