"""The kill switch's latch survives restarts: HALTED stays HALTED, an interrupted cut resumes with
its own intent ids and target, and only a person's reset (itself journaled) leaves HALTED.

A "restart" here is a new engine (new risk engine, empty memory) on the same journal file and the
same simulated venues, whose state survives like a venue's would. The crash test with real
processes and SIGKILL is tests/test_restart.py."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cockpit.engine import Engine
from cockpit.engine.executor import client_order_id
from cockpit.engine.journal import Journal
from cockpit.model import Intent, IntentSource, KillLatch, KillStatus, OrderStatus, PlannedCut, PositionKey
from cockpit.risk import RiskEngine
from cockpit.sim import build_demo
from tests.engine.fakes import Clock


def _engine(session, clock, path, mode="advise"):
    risk = RiskEngine()
    risk.set_kill_mode(mode)
    return Engine(session.venues, risk=risk, sim=session, clock=clock, journal=Journal(path))


async def _trip(engine, clock):
    """Poll the funding squeeze every 10 sim-seconds until the kill switch proposes its cut."""
    frame = await engine.poll_once()
    for _ in range(180):
        clock.now += 10
        frame = await engine.poll_once()
        if frame.assessment.kill.proposed:
            return frame
    raise AssertionError("the funding squeeze never tripped the kill switch")


async def _settle():
    """Wait for the orders the engine sent in the background (auto mode)."""
    while others := [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
        await asyncio.gather(*others)


def _sizes(frame):
    return {p.key: p.size for p in frame.book.positions()}


async def test_an_interrupted_cut_resumes_its_own_plan_after_a_restart(tmp_path):
    clock = Clock(1_780_000_000.0)
    session = build_demo(seed=7, scenario="funding-squeeze", clock=clock)
    path = tmp_path / "journal.sqlite"
    first = _engine(session, clock, path)
    frame = await _trip(first, clock)
    start = _sizes(frame)
    plan = first.journal.load_latch()
    proposed = frame.assessment.kill.proposed
    assert plan is not None and plan.status is KillStatus.REDUCING
    assert [p.intent for p in plan.plan if p.intent is not None] == list(proposed)  # journaled before sent
    # The crash: three orders went out, a fourth was journaled but never sent.
    for intent in proposed[:3]:
        await first.submit(intent)
    fourth = first.executor.plan(proposed[3], first.latest.book)
    first.journal.record(fourth, intent_id=proposed[3].id, source=IntentSource.KILL_SWITCH, reason="x", now=clock())
    first.journal.close()

    clock.now += 15  # down for longer than the grace of an order that may still land
    second = _engine(session, clock, path, mode="auto")  # the flags say auto now
    assert second.risk.kill.status is KillStatus.REDUCING  # before any poll
    frame = await second.poll_once()
    kill = frame.assessment.kill
    assert kill.mode == "auto"
    assert [i.id for i in kill.proposed] == [i.id for i in proposed]  # the same intents, no new plan
    assert tuple(kill.proposed) == tuple(proposed)
    await _settle()  # auto mode: the engine sends the proposal itself
    assert await second.accept_proposal() == []  # nothing left to accept
    frame = await second.poll_once()
    assert frame.assessment.kill.status is KillStatus.HALTED
    # Exactly one order per planned position, each the planned amount, the resumed one included.
    orders = session.world.exchange.orders
    assert len(orders) == len(proposed)
    assert {cid for _, cid in orders} == {client_order_id(i.id) for i in proposed}
    after = _sizes(frame)
    for intent in proposed:
        key = intent.key
        assert start[key] - after.get(key, Decimal(0)) == intent.amount
    rows = second.journal.rows()
    assert {r.status for r in rows} == {OrderStatus.FILLED}
    assert list(second.journal.plans()) == [plan.episode]  # one episode, one plan
    # The cut is the planned 30% of the episode's starting gross, not 30% of what was left.
    assert 0.30 - 0.002 <= plan_fraction(plan) <= 0.30 + 0.01


def plan_fraction(latch: KillLatch) -> float:
    """The cut the plan makes, as a fraction of its starting gross at the plan's marks."""
    gross = sum(p.size * p.mark for p in latch.plan)
    return sum(p.cut * p.mark for p in latch.plan) / gross


