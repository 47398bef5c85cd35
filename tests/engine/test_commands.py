"""Commands through the engine's port: validated by the engine, answered with typed results, and
carried out on the engine's own thread (`LocalEngine`); events for what happened."""

from __future__ import annotations

import asyncio
import math
import threading
from dataclasses import replace
from decimal import Decimal

import pytest

from cockpit.engine import handling
from cockpit.engine.demo import demo_engine
from cockpit.engine.local import LocalEngine
from cockpit.model import KillMode, KillStatus, OrderStatus
from cockpit.model.commands import (
    AcceptKillCut, Close, CommandResult, Refused, ResetKill, SetKillMode, Trim, TrimPreview,
)
from cockpit.model.events import EventKind, Severity

FROZEN = 1_780_000_000.0


def _engine(**kwargs):
    return demo_engine(seed=7, clock=lambda: FROZEN, **kwargs)


def _largest(frame):
    return max(frame.assessment.positions, key=lambda p: p.notional or 0).key


@pytest.mark.parametrize("fraction", [0, -0.25, 1.5, math.nan, math.inf])
def test_a_trim_outside_zero_to_one_is_refused_by_the_engine(fraction):
    engine = _engine()
    frame = asyncio.run(engine.poll_once())
    command = Trim(_largest(frame), fraction, id="x")
    assert isinstance(handling.preview(engine, command), Refused)
    result = asyncio.run(handling.send(engine, command))
    assert not result.ok and "fraction" in result.message
    assert engine.journal.rows() == []


def test_a_confirmed_size_below_zero_is_refused():
    engine = _engine()
    frame = asyncio.run(engine.poll_once())
    result = asyncio.run(handling.send(engine, Trim(_largest(frame), 0.25, id="x", cap=Decimal("-1"))))
    assert not result.ok and engine.journal.rows() == []


def test_read_only_refuses_orders_and_auto_mode_but_not_a_reset_request():
    engine = _engine(readonly=True)
    frame = asyncio.run(engine.poll_once())
    key = _largest(frame)
    for command in (Trim(key, 0.25, id="x"), Close(key, id="y"), AcceptKillCut()):
        result = asyncio.run(handling.send(engine, command))
        assert not result.ok and "read-only" in result.message
    assert not asyncio.run(handling.send(engine, SetKillMode(KillMode.AUTO))).ok
    assert engine.risk.kill.mode is KillMode.ADVISE
    reset = asyncio.run(handling.send(engine, ResetKill()))
    assert reset.message == "Kill switch is NORMAL: nothing to reset"
    assert engine.journal.rows() == []


def test_a_terminal_in_read_only_mode_cannot_act_on_a_trading_engine():
    engine = _engine()
    frame = asyncio.run(engine.poll_once())
    why = "this terminal is read-only (--readonly)"
    result = asyncio.run(handling.send(engine, Trim(_largest(frame), 0.25, id="x"), readonly=why))
    assert not result.ok and result.message == why
    assert handling.preview(engine, Close(_largest(frame)), readonly=why) == Refused(why)
    assert engine.journal.rows() == []


def test_the_same_command_sent_twice_is_one_order_never_more_than_confirmed():
    engine = _engine()
    frame = asyncio.run(engine.poll_once())
    key = _largest(frame)
    preview = handling.preview(engine, Trim(key, 0.5, id="same"))
    assert isinstance(preview, TrimPreview) and preview.cut > 0
    cap = preview.cut / 2  # the person confirmed less than a half now is
    first = asyncio.run(handling.send(engine, Trim(key, 0.5, id="same", cap=cap)))
    again = asyncio.run(handling.send(engine, Trim(key, 0.5, id="same", cap=cap)))
    assert first.ok and first.orders[0].status is OrderStatus.FILLED
    rows = engine.journal.rows()
    assert len(rows) == 1 and rows[0].amount <= cap
    assert again.orders[0].client_id == first.orders[0].client_id


def test_accepting_a_cut_of_another_episode_is_refused():
    engine = _engine()
    asyncio.run(engine.poll_once())
    result = asyncio.run(handling.send(engine, AcceptKillCut(episode="not-this-one")))
    assert not result.ok and engine.journal.rows() == []


def test_order_and_kill_events_carry_their_fields():
    engine = _engine()
    events = []
    engine.on_event(events.append)
    frame = asyncio.run(engine.poll_once())
    asyncio.run(handling.send(engine, Close(_largest(frame), id="c")))
    orders = [e for e in events if e.kind is EventKind.ORDER]
    assert orders and orders[-1].field("status") == OrderStatus.FILLED.value
    assert orders[-1].account == _largest(frame).account
    engine._record_kill_events((replace(_kill_event(), after=KillStatus.REDUCING),))
    kill = [e for e in events if e.kind is EventKind.KILL][-1]
    assert kill.severity is Severity.CRITICAL and kill.field("after") == "REDUCING"
    assert [e.seq for e in events] == sorted({e.seq for e in events})  # one number per event


def _kill_event():
    from cockpit.model import KillEvent

    return KillEvent(time=FROZEN, before=KillStatus.NORMAL, after=KillStatus.WARN, cause="test")


def test_near_liquidation_is_an_event_once_per_entry_not_per_frame():
    engine = _engine()
    events = []
    engine.on_event(events.append)
    for _ in range(3):
        asyncio.run(engine.poll_once())
    near = [e for e in events if e.kind is EventKind.NEAR_LIQ]
    assert len(near) == 1 and near[0].severity is Severity.CRITICAL  # the demo's bybit SOL long
    assert "from liquidation" in near[0].text


def test_an_event_listener_that_raises_never_stops_the_others():
    engine = _engine()
    seen = []

    def broken(_event):
        raise RuntimeError("listener bug")

    engine.on_event(broken)
    engine.on_event(seen.append)
    engine.notice("hello")
    assert [e.text for e in seen] == ["hello"]


# -- LocalEngine: its own thread and loop ---------------------------------------------------


def test_local_engine_runs_on_its_own_thread_and_answers_commands():
    api = LocalEngine(_engine())
    threads = []
    api.subscribe(lambda frame: threads.append(threading.current_thread().name))
    api.start()
    try:
        assert api.latest is not None  # the simulator's first frame is there before any paint
        key = _largest(api.latest)

        async def trim() -> CommandResult:
            preview = await api.preview(Trim(key, 0.25, id="t1"))
            assert isinstance(preview, TrimPreview)
            return await api.send(Trim(key, 0.25, id="t1", cap=preview.cut))

        result = asyncio.run(trim())
        assert result.ok, result.message
        assert threads and set(threads) == {"cockpit-engine"}
        assert len(api.engine.journal.rows()) == 1
    finally:
        api.stop()
    assert not any(t.name == "cockpit-engine" for t in threading.enumerate())


def test_local_engine_keeps_publishing_when_a_subscriber_raises():
    api = LocalEngine(_engine())
    got = threading.Event()
    api.subscribe(lambda frame: (_ for _ in ()).throw(RuntimeError("UI bug")))
    api.subscribe(lambda frame: got.set())
    api.start()
    try:
        got.clear()
        assert got.wait(5.0)  # the 1 Hz tick publishes again, the broken subscriber notwithstanding
    finally:
        api.stop()
