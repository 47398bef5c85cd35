"""An unwind run's orders after an unknown outcome or a restart: found by the crash drill
(bench/bench_unwind_restart.py) and fixed.

* An intent already journaled is that order: resubmitting it (a step resumed after a restart) looks
  it up, it is not refused as "already being closed" by its own row in flight.
* A step whose order never reached the venue (two look-ups a grace apart found nothing, the resend
  too) is replanned under the next attempt's ids and reaches its target, instead of ending FAILED
  with the position still open.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from cockpit.engine import Engine, EngineSettings
from cockpit.engine.executor import client_order_id
from cockpit.engine.handling import send
from cockpit.engine.journal import ABSENT, Journal
from cockpit.model import OrderStatus, PositionKey, RateLimited, Side
from cockpit.model.commands import ResumeRun, StartUnwind, Trim, trim_intent
from cockpit.model.unwind import RunMode, StepKind, StepStatus, TargetKind, UnwindTarget
from cockpit.sim import build_demo
from tests.engine.fakes import Clock, account, position
from tests.engine.test_unknown_orders import ETH, LaggyVenue, make, run_for


async def test_a_journaled_intent_in_flight_is_looked_up_not_refused_by_its_own_row(tmp_path):
    clock = Clock()
    path = tmp_path / "journal.sqlite"
    venue = LaggyVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")},
                       land_at=None, lookups_fail_until=clock.now + 3600)
    first = make(clock, venue, Journal(path))
    await first.poll_once()
    intent = trim_intent(Trim(PositionKey("a", ETH), 1.0))
    assert (await first.submit(intent)).status is OrderStatus.UNKNOWN
    first.journal.close()
    venue.lookups_fail_until = 0.0  # "restart": look-ups answer, the order has not landed (yet)
    second = make(clock, venue, Journal(path))
    await second.poll_once()
    assert second.journal.in_flight("a", ETH) == Decimal("2")  # its own row, in flight
    again = await second.submit(intent)  # the resumed step: the same order, never sized again
    assert again.client_id == client_order_id(intent.id) and again.status is OrderStatus.UNKNOWN
    assert len(venue.sent) == 1
    venue.land_at = clock.now  # it lands: the look-ups find it, still one order
    await run_for(second, clock, 5)
    assert second.journal.rows()[0].status is OrderStatus.FILLED and len(venue.sent) == 1


async def test_a_step_whose_order_never_reached_the_venue_is_replanned_under_the_next_attempt(tmp_path):
    session = build_demo(seed=7)
    engine = Engine(session.venues, sim=session, journal=Journal(tmp_path / "journal.sqlite"),
                    settings=EngineSettings(absent_grace=0.3, resolve_interval=0.05))
    engine.executor.resolve_delays = (0.05, 0.1)
    await engine.poll_once()
    engine.start()
    try:
        started = await send(engine, StartUnwind(UnwindTarget(TargetKind.FLAT), mode=RunMode.RUNNING, id="r1"))
        assert started.ok, started.message
        step = next(s for s in engine.unwind.run.steps if s.kind is StepKind.CUT)
        venue = next(v for v in session.venues if v.info.name == step.key.account)
        lost = client_order_id(f"unwind:r1:{step.seq}:0:0")
        place, sent = venue.place_order, []

        async def never_lands(request):  # attempt 0's order meets a 429 every time: it never lands
            sent.append(request.client_id)
            if request.client_id == lost:
                raise RateLimited("429 Too many requests", account=venue.info.name, retry_after=0.0)
            return await place(request)

        venue.place_order = never_lands
        assert (await send(engine, ResumeRun("r1"))).ok
        deadline = time.monotonic() + 30
        while not engine.unwind.run.state.over and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        run = engine.unwind.run
        done = run.step(step.seq)
        assert run.state.value == "done", run.note
        assert done.status is StepStatus.DONE and done.attempt == 1 and done.filled == done.amount, done.detail
        assert sent.count(lost) == 2  # sent, then re-sent once under the same id: never landed
        assert engine.journal.get(lost).status is OrderStatus.CANCELED and engine.journal.get(lost).detail == ABSENT
        assert engine.latest.book.position(step.key) is None  # closed, as the plan says
    finally:
        await engine.stop()


async def test_an_account_without_data_yet_is_named_blind_and_a_flat_run_waits_for_it(tmp_path):
    """Found by the drill: an account whose first polls all failed (no snapshot yet) was left out
    of the plan, not named, and a flat run ended DONE with its positions open. Named blind, the
    run owes it its cuts; once it is back they are one group on one account, which must go (it
    waited forever for each leg to be first on the venue)."""
    from cockpit.model import Unavailable

    session = build_demo(seed=7)
    venue = next(v for v in session.venues if v.info.name == "okx")
    snapshot = venue.snapshot

    async def unreachable():
        raise Unavailable("okx: connection reset by peer", account="okx")

    venue.snapshot = unreachable
    engine = Engine(session.venues, sim=session, journal=Journal(tmp_path / "journal.sqlite"),
                    settings=EngineSettings(resolve_interval=0.05))
    await engine.poll_once()
    assert engine.latest.book.account("okx").snapshot is None
    engine.start()
    try:
        started = await send(engine, StartUnwind(UnwindTarget(TargetKind.FLAT), mode=RunMode.RUNNING, id="r2"))
        assert started.ok, started.message
        run = engine.unwind.run
        assert [b.account for b in run.blind] == ["okx"] and run.blind[0].gross is None
        assert not any(s.key.account == "okx" for s in run.steps)
        assert (await send(engine, ResumeRun("r2"))).ok
        for _ in range(40):  # every step it can take is over; okx is owed its cut, so it waits
            await asyncio.sleep(0.05)
        assert not engine.unwind.run.state.over
        venue.snapshot = snapshot  # okx is back: its positions are cut
        deadline = time.monotonic() + 30
        while not engine.unwind.run.state.over and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        run = engine.unwind.run
        assert run.state.value == "done", run.note
        assert any(s.key.account == "okx" and s.status is StepStatus.DONE for s in run.steps)
        assert engine.latest.book.positions() == ()
    finally:
        await engine.stop()


async def test_a_group_of_cuts_on_one_account_goes_together(tmp_path):
    """The cuts owed to a blind account that is back are one group on that one account: only one
    of them can be first on the venue, so "every leg first on its venue" never held and the group
    waited forever whenever its legs could not go alone (the net bound)."""
    import dataclasses

    session = build_demo(seed=7)
    engine = Engine(session.venues, sim=session, journal=Journal(tmp_path / "journal.sqlite"))
    await engine.poll_once()
    plan = engine.unwind.preview(StartUnwind(UnwindTarget(TargetKind.FLAT)))
    okx = [s for s in plan.steps if s.kind is StepKind.CUT and s.key.account == "okx"]
    assert len(okx) >= 2
    other = next(s for s in plan.steps if s.kind is StepKind.CUT and s.key.account == "binance")
    group = [dataclasses.replace(s, seq=20 + k, group="return:okx") for k, s in enumerate(okx)]
    behind = dataclasses.replace(other, seq=30, group="")  # another venue's cut: not in the way
    run = dataclasses.replace(plan, steps=(*group, behind))
    engine.unwind._can_send = lambda account: True
    assert [s.seq for s in engine.unwind._group_ready(run, group[0])] == [s.seq for s in group]
    first_on_okx = dataclasses.replace(okx[0], seq=10, group="")  # a cut of okx planned before them
    run = dataclasses.replace(plan, steps=(first_on_okx, *group))
    assert engine.unwind._group_ready(run, group[0]) == []  # the group waits behind it
