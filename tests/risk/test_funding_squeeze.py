"""Done-when, on the simulator's funding-squeeze scenario: the index crosses its threshold, the
switch goes WARN then REDUCING, the proposed 30 % cut is shown per position, executing it shrinks
gross exposure by 30 % without flipping a position, and the switch stays latched until a person
resets it after funding has normalized."""

from __future__ import annotations

import hashlib

import pytest

from cockpit.model import AccountState, Book, Health, KillStatus, OrderRequest
from cockpit.risk import RiskEngine

sim = pytest.importorskip("cockpit.sim")
snapshot = pytest.importorskip("cockpit.sim.snapshot").snapshot


def _book(world) -> Book:
    snaps = [snapshot(world, acc, world.t) for acc in world.ledger.accounts]
    return Book(now=world.t, accounts=tuple(
        AccountState(info=s.account, snapshot=s, health=Health.LIVE, age=0.0) for s in snaps))


def test_funding_squeeze_end_to_end():
    world = sim.build_world(seed=7, scenario="funding-squeeze")
    instruments = {acc.name: dict(acc.instruments) for acc in world.ledger.accounts}
    engine = RiskEngine()
    start = world.t
    seen: list[KillStatus] = []
    resets_refused = 0
    accepted = False
    for _ in range(80 * 6):  # 80 minutes, an evaluation every 10 s of sim time
        world.advance(10)
        book = _book(world)
        a = engine.evaluate(book, instruments, world.t)
        if not seen or seen[-1] is not a.kill.status:
            seen.append(a.kill.status)
        if a.kill.status is KillStatus.REDUCING and not accepted:
            assert a.funding_stress >= a.funding_stress_threshold
            assert a.kill.proposed and a.kill.cut_planned >= 0.30
            # The cut is shown per position: one intent for each position of every LIVE account.
            assert {i.key for i in a.kill.proposed} == {p.key for p in a.positions}
            before = {p.key: p for p in a.positions}
            for intent in a.kill.proposed:  # the user accepts: each becomes a reduce-only order
                p = before[intent.key]
                world.submit_order(intent.account, OrderRequest(
                    client_id="ck" + hashlib.sha256(intent.id.encode()).hexdigest()[:24],
                    account=intent.account, symbol=intent.symbol, side=p.side.opposite,
                    amount=intent.amount, reduce_only=True))
            accepted = True
            after = {p.key: p for p in _book(world).positions()}
            assert all(after[k].side is p.side and after[k].size <= p.size for k, p in before.items())
            gross_before = sum(float(p.size) * p.mark for p in before.values())
            gross_after = sum(float(after[k].size) * p.mark for k, p in before.items())  # same marks
            assert 1 - gross_after / gross_before == pytest.approx(0.30, abs=0.002)
            assert gross_after / gross_before <= 0.70
        if a.kill.status is KillStatus.HALTED:
            minutes = (world.t - start) / 60
            if not a.kill.can_reset:
                resets_refused += not engine.reset_kill(world.t)
                assert minutes < 75, "funding normalizes within the hour: the reset must come"
            else:
                assert a.funding_stress < 35
                assert engine.reset_kill(world.t)
                break
    assert seen[:4] == [KillStatus.NORMAL, KillStatus.WARN, KillStatus.REDUCING, KillStatus.HALTED]
    assert resets_refused > 100  # latched for the whole squeeze and the dwell after it
    assert engine.kill.status is KillStatus.NORMAL
    assert [e.after for e in engine.kill.events] == [KillStatus.WARN, KillStatus.REDUCING, KillStatus.HALTED,
                                                     KillStatus.NORMAL]
