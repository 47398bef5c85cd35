"""The kill switch: graded states, latching, the reset rule, events, and the HALTED property."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import KillStatus, PositionKey
from cockpit.risk import RiskSettings, allows
from cockpit.risk.killswitch import Episode, KillSwitch, Trigger, tail_level

S = RiskSettings()
P = PositionKey("acct", "P/USDT:USDT")  # the one position of the stand-in planner


def triggers(funding: float | None = 0.0, drawdown: float | None = 0.0, vol: float = 50.0) -> tuple:
    return (Trigger("funding stress", funding, 60.0, 35.0),
            Trigger("daily drawdown", drawdown, 0.05, 0.025),
            Trigger("vol percentile", vol, 95.0, 90.0, tail=True))


class Book:
    """A one-position stand-in for the engine's planner and sizes."""

    def __init__(self) -> None:
        self.size = 10.0
        self.live = True

    def plan(self, ep: Episode) -> None:
        if P not in ep.start and self.live:
            ep.start[P] = (self.size, 100.0, 3.0)
            ep.accounts.add("acct")
            ep.intents[P] = object()  # the engine puts an Intent here

    def sizes(self, accounts):
        return {P: self.size} if self.live else None


def run(ks: KillSwitch, b: Book, t: float, **kw) -> KillStatus:
    ks.step(t, triggers(**kw), b.plan, b.sizes)
    return ks.status


def test_normal_warn_reducing_halted_then_reset_after_the_dwell():
    ks, b = KillSwitch(S), Book()
    assert run(ks, b, 0, funding=30.0) is KillStatus.NORMAL
    assert run(ks, b, 1, funding=48.0) is KillStatus.WARN  # 80 % of 60
    assert ks.state().cause == "funding stress 48 ≥ 48 (WARN at 80% of 60)"
    assert run(ks, b, 2, funding=61.0) is KillStatus.REDUCING
    state = ks.state()
    assert state.latched and not state.can_reset and len(state.proposed) == 1
    assert state.cause == "funding stress 61 ≥ 60"
    b.size = 7.0  # the 30 % cut was executed
    assert run(ks, b, 3, funding=70.0) is KillStatus.HALTED
    assert ks.state().proposed == ()
    assert run(ks, b, 4, funding=20.0) is KillStatus.HALTED  # latched: no way down by itself
    assert not ks.reset(5.0)
    for t in range(5, 600, 60):
        run(ks, b, t, funding=20.0)
    assert not ks.state().can_reset and not ks.reset(599.0)  # 595 s below re-entry < 600 s
    run(ks, b, 604, funding=20.0)
    assert ks.state().can_reset and ks.reset(604.0)
    assert ks.status is KillStatus.NORMAL and not ks.state().latched
    events = ks.state().events
    assert [(e.before, e.after) for e in events] == [
        (KillStatus.NORMAL, KillStatus.WARN), (KillStatus.WARN, KillStatus.REDUCING),
        (KillStatus.REDUCING, KillStatus.HALTED), (KillStatus.HALTED, KillStatus.NORMAL)]
    assert dict(events[1].numbers)["funding stress"] == 61.0
    assert dict(events[1].numbers)["funding stress threshold"] == 60.0
    assert dict(events[2].numbers)["cut_done"] == 0.3


def test_the_dwell_restarts_when_the_cause_comes_back():
    ks, b = KillSwitch(S), Book()
    run(ks, b, 0, funding=65.0)
    run(ks, b, 10, funding=20.0)
    run(ks, b, 500, funding=40.0)  # above re-entry (35): not cleared
    run(ks, b, 510, funding=20.0)
    run(ks, b, 1000, funding=20.0)
    assert not ks.state().can_reset
    run(ks, b, 1110, funding=20.0)
    assert ks.state().can_reset


def test_a_cleared_cause_with_another_trigger_at_threshold_cannot_reset():
    ks, b = KillSwitch(S), Book()
    run(ks, b, 0, funding=65.0)
    run(ks, b, 10, funding=10.0, drawdown=0.06)
    run(ks, b, 1000, funding=10.0, drawdown=0.06)
    assert not ks.state().can_reset
    run(ks, b, 1010, funding=10.0, drawdown=0.04)  # above its own re-entry, below threshold: fine
    run(ks, b, 1700, funding=10.0, drawdown=0.04)
    assert ks.state().can_reset


def test_warn_clears_after_a_minute_below_and_is_not_latched():
    ks, b = KillSwitch(S), Book()
    run(ks, b, 0, funding=50.0)
    assert run(ks, b, 10, funding=10.0) is KillStatus.WARN
    assert run(ks, b, 69, funding=10.0) is KillStatus.WARN
    assert run(ks, b, 70, funding=10.0) is KillStatus.NORMAL


def test_a_percentile_trigger_warns_in_its_tail():
    assert tail_level(95.0, 0.8) == 93.75 and tail_level(95.0, 0.5) == 90.0
    assert triggers(vol=93.0)[2].ratio < 0.8 <= triggers(vol=93.75)[2].ratio
    assert triggers(vol=95.0)[2].ratio == 1.0
    ks, b = KillSwitch(S), Book()
    assert run(ks, b, 0, vol=80.0) is KillStatus.NORMAL
    assert ks.state().ratios[2] == 0.25 and ks.state().levels[2] == ("vol percentile", 80.0, 95.0)
    assert run(ks, b, 1, vol=96.0) is KillStatus.REDUCING


