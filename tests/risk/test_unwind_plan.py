"""The unwind planner (`cockpit.risk.unwind`): exact reduce-only sizes, hedged legs together within
the net bound, urgency order, blind accounts held and hedged, for every book hypothesis draws."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.model import Health
from cockpit.model.unwind import StepKind, TargetKind, UnwindTarget, Why
from cockpit.risk import RiskEngine
from cockpit.risk.unwind import NET_SLACK, plan_unwind, time_to_liquidation
from tests.risk.factory import account, book, instruments_for, position

NOW = 1_780_000_000.0
VENUES = ("binance", "bybit", "okx", "hyperliquid")
ASSETS = {"BTC": 60_000.0, "ETH": 3_000.0, "SOL": 150.0}


def _assess(b, ins):
    return RiskEngine().evaluate(b, ins, NOW)


@st.composite
def books(draw):
    """2–4 accounts, 1–3 positions each, in 3 assets, sizes on a 0.001 grid; maybe one not LIVE."""
    n = draw(st.integers(2, 4))
    blind = draw(st.sampled_from([None, *range(n)]))
    accounts = []
    for i in range(n):
        held = draw(st.lists(st.sampled_from(sorted(ASSETS)), min_size=1, max_size=3, unique=True))
        positions = [
            position(f"a{i}", VENUES[i], asset, draw(st.sampled_from(["long", "short"])),
                     Decimal(draw(st.integers(1, 50_000))) / 1000, ASSETS[asset])
            for asset in held]
        health = Health.DOWN if blind == i else Health.LIVE
        accounts.append(account(f"a{i}", VENUES[i], positions, equity=2e6, fetched_at=NOW, health=health))
    return book(NOW, *accounts)


TARGETS = st.sampled_from([UnwindTarget(TargetKind.FLAT), UnwindTarget(TargetKind.GROSS, 0.3),
                           UnwindTarget(TargetKind.GROSS, 0.75), UnwindTarget(TargetKind.ASSET, name="ETH"),
                           UnwindTarget(TargetKind.ACCOUNT, name="a0")])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books(), TARGETS)
def test_every_cut_is_reduce_only_on_the_step_grid_and_never_more_than_the_position(b, target):
    ins = instruments_for(b)
    plan = plan_unwind(b, _assess(b, ins), ins, target)
    cut: dict = {}
    for step in plan.steps:
        if step.kind is not StepKind.CUT:
            continue
        p = b.position(step.key)
        assert p is not None and b.account(step.key.account).health is Health.LIVE
        assert step.order_side is p.side.opposite  # never adds to the position
        assert step.amount > 0 and step.amount % Decimal("0.001") == 0
        cut[step.key] = cut.get(step.key, Decimal(0)) + step.amount
        assert cut[step.key] <= p.size  # all its steps together never flip it
    assert [s.seq for s in plan.steps] == list(range(1, len(plan.steps) + 1))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books(), TARGETS)
def test_the_net_stays_within_its_bound_after_every_group_unless_the_plan_says_so(b, target):
    ins = instruments_for(b)
    plan = plan_unwind(b, _assess(b, ins), ins, target)
    assert plan.net_bound >= abs(plan.before.net) + NET_SLACK * plan.before.gross - 1e-6
    cuts = [s for s in plan.steps if s.kind is StepKind.CUT]
    ends = [s for n, s in enumerate(cuts) if not s.group or n + 1 == len(cuts) or cuts[n + 1].group != s.group]
    worst = max((abs(s.after.net) for s in ends), default=0.0)
    assert worst <= plan.net_bound + 1e-6 or plan.bound_exceeded


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_flat_closes_every_live_position_not_held_for_a_blind_one(b):
    ins = instruments_for(b)
    plan = plan_unwind(b, _assess(b, ins), ins, UnwindTarget(TargetKind.FLAT))
    held = {key for key, _ in plan.held}
    cut = {}
    for s in plan.steps:
        if s.kind is StepKind.CUT:
            cut[s.key] = cut.get(s.key, Decimal(0)) + s.amount
    for acc in b.accounts:
        for p in acc.snapshot.positions:
            if acc.health is Health.LIVE and p.key not in held:
                assert cut.get(p.key) == p.size, p.key
            elif acc.health is Health.LIVE:
                assert cut.get(p.key, Decimal(0)) < p.size  # held: what offsets the blind one stays
            else:
                assert p.key not in cut
    blind = {a.info.name for a in b.accounts if a.health is not Health.LIVE and a.snapshot.positions}
    assert {x.account for x in plan.blind} == blind


def test_hedged_legs_are_one_group_and_the_nearest_to_liquidation_goes_first():
    b = book(NOW,
             account("a", "binance", [position("a", "binance", "ETH", "long", "10", 3000),
                                      position("a", "binance", "SOL", "long", "100", 150, liq=140)],
                     equity=2e6, fetched_at=NOW),
             account("b", "bybit", [position("b", "bybit", "ETH", "short", "10", 3000)], equity=2e6, fetched_at=NOW))
    ins = instruments_for(b)
    plan = plan_unwind(b, _assess(b, ins), ins, UnwindTarget(TargetKind.FLAT))
    cuts = [s for s in plan.steps if s.kind is StepKind.CUT]
    assert cuts[0].key.symbol == "SOL/USDT:USDT"  # 6.7% from its liquidation price
    assert {Why.NEAR_LIQ, Why.RESCUE_TOO_SLOW} & set(cuts[0].why)
    eth = [s for s in cuts if s.asset == "ETH"]
    assert len(eth) == 2 and eth[0].group and eth[0].group == eth[1].group
    assert all(Why.HEDGED_LEG in s.why for s in eth)
    assert eth[-1].after.net == 0.0 and eth[-1].after.gross == 0.0


def test_a_venue_target_cuts_the_partner_leg_just_enough_to_keep_the_net_bound():
    b = book(NOW,
             account("a", "binance", [position("a", "binance", "ETH", "short", "10", 3000)], equity=2e6, fetched_at=NOW),
             account("b", "bybit", [position("b", "bybit", "ETH", "long", "10", 3000),
                                    position("b", "bybit", "BTC", "long", "0.1", 60000)], equity=2e6, fetched_at=NOW))
    ins = instruments_for(b)
    plan = plan_unwind(b, _assess(b, ins), ins, UnwindTarget(TargetKind.ACCOUNT, name="a"))
    assert not plan.bound_exceeded
    partner = [s for s in plan.steps if s.key.account == "b"]
    assert len(partner) == 1 and partner[0].asset == "ETH" and Why.HEDGED_LEG in partner[0].why
    assert partner[0].amount < Decimal("10")  # only what the bound needs, not the whole leg
    assert abs(plan.steps[-1].after.net) <= plan.net_bound + 1e-6


def test_a_blind_position_holds_its_live_offset_and_is_offered_a_capped_hedge():
    b = book(NOW,
             account("a", "binance", [position("a", "binance", "ETH", "short", "4", 3000),
                                      position("a", "binance", "BTC", "long", "0.5", 60000)],
                     equity=2e6, fetched_at=NOW),
             account("d", "hyperliquid", [position("d", "hyperliquid", "ETH", "long", "10", 3000)],
                     equity=2e6, fetched_at=NOW, health=Health.DOWN))
    ins = instruments_for(b)
    plan = plan_unwind(b, _assess(b, ins), ins, UnwindTarget(TargetKind.FLAT))
    assert [x.account for x in plan.blind] == ["d"]
    assert [(str(k), str(blind)) for k, blind in plan.held] == [("a|ETH/USDT:USDT", "d|ETH/USDT:USDT")]
    hedges = [s for s in plan.steps if s.kind is StepKind.HEDGE]
    assert len(hedges) == 1
    h = hedges[0]
    assert h.hedges.account == "d" and h.key.account == "a" and h.order_side.value == "short"
    assert h.amount == Decimal("6")  # what the held short does not offset, never above the blind 10
    assert all(s.key.account != "d" for s in plan.steps)


def test_time_to_liquidation_is_the_random_walk_scale():
    assert time_to_liquidation(0.1, 1.0) == pytest.approx(0.01 * 365 * 86400)
    assert time_to_liquidation(None, 1.0) is None and time_to_liquidation(0.1, None) is None
    assert time_to_liquidation(0.1, 0.0) is None


def _near_book(*, isolated=False, rescuer=False):
    """Account "a" holds SOL 6.7% from its liquidation price and ETH; "b" (when `rescuer`) has
    surplus another layer away, so a rescue exists."""
    accounts = [account("a", "binance", [position("a", "binance", "SOL", "long", "100", 150, liq=140, isolated=isolated),
                                         position("a", "binance", "ETH", "long", "2", 3000)],
                        equity=30_000, maintenance=2_000.0, fetched_at=NOW)]
    if rescuer:
        accounts.append(account("b", "hyperliquid", [position("b", "hyperliquid", "BTC", "long", "0.01", 60000)],
                                equity=2e6, fetched_at=NOW))
    return book(NOW, *accounts)


def test_a_near_account_with_a_spot_balance_gets_a_top_up_before_its_cuts():
    from cockpit.model.unwind import BookFigures  # noqa: F401 - the figures' type
    from cockpit.risk.unwind import PlanSettings

    b = _near_book()
    ins = instruments_for(b)
    assessment = _assess(b, ins)
    need = next(c for c in assessment.collateral if c.account == "a").rescue_need
    assert need > 0
    plan = plan_unwind(b, assessment, ins, UnwindTarget(TargetKind.FLAT),
                       settings=PlanSettings(top_up={"a": need * 3}))
    kinds = [s.kind for s in plan.steps]
    top = plan.steps[kinds.index(StepKind.TOPUP)]
    first_cut = kinds.index(StepKind.CUT)
    assert kinds.index(StepKind.TOPUP) < first_cut and plan.steps[first_cut].key.account == "a"
    assert top.key.account == "a" and top.amount == Decimal(repr(need)).quantize(Decimal("0.01"), "ROUND_DOWN")
    assert top.why[0] is Why.TOPUP_FASTER and top.est_cost == 0.0 and top.bridge_seconds <= 30
    assert top.detail == "" and top.route == ""  # risk gives numbers: the venue's route and its words come later
    ratio = dict(plan.before.margin)["a"]
    assert dict(top.after.margin)["a"] == pytest.approx(ratio * (30_000 + float(top.amount)) / 30_000)
    small = plan_unwind(b, assessment, ins, UnwindTarget(TargetKind.FLAT), settings=PlanSettings(top_up={"a": 1234.567}))
    assert next(s for s in small.steps if s.kind is StepKind.TOPUP).amount == Decimal("1234.56")  # min(available, need)


def test_no_top_up_without_a_balance_for_isolated_positions_or_when_a_rescue_is_there():
    from cockpit.risk.unwind import PlanSettings

    for b, available in ((_near_book(), 0.0), (_near_book(isolated=True), 1e6), (_near_book(rescuer=True), 1e6)):
        ins = instruments_for(b)
        plan = plan_unwind(b, _assess(b, ins), ins, UnwindTarget(TargetKind.FLAT),
                           settings=PlanSettings(top_up={"a": available}))
        assert StepKind.TOPUP not in [s.kind for s in plan.steps]


def test_a_live_leg_larger_than_the_blind_position_keeps_only_the_offset():
    b = book(NOW,
             account("a", "binance", [position("a", "binance", "ETH", "short", "60", 3000)], equity=2e6, fetched_at=NOW),
             account("d", "hyperliquid", [position("d", "hyperliquid", "ETH", "long", "10", 3000)],
                     equity=2e6, fetched_at=NOW, health=Health.DOWN))
    ins = instruments_for(b)
    plan = plan_unwind(b, _assess(b, ins), ins, UnwindTarget(TargetKind.FLAT))
    (step,) = [s for s in plan.steps if s.kind is StepKind.CUT]
    assert step.key.account == "a" and step.amount == Decimal("50")  # 10 kept against the blind long
    assert not [s for s in plan.steps if s.kind is StepKind.HEDGE]  # fully offset: no hedge needed
