"""Cancelling open orders (`CancelOrder`, `CancelAll`) on the simulator: validated by the engine,
carried out through the venue, journaled, told as events; our orders in flight on the frame."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

from cockpit.engine import handling
from cockpit.engine.demo import demo_engine
from cockpit.engine.journal import Journal
from cockpit.model import Intent, IntentSource, KillLatch, KillStatus, OrderRequest, OrderStatus, Side
from cockpit.model.commands import CancelAll, CancelOrder, StartUnwind
from cockpit.model.events import EventKind
from cockpit.model.unwind import RunState, StepStatus, TargetKind, UnwindTarget

FROZEN = 1_780_000_000.0


def _engine(**kwargs):
    engine = demo_engine(seed=7, clock=lambda: FROZEN, **kwargs)
    events = []
    engine.on_event(events.append)
    engine.events = events
    return engine


def _long(frame, account="binance"):
    """A long position of `account` and its instrument's tick."""
    return next(p for p in frame.book.positions() if p.account == account and p.side is Side.LONG)


def _far_above(engine, position, factor="1.5"):
    """A sell price far above the mark (on the tick): a limit there rests."""
    ins = engine.venues[position.account].instruments()[position.symbol]
    raw = Decimal(str(position.mark_price)) * Decimal(factor)
    return (raw / ins.price_step).to_integral_value() * ins.price_step


async def _rest_ours(engine, frame, intent_id="trim:test:limit", account="binance"):
    """One of our reduce-only limits, resting at the venue."""
    p = _long(frame, account)
    intent = Intent(id=intent_id, account=p.account, symbol=p.symbol, source=IntentSource.HOTKEY,
                    reason="hotkey trim 10%", fraction=0.1, limit=_far_above(engine, p))
    outcome = await engine.submit(intent)
    assert outcome.status is OrderStatus.OPEN, outcome.message
    return outcome.client_id, p


def _rest_theirs(engine, frame, client_id="web-tp-1", account="binance"):
    """An order at the venue that is not ours (placed by hand on the venue's site)."""
    p = _long(frame, account)
    ins = engine.venues[account].instruments()[p.symbol]
    engine.sim.world.submit_order(account, OrderRequest(
        client_id=client_id, account=account, symbol=p.symbol, side=Side.SHORT, amount=ins.min_amount,
        reduce_only=True, type="limit", price=_far_above(engine, p, "1.3")))
    return p


def _open_at_venue(frame, account="binance"):
    return {o.client_id for o in frame.book.account(account).snapshot.open_orders}


async def test_our_resting_order_is_on_the_frame_and_cancelled_through_the_journal():
    engine = _engine()
    frame = await engine.poll_once()
    cid, p = await _rest_ours(engine, frame)
    frame = engine.latest
    (working,) = frame.working
    assert (working.client_id, working.status, working.type, working.intent_id) == (
        cid, OrderStatus.OPEN, "limit", "trim:test:limit")
    assert cid in _open_at_venue(frame)

    result = await handling.send(engine, CancelOrder("binance", cid))

    assert result.ok, result.message
    assert "cancelled" in result.message and result.orders[0].status is OrderStatus.CANCELED
    assert engine.journal.get(cid).status is OrderStatus.CANCELED
    frame = engine.latest
    assert frame.working == () and cid not in _open_at_venue(frame)
    (event,) = [e for e in engine.events if e.field("cancel") == "yes"]
    assert event.kind is EventKind.ORDER and event.field("status") == "canceled" and event.field("ours") == "yes"
    assert [d["client_id"] for _, _, d in engine.journal.events("cancel")] == [cid]


async def test_an_order_that_is_not_ours_is_cancelled_at_the_venue_and_journaled():
    engine = _engine()
    frame = await engine.poll_once()
    _rest_theirs(engine, frame)
    frame = await engine.poll_once()
    assert "web-tp-1" in _open_at_venue(frame) and frame.working == ()

    result = await handling.send(engine, CancelOrder("binance", "web-tp-1"))

    assert result.ok, result.message
    assert "not ours" in result.message
    assert "web-tp-1" not in _open_at_venue(engine.latest)
    assert engine.journal.rows() == []  # never one of our orders
    (_, _, detail), = engine.journal.events("cancel")
    assert detail["ours"] is False and detail["client_id"] == "web-tp-1"


async def test_an_unknown_or_already_gone_order_is_answered_so():
    engine = _engine()
    frame = await engine.poll_once()
    cid, _ = await _rest_ours(engine, frame)
    assert (await handling.send(engine, CancelOrder("binance", cid))).ok
    again = await handling.send(engine, CancelOrder("binance", cid))
    assert not again.ok and "no open order" in again.message and "already" in again.message
    nowhere = await handling.send(engine, CancelOrder("binance", "never-placed"))
    assert not nowhere.ok and "no open order never-placed" in nowhere.message
    nobody = await handling.send(engine, CancelOrder("nobody", "x"))
    assert not nobody.ok and "no account named 'nobody'" in nobody.message


