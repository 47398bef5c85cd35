"""The guided unwind run as an engine workflow (`cockpit.engine.unwind`), on scripted venues with
the real risk engine and journal: plan, step, run, pause, skip, abort, the blind-venue hedge and its
close when the venue returns, replanning after a rejection, and a restart that resumes the run."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

import pytest

from cockpit.engine import Engine
from cockpit.engine.core import EngineSettings
from cockpit.engine.handling import preview, send
from cockpit.engine.journal import Journal
from cockpit.model import Health, Order, OrderStatus, Rejected, Side
from cockpit.model.commands import (
    AbortRun, ConfirmHedge, ConfirmStep, DismissRun, PauseRun, ResumeRun, SkipStep, StartUnwind,
)
from cockpit.model.unwind import (
    RunState, StepKind, StepStatus, StepStyle, TargetKind, UnwindRun, UnwindTarget, Why,
)
from tests.engine.fakes import Clock, FakeVenue, account, position
from tests.waiting import until_async as until

NOW = 1_780_000_000.0
FAST = EngineSettings(poll_interval=0.05, coalesce=0.01, min_frame_interval=0.02, stale_after=3.0, down_after=6.0)
FLAT = StartUnwind(UnwindTarget(TargetKind.FLAT), id="r1")


def _venue(name: str, clock: Clock, *legs: tuple[str, Side, str]) -> FakeVenue:
    v = FakeVenue(account(name), clock)
    for symbol, side, size in legs:
        v.positions[symbol] = position(name, symbol, side, size)
    return v


async def _engine(venues, clock, *, journal=None, reports=None) -> Engine:
    def reporter(run, rows):
        reports.append((run, rows))
        return f"reports/{run.id}.md"

    engine = Engine(venues, clock=clock, settings=FAST, journal=journal,
                    reporter=reporter if reports is not None else None)
    await engine.poll_once()
    engine.start()
    return engine


def _book_three(clock):
    return [_venue("a", clock, ("ETH/USDT:USDT", Side.LONG, "5"), ("SOL/USDT:USDT", Side.LONG, "3")),
            _venue("b", clock, ("ETH/USDT:USDT", Side.SHORT, "5")),
            _venue("c", clock, ("BTC/USDT:USDT", Side.LONG, "1"))]


def _sent(venues):
    return [r for v in venues for r in v.sent]


async def _over(engine: Engine) -> UnwindRun:
    await until(lambda: engine.unwind.run is not None and engine.unwind.run.state.over, timeout=10)
    return engine.unwind.run


async def test_a_step_mode_run_sends_one_group_per_confirmation_then_runs_to_flat_and_reports():
    clock = Clock(NOW)
    venues = _book_three(clock)
    reports: list = []
    engine = await _engine(venues, clock, reports=reports)
    try:
        planned = preview(engine, FLAT)
        assert isinstance(planned, UnwindRun) and planned.state is RunState.READY and not _sent(venues)
        result = await send(engine, FLAT)
        assert result.ok, result.message
        run = engine.unwind.run
        assert run.state is RunState.READY and not _sent(venues)  # planned and previewed: nothing sent
        eth = [s for s in run.steps if s.asset == "ETH"]
        assert len(eth) == 2 and eth[0].group == eth[1].group  # the hedged legs are one group
        assert (await send(engine, ConfirmStep("r1", eth[1].seq))).ok
        await until(lambda: engine.unwind.run.state is RunState.WAITING, timeout=5)
        assert sorted((r.account, r.symbol) for r in _sent(venues)) == [("a", "ETH/USDT:USDT"), ("b", "ETH/USDT:USDT")]
        assert (await send(engine, ResumeRun("r1"))).ok
        run = await _over(engine)
        assert run.state is RunState.DONE and "positions match the plan" in run.note
        assert all(not v.positions for v in venues)
        sent = _sent(venues)
        assert all(r.reduce_only for r in sent) and len({r.client_id for r in sent}) == len(sent) == 4
        assert {o.status for o in run.orders} == {OrderStatus.FILLED} and len(run.orders) == 4
        assert run.after.gross == 0 and run.before.gross > 0
        assert len(reports) == 1 and run.report == "reports/r1.md" and len(reports[0][1]) == 4
        await until(lambda: engine.latest.run == run, timeout=2)  # the next frame carries it
        assert engine.journal.last_run() == run
        assert (await send(engine, DismissRun("r1"))).ok and engine.unwind.run is None
        assert engine.journal.last_run() is None and engine.journal.last_run(shown=False).id == "r1"
    finally:
        await engine.stop()


async def test_skip_and_abort_send_nothing_more_and_the_run_ends_aborted():
    clock = Clock(NOW)
    venues = [_venue("a", clock, ("SOL/USDT:USDT", Side.LONG, "3"), ("XRP/USDT:USDT", Side.LONG, "300"),
                     ("DOGE/USDT:USDT", Side.SHORT, "900"))]
    reports: list = []
    engine = await _engine(venues, clock, reports=reports)
    try:
        await send(engine, FLAT)
        first, second, third = [s.seq for s in engine.unwind.run.steps if s.kind is StepKind.CUT]
        await send(engine, ConfirmStep("r1", first))
        await until(lambda: engine.unwind.run.step(first).status is StepStatus.DONE, timeout=5)
        assert (await send(engine, SkipStep("r1", second))).ok
        assert not (await send(engine, SkipStep("r1", first))).ok  # done: too late to skip
        assert (await send(engine, AbortRun("r1"))).ok
        run = await _over(engine)
        assert run.state is RunState.ABORTED and run.aborted
        assert [s.status for s in run.steps if s.kind is StepKind.CUT] == [
            StepStatus.DONE, StepStatus.SKIPPED, StepStatus.SKIPPED]
        assert len(_sent(venues)) == 1 and len(venues[0].positions) == 2
        assert len(reports) == 1
        assert not (await send(engine, ResumeRun("r1"))).ok  # over: nothing more
    finally:
        await engine.stop()


class GatedVenue(FakeVenue):
    """A venue that holds each order until the test lets it through."""

    gate: asyncio.Event | None = None  # set by the test, on its loop

    async def place_order(self, request):
        await self.gate.wait()
        return await super().place_order(request)


async def test_pause_lets_the_order_out_finish_and_sends_nothing_new_until_resumed():
    clock = Clock(NOW)
    venue = GatedVenue(account("a"), clock)
    venue.gate = asyncio.Event()
    for sym, size in (("SOL/USDT:USDT", "3"), ("XRP/USDT:USDT", "300"), ("ADA/USDT:USDT", "900")):
        venue.positions[sym] = position("a", sym, Side.LONG, size)
    engine = await _engine([venue], clock)
    try:
        await send(engine, FLAT)
        await send(engine, ResumeRun("r1"))
        await until(lambda: len(engine.journal.run_orders("r1")) == 1, timeout=5)
        assert (await send(engine, PauseRun("r1"))).ok
        venue.gate.set()
        await until(lambda: engine.unwind.run.steps[0].status is StepStatus.DONE, timeout=5)
        await asyncio.sleep(0.3)
        assert engine.unwind.run.state is RunState.PAUSED and len(venue.sent) == 1
        assert (await send(engine, ResumeRun("r1"))).ok
        run = await _over(engine)
        assert run.state is RunState.DONE and len(venue.sent) == 3 and not venue.positions
    finally:
        await engine.stop()


async def test_a_rejected_step_is_replanned_once_under_new_ids_and_never_sent_twice_under_one():
    clock = Clock(NOW)
    venue = _venue("a", clock, ("SOL/USDT:USDT", Side.LONG, "3"))
    venue.order_errors = [Rejected("price band", account="a")]
    venue.land_despite_error = False
    engine = await _engine([venue], clock)
    try:
        await send(engine, FLAT)
        await send(engine, ResumeRun("r1"))
        run = await _over(engine)
        step = [s for s in run.steps if s.kind is StepKind.CUT][0]
        assert step.status is StepStatus.DONE and step.attempt == 1 and not venue.positions
        ids = [r.client_id for r in venue.sent]
        assert len(ids) == 2 and len(set(ids)) == 2
        assert [o.status for o in run.orders] == [OrderStatus.REJECTED, OrderStatus.FILLED]
    finally:
        await engine.stop()


async def test_a_blind_venue_gets_a_confirmed_hedge_and_is_cut_with_it_when_it_returns():
    clock = Clock(NOW)
    live = _venue("a", clock, ("ETH/USDT:USDT", Side.SHORT, "4"), ("BTC/USDT:USDT", Side.LONG, "1"))
    live.allow_open = True
    blind = _venue("d", clock, ("ETH/USDT:USDT", Side.LONG, "10"))
    engine = await _engine([live, blind], clock)
    try:
        blind.down = True
        clock.now += 8  # d's last good snapshot is now older than down_after; a keeps answering
        await until(lambda: engine.latest.book.account("d").health is Health.DOWN, timeout=5)
        await send(engine, FLAT)
        run = engine.unwind.run
        assert [b.account for b in run.blind] == ["d"]
        assert [(str(h), str(b)) for h, b in run.held] == [("a|ETH/USDT:USDT", "d|ETH/USDT:USDT")]
        hedge = next(s for s in run.steps if s.kind is StepKind.HEDGE)
        assert hedge.status is StepStatus.OFFERED and hedge.amount == Decimal("6") and hedge.key.account == "a"
        await send(engine, ResumeRun("r1"))
        await until(lambda: "hedge step" in engine.unwind.run.note, timeout=5)
        assert all(r.reduce_only for r in live.sent)  # BTC cut; the hedge waits for its own confirmation
        assert not (await send(engine, ConfirmStep("r1", hedge.seq))).ok
        assert (await send(engine, ConfirmHedge("r1", hedge.seq))).ok
        await until(lambda: engine.unwind.run.step(hedge.seq).status is StepStatus.DONE, timeout=5)
        opened = [r for r in live.sent if not r.reduce_only]
        assert len(opened) == 1 and opened[0].side is Side.SHORT and opened[0].amount == Decimal("6")
        assert engine.journal.get(opened[0].client_id).reason.startswith("hedge for d ETH long")
        assert live.positions["ETH/USDT:USDT"].size == Decimal("10")
        await asyncio.sleep(0.3)
        assert engine.unwind.run.state is RunState.RUNNING  # waits for d: the hedge must be closed
        assert "blind venue" in engine.unwind.run.note
        blind.down = False
        run = await _over(engine)
        returned = [s for s in run.steps if Why.BLIND_RETURNED in s.why]
        assert {str(s.key) for s in returned} == {"d|ETH/USDT:USDT", "a|ETH/USDT:USDT"}
        assert len({s.group for s in returned}) == 1
        assert run.state is RunState.DONE and not live.positions and not blind.positions
        assert [(b.account, b.health) for b in run.blind] == [("d", "back")]
    finally:
        await engine.stop()


async def test_a_restarted_engine_resumes_the_same_run_under_the_same_ids(tmp_path):
    clock = Clock(NOW)
    venues = [_venue("a", clock, ("SOL/USDT:USDT", Side.LONG, "3"), ("XRP/USDT:USDT", Side.LONG, "300"))]
    path = tmp_path / "journal.sqlite"
    engine = await _engine(venues, clock, journal=Journal(path))
    await send(engine, FLAT)
    first = next(s.seq for s in engine.unwind.run.steps if s.kind is StepKind.CUT)
    await send(engine, ConfirmStep("r1", first))
    await until(lambda: engine.unwind.run.state is RunState.WAITING, timeout=5)
    await send(engine, ResumeRun("r1"))
    await engine.stop()  # stopped mid-run (a crash leaves the same journal)
    engine.journal.close()
    sent_before = [r.client_id for r in venues[0].sent]

    again = await _engine(venues, clock, journal=Journal(path))
    try:
        assert again.unwind.run.id == "r1" and not again.unwind.run.state.over
        run = await _over(again)
        assert run.state is RunState.DONE and not venues[0].positions
        ids = [r.client_id for r in venues[0].sent]
        assert ids[:len(sent_before)] == sent_before and len(set(ids)) == len(ids) == 2
        assert not (await send(again, StartUnwind(UnwindTarget(TargetKind.FLAT), id="r1"))).ok
    finally:
        await again.stop()


@pytest.mark.parametrize("command, words", [
    (StartUnwind(UnwindTarget(TargetKind.GROSS, 0.0)), "target"),
    (StartUnwind(UnwindTarget(TargetKind.ASSET)), "target"),
])
async def test_a_bad_target_is_refused_with_a_reason(command, words):
    clock = Clock(NOW)
    engine = await _engine(_book_three(clock), clock)
    try:
        result = await send(engine, command)
        assert not result.ok and words in result.message and engine.unwind.run is None
    finally:
        await engine.stop()


async def test_a_read_only_engine_refuses_to_start_and_a_second_run_is_refused_while_one_is_on():
    clock = Clock(NOW)
    engine = await _engine(_book_three(clock), clock)
    try:
        assert not (await send(engine, FLAT, readonly="read-only terminal")).ok
        assert (await send(engine, FLAT)).ok
        second = await send(engine, StartUnwind(UnwindTarget(TargetKind.GROSS, 0.3), id="r2"))
        assert not second.ok and "already" in second.message
    finally:
        await engine.stop()


class RestingVenue(FakeVenue):
    """A venue where limit orders rest unfilled until cancelled; market orders fill."""

    async def place_order(self, request):
        if request.type != "limit":
            return await super().place_order(request)
        self.sent.append(request)
        if request.client_id not in self.orders:
            self.orders[request.client_id] = Order(
                client_id=request.client_id, account=request.account, symbol=request.symbol, side=request.side,
                amount=request.amount, filled=Decimal(0), status=OrderStatus.OPEN, type="limit", price=request.price)
        return self.orders[request.client_id]

    async def cancel_order(self, client_id, symbol):
        order = self.orders[client_id]
        if order.status is OrderStatus.OPEN:
            self.orders[client_id] = dataclasses.replace(order, status=OrderStatus.CANCELED)


async def test_a_ladder_rests_within_the_slippage_bound_then_the_rest_goes_at_market_after_the_timeout():
    clock = Clock(NOW)
    venue = RestingVenue(account("a"), clock)
    venue.positions["SOL/USDT:USDT"] = position("a", "SOL/USDT:USDT", Side.LONG, "3")
    engine = await _engine([venue], clock)
    wanted = []
    engine.want_dead_man = wanted.append  # the run arms the venues' dead-man's switches while rungs rest
    try:
        await send(engine, StartUnwind(UnwindTarget(TargetKind.FLAT), id="r1", style=StepStyle.LADDER,
                                       slippage_bound=0.01, ladder_timeout=0.5))
        await send(engine, ResumeRun("r1"))
        run = await _over(engine)
        limits = [r for r in venue.sent if r.type == "limit"]
        assert len(limits) == 1 and limits[0].reduce_only and limits[0].side is Side.SHORT
        assert Decimal("99") <= limits[0].price < Decimal("100")  # a sell within 1% of the mark of 100
        assert venue.orders[limits[0].client_id].status is OrderStatus.CANCELED
        market = [r for r in venue.sent if r.type == "market"]
        assert len(market) == 1 and market[0].amount == Decimal("3")
        step = run.steps[0]
        assert step.status is StepStatus.DONE and step.attempt == 1 and not venue.positions
        assert wanted == [True, False]
        journaled = engine.journal.get(limits[0].client_id)
        assert journaled.type == "limit" and journaled.price == limits[0].price
    finally:
        await engine.stop()


class OrdersVenue(FakeVenue):
    """A venue with two open orders of the trader's: one that adds risk, one reduce-only."""

    cancelled: list | None = None

    async def snapshot(self):
        snap = await super().snapshot()
        resting = [Order(client_id=cid, account=self.info.name, symbol="SOL/USDT:USDT", side=side, amount=Decimal(1),
                         filled=Decimal(0), status=OrderStatus.OPEN, reduce_only=ro, type="limit", price=Decimal(90))
                   for cid, side, ro in (("add", Side.LONG, False), ("trim", Side.SHORT, True))
                   if cid not in self.cancelled]
        return dataclasses.replace(snap, open_orders=tuple(resting))

    async def cancel_order(self, client_id, symbol):
        self.cancelled.append(client_id)


