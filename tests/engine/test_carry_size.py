"""The carry scanner's size: a command the engine validates and then prices the scanner at; it
sends nothing, so a read-only engine accepts it too."""

from __future__ import annotations

import asyncio
import math

import pytest

from cockpit.engine import handling
from cockpit.engine.demo import demo_engine
from cockpit.model.commands import SetCarrySize

FROZEN = 1_780_000_000.0


def test_the_next_frame_prices_the_scanner_at_the_size_sent():
    engine = demo_engine(seed=7, clock=lambda: FROZEN)
    frame = asyncio.run(engine.poll_once())
    assert frame.assessment.carry.size == 100_000.0  # the setting's default
    assert frame.assessment.carry.pairs  # the demo quotes assets on several venues
    result = asyncio.run(handling.send(engine, SetCarrySize(250_000.0)))
    assert result.ok and "250,000" in result.message
    assert asyncio.run(engine.poll_once()).assessment.carry.size == 250_000.0


def test_a_read_only_engine_accepts_it_and_sends_nothing():
    engine = demo_engine(seed=7, clock=lambda: FROZEN, readonly=True)
    asyncio.run(engine.poll_once())
    assert asyncio.run(handling.send(engine, SetCarrySize(50_000.0))).ok
    assert engine.journal.rows() == []


@pytest.mark.parametrize("size", [0, -5.0, 999.0, 2e9, math.nan, math.inf, True, "100000"])
def test_a_size_outside_1k_to_1bn_is_refused_naming_the_field(size):
    engine = demo_engine(seed=7, clock=lambda: FROZEN)
    asyncio.run(engine.poll_once())
    result = asyncio.run(handling.send(engine, SetCarrySize(size)))
    assert not result.ok and result.message.startswith("carry size: must be")
    assert asyncio.run(engine.poll_once()).assessment.carry.size == 100_000.0


def test_a_terminal_attached_to_a_guard_sets_it_read_only_too_and_every_terminal_sees_it():
    """Over the guard's socket: the size travels as a command, and the frames every attached
    terminal gets are priced at it."""
    from cockpit.engine.local import LocalEngine
    from cockpit.engine.protocol import default_socket
    from cockpit.engine.remote import RemoteEngine
    from tests.waiting import until

    guard = LocalEngine(demo_engine(seed=7, clock=lambda: FROZEN), serve=default_socket())
    guard.start()
    one, two = RemoteEngine(default_socket(), readonly=True), RemoteEngine(default_socket())
    try:
        one.attach()
        two.attach()
        result = asyncio.run(one.send(SetCarrySize(500_000.0)))
        assert result.ok, result.message
        until(lambda: two.latest.assessment.carry.size == 500_000.0)
        assert guard.engine.journal.rows() == []
    finally:
        one.detach()
        two.detach()
        guard.stop()