async def test_read_only_refuses_with_its_reason_and_sends_nothing():
    engine = _engine(readonly=True)
    frame = await engine.poll_once()
    _rest_theirs(engine, frame)
    await engine.poll_once()
    for command in (CancelOrder("binance", "web-tp-1"), CancelAll("binance")):
        result = await handling.send(engine, command)
        assert not result.ok and "read-only" in result.message
    terminal = await handling.send(_engine(), CancelOrder("binance", "web-tp-1"), readonly="this terminal is read-only")
    assert terminal.message == "this terminal is read-only"
    assert "web-tp-1" in _open_at_venue(await engine.poll_once())
    assert engine.journal.events("cancel") == []


async def test_cancelling_is_allowed_while_the_kill_switch_is_halted(tmp_path):
    journal = Journal(tmp_path / "j.sqlite")
    journal.save_latch(KillLatch(status=KillStatus.HALTED, cause="daily drawdown", episodes=1, episode="e1",
                                 since=FROZEN, episode_since=FROZEN), now=FROZEN)
    engine = _engine(journal=journal)
    frame = await engine.poll_once()
    assert frame.assessment.kill.status is KillStatus.HALTED
    _rest_theirs(engine, frame)
    await engine.poll_once()
    result = await handling.send(engine, CancelOrder("binance", "web-tp-1"))
    assert result.ok, result.message
    assert engine.latest.assessment.kill.status is KillStatus.HALTED  # a cancel resets nothing


async def test_an_order_of_an_unwind_step_being_sent_is_left_to_the_run_until_that_step_is_over():
    engine = _engine()
    frame = await engine.poll_once()
    plan = engine.unwind.preview(StartUnwind(UnwindTarget(TargetKind.FLAT)))
    step = next(s for s in plan.steps if s.key == _long(frame).key)
    sending = dataclasses.replace(step, status=StepStatus.SENDING)
    engine.unwind.run = dataclasses.replace(
        plan, id="r1", state=RunState.RUNNING,
        steps=tuple(sending if s.seq == step.seq else s for s in plan.steps))
    cid, _ = await _rest_ours(engine, frame, intent_id=f"unwind:r1:{step.seq}:0:0")

    refused = await handling.send(engine, CancelOrder("binance", cid))
    assert not refused.ok
    assert f"unwind step {step.seq}" in refused.message and "abort the run" in refused.message
    assert engine.journal.get(cid).status is OrderStatus.OPEN
    everything = await handling.send(engine, CancelAll("binance"))
    assert not everything.ok and "0 of 1" in everything.message and "abort" in everything.message

    engine.unwind.run = dataclasses.replace(engine.unwind.run, steps=tuple(
        dataclasses.replace(s, status=StepStatus.SHORT) if s.seq == step.seq else s for s in plan.steps))
    assert (await handling.send(engine, CancelOrder("binance", cid))).ok


async def test_cancel_all_cancels_ours_and_the_venues_orders_of_one_account_only():
    engine = _engine()
    frame = await engine.poll_once()
    ours, _ = await _rest_ours(engine, frame)
    _rest_theirs(engine, frame)
    _rest_theirs(engine, frame, client_id="web-tp-okx", account="okx")
    await engine.poll_once()

    result = await handling.send(engine, CancelAll("binance"))

    assert result.ok and result.message == "binance: 2 of 2 open orders cancelled"
    assert {r.client_id for r in result.orders} == {ours, "web-tp-1"}
    frame = await engine.poll_once()
    assert _open_at_venue(frame) == set() and _open_at_venue(frame, "okx") == {"web-tp-okx"}
    empty = await handling.send(engine, CancelAll("binance"))
    assert not empty.ok and empty.message == "binance: no open orders to cancel"


async def test_a_partly_filled_order_is_cancelled_with_what_it_filled():
    engine = _engine()
    frame = await engine.poll_once()
    cid, p = await _rest_ours(engine, frame)
    row = engine.journal.get(cid)
    record = engine.sim.world.exchange.orders[("binance", cid)]
    record.filled = row.amount / 2  # the venue filled half of it meanwhile
    record.status = OrderStatus.PARTIAL
    result = await handling.send(engine, CancelOrder("binance", cid))
    assert result.ok and result.orders[0].filled == row.amount / 2
    assert engine.journal.get(cid).filled == row.amount / 2


async def test_one_of_ours_whose_outcome_is_unknown_is_said_to_be_looked_up_not_cancelled():
    engine = _engine()
    frame = await engine.poll_once()
    p = _long(frame)
    request = OrderRequest(client_id="ck-lost", account="binance", symbol=p.symbol, side=Side.SHORT,
                           amount=Decimal("0.001"))
    engine.journal.record(request, intent_id="trim:lost", source=IntentSource.HOTKEY, reason="close", now=FROZEN)
    engine.journal.set_status("ck-lost", OrderStatus.UNKNOWN, now=FROZEN, detail="timeout")
    assert [w.status for w in engine.publish().working] == [OrderStatus.UNKNOWN]

    result = await handling.send(engine, CancelOrder("binance", "ck-lost"))

    assert not result.ok and result.orders[0].status is OrderStatus.UNKNOWN
    assert "not known at the venue yet" in result.message and "looked up" in result.message
    assert engine.journal.get("ck-lost").status is OrderStatus.UNKNOWN  # still in flight, still watched
