"""Waiting in tests for something another thread or process does: polled, bounded, and said."""

from __future__ import annotations

import asyncio
import time
from typing import Callable, TypeVar

T = TypeVar("T")


def until(check: Callable[[], T], timeout: float = 5.0, what: str = "the condition") -> T:
    """`check()`'s first truthy value, polled until `timeout` seconds have passed; an
    AssertionError naming `what` after that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


async def until_async(check: Callable[[], T], timeout: float = 5.0, what: str = "the condition",
                      every: float = 0.02) -> T:
    """`until` for a test whose subject runs on the test's own event loop: polled with awaits,
    so that loop keeps running while it waits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        await asyncio.sleep(every)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
