"""The dead-man's switch heartbeat: armed when wanted, refreshed at a third of its window, EXPIRED
when the venue stops answering, disarmed on a clean stop, and a venue's daily limit counted across
restarts. Driven beat by beat on a hand-moved clock (no timing)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from cockpit.engine import Engine
from cockpit.engine.deadman import DAY, DeadManSwitches
from cockpit.engine.journal import Journal
from cockpit.model import (
    DeadMan, DeadManMode, DeadManPolicy, DeadManStatus, Frame, Mode, Unavailable,
)
from cockpit.model.events import Event, Severity
from tests.engine.fakes import Clock

ALWAYS = DeadManPolicy(DeadManMode.ALWAYS, 60.0)
DURING = DeadManPolicy(DeadManMode.DURING_RUN, 60.0)
T0 = 20_000 * DAY + 3600.0  # 01:00 UTC of some day


@dataclass
class Switchable:
    """A venue with a scriptable dead-man's switch."""

    limit: int | None = None
    supported: bool = True
    fail: bool = False
    armed: list[float] = field(default_factory=list)
    disarmed: int = 0

    async def arm_dead_man(self, seconds: float) -> DeadMan:
        if self.fail:
            raise Unavailable("503 from venue", account="a")
        if not self.supported:
            return DeadMan(supported=False, note="no such thing here")
        self.armed.append(seconds)
        return DeadMan(supported=True, daily_limit=self.limit, note="cancels orders, not positions; all")

    async def disarm_dead_man(self) -> None:
        if self.fail:
            raise Unavailable("503 from venue", account="a")
        self.disarmed += 1


def switches(venues, policies, clock, journal=None, events=None):
    def emit(kind, text, **kw):
        (events if events is not None else []).append((text, kw.get("severity", Severity.INFO)))

    return DeadManSwitches(venues, policies, journal=journal or Journal(":memory:"), clock=clock, emit=emit)


def state(sw, clock, name="a"):
    return next(s for s in sw.states(clock()) if s.account == name)


def beat(sw):
    asyncio.run(sw.beat())


def test_always_arms_then_refreshes_at_a_third_of_the_window():
    clock, venue = Clock(T0), Switchable()
    sw = switches({"a": venue}, {"a": ALWAYS}, clock)
    beat(sw)
    assert venue.armed == [60.0]
    s = state(sw, clock)
    assert s.status is DeadManStatus.ARMED and s.expires_at == T0 + 60 and "not positions" in s.detail
    clock.now += 19
    beat(sw)
    assert venue.armed == [60.0]  # not yet due
    clock.now += 1
    beat(sw)
    assert venue.armed == [60.0, 60.0] and state(sw, clock).expires_at == T0 + 80
    for _ in range(10):  # an hour of beats every 20 s: never expires
        clock.now += 20
        beat(sw)
    assert state(sw, clock).status is DeadManStatus.ARMED


def test_a_venue_that_stops_answering_expires_it_loudly_once():
    clock, venue, events = Clock(T0), Switchable(), []
    journal = Journal(":memory:")
    sw = switches({"a": venue}, {"a": ALWAYS}, clock, journal, events)
    beat(sw)
    venue.fail = True
    clock.now += 20
    beat(sw)  # the refresh fails: still armed, failing, its deadline unchanged
    s = state(sw, clock)
    assert s.status is DeadManStatus.FAILING and s.expires_at == T0 + 60 and "503" in s.detail
    while clock.now + 5 < T0 + 60:
        clock.now += 5
        beat(sw)
        assert state(sw, clock).status is DeadManStatus.FAILING
    clock.now = T0 + 60
    beat(sw)
    s = state(sw, clock)
    assert s.status is DeadManStatus.EXPIRED and s.expires_at == T0 + 60
    assert "positions stay open" in s.detail
    critical = [t for t, sev in events if sev is Severity.CRITICAL]
    assert len(critical) == 1 and "EXPIRED" in critical[0]
    assert len([t for t, sev in events if "refresh failed" in t]) == 1  # the same failure told once
    assert [d["action"] for _, _, d in journal.events("dead_man")] == ["armed", "fired"]
    venue.fail = False
    clock.now += 5
    beat(sw)  # the venue is back: armed again, and the expiry still shown for a while
    s = state(sw, clock)
    assert len(venue.armed) == 2 and s.status is DeadManStatus.EXPIRED and s.detail.endswith("now armed")
    while clock.now < T0 + 60 + 300:  # refreshed all along: shown armed once the hold is over
        clock.now += 20
        beat(sw)
    assert state(sw, clock).status is DeadManStatus.ARMED


