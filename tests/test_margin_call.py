"""The `margin-call` scenario puts a collateral top-up in front of a new user: stepped on a fake
clock (no wall time), Bybit's cross margin nears liquidation within two simulated minutes while
no other account can rescue it, so the unwind planner offers a top-up from its funding wallet;
confirmed in a run, it moves the money from the spot wallet into the perp margin exactly once."""

from __future__ import annotations

import asyncio
from decimal import ROUND_DOWN, Decimal

from cockpit.engine import Engine
from cockpit.engine.handling import send
from cockpit.engine.topup import top_up_id
from cockpit.model import RescueStatus
from cockpit.model.commands import ConfirmStep, ResumeRun, StartUnwind
from cockpit.model.unwind import RunMode, StepKind, StepStatus, TargetKind, UnwindTarget, Why
from cockpit.risk.unwind import PlanSettings, plan_unwind
from cockpit.sim import build_demo, topup
from tests.engine.fakes import Clock
from tests.engine.test_unwind import FAST, NOW, _over
from tests.waiting import until_async as until

FLAT = UnwindTarget(TargetKind.FLAT)
#: The squeeze starts at 30 s and lasts a minute: the top-up must be offered by then.
WITHIN = 120


def _cents(value) -> Decimal:
    """A ledger figure (a float, as the simulator keeps wallets) to the cent."""
    return Decimal(repr(float(value))).quantize(Decimal("0.01"))


def _spot(session) -> dict[str, float]:
    """What each account's spot wallet holds, as its venue tells a top-up (none: not there)."""
    world = session.world
    return {a.name: topup.available(world, a.name) for a in world.ledger.accounts
            if a.info.layer in topup.TOP_UP_LAYERS}


def _top_ups(engine: Engine, session, frame):
    plan = plan_unwind(frame.book, frame.assessment, engine.instruments, FLAT,
                       settings=PlanSettings(top_up=_spot(session)))
    return [s for s in plan.steps if s.kind is StepKind.TOPUP]


async def _squeezed(clock: Clock, seed: int = 7):
    """The scenario stepped every 10 simulated seconds until a plan offers a top-up (at most
    `WITHIN` seconds): (engine, session, frame, seconds, the top-up steps)."""
    session = build_demo(seed=seed, scenario="margin-call", clock=clock)
    engine = Engine(session.venues, sim=session, clock=clock, settings=FAST)
    frame = await engine.poll_once()
    assert not _top_ups(engine, session, frame)  # the first look: nothing to top up yet
    near = [p.key for p in frame.assessment.positions if "near-liq" in p.flags]
    assert [k.symbol for k in near if k.account == "bybit"] == ["SOL/USDT:USDT"]  # only the isolated one
    for waited in range(10, WITHIN + 1, 10):
        clock.now += 10
        frame = await engine.poll_once()
        found = _top_ups(engine, session, frame)
        if found:
            return engine, session, frame, waited, found
    raise AssertionError(f"no top-up offered within {WITHIN} simulated seconds")


async def test_within_two_simulated_minutes_the_plan_offers_bybit_a_top_up_from_its_funding_wallet():
    for seed in (7, 3):
        engine, session, frame, waited, steps = await _squeezed(Clock(NOW), seed)
        assert 30 < waited <= WITHIN
        (step,) = steps
        bybit = next(c for c in frame.assessment.collateral if c.account == "bybit")
        # Why a top-up and not a rescue: near liquidation on cross, and the others' spare margin
        # cannot cover Bybit's need (so no rescue from another layer arrives in time).
        assert bybit.rescue_status is not RescueStatus.COVERED and bybit.rescue_seconds is None
        assert any(p.key.account == "bybit" and not p.key.symbol.startswith("SOL") and "near-liq" in p.flags
                   for p in frame.assessment.positions)
        assert step.key.account == "bybit" and Why.TOPUP_FASTER in step.why
        assert step.amount == Decimal(repr(bybit.rescue_need)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        assert 0 < step.amount < Decimal(45000)  # the need, less than the funding wallet holds


async def test_a_run_sends_the_top_up_once_and_the_simulator_moves_it_from_spot_to_margin():
    clock = Clock(NOW)
    engine, session, _frame, _, _ = await _squeezed(clock)
    ledger, transfers = session.world.ledger, session.world.transfers
    bybit = ledger.by_name["bybit"].index
    engine.start()
    try:
        assert (await send(engine, StartUnwind(FLAT, id="r1", mode=RunMode.STEP))).ok
        run = engine.unwind.run
        top = next(s for s in run.steps if s.kind is StepKind.TOPUP)
        first_cut = next(s for s in run.steps if s.kind is StepKind.CUT and s.key.account == "bybit")
        assert top.status is StepStatus.OFFERED and top.seq < first_cut.seq
        spot, wallet = ledger.spot[bybit], ledger.wallet[bybit]
        assert (await send(engine, ConfirmStep("r1", top.seq))).ok

        def landed():
            clock.now += 2  # simulated time passes while the run waits for the transfer
            return engine.unwind.run.step(top.seq).status is StepStatus.DONE
        await until(landed, timeout=20, what="the top-up to land", every=0.1)
        done = engine.unwind.run.step(top.seq)
        assert done.filled == top.amount and f"arrived: {top.amount}" in done.detail
        moved = transfers.by_client[("bybit", top_up_id("r1", top.seq))]
        assert moved.amount == top.amount  # exact, as sent
        assert _cents(spot - ledger.spot[bybit]) == top.amount
        assert _cents(ledger.wallet[bybit] - wallet) == top.amount
        assert not (await send(engine, ConfirmStep("r1", top.seq))).ok  # never twice

        assert (await send(engine, ResumeRun("r1"))).ok
        run = await _over(engine)
        await asyncio.sleep(0)
        assert run.step(top.seq).filled == top.amount
        assert [k for k in transfers.by_client if k[0] == "bybit"] == [("bybit", top_up_id("r1", top.seq))]
        assert _cents(spot - ledger.spot[bybit]) == top.amount  # moved exactly once
    finally:
        await engine.stop()
