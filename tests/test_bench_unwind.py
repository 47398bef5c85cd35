"""The unwind benchmark's limits: the physical one (venues in parallel, orders in turn) and the
plan's own critical path (a group starts when each of its legs is first on its venue)."""

from __future__ import annotations

from decimal import Decimal

from bench.bench_unwind import group_limit, limit
from cockpit.model import PositionKey, Side
from cockpit.model.unwind import RunMode, RunState, StepKind, TargetKind, UnwindRun, UnwindStep, UnwindTarget, Why


def _step(seq, account, group="", slices=1, kind=StepKind.CUT):
    return UnwindStep(seq=seq, kind=kind, key=PositionKey(account, "X/USDT:USDT"), venue=account, layer="cex",
                      asset="X", side=Side.LONG, size=Decimal(1), amount=Decimal(1), notional=1.0,
                      why=(Why.TARGET,), slices=slices, group=group)


def test_limits():
    rtt = {"a": 0.1, "b": 0.3}
    steps = (
        _step(1, "b", kind=StepKind.BRIDGE),  # a checklist item: no order
        _step(2, "a", group="g"), _step(3, "b", group="g"),  # together: both start at 0
        _step(4, "a", slices=2),  # a: 0.1 → 0.3
        _step(5, "a", group="h"), _step(6, "b", group="h"),  # waits for b (0.3) and a (0.3): ends 0.6
    )
    run = UnwindRun(id="r", target=UnwindTarget(TargetKind.FLAT), mode=RunMode.RUNNING, state=RunState.READY,
                    trigger="t", started=0.0, steps=steps)
    assert abs(limit(run, rtt) - 0.6) < 1e-9  # b: 2 orders × 0.3; a: 4 orders × 0.1
    assert abs(group_limit(run, rtt) - 0.6) < 1e-9
    slow = {"a": 0.1, "b": 0.05}
    assert abs(limit(run, slow) - 0.4) < 1e-9  # a: 4 orders
    assert abs(group_limit(run, slow) - 0.4) < 1e-9
    late = (_step(2, "a"), _step(3, "a"), _step(4, "a", group="g"), _step(5, "b", group="g"))
    run = UnwindRun(id="r", target=UnwindTarget(TargetKind.FLAT), mode=RunMode.RUNNING, state=RunState.READY,
                    trigger="t", started=0.0, steps=late)
    assert abs(limit(run, rtt) - 0.3) < 1e-9
    assert abs(group_limit(run, rtt) - 0.5) < 1e-9  # b's leg waits for a's two steps before its group
