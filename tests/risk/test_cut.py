"""The cuts: the kill switch's proportional cut and the playbook's ordered cut, in exact Decimals."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import Instrument, StepReason
from cockpit.risk import playbook
from cockpit.risk.orders import reduce_only_amount

STEPS = [Decimal("1"), Decimal("0.1"), Decimal("0.01"), Decimal("0.001"), Decimal("0.5"), Decimal("5")]


@st.composite
def positions(draw, max_size=12):
    """(size, step, minimum, in flight, mark, funding bleed) rows with sizes as venues report them."""
    rows = []
    for _ in range(draw(st.integers(1, max_size))):
        step = draw(st.sampled_from(STEPS))
        size = Decimal(draw(st.integers(1, 10**6))) * Decimal("0.001")
        minimum = step * draw(st.integers(0, 3))
        flying = size * Decimal(draw(st.integers(0, 4))) / 8
        mark = draw(st.floats(0.01, 1e5))
        bleed = draw(st.sampled_from([0.0, 5.0, 50.0, -20.0]))
        rows.append((size, step, minimum, flying, mark, bleed))
    return rows


def _cut(rows, fraction):
    sizes = [r[0] for r in rows]
    ins = [Instrument("v", f"S{i}", "A", amount_step=r[1], min_amount=r[2]) for i, r in enumerate(rows)]
    flying = [r[3] for r in rows]
    marks = np.array([r[4] for r in rows])
    bleed = np.array([r[5] for r in rows])
    return sizes, ins, flying, marks, playbook.proportional_cut(sizes, marks, ins, fraction, bleed, flying)


@settings(max_examples=1000)
@given(positions(), st.floats(0.01, 1.0))
def test_an_intent_never_increases_a_position_nor_flips_it(rows, fraction):
    sizes, ins, flying, _, cuts = _cut(rows, fraction)
    for size, i, fl, cut in zip(sizes, ins, flying, cuts):
        # A reduce-only order of `cut` against `size`: what remains is size - cut, same side.
        assert 0 <= cut <= size - fl
        assert cut == 0 or cut >= i.min_amount or cut == size - fl  # a full close takes the remainder
        assert cut % i.amount_step == 0 or cut == size - fl
        assert abs(size - cut) <= abs(size)
    order = np.arange(len(rows))[::-1]
    for index, cut in playbook.sequential_cut(order, sizes, np.array([float(s) for s in sizes]), ins, fraction):
        assert 0 <= cut <= sizes[index]


@settings(max_examples=1000)
@given(positions(), st.floats(0.01, 1.0))
def test_reducing_reaches_the_target_cut_within_rounding(rows, fraction):
    sizes, ins, flying, marks, cuts = _cut(rows, fraction)
    target = fraction * sum(float(s) * m for s, m in zip(sizes, marks))
    achieved = sum(float(c) * m for c, m in zip(cuts, marks))
    one_step = max(float(max(i.amount_step, i.min_amount)) * m for i, m in zip(ins, marks))
    at_most = [reduce_only_amount(s, in_flight=fl, amount=s, step=i.amount_step, min_amount=i.min_amount)
               for s, fl, i in zip(sizes, flying, ins)]
    if achieved < target - 1e-6 * max(target, 1.0):
        # Short only when nothing more can be cut from any position (in flight, minimums).
        assert all(c >= m for c, m in zip(cuts, at_most))
    else:
        assert achieved < target + one_step + 1e-6 * max(target, 1.0)


def test_the_remainder_goes_to_the_biggest_funding_bleed_first():
    # Three equal positions of 1.0 (step 0.1) at the same mark; 30 % of each is 0.3, exact: no top-up.
    ins = [Instrument("v", f"S{i}", "A", amount_step=Decimal("0.1"), min_amount=Decimal("0.1")) for i in range(3)]
    exact = playbook.proportional_cut([Decimal("1")] * 3, np.full(3, 100.0), ins, 0.3, np.array([1.0, 9.0, 5.0]))
    assert exact == [Decimal("0.3")] * 3
    # 35 % of each is 0.35 -> 0.3 after rounding; 0.15 short in total, so one step each goes to
    # the two that bleed most (0.1 + 0.1 >= 0.15), the smallest bleeder keeps 0.3.
    cuts = playbook.proportional_cut([Decimal("1")] * 3, np.full(3, 100.0), ins, 0.35, np.array([1.0, 9.0, 5.0]))
    assert cuts == [Decimal("0.3"), Decimal("0.4"), Decimal("0.4")]


def test_sequential_cut_closes_in_order_until_the_target():
    ins = [Instrument("v", f"S{i}", "A", amount_step=Decimal("0.01"), min_amount=Decimal("0.01")) for i in range(3)]
    sizes = [Decimal("1"), Decimal("2"), Decimal("3")]
    notional = np.array([100.0, 200.0, 300.0])
    order = np.array([2, 0, 1])
    # 50 % of 600 = 300: the first in order (300) covers it all.
    assert playbook.sequential_cut(order, sizes, notional, ins, 0.5) == [(2, Decimal("3"))]
    # 60 % = 360: position 2 whole, then 60 of position 0's 100 (0.6 of it).
    assert playbook.sequential_cut(order, sizes, notional, ins, 0.6) == [(2, Decimal("3")), (0, Decimal("0.60"))]
    assert playbook.sequential_cut(order, sizes, notional, ins, 1.0, most=2) == [(2, Decimal("3")), (0, Decimal("1"))]


def test_unwind_order_and_reason_text():
    near = np.array([False, True, True, False, False])
    distance = np.array([0.5, 0.08, 0.02, np.nan, 0.3])
    loss = np.array([-1_000.0, -10.0, -10.0, -48_000.0, -48_000.0])
    per_day = np.array([0.0, 0.0, 0.0, -10.0, -310.0])
    assert playbook.unwind_order(near, distance, loss, per_day).tolist() == [2, 1, 4, 3, 0]
    near_liq, tail, stress_loss, bleed = (StepReason.NEAR_LIQ, StepReason.TAIL_LOSS, StepReason.STRESS_LOSS,
                                           StepReason.FUNDING_BLEED)
    assert playbook.reasons(True, 0.021, -48_000.0, True, -310.0) == (near_liq, tail, bleed)
    assert playbook.reasons(False, 0.3, -1_200.0, False, 12.0) == (stress_loss,)
    assert playbook.reasons(False, 0.3, 0.0, False, 0.0) == (StepReason.GROSS_CUT,)
    assert playbook.reasons(True, float("nan"), 0.0, False, 0.0) == (StepReason.GROSS_CUT,)  # distance unknown
    # The words are present's (tests/present/test_reasons.py has the texts).