async def test_halted_survives_restarts_until_a_person_resets_it(tmp_path):
    clock = Clock(1_780_000_000.0)
    session = build_demo(seed=7, scenario="funding-squeeze", clock=clock)
    path = tmp_path / "journal.sqlite"
    first = _engine(session, clock, path, mode="auto")
    await _trip(first, clock)
    await _settle()
    assert (await first.poll_once()).assessment.kill.status is KillStatus.HALTED
    orders = len(session.world.exchange.orders)
    episode = first.journal.load_latch().episode
    first.journal.close()

    # Restart after restart, in the middle of the squeeze: HALTED, no new plan, no new order.
    for _ in range(3):
        engine = _engine(session, clock, path, mode="auto")
        for _ in range(5):
            clock.now += 10
            frame = await engine.poll_once()
            await _settle()
            assert frame.assessment.kill.status is KillStatus.HALTED
            assert frame.assessment.kill.proposed == ()
        assert engine.reset_kill() is False  # the cause has not cleared
        engine.journal.close()
    assert len(session.world.exchange.orders) == orders
    reader = Journal(path)  # one engine per journal: open it once nobody holds it
    assert list(reader.plans()) == [episode]
    reader.close()

    # Funding normalises; a person resets; the reset survives a restart too.
    engine = _engine(session, clock, path, mode="auto")
    for _ in range(400):
        clock.now += 30
        frame = await engine.poll_once()
        if frame.assessment.kill.can_reset:
            break
    assert engine.reset_kill() is True
    engine.journal.close()
    again = _engine(session, clock, path, mode="auto")
    assert again.risk.kill.status is KillStatus.NORMAL
    latch = again.journal.load_latch()
    assert latch.status is KillStatus.NORMAL and latch.episode is None and latch.episodes == 1


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
_float = st.floats(allow_nan=False, allow_infinity=False, width=64)
_keys = st.builds(PositionKey, account=_text.filter(lambda s: s and "|" not in s), symbol=_text.filter(bool))


@st.composite
def latches(draw):
    episode = draw(st.none() | _text)
    plan = ()
    if episode is not None:
        keys = draw(st.lists(_keys, unique=True, max_size=6))
        plan = tuple(
            PlannedCut(key, draw(_float), draw(_float), draw(_float), draw(st.none() | st.builds(
                Intent, id=_text, account=_text, symbol=_text, source=st.sampled_from(IntentSource),
                reason=_text, fraction=st.none() | _float,
                amount=st.none() | st.decimals(allow_nan=False, allow_infinity=False))))
            for key in keys)
    return KillLatch(
        status=draw(st.sampled_from(KillStatus)), cause=draw(_text), cause_trigger=draw(_text),
        since=draw(st.none() | _float), episodes=draw(st.integers(0, 2**62)), episode=episode,
        episode_since=draw(st.none() | _float), plan=plan)


@given(st.lists(latches(), min_size=1, max_size=3, unique_by=lambda latch: latch.episode))
def test_the_journal_gives_back_the_last_latch_exactly(sequence):
    journal = Journal(":memory:")
    assert journal.load_latch() is None
    for latch in sequence:
        journal.save_latch(latch, now=1.0)
        assert journal.load_latch() == latch
    # An episode's plan only grows while it lasts: what was written stays as it was.
    last = sequence[-1]
    if last.plan:
        grown = PlannedCut(PositionKey("another", "key"), 1.0, 2.0, 0.5, None)
        journal.save_latch(KillLatch(status=last.status, episode=last.episode, plan=last.plan + (grown,)),
                           now=2.0)
        assert journal.load_latch().plan == last.plan + (grown,)