def test_during_run_arms_only_while_a_run_wants_it():
    clock, venue = Clock(T0), Switchable()
    sw = switches({"a": venue}, {"a": DURING}, clock)
    beat(sw)
    assert venue.armed == [] and state(sw, clock).status is DeadManStatus.IDLE
    sw.want(True)
    beat(sw)
    assert venue.armed == [60.0] and state(sw, clock).status is DeadManStatus.ARMED
    sw.want(False)
    beat(sw)
    assert venue.disarmed == 1 and state(sw, clock).status is DeadManStatus.IDLE
    assert state(sw, clock).expires_at is None


def test_unsupported_and_off_accounts():
    clock = Clock(T0)
    sw = switches({"a": Switchable(supported=False), "b": object(), "c": Switchable()},
                  {"a": ALWAYS, "b": ALWAYS, "c": DeadManPolicy(DeadManMode.OFF, 60.0)}, clock)
    beat(sw)
    got = {s.account: (s.status, s.detail) for s in sw.states(clock())}
    assert set(got) == {"a", "b"}  # "c" is off: not on the frame at all
    assert got["a"] == (DeadManStatus.UNSUPPORTED, "no such thing here")
    assert got["b"][0] is DeadManStatus.UNSUPPORTED and "no dead-man's switch" in got["b"][1]


def _expire_once(sw, venue, clock):
    """Armed (again), then let it run out (the venue stops answering), then answer again."""
    clock.now += 5
    armed = len(venue.armed)
    beat(sw)
    assert len(venue.armed) == armed + 1 or state(sw, clock).expires_at is not None  # armed (again)
    venue.fail = True
    clock.now += 61
    beat(sw)
    venue.fail = False