def test_a_trigger_without_a_live_reading_never_moves_the_switch():
    ks, b = KillSwitch(S), Book()
    assert run(ks, b, 0, funding=None, drawdown=None) is KillStatus.NORMAL
    run(ks, b, 1, funding=80.0)
    b.size, b.live = 7.0, False
    assert run(ks, b, 2, funding=80.0) is KillStatus.REDUCING  # the cut cannot be seen: hold
    b.live = True
    assert run(ks, b, 3, funding=80.0) is KillStatus.HALTED
    run(ks, b, 4, funding=None)
    run(ks, b, 2000, funding=None)
    assert not ks.state().can_reset  # no live reading of the cause: it has not cleared


def test_modes_and_what_each_state_allows():
    ks = KillSwitch(S)
    assert ks.state().mode == "advise"
    ks.set_mode("auto")
    assert ks.state().mode == "auto"
    try:
        ks.set_mode("yolo")
    except ValueError as err:
        assert "advise" in str(err)
    else:
        raise AssertionError("an unknown mode must be refused")
    assert allows(KillStatus.WARN, reduce_only=False)
    assert not allows(KillStatus.HALTED, reduce_only=False) and allows(KillStatus.HALTED, reduce_only=True)
    assert not allows(KillStatus.REDUCING, reduce_only=False)


step = st.tuples(st.one_of(st.none(), st.floats(0.0, 100.0)), st.one_of(st.none(), st.floats(0.0, 0.2)),
                 st.floats(0.0, 100.0), st.floats(0.0, 10.0), st.booleans(), st.integers(1, 900),
                 st.booleans())


@settings(max_examples=1000)
@given(st.lists(step, min_size=1, max_size=40))
def test_the_switch_never_leaves_halted_without_a_reset(steps):
    ks, b = KillSwitch(S), Book()
    t = 0.0
    halted = False
    for funding, drawdown, vol, size, live, dt, press_reset in steps:
        t += dt
        b.size, b.live = size, live
        was = ks.status
        can = ks.state().can_reset
        if press_reset:
            done = ks.reset(t)
            assert done == (can and was in (KillStatus.REDUCING, KillStatus.HALTED))
            if done:
                halted = False
                continue
        ks.step(t, triggers(funding, drawdown, vol), b.plan, b.sizes)
        if halted:
            assert ks.status is KillStatus.HALTED
        halted = ks.status is KillStatus.HALTED
        assert ks.state().latched == (ks.status in (KillStatus.REDUCING, KillStatus.HALTED))


@settings(max_examples=150)
@given(st.lists(st.tuples(st.sampled_from([None, 10.0, 30.0, 50.0, 61.0, 80.0]), st.booleans(),
                          st.sampled_from([10.0, 8.0, 7.0, 6.0])), min_size=2, max_size=25),
       st.data())
def test_a_switch_restored_from_its_latch_goes_on_as_if_never_restarted(steps, data):
    """Restarted at any step (a new switch given the old one's latch), the latch goes on exactly
    as without the restart: same statuses once latched, same episode, same plan, no second one."""
    k = data.draw(st.integers(0, len(steps) - 1))
    a, b_ = KillSwitch(S), Book()
    restored, book2 = None, Book()
    for i, (funding, live, size) in enumerate(steps):
        if i == k:
            restored = KillSwitch(S)
            restored.restore(a.latch())
            assert restored.latch() == a.latch() and restored.status is a.status
        b_.size = book2.size = size
        b_.live = book2.live = live
        run(a, b_, i * 10, funding=funding)
        if restored is not None:
            run(restored, book2, i * 10, funding=funding)
            assert (a.status in (KillStatus.REDUCING, KillStatus.HALTED)) == (
                restored.status in (KillStatus.REDUCING, KillStatus.HALTED))
            if a.status in (KillStatus.REDUCING, KillStatus.HALTED):
                assert restored.status is a.status
            assert plan(restored) == plan(a) and restored.latch().episode == a.latch().episode
            assert restored.latch().episodes == a.latch().episodes <= 1


def plan(ks: KillSwitch) -> list:
    """The latch's plan without the stand-in intents (a fresh object per Book)."""
    return [(p.key, p.size, p.mark, p.cut, p.intent is not None) for p in ks.latch().plan]


def test_the_latch_changes_only_when_the_switch_does():
    ks, b = KillSwitch(S), Book()
    run(ks, b, 0, funding=30.0)
    first = ks.latch()
    run(ks, b, 1, funding=31.0)
    assert ks.latch() is first  # nothing moved: the same value, nothing to journal
    run(ks, b, 2, funding=61.0)
    tripped = ks.latch()
    assert tripped.status is KillStatus.REDUCING and tripped.episode == "1@2" and len(tripped.plan) == 1
    assert tripped.plan[0].key == P and (tripped.plan[0].size, tripped.plan[0].cut) == (10.0, 3.0)
    restored = KillSwitch(S)
    restored.restore(tripped)
    b.size = 7.0
    assert run(restored, b, 3, funding=70.0) is KillStatus.HALTED  # measured against the plan's start
