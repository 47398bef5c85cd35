"""`forever`: the resolver's, the heartbeat's and the backfill's loop; a failing step never ends it."""

from __future__ import annotations

import asyncio
import logging

import pytest

from cockpit.engine.loops import forever

log = logging.getLogger("tests.loops")


def _run(step, pause: float, *, paced: bool = False, turns: int = 4) -> list[float]:
    """The waits `forever` asked for over `turns` steps (a sleep that ends the loop after them)."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) >= turns:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(forever(step, pause, log, "the step", paced=paced, sleep=sleep))
    return waits


def test_a_failing_step_is_logged_and_the_loop_goes_on(caplog):
    calls = []

    async def step():
        calls.append(1)
        if len(calls) % 2:
            raise RuntimeError("adapter bug")

    with caplog.at_level(logging.ERROR, logger="tests.loops"):
        waits = _run(step, 0.5)
    assert len(calls) == 4 and waits == [0.5] * 4
    assert [r.getMessage() for r in caplog.records] == ["the step failed"] * 2 and caplog.records[0].exc_info


def test_a_paced_step_sets_its_own_wait_and_pause_follows_a_failure():
    answers = iter([2.0, RuntimeError("x"), 0.25, 7.0])

    async def step():
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a

    assert _run(step, 9.0, paced=True) == [2.0, 9.0, 0.25, 7.0]


def test_what_an_unpaced_step_returns_never_sets_the_wait():
    async def step():
        return True

    assert _run(step, 0.5, turns=2) == [0.5, 0.5]
