"""A session that runs for days keeps a bounded log: every fault and payment is logged, the last
`KEPT` are kept, and their numbers go on counting."""

from __future__ import annotations

import pytest

from cockpit.model import Unavailable
from cockpit.sim.events import KEPT, EventLog


def test_the_log_keeps_the_last_events_and_reads_on_by_number():
    log = EventLog(kept=5)
    for i in range(12):
        log.add(float(i), "fault", f"event {i + 1}")
    assert len(log) == 12  # every event logged is counted
    assert [e.seq for e in log.since(0)] == [8, 9, 10, 11, 12]
    assert [e.seq for e in log.since(10)] == [11, 12]
    assert [e.seq for e in log.since(3)] == [8, 9, 10, 11, 12]  # what was dropped is gone
    assert log.since(12) == ()
    assert log.add(12.0, "fault", "event 13").seq == 13


async def test_a_session_failing_every_call_keeps_a_bounded_log(session, venue_of):
    world = session.world
    world.faults.rate, world.faults.kinds = 1.0, ("server_error",)
    venue = venue_of(session, "okx")
    calls = KEPT + 500
    for _ in range(calls):
        with pytest.raises(Unavailable):
            await venue.snapshot()
    assert len(world.log) >= calls
    kept = world.log.since(0)
    assert len(kept) == KEPT and kept[-1].seq == len(world.log)
    assert kept[-1].kind == "fault" and "okx" in kept[-1].text