async def test_starting_a_run_cancels_the_open_orders_that_add_risk_and_keeps_the_reducing_ones():
    clock = Clock(NOW)
    venue = OrdersVenue(account("a"), clock)
    venue.cancelled = []
    venue.positions["SOL/USDT:USDT"] = position("a", "SOL/USDT:USDT", Side.LONG, "3")
    engine = await _engine([venue], clock)
    try:
        assert (await send(engine, FLAT)).ok
        assert venue.cancelled == ["add"]
        run = engine.unwind.run
        assert run.cancelled == ("add",) and any("cancelled open order add" in line for _, line in run.events)
    finally:
        await engine.stop()


class LateOrdersVenue(OrdersVenue):
    """OrdersVenue whose orders the trader placed by hand after the engine's last poll."""

    placed = False

    async def snapshot(self):
        snap = await super().snapshot()
        return snap if self.placed else dataclasses.replace(snap, open_orders=())


async def test_starting_a_run_reads_the_venues_afresh_before_it_cancels():
    """An order placed by hand since the last poll (an idle account is polled every 10 s) is
    cancelled at the start too: the run reads every account before it cancels, not the frame."""
    clock = Clock(NOW)
    venue = LateOrdersVenue(account("a"), clock)
    venue.cancelled = []
    venue.positions["SOL/USDT:USDT"] = position("a", "SOL/USDT:USDT", Side.LONG, "3")
    engine = await _engine([venue], clock)
    try:
        assert not engine.latest.book.account("a").snapshot.open_orders
        venue.placed = True
        assert (await send(engine, FLAT)).ok
        assert venue.cancelled == ["add"] and engine.unwind.run.cancelled == ("add",)
    finally:
        await engine.stop()