def test_a_daily_limit_counts_down_persists_across_restarts_and_resets_at_midnight_utc():
    clock, venue = Clock(T0), Switchable(limit=10)
    journal = Journal(":memory:")
    sw = switches({"a": venue}, {"a": ALWAYS}, clock, journal)
    beat(sw)
    assert state(sw, clock).remaining_today == 10
    for n in range(3):
        _expire_once(sw, venue, clock)
    assert sw.fired_today("a", clock()) == 3
    assert state(sw, clock).remaining_today == 7
    asyncio.run(sw.disarm_all())
    # A restart on the same journal: the count is not reset.
    again = switches({"a": venue}, {"a": ALWAYS}, clock, journal)
    beat(again)
    assert state(again, clock).remaining_today == 7
    clock.now = (T0 // DAY + 1) * DAY + 1  # past 00:00 UTC
    beat(again)
    assert state(again, clock).remaining_today == 10


def test_the_limit_used_up_leaves_it_unarmed_until_midnight():
    clock, venue = Clock(T0), Switchable(limit=2)
    sw = switches({"a": venue}, {"a": ALWAYS}, clock)
    for _ in range(2):
        _expire_once(sw, venue, clock)
    calls = len(venue.armed)
    clock.now += 5
    beat(sw)
    s = state(sw, clock)
    assert s.status is DeadManStatus.EXHAUSTED and s.remaining_today == 0 and "00:00 UTC" in s.detail
    assert len(venue.armed) == calls  # not armed again
    clock.now = (T0 // DAY + 1) * DAY
    beat(sw)
    assert state(sw, clock).status is DeadManStatus.ARMED


def test_a_switch_left_armed_by_a_dead_engine():
    clock, venue, events = Clock(T0), Switchable(limit=10), []
    journal = Journal(":memory:")
    beat(switches({"a": venue}, {"a": ALWAYS}, clock, journal))  # armed until T0 + 60; it dies
    clock.now += 30  # back before the deadline
    quick = switches({"a": venue}, {"a": DURING}, clock, journal, events)
    assert state(quick, clock).status is DeadManStatus.ARMED  # still armed at the venue
    beat(quick)  # not wanted (no run): disarmed
    assert venue.disarmed == 1 and state(quick, clock).status is DeadManStatus.IDLE
    assert events == [("a: dead-man's switch disarmed", Severity.INFO)]

    journal = Journal(":memory:")
    beat(switches({"a": venue}, {"a": ALWAYS}, clock, journal))  # armed again; it dies again
    clock.now += 100  # and this time stays away past the deadline
    sw2 = switches({"a": venue}, {"a": ALWAYS}, clock, journal, events)
    s = state(sw2, clock)
    assert s.status is DeadManStatus.EXPIRED and s.remaining_today is None  # limit not known yet
    beat(sw2)
    assert state(sw2, clock).remaining_today == 9
    assert any("while cockpit was stopped" in t for t, _ in events)


def test_a_read_only_account_is_never_armed_and_says_why():
    clock, venue = Clock(T0), Switchable()
    sw = DeadManSwitches({"a": venue}, {"a": ALWAYS}, journal=Journal(":memory:"), clock=clock,
                         refused=lambda name: "read-only (--readonly)")
    beat(sw)
    s = state(sw, clock)
    assert venue.armed == [] and s.status is DeadManStatus.UNSUPPORTED and "read-only" in s.detail


# -- in the engine, over the simulator ------------------------------------------------------------


def test_the_engine_arms_reports_on_the_frame_and_disarms_on_a_clean_stop():
    from cockpit.sim import build_demo

    now = [1_780_000_000.0]
    session = build_demo(seed=7, clock=lambda: now[0], assets=12)
    names = [v.info.name for v in session.venues]
    engine = Engine(session.venues, mode=Mode.SIM, clock=lambda: now[0], sim=session,
                    dead_man={names[0]: ALWAYS, names[1]: DURING})
    seen: list[Event] = []
    engine.on_event(seen.append)

    async def go() -> tuple[Frame, Frame, dict, dict]:
        await engine.poll_once()  # connected and reconciled
        await engine.dead_man.beat()
        first = engine.publish()
        engine.want_dead_man(True)
        await engine.dead_man.beat()
        both = dict(session.world.dead_men)
        second = engine.publish()
        await engine.stop()
        return first, second, both, dict(session.world.dead_men)

    first, second, both, after = asyncio.run(go())
    got = {s.account: s.status for s in first.dead_man}
    assert got == {names[0]: DeadManStatus.ARMED, names[1]: DeadManStatus.IDLE}
    assert {s.account: s.status for s in second.dead_man} == {
        names[0]: DeadManStatus.ARMED, names[1]: DeadManStatus.ARMED}
    assert set(both) == {names[0], names[1]} and after == {}  # a clean stop leaves none armed
    assert any("armed" in e.text and "not positions" in e.text for e in seen)


def test_a_rehearsal_on_the_simulator_the_orders_go_when_the_heartbeat_stops():
    """demo_engine with a switch: armed, the heartbeat stops (a frozen cockpit), the simulated
    venue cancels the account's resting order at the deadline, and the engine says EXPIRED."""
    from decimal import Decimal

    from cockpit.engine.demo import demo_engine
    from cockpit.model import OrderRequest, Side

    now = [1_780_000_000.0]
    engine = demo_engine(seed=7, clock=lambda: now[0], dead_man={"binance": ALWAYS})
    venue = engine.venues["binance"]

    async def go():
        await engine.poll_once()
        await venue.place_order(OrderRequest("ladder-1", "binance", "BTC/USDT:USDT", Side.SHORT,
                                             Decimal("0.01"), type="limit", price=Decimal("120000.0")))
        await engine.dead_man.beat()
        armed = (await engine.poll_once()).dead_man
        now[0] += 59  # no beat: the heartbeat is stuck
        before = {o.client_id for o in (await venue.snapshot()).open_orders}
        now[0] += 2
        after = {o.client_id for o in (await venue.snapshot()).open_orders}
        await engine.dead_man.beat()
        return armed, before, after, (await engine.poll_once()).dead_man

    armed, before, after, expired = asyncio.run(go())
    assert armed[0].status is DeadManStatus.ARMED
    assert before == {"ladder-1"} and after == set()
    assert expired[0].status is DeadManStatus.EXPIRED
