"""The open-orders view's words (Textual-free): where each order came from, where it stands, and
the venues' orders joined with ours by (account, client id)."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

from cockpit.engine.demo import demo_engine
from cockpit.model import IntentSource, Order, OrderStatus, Side, WorkingOrder
from cockpit.present import orders as po

FROZEN = 1_780_000_000.0


def _working(intent_id: str, **kw) -> WorkingOrder:
    values = dict(client_id="ck1", intent_id=intent_id, account="binance", symbol="BTC/USDT:USDT",
                  side=Side.SHORT, amount=Decimal("0.5"), filled=Decimal(0), status=OrderStatus.OPEN,
                  source=IntentSource.PLAYBOOK, reason="", created=FROZEN - 30)
    values.update(kw)
    return WorkingOrder(**values)


def test_origin_reads_the_intent_id():
    assert po.origin(_working("trim:binance:BTC:0.25:abc", reason="hotkey trim 25%")) == "trim 25%"
    assert po.origin(_working("trim:binance:BTC:1.0:abc", reason="close")) == "close"
    assert po.origin(_working("kill:e3:binance/BTC")) == "kill cut"
    assert po.origin(_working("unwind:r1:3:0:0")) == "unwind #3"
    assert po.origin(_working("unwind:r1:3:0:1", type="limit", price=Decimal(70000))) == "unwind #3 r2"
    assert po.origin(_working("unwind:r1:4:0:0", reduce_only=False)) == "hedge #4"


def test_ours_and_the_venues_are_joined_by_client_id_and_ours_not_listed_are_kept():
    frame = asyncio.run(demo_engine(seed=7, clock=lambda: FROZEN, orders=True).poll_once())
    acc = frame.book.account("binance")
    theirs = acc.snapshot.open_orders[0]
    mine = Order(client_id="ck-rest", account="binance", symbol=theirs.symbol, side=Side.SHORT,
                 amount=Decimal("0.2"), filled=Decimal("0.05"), status=OrderStatus.PARTIAL, type="limit",
                 price=Decimal(99000), timestamp=frame.sim_time)
    snapshot = dataclasses.replace(acc.snapshot, open_orders=(*acc.snapshot.open_orders, mine))
    book = dataclasses.replace(frame.book, accounts=tuple(
        dataclasses.replace(a, snapshot=snapshot) if a.name == "binance" else a for a in frame.book.accounts))
    working = (_working("trim:x:0.1:a", client_id="ck-rest", symbol=theirs.symbol, amount=Decimal("0.2"),
                        type="limit", price=Decimal(99000), reason="hotkey trim 10%", source=IntentSource.HOTKEY),
               _working("kill:e1:binance/BTC", client_id="ck-away", status=OrderStatus.UNKNOWN,
                        source=IntentSource.KILL_SWITCH))
    lines = po.order_lines(dataclasses.replace(frame, book=book, working=working))
    binance = [x for x in lines if x.account == "binance"]
    assert [(x.client_id, x.ours, x.at_venue, x.state) for x in binance] == [
        ("ck-rest", True, True, "part-fill"), ("ck-away", True, False, "unknown"),
        ("web_tp_btc", False, True, "resting")]
    assert binance[0].filled == Decimal("0.05") and binance[0].age == 30  # the venue's fill, our age
    assert po.header(lines) == "4 open orders on 2 accounts: 2 ours (1 not at a venue yet), 2 not ours"
    assert "not at the venue yet" in po.detail(binance[1], frame)


def test_an_order_of_a_step_being_sent_says_the_run_has_it():
    engine = demo_engine(seed=7, clock=lambda: FROZEN)
    frame = asyncio.run(engine.poll_once())
    from cockpit.model.commands import StartUnwind
    from cockpit.model.unwind import RunState, StepStatus, TargetKind, UnwindTarget

    plan = engine.unwind.preview(StartUnwind(UnwindTarget(TargetKind.FLAT)))
    step = plan.steps[0]
    run = dataclasses.replace(plan, id="r1", state=RunState.RUNNING, steps=(
        dataclasses.replace(step, status=StepStatus.SENDING), *plan.steps[1:]))
    rung = _working(f"unwind:r1:{step.seq}:0:0", account=step.key.account, symbol=step.key.symbol, type="limit")
    (line,) = po.order_lines(dataclasses.replace(frame, run=run, working=(rung,)))
    assert line.run_step == step.seq and line.origin == f"unwind #{step.seq} r1"
    assert po.cancel_note(line, frame) == (f"unwind step {step.seq} is sending it: abort the run to cancel its "
                                           "resting orders")
    assert po.order_lines(frame) == []
    assert po.header([]) == "Open orders: none"