class CountingVenue(OrdersVenue):
    """OrdersVenue that counts its snapshots and its fresh reads (`refresh`); with `quiet`, no
    orders rest there."""

    quiet = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cancelled, self.snapshots, self.refreshes = [], 0, 0

    async def snapshot(self):
        self.snapshots += 1
        snap = await super().snapshot()
        return dataclasses.replace(snap, open_orders=()) if self.quiet else snap

    def refresh(self) -> None:
        self.refreshes += 1


async def test_starting_a_run_reads_each_venue_afresh_once_and_again_only_where_it_cancelled():
    """One fresh read of every account serves the cancels and the plan; an account where an
    order was cancelled is read once more (a fill racing the cancel moves its position)."""
    clock = Clock(NOW)
    busy, calm = CountingVenue(account("a"), clock), CountingVenue(account("b"), clock)
    calm.quiet = True
    busy.positions["SOL/USDT:USDT"] = position("a", "SOL/USDT:USDT", Side.LONG, "3")
    calm.positions["ETH/USDT:USDT"] = position("b", "ETH/USDT:USDT", Side.SHORT, "5")
    engine = Engine([busy, calm], clock=clock, settings=FAST)  # no pollers: every read is the run's
    await engine.poll_once()
    busy.snapshots = calm.snapshots = 0
    try:
        assert (await send(engine, FLAT)).ok
        assert (calm.snapshots, calm.refreshes) == (1, 1)
        assert (busy.snapshots, busy.refreshes) == (2, 2) and busy.cancelled == ["add"]
        assert engine.unwind.run.cancelled == ("add",)
        # The plan was made on the read after the cancel: the order that added risk is gone.
        assert [o.client_id for o in engine.latest.book.account("a").snapshot.open_orders] == ["trim"]
    finally:
        await engine.stop()


