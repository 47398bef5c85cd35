"""The unwind planner: which positions a guided run cuts, in which order, by how much, priced.

Pure: a book, its assessment and the instruments in; a `Plan` out (numbers and codes, no text).

**Order.** Positions go by urgency: first those whose time to liquidation is shorter than the time
to rescue their account from another layer (`Why.RESCUE_TOO_SLOW`: cutting is the only thing
fast enough), then by time to liquidation at current volatility (near ones), then by the largest
loss under the worst stress shock, then by funding paid. Time to liquidation is the first-passage
scale of a random walk: (distance ÷ annualised volatility)² years; without a volatility it is
unknown and only the distance orders.

**Hedged legs go together.** The legs of an asset held both long and short on LIVE accounts form one
unit: they are cut by the same fraction, as one group (the run sends none before all are
reached), so cutting them never makes the book more directional. Units are taken greedily: the
most urgent unit whose cut keeps |net| within the bound goes next; when none does, the one that
leaves |net| smallest (the plan's figures show it). The bound is |net| at the start plus
`NET_SLACK` of the starting gross.

**Blind accounts.** A position on an account that is not LIVE cannot be cut. Its account is named;
legs on LIVE accounts that offset it are held, as much of each as the offset needs (cutting that
would leave the blind one naked; the rest of the leg is cut as the target asks); what they do not
offset is offered as a HEDGE step on a LIVE venue: same asset, opposite side, at most the blind
position's size, sent only after its own confirmation.

**Sizes.** Every amount is rounded down to the venue's step and is at most the position (minus what
is in flight); each step is split into slices no larger than the participation limit
(`PARTICIPATION` of the venue's book depth within the slippage bound when the run asked it, else of
the cost model's depth, and no more than the bound allows under it) and
priced with the executor's cost model (`orders.market_fill`: taker fee plus square-root impact).

**After each step** the plan carries the book it leaves: gross, net, the worst stress loss over the
assessment's shocks, and each account's margin ratio (its maintenance scales with the account's
gross; the cost, small beside it, is left out).

**Top-ups.** Where an account holds cross positions near liquidation whose rescue from another
layer is slower than their time to liquidation (or there is none), and its venue can move
collateral into its perp margin within the venue in seconds (a spot or funding wallet, a
sub-account: `PlanSettings.top_up`, USD per account as its venue told it), a TOPUP step is
offered before the account's cuts: min(available, the assessment's `rescue_need`), with the
margin ratio it restores in its book-after figures. Not where a position would be liquidated
before the transfer lands, and not for isolated positions (their margin is their own). It is
offered, not planned in: sent only after its own confirmation; the cuts never wait for it.

**Bridges** (cross-layer rescues) are never automated: each account the assessment says needs a
rescue from another layer gets a BRIDGE checklist step with its amount, route and time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Mapping, NamedTuple, Sequence

import numpy as np

from cockpit.model import Assessment, Book, Health, Instrument, MarginMode, PositionKey, Side
from cockpit.model.layers import INTERNAL_SECONDS
from cockpit.model.unwind import (
    BlindAccount, BookFigures, StepKind, StepStyle, TargetKind, UnwindStep, UnwindTarget, Why,
)
from cockpit.risk import stages
from cockpit.risk.orders import DEPTH_NOTIONAL, IMPACT, market_fill, reduce_only_amount, round_down
from cockpit.risk.table import TableBuilder, instrument_for
from cockpit.risk.trim import after_cut

#: |net| may grow by at most this share of the starting gross during a run (README: "net bound").
NET_SLACK = 0.05
#: One slice (order) is at most this share of the cost model's depth.
PARTICIPATION = 0.25
#: A position with less time to liquidation than this (seconds) counts as near.
NEAR_SECONDS = 86400.0
YEAR = 365 * 86400.0
#: Seconds a top-up within a venue takes to land (an internal transfer).
TOPUP_SECONDS = INTERNAL_SECONDS


@dataclass(frozen=True)
class PlanSettings:
    """How the planner sizes steps (the defaults are the README's)."""

    net_slack: float = NET_SLACK
    participation: float = PARTICIPATION
    slippage_bound: float = 0.005
    style: StepStyle = StepStyle.MARKET
    depth: Mapping[PositionKey, float] | None = None  # USD within the bound, per position, as venues told it
    top_up: Mapping[str, float] | None = None  # USD each account can top up within its venue, as venues told it


class Plan(NamedTuple):
    """A plan: its steps in order, the accounts that cannot be reached, the legs held for them,
    the book before, and the net bound every step respects (`bound_exceeded`: the target itself
    leaves |net| above it, so no order could keep it)."""

    steps: tuple[UnwindStep, ...]
    blind: tuple[BlindAccount, ...]
    held: tuple[tuple[PositionKey, PositionKey], ...]  # (the leg held, the blind position it offsets)
    before: BookFigures
    net_bound: float
    bound_exceeded: bool = False


class _Leg(NamedTuple):
    """One position as the planner weighs it."""

    i: int  # index in the risk table
    key: PositionKey
    venue: str
    layer: str
    asset: str
    side: Side
    size: Decimal  # order unit, minus what is in flight
    signed: float  # USD, + long
    mark: float | None
    instrument: Instrument
    live: bool
    ttl: float | None
    rescue: float | None
    near: bool
    stress: float  # worst loss under the shocks (≤ 0)
    bleed: float  # funding per day (negative: pays)
    unit: str
    isolated: bool = False  # its margin is its own: a top-up of the account's margin does not reach it


def plan_unwind(book: Book, assessment: Assessment, instruments: Mapping[str, Mapping[str, Instrument]],
                target: UnwindTarget, *, settings: PlanSettings = PlanSettings(),
                in_flight: Mapping[PositionKey, Decimal] | None = None,
                kill_cut: Mapping[PositionKey, Decimal] | None = None) -> Plan:
    """Plan an unwind of `book` to `target` (module doc).

    Args:
        in_flight: what reduce-only orders already out will close, per position.
        kill_cut: the kill switch's planned amounts (target KILL_CUT).
    """
    t = TableBuilder().build(book, instruments)
    liq = stages.liquidation_stage(t, 0.0)
    legs = _legs(book, assessment, instruments, t, in_flight or {})
    shocks = _shocks(assessment)
    before = _figures(legs, {}, shocks, assessment)
    bound = abs(before.net) + settings.net_slack * before.gross
    wanted = _wanted(legs, target, kill_cut or {})
    live = [leg for leg in legs if leg.live]
    blind_legs = [leg for leg in legs if not leg.live]
    held, keep, hedges = _blind(blind_legs, live, instruments)
    _keep_held(wanted, keep, live)
    units = _units(live, wanted)
    if target.kind is TargetKind.GROSS:
        units = _to_fraction(units, legs, target.fraction)
    free = [leg for leg in live if leg.key not in held]  # a held leg is never a partner either
    order = _order_units(units, free, bound, before.net)
    steps, exceeded = _cut_steps(order, legs, shocks, assessment, before, bound, settings, t, liq)
    for leg, amount, on in hedges:
        mark = _venue_mark(book, on[0], on[1].symbol)
        steps.append(_hedge_step(len(steps) + 1, leg, amount, on, settings, mark if mark is not None else leg.mark))
    steps = _top_ups(steps, legs, assessment, settings.top_up or {}, before)
    steps = _bridges(assessment, legs) + steps
    steps = [replace(s, seq=n) for n, s in enumerate(steps, 1)]
    return Plan(tuple(steps), _blind_accounts(book, blind_legs),
                tuple(held.items()), before, bound, exceeded)


# -- the legs --------------------------------------------------------------------------------


def _cut_steps(order, legs, shocks, assessment, before, bound, settings, t, liq) -> tuple[list[UnwindStep], bool]:
    """The units' cut steps in order, each with the book after it; and whether a group leaves
    |net| above `bound` (judged per group: its legs go together)."""
    steps: list[UnwindStep] = []
    cuts: dict[int, float] = {}
    exceeded = False
    for _name, unit_cuts in order:
        group = f"g{len(steps) + 1}" if len(unit_cuts) > 1 else ""  # unique, and stable for the plan
        after = before
        for leg, amount in unit_cuts:
            if amount <= 0:
                continue
            frac = float(amount / leg.size) if leg.size > 0 else 1.0
            cuts[leg.i] = cuts.get(leg.i, 0.0) + frac
            after = _figures(legs, cuts, shocks, assessment)
            steps.append(_cut_step(len(steps) + 1, leg, amount, frac, group, after, settings, t, liq,
                                   _why(leg, len(unit_cuts) > 1)))
        exceeded |= abs(after.net) > bound + 1e-6
    return steps, exceeded


def _shocks(assessment: Assessment) -> list[float]:
    """The uniform price shocks the assessment's stress table ran (±10% when it has none)."""
    return [row.shock for row in assessment.stress if not row.tail] or [-0.1, 0.1]


def time_to_liquidation(distance: float | None, vol: float | None) -> float | None:
    """Seconds until a random walk of annualised volatility `vol` typically moves `distance`
    (a fraction of price): (distance / vol)² years. None when either is unknown."""
    if distance is None or vol is None or not vol > 0 or distance != distance:
        return None
    return max(0.0, distance) ** 2 / vol ** 2 * YEAR


def _legs(book: Book, assessment: Assessment, instruments, t, in_flight) -> list[_Leg]:
    risk = {p.key: p for p in assessment.positions}
    vols = {e.asset: e.vol for e in assessment.exposures}
    rescue = {c.account: c.rescue_seconds for c in assessment.collateral}
    shocks = _shocks(assessment)
    index = {k: i for i, k in enumerate(t.keys)}
    out = []
    for p in book.positions():
        state = book.account(p.account)
        r = risk.get(p.key)
        ins = instrument_for(instruments.get(p.account, {}), p)
        mark, signed = _mark_and_value(p, r, ins)
        distance = r.liq_distance if r is not None else None
        ttl = time_to_liquidation(distance, vols.get(p.asset))
        near = (r is not None and "near-liq" in r.flags) or (ttl is not None and ttl < NEAR_SECONDS)
        stress = min(0.0, *(signed * s for s in shocks)) if signed == signed else 0.0
        live = state is not None and state.health is Health.LIVE
        size = max(p.order_size - in_flight.get(p.key, Decimal(0)), Decimal(0))
        bleed = r.funding_per_day if r is not None and r.funding_per_day is not None else 0.0
        out.append(_Leg(index.get(p.key, -1), p.key, p.venue, state.info.layer.value if state else "",
                        p.asset, p.side, size, signed, mark, ins, live, ttl, rescue.get(p.account), near,
                        stress, bleed, p.asset, p.margin_mode is MarginMode.ISOLATED))
    return out


def _mark_and_value(p, r, ins: Instrument) -> tuple[float | None, float]:
    """The position's mark (risk's, else its own) and signed USD value (NaN when unknown)."""
    mark = r.mark if r is not None else (float(p.mark_price) if p.mark_price is not None else None)
    if r is not None and r.notional is not None:
        notional = r.notional
    else:
        notional = float(p.order_size) * ins.unit_value(mark) if mark is not None else math.nan
    return mark, notional * p.side.sign


def _wanted(legs: Sequence[_Leg], target: UnwindTarget, kill_cut) -> dict[PositionKey, Decimal]:
    """The amount the target asks of each position (whole positions; GROSS: whole, trimmed later)."""
    kind, name = target.kind, target.name
    pick = {
        TargetKind.FLAT: lambda leg: True,
        TargetKind.GROSS: lambda leg: True,
        TargetKind.ASSET: lambda leg: leg.asset == name,
        TargetKind.ACCOUNT: lambda leg: leg.key.account == name,
        TargetKind.LAYER: lambda leg: leg.layer == name,
        TargetKind.KILL_CUT: lambda leg: leg.key in kill_cut,
    }[kind]
    out = {}
    for leg in legs:
        if pick(leg):
            amount = kill_cut[leg.key] if kind is TargetKind.KILL_CUT else leg.size
            out[leg.key] = min(amount, leg.size)
    return out


# -- blind accounts --------------------------------------------------------------------------


def _blind(blind: list[_Leg], live: list[_Leg], instruments) -> tuple[dict, dict, list]:
    """Legs held for blind positions (each with the blind position it offsets, and how much of
    it is kept: what the offset needs, rounded up to the step; the rest may be cut), and the
    hedges to offer: (leg, amount, account)."""
    held: dict[PositionKey, PositionKey] = {}
    keep: dict[PositionKey, Decimal] = {}
    hedges = []
    for b in blind:
        exposure = abs(b.signed) if b.signed == b.signed else 0.0
        for leg in sorted(live, key=lambda x: -abs(x.signed) if x.signed == x.signed else 0.0):
            if exposure <= 0:
                break
            if leg.asset == b.asset and leg.side is not b.side and leg.key not in held:
                held[leg.key] = b.key
                value = abs(leg.signed) if leg.signed == leg.signed else 0.0
                keep[leg.key] = _kept(leg, exposure / value if value > 0 else 1.0)
                exposure -= value
        if exposure <= 0 or b.mark is None:
            continue
        on = _hedge_venue(b, live, instruments)
        if on is None:
            continue
        account, ins = on
        # Sized by notional (the two venues may count in different units), never above the blind
        # position: in base units on two linear swaps, the blind size itself caps it.
        units = Decimal(repr(exposure / ins.unit_value(b.mark)))
        if not ins.inverse and not b.instrument.inverse:
            units = min(units, b.size)
        amount = round_down(units, ins.amount_step)
        if amount >= ins.min_amount and amount > 0:
            hedges.append((b, amount, (account, ins)))
    return held, keep, hedges


def _keep_held(wanted: dict, keep: dict, live: list[_Leg]) -> None:
    """Cut of each held leg only what its blind position does not need kept (in place)."""
    for leg in live:
        if leg.key in keep and leg.key in wanted:
            ins = leg.instrument
            cut = round_down(max(wanted[leg.key] - keep[leg.key], Decimal(0)), ins.amount_step)
            if cut > 0 and cut >= ins.min_amount:
                wanted[leg.key] = cut
            else:
                wanted.pop(leg.key)


def _kept(leg: _Leg, share: float) -> Decimal:
    """`share` of `leg` (its whole size at 1 or more), rounded up to its step: never less than
    the offset needs."""
    if share >= 1:
        return leg.size
    step = leg.instrument.amount_step
    exact = leg.size * Decimal(repr(share))
    return min(leg.size, round_down(exact, step) + (step if round_down(exact, step) < exact else 0))


def _hedge_venue(b: _Leg, live: list[_Leg], instruments) -> tuple[str, Instrument] | None:
    """Where a hedge for blind `b` goes: a LIVE account listing its asset, preferring one that
    already holds the asset, then the cheapest taker fee; None when no LIVE venue lists it."""
    holding = {leg.key.account for leg in live if leg.asset == b.asset}
    accounts = sorted({leg.key.account for leg in live} | {a for a in instruments if a != b.key.account})
    best = None
    for account in accounts:
        if account == b.key.account or account not in {leg.key.account for leg in live}:
            continue
        ins = next((i for i in instruments.get(account, {}).values() if i.asset == b.asset), None)
        if ins is None:
            continue
        rank = (account not in holding, ins.taker_fee, account)
        if best is None or rank < best[0]:
            best = (rank, account, ins)
    return None if best is None else (best[1], best[2])


def _blind_accounts(book: Book, blind: list[_Leg]) -> tuple[BlindAccount, ...]:
    """Accounts not LIVE that hold risk the plan cannot cut: their positions as last seen, or, for
    one with no snapshot yet (its first polls failed), risk not known at all; named, so a run
    waits for it to come back rather than ending with its positions open."""
    out = []
    for state in book.accounts:
        if state.health is Health.LIVE:
            continue
        mine = [leg for leg in blind if leg.key.account == state.name]
        if state.snapshot is None:
            out.append(BlindAccount(state.name, state.health.value, 0, None,
                                    state.error or "no data yet: its positions are not known"))
            continue
        if not mine:
            continue
        gross = sum(abs(leg.signed) for leg in mine)
        out.append(BlindAccount(state.name, state.health.value, len(mine),
                                gross if gross == gross else None, state.error or ""))
    return tuple(out)


# -- units and their order -------------------------------------------------------------------


def _units(live: list[_Leg], wanted: dict) -> dict[str, list[tuple[_Leg, Decimal]]]:
    """Units of cutting: the live legs of an asset held both ways form one; any other position is
    a unit of its own."""
    sides: dict[str, set] = {}
    for leg in live:
        if leg.key in wanted:
            sides.setdefault(leg.asset, set()).add(leg.side)
    units: dict[str, list[tuple[_Leg, Decimal]]] = {}
    for leg in live:
        if leg.key not in wanted:
            continue
        name = leg.asset if len(sides[leg.asset]) > 1 else str(leg.key)
        units.setdefault(name, []).append((leg, wanted[leg.key]))
    return units


def _urgency(leg: _Leg) -> tuple:
    too_slow = leg.near and (leg.rescue is None or (leg.ttl is not None and leg.ttl < leg.rescue))
    ttl = leg.ttl if leg.ttl is not None else math.inf
    return (not too_slow, not leg.near, ttl if leg.near else 0.0, leg.stress, leg.bleed)


def _unit_urgency(cuts: list[tuple[_Leg, Decimal]]) -> tuple:
    return min(_urgency(leg) for leg, _ in cuts)


def _to_fraction(units: dict, legs: list[_Leg], fraction: float) -> dict:
    """GROSS: whole units in urgency order until `fraction` of gross is cut, the last partly."""
    gross = sum(abs(leg.signed) for leg in legs if leg.signed == leg.signed)
    remaining = fraction * gross
    enough = remaining * 0.005  # a rounding remainder is not worth another order
    out = {}
    for name, cuts in sorted(units.items(), key=lambda kv: _unit_urgency(kv[1])):
        if remaining <= enough:
            break
        value = sum(abs(leg.signed) for leg, _ in cuts if leg.signed == leg.signed)
        if value <= 0:
            continue
        f = min(1.0, remaining / value)
        scaled = []
        for leg, amount in cuts:
            cut = amount if f >= 1 else reduce_only_amount(
                leg.size, fraction=max(min(f * float(amount / leg.size), 1.0), 1e-12),
                step=leg.instrument.amount_step, min_amount=leg.instrument.min_amount)
            scaled.append((leg, cut))
        remaining -= sum(abs(leg.signed) * float(c / leg.size) for leg, c in scaled if leg.size > 0)
        out[name] = scaled
    return out


def _order_units(units: dict, live: list[_Leg], bound: float, net: float) -> list[tuple[str, list]]:
    """Greedy: the most urgent unit that keeps |net| within `bound`. When none does, the most
    urgent one goes with partner cuts (the opposite legs of its asset on other LIVE accounts,
    just enough to stay within the bound, as one group: `Why.HEDGED_LEG`), else with none, the
    one leaving |net| least."""
    pending = sorted(units.items(), key=lambda kv: _unit_urgency(kv[1]))
    taken: dict[PositionKey, Decimal] = {leg.key: a for _, cuts in pending for leg, a in cuts}
    out = []
    while pending:
        best = next((n for n, (_, cuts) in enumerate(pending)
                     if abs(net - _signed_cut(cuts)) <= bound + 1e-6), None)
        if best is None:
            name, cuts = pending[0]
            paired = cuts + _partners(cuts, live, taken, net - _signed_cut(cuts), bound)
            if abs(net - _signed_cut(paired)) <= bound + 1e-6:
                pending[0] = (name, paired)
                for leg, a in paired:
                    taken[leg.key] = a
                best = 0
            else:
                best = min(range(len(pending)), key=lambda n: abs(net - _signed_cut(pending[n][1])))
        name, cuts = pending.pop(best)
        net -= _signed_cut(cuts)
        out.append((name, _balanced(cuts)))
    return out


def _partners(cuts: list[tuple[_Leg, Decimal]], live: list[_Leg], taken: dict, after: float,
              bound: float) -> list[tuple[_Leg, Decimal]]:
    """Cuts of the opposite legs of the unit's asset, on positions not already in the plan, that
    bring |net| (`after` the unit alone) back within `bound`."""
    excess = abs(after) - bound
    asset = cuts[0][0].asset
    out = []
    for leg in sorted(live, key=_urgency):
        if excess <= 0:
            break
        if leg.asset != asset or leg.key in taken or leg.size <= 0 or not leg.signed == leg.signed:
            continue
        if (leg.signed > 0) != (after > 0):  # only legs whose cut moves net back towards zero
            continue
        f = min(1.0, excess / abs(leg.signed))
        step = leg.instrument.amount_step
        exact = leg.size * Decimal(repr(f))
        # Up to the step (never past the position): rounding down would stop just short of the bound.
        amount = min(leg.size, round_down(exact, step) + (step if round_down(exact, step) < exact else 0))
        if amount <= 0 or (amount < leg.instrument.min_amount and amount < leg.size):
            continue
        excess -= abs(leg.signed) * float(amount / leg.size)
        out.append((leg, amount))
    return out


def _balanced(cuts: list[tuple[_Leg, Decimal]]) -> list[tuple[_Leg, Decimal]]:
    """A group's legs in the order that keeps the running net smallest (long and short legs
    alternate), the most urgent first: the figures after each step stay meaningful."""
    rest = sorted(cuts, key=lambda c: _urgency(c[0]))
    out = []
    net = 0.0
    while rest:
        n = min(range(len(rest)), key=lambda k: (abs(net - _signed_cut([rest[k]])), k)) if out else 0
        pick = rest.pop(n)
        net -= _signed_cut([pick])
        out.append(pick)
    return out


def _signed_cut(cuts: list[tuple[_Leg, Decimal]]) -> float:
    return sum(leg.signed * float(a / leg.size) for leg, a in cuts if leg.size > 0 and leg.signed == leg.signed)


def _why(leg: _Leg, grouped: bool) -> tuple[Why, ...]:
    codes = []
    if leg.near and (leg.rescue is None or (leg.ttl is not None and leg.ttl < leg.rescue)):
        codes.append(Why.RESCUE_TOO_SLOW)
    elif leg.near:
        codes.append(Why.NEAR_LIQ)
    if leg.stress < 0:
        codes.append(Why.STRESS_LOSS)
    if leg.bleed < 0:
        codes.append(Why.FUNDING_BLEED)
    if grouped:
        codes.append(Why.HEDGED_LEG)
    return tuple(codes) or (Why.TARGET,)


# -- steps -----------------------------------------------------------------------------------


def slices(amount: Decimal, notional: float | None, instrument: Instrument, settings: PlanSettings,
           depth: float | None = None) -> list[Decimal]:
    """`amount` split into orders no larger than the participation limit, each on the venue's
    step; the last takes what is left. The limit is `participation` of the book's depth within
    the slippage bound when the venue told it (`depth`, USD), else of the cost model's depth
    (and no more than the bound allows under the model)."""
    cap = min(settings.participation, (settings.slippage_bound / IMPACT) ** 2) * DEPTH_NOTIONAL
    if depth is not None and depth > 0:
        cap = settings.participation * depth
    n = 1 if not notional or notional != notional else max(1, math.ceil(notional / cap))
    if n == 1:
        return [amount]
    each = round_down(amount / n, instrument.amount_step)
    if each < instrument.min_amount or each <= 0:
        return [amount]
    return [each] * (n - 1) + [amount - each * (n - 1)]


def _price(leg: _Leg, amount: Decimal, side: Side, settings: PlanSettings) -> tuple[float | None, float | None, int]:
    if leg.mark is None:
        return None, None, 1
    ins = leg.instrument
    notional = float(amount) * ins.unit_value(leg.mark)
    parts = slices(amount, notional, ins, settings, settings.depth.get(leg.key) if settings.depth else None)
    cost = 0.0
    value = 0.0
    for part in parts:
        n = float(part) * ins.unit_value(leg.mark)
        price, c = market_fill(leg.mark, n, ins.taker_fee, float(side.sign))
        cost += c
        value += price * float(part)
    return value / float(amount), cost, len(parts)


def _cut_step(seq: int, leg: _Leg, amount: Decimal, frac: float, group: str, after: BookFigures,
              settings: PlanSettings, t, liq, why: tuple[Why, ...]) -> UnwindStep:
    price, cost, n = _price(leg, amount, leg.side.opposite, settings)
    liq_before = liq_after = None
    if leg.i >= 0:
        moved = after_cut(t, liq, leg.i, min(frac, 1.0), cost or 0.0)
        liq_before, liq_after = moved.before, moved.after
    notional = abs(leg.signed) * frac if leg.signed == leg.signed else None
    return UnwindStep(
        seq=seq, kind=StepKind.CUT, key=leg.key, venue=leg.venue, layer=leg.layer, asset=leg.asset,
        side=leg.side, size=leg.size, amount=amount, notional=notional, why=why, style=settings.style,
        slices=n, group=group, est_price=price, est_cost=cost, liq_before=liq_before, liq_after=liq_after,
        time_to_liq=leg.ttl, rescue_seconds=leg.rescue, after=after,
        depth=settings.depth.get(leg.key) if settings.depth else None,
        unit="contracts" if leg.instrument.inverse else "")


def _venue_mark(book: Book, account: str, symbol: str) -> float | None:
    """`symbol`'s mark at `account` as its snapshot has it (its marks, else a funding quote's, else
    a position's); None when it has none."""
    state = book.account(account)
    snap = state.snapshot if state is not None else None
    if snap is None:
        return None
    mark = dict(snap.marks).get(symbol)
    if mark is None:
        mark = next((q.mark_price for q in snap.funding if q.symbol == symbol and q.mark_price is not None), None)
    if mark is None:
        mark = next((float(p.mark_price) for p in snap.positions if p.symbol == symbol and p.mark_price is not None),
                    None)
    return mark


def _hedge_step(seq: int, blind: _Leg, amount: Decimal, on: tuple[str, Instrument],
                settings: PlanSettings, mark: float | None) -> UnwindStep:
    """The hedge for `blind` on `on`, priced at the hedge venue's own `mark` (the blind venue's
    last mark is stale while it is blind: in a crash it is where the market was)."""
    account, ins = on
    side = blind.side.opposite
    mark = mark or 0.0
    notional = float(amount) * ins.unit_value(mark)
    price, cost = market_fill(mark, notional, ins.taker_fee, float(side.sign))
    return UnwindStep(
        seq=seq, kind=StepKind.HEDGE, key=PositionKey(account, ins.symbol), venue=ins.venue, layer="",
        asset=blind.asset, side=side, size=Decimal(0), amount=amount, notional=notional,
        why=(Why.BLIND_HEDGE,), group=f"blind:{blind.key}", est_price=price, est_cost=cost,
        hedges=blind.key, unit="contracts" if ins.inverse else "")


def _bridges(assessment: Assessment, legs: list[_Leg]) -> list[UnwindStep]:
    """A checklist step per account whose rescue must come from another layer."""
    holding = {leg.key.account for leg in legs}
    out = []
    for c in assessment.collateral:
        if c.account not in holding or c.shortfall <= 0 or c.rescue_amount <= 0 or not c.rescue_sources:
            continue
        if all(src == c.account for src in c.rescue_sources):
            continue
        out.append(UnwindStep(
            seq=0, kind=StepKind.BRIDGE, key=PositionKey(c.account, ""), venue=c.venue, layer=c.layer.value,
            asset="", side=Side.LONG, size=Decimal(0), amount=Decimal(0), notional=None, why=(Why.BRIDGE,),
            detail=f"{', '.join(c.rescue_sources)} → {c.account} via {c.rescue_route}",
            bridge_seconds=c.rescue_seconds, bridge_amount=c.rescue_amount))
    return out


def _top_ups(steps: list[UnwindStep], legs: list[_Leg], assessment: Assessment, available: Mapping[str, float],
             before: BookFigures) -> list[UnwindStep]:
    """`steps` with a TOPUP step before the first step of each account a top-up within its venue
    saves sooner than anything else (module doc)."""
    out = list(steps)
    for c in assessment.collateral:
        amount = round_down(Decimal(repr(max(min(available.get(c.account, 0.0), c.rescue_need), 0.0))),
                            Decimal("0.01"))
        urgent = _saved_by_top_up(legs, c.account)
        first = next((n for n, s in enumerate(out) if s.kind is StepKind.CUT and s.key.account == c.account), None)
        if amount <= 0 or not urgent or first is None:
            continue
        ttl = min((leg.ttl for leg in urgent if leg.ttl is not None), default=None)
        if ttl is not None and ttl <= TOPUP_SECONDS:
            continue  # liquidated before it lands: only a cut is fast enough
        prior = out[first - 1].after if first > 0 and out[first - 1].after is not None else before
        out.insert(first, UnwindStep(
            seq=0, kind=StepKind.TOPUP, key=PositionKey(c.account, ""), venue=c.venue, layer=c.layer.value,
            asset="", side=Side.LONG, size=Decimal(0), amount=amount, notional=None,
            why=(Why.TOPUP_FASTER, Why.RESCUE_TOO_SLOW), est_cost=0.0, time_to_liq=ttl,
            rescue_seconds=c.rescue_seconds, after=_topped(prior, c, float(amount)),
            unit=c.currency, bridge_seconds=TOPUP_SECONDS))
    return out


def _saved_by_top_up(legs: list[_Leg], account: str) -> list[_Leg]:
    """`account`'s cross legs near liquidation whose rescue from another layer is too slow (or
    none): what a top-up of its margin saves."""
    return [leg for leg in legs if leg.key.account == account and leg.live and not leg.isolated and leg.near
            and (leg.rescue is None or (leg.ttl is not None and leg.ttl < leg.rescue))]


def _topped(figures: BookFigures, c, amount: float) -> BookFigures:
    """`figures` with account `c`'s margin ratio as `amount` more equity leaves it."""
    margin = tuple((name, ratio * (c.equity + amount) / c.equity
                    if name == c.account and ratio is not None and c.equity > 0 else ratio)
                   for name, ratio in figures.margin)
    return replace(figures, margin=margin)


# -- the book after ---------------------------------------------------------------------------


def book_figures(book: Book, assessment: Assessment, instruments: Mapping[str, Mapping[str, Instrument]]) -> BookFigures:
    """The book's figures as they are (a run's before and after), as a plan's steps count them."""
    t = TableBuilder().build(book, instruments)
    legs = _legs(book, assessment, instruments, t, {})
    shocks = _shocks(assessment)
    return _figures(legs, {}, shocks, assessment)



def _figures(legs: list[_Leg], cuts: dict[int, float], shocks: list[float], assessment: Assessment) -> BookFigures:
    """The book's figures once `cuts` (fraction of each leg, by table index) are done."""
    signed = np.array([leg.signed for leg in legs], dtype=float)
    keep = np.array([1.0 - min(cuts.get(leg.i, 0.0), 1.0) if leg.i >= 0 else 1.0 for leg in legs])
    value = np.nan_to_num(signed) * keep
    gross = float(np.abs(value).sum())
    net = float(value.sum())
    worst = min((float(value.sum() * s) for s in shocks), default=0.0)
    count = int((keep > 1e-9).sum())
    accounts: dict[str, tuple[float, float]] = {}
    for leg, start, now in zip(legs, np.abs(np.nan_to_num(signed)), np.abs(value)):
        g0, g1 = accounts.get(leg.key.account, (0.0, 0.0))
        accounts[leg.key.account] = (g0 + float(start), g1 + float(now))
    margin = []
    for c in assessment.collateral:
        ratio = c.margin_ratio
        g0, g1 = accounts.get(c.account, (0.0, 0.0))
        if ratio is None or g0 <= 0:
            margin.append((c.account, ratio))
            continue
        margin.append((c.account, None if g1 <= 0 else ratio * g0 / g1))
    return BookFigures(gross=gross, net=net, worst_stress=worst, positions=count, margin=tuple(margin))
