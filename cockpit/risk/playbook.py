"""Unwind planning: which positions go first and by how much, with exact reduce-only sizes.

Two plans use the same sizing (`cockpit.risk.orders.reduce_only_amount`, rounded down to the
venue's step, never more than the position holds):

* The standing playbook orders positions: first those near liquidation (closest first), then by
  the largest loss in any stress scenario, then by funding bleed (biggest payer first); and cuts
  them in that order, each whole, until `playbook_cut_fraction` of gross is gone (the last one
  partly), listing at most `playbook_max_steps` (it is re-planned on every evaluation). Each step
  is priced with the executor's cost model (`orders.impact`, as in `orders.estimate_cost`: taker
  fee plus square-root impact) and says whose collateral covers it: its own account's when the
  free collateral above its buffer pays the cost, else its account's rescue (`collateral.rescue`:
  covered by other accounts' surplus, partly, or not at all). Why each step is where it is comes
  as reason codes with their numbers; `cockpit.present.reasons` words them.
* The kill switch's cut (`proportional_cut`) takes the same fraction of every position, so no
  position is singled out; rounding down to each venue's step leaves the total a little short, and
  the remainder is taken one step at a time from the positions that bleed the most funding first,
  until the cut reaches its target (overshooting by less than one step of one position).

A venue's instrument gives the step and minimum (`table.instrument_for` stands in when there is
none).
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from typing import Sequence

import numpy as np

from cockpit.model import Instrument, StepReason
from cockpit.risk.arrays import fill_nan
from cockpit.risk.orders import reduce_only_amount


def unwind_order(near: np.ndarray, distance: np.ndarray, stress_loss: np.ndarray,
                 funding_per_day: np.ndarray) -> np.ndarray:
    """Indices in unwind order: near-liquidation first (closest first), then largest stress loss,
    then biggest funding payer; ties keep book order."""
    if not near.any():  # the usual case: the first two keys tie everywhere
        return np.lexsort((fill_nan(funding_per_day), fill_nan(stress_loss)))
    dist_key = np.where(near, fill_nan(distance), 0.0)
    return np.lexsort((fill_nan(funding_per_day), fill_nan(stress_loss), dist_key, ~near))


def sequential_cut(order: np.ndarray, sizes: Sequence[Decimal], notional: np.ndarray,
                   instruments: Sequence[Instrument], fraction: float,
                   most: int | None = None) -> list[tuple[int, Decimal]]:
    """(index, amount) of whole positions in `order` until `fraction` of the gross of those in
    `order` is cut, the last one partly; at most `most` steps. Positions without a notional (no
    mark) are closed whole only when the target is flat."""
    filled = fill_nan(notional)
    remaining = fraction * float(filled[order].sum())
    value = filled.tolist()  # Python floats: the loop reads them one at a time
    out: list[tuple[int, Decimal]] = []
    for i in order.tolist():
        if (fraction < 1 and remaining <= 0) or (most is not None and len(out) >= most):
            break
        ins, n = instruments[i], value[i]
        if n <= 0:
            f = 1.0 if fraction >= 1 else None
        else:
            f = 1.0 if n <= remaining or fraction >= 1 else remaining / n
        if f is None:
            continue
        cut = reduce_only_amount(sizes[i], fraction=f, step=ins.amount_step, min_amount=ins.min_amount)
        if n > 0:  # a whole position (the usual step) needs no Decimal division
            remaining -= n if cut == sizes[i] else n * float(cut / sizes[i])
        out.append((i, cut))
    return out


def proportional_cut(sizes: Sequence[Decimal], mark: np.ndarray, instruments: Sequence[Instrument],
                     fraction: float, bleed: np.ndarray,
                     in_flight: Sequence[Decimal] | None = None) -> list[Decimal]:
    """The kill switch's cut: `fraction` of every position, topped up to the target (module doc).

    Args:
        sizes: unsigned position sizes in each instrument's order unit (contracts on an inverse
            swap); mark: the USD value of one such unit, the mark for base units
            (`Instrument.unit_value`; NaN: unknown, then cut but not counted).
        bleed: funding each position pays per day (larger: served first when topping up).
        in_flight: reduce-only amounts already being closed, per position.
    Returns one amount per position, each 0 <= amount <= size - in_flight, on the step grid (or
    exactly what remains when that is all there is).
    """
    flying = in_flight if in_flight is not None else [Decimal(0)] * len(sizes)
    cuts = [
        reduce_only_amount(size, in_flight=fl, fraction=fraction, step=ins.amount_step,
                           min_amount=ins.min_amount)
        for size, fl, ins in zip(sizes, flying, instruments)
    ]
    value = fill_nan(mark)
    target = fraction * float(np.dot(value, [float(s) for s in sizes])) if len(sizes) else 0.0
    short = target - float(np.dot(value, [float(c) for c in cuts])) if len(sizes) else 0.0
    order = np.argsort(-fill_nan(bleed), kind="stable").tolist()
    # First one step each (the rounding remainder is under a step per position); then, if still
    # short (orders in flight or minimums held some positions back), as much as needed at once.
    for one_step in (True, False):
        for i in order:
            if short <= 1e-9:
                return cuts
            if value[i] <= 0:
                continue
            step, minimum = instruments[i].amount_step, instruments[i].min_amount
            more = step if one_step else step * Decimal(math.ceil(short / value[i] / float(step)))
            wanted = max(cuts[i] + more, minimum)
            bigger = reduce_only_amount(sizes[i], in_flight=flying[i], amount=wanted, step=step,
                                        min_amount=minimum)
            if bigger > cuts[i]:
                short -= float(bigger - cuts[i]) * value[i]
                cuts[i] = bigger
    return cuts


def reasons(near: bool, distance: float, loss: float, tail: bool, per_day: float) -> tuple[StepReason, ...]:
    """Why a step is where it is, most urgent first (`cockpit.present.reasons` words them): near
    liquidation (with a known distance), a loss under stress (in the tail or a uniform shock),
    funding paid; a gross cut when none applies."""
    return _REASONS[(near and distance == distance, loss < 0, tail, per_day < 0)]


def _reason_codes(near: bool, loss: bool, tail: bool, bleed: bool) -> tuple[StepReason, ...]:
    codes = ((StepReason.NEAR_LIQ,) if near else ()) + (
        ((StepReason.TAIL_LOSS if tail else StepReason.STRESS_LOSS),) if loss else ()) + (
        (StepReason.FUNDING_BLEED,) if bleed else ())
    return codes or (StepReason.GROSS_CUT,)


# Each of the 16 combinations is one shared tuple (a plan has up to 50 steps per evaluation).
_REASONS = {k: _reason_codes(*k) for k in itertools.product((False, True), repeat=4)}
