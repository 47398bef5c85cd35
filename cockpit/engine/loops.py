"""The engine's background loops: a step, a pause, forever, and a failing step never ends one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


async def forever(step: Callable[[], Awaitable], pause: float, log: logging.Logger, what: str, *,
                  paced: bool = False, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
    """Await `step()`, then wait `pause` seconds (or, when `paced`, the seconds the step returned),
    until cancelled. A step's exception is logged ("<what> failed", with its traceback), the
    wait after it is `pause`, and the loop goes on: an adapter bug must never end a task the
    engine relies on (the order resolver, the dead-man's heartbeat, the funding backfill)."""
    while True:
        wait = pause
        try:
            result = await step()
            if paced:
                wait = result
        except Exception:  # logged: the loop outlives any one step
            log.exception("%s failed", what)
        await sleep(wait)