async def test_a_run_to_the_kill_switchs_cut_carries_it_out_once_and_the_switch_never_sends_it_again():
    from cockpit.model import KillStatus
    from cockpit.sim import build_demo

    clock = Clock(NOW)
    session = build_demo(seed=7, scenario="funding-squeeze", clock=clock)
    engine = Engine(session.venues, sim=session, clock=clock)
    frame = await engine.poll_once()
    for _ in range(180):  # until the switch proposes its cut (advise mode)
        clock.now += 10
        frame = await engine.poll_once()
        if frame.assessment.kill.proposed:
            break
    assert frame.assessment.kill.status is KillStatus.REDUCING
    gross = frame.assessment.gross
    proposed = {i.key: i.amount for i in frame.assessment.kill.proposed}
    try:
        assert (await send(engine, StartUnwind(UnwindTarget(TargetKind.KILL_CUT), id="k1", trigger="kill switch"))).ok
        run = engine.unwind.run
        cuts = {s.key: s.amount for s in run.steps if s.kind is StepKind.CUT}
        assert cuts == proposed  # the switch's own sizes, nothing else
        assert all(s.depth is not None and s.depth > 0 for s in run.steps if s.kind is StepKind.CUT)
        assert await engine.accept_proposal() == []  # the run has it: an accept sends nothing more
        await send(engine, ResumeRun("k1"))
        run = await _over(engine)
        assert run.state is RunState.DONE
        orders = engine.journal.rows()
        assert all(r.intent_id.startswith("unwind:k1:") for r in orders)  # the switch sent none itself
        sent: dict = {}
        for r in orders:  # a step may go in slices (the simulated book's depth): together its amount
            sent[(r.account, r.symbol)] = sent.get((r.account, r.symbol), Decimal(0)) + r.filled
        assert sent == {(k.account, k.symbol): a for k, a in proposed.items()}
        after = await engine.poll_once()
        assert 1 - after.assessment.gross / gross >= 0.30 - 0.002
    finally:
        await engine.stop()
