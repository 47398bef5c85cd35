"""The stages of one evaluation, in the order `RiskEngine.evaluate` runs them.

Each stage is a function of plain inputs (the book's arrays, `BookTable`, the settings and the
results of earlier stages) and returns a small named result; none keeps state. What lasts
between evaluations (volatility and funding histories, drawdown peaks, the kill switch) stays in
`RiskEngine`, which hands each stage what it needs:

exposure → liquidation → stress → sizing → funding → kill switch (triggers, plan) → collateral
→ playbook.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import numpy as np

from cockpit.model import AccountState, Cover, Intent, IntentSource, PositionKey, RescueStatus
from cockpit.risk import collateral, exposure, funding, liquidation, playbook, sizing, stress
from cockpit.risk.arrays import fill_nan
from cockpit.risk.collateral import Rescue
from cockpit.risk.killswitch import Episode, Trigger, tail_level
from cockpit.risk.orders import market_fill
from cockpit.risk.settings import RiskSettings
from cockpit.risk.table import BookTable
from cockpit.risk.volatility import asset_marks

# -- exposure ---------------------------------------------------------------------------------


class Exposures(NamedTuple):
    """Per asset and per account exposure, and the book's equity and gross."""

    expo: exposure.Exposure
    venues: tuple[str, ...]
    hedged: np.ndarray  # per position: an opposite leg in its asset on another venue
    acc_gross: np.ndarray  # per account, after cross-margin offsets
    acc_lev: np.ndarray
    equity: float  # the accounts' equity plus transfers in flight
    gross: float


def exposure_stage(t: BookTable) -> Exposures:
    """Exposure per asset, hedged legs, and leverage per account."""
    n_acc = len(t.accounts)
    expo = exposure.asset_exposure(t.signed, t.asset, t.n_assets)
    venues = tuple(dict.fromkeys(a.info.venue for a in t.accounts))
    venue_of = np.array([venues.index(a.info.venue) for a in t.accounts], np.intp)
    hedged = exposure.hedged(t.sign, t.asset, venue_of[t.acct], t.n_assets, len(venues))
    acc_gross = exposure.account_gross(t.signed, t.acct, t.asset, t.cross, n_acc, t.n_assets)
    return Exposures(expo, venues, hedged, acc_gross, exposure.leverage(acc_gross, t.a_equity),
                     float(t.a_equity.sum()) + t.in_flight_total, float(expo.gross.sum()))


# -- liquidation ------------------------------------------------------------------------------


class Liquidation(NamedTuple):
    """Maintenance, the cross and isolated sides, and each position's distance to liquidation."""

    maint: np.ndarray  # per account
    mm: np.ndarray  # per position
    liq_shock: np.ndarray
    iso_equity: np.ndarray
    cross_equity: np.ndarray
    cross_maint: np.ndarray
    move: np.ndarray  # per account: the uniform move that liquidates its cross side
    dist: np.ndarray
    kind: np.ndarray  # index into `output.KINDS`
    direction: np.ndarray
    near: np.ndarray


def liquidation_stage(t: BookTable, near_distance: float) -> Liquidation:
    """The position's own price, else (cross) the account-level move of the account's cross side
    (its isolated positions have margin of their own)."""
    n_acc = len(t.accounts)
    maint = liquidation.account_maintenance(t.a_maint, t.mm, t.acct)
    mm = liquidation.position_maintenance(maint, t.mm, t.notional, t.acct)
    liq_shock = stress.liquidation_shock(t.sign, t.mark, t.liq)
    iso_equity = liquidation.isolated_equity(t.cross, t.im, t.unrealized, mm, t.signed, liq_shock)
    cross_equity, cross_maint = liquidation.cross_side(t.a_equity, maint, t.acct, t.cross, iso_equity, mm)
    net_cross = np.bincount(t.acct, np.where(t.cross, t.signed, 0.0), n_acc)
    move = liquidation.account_move(cross_equity, cross_maint, net_cross)
    own = ~np.isnan(t.liq)
    by_account = t.cross & (cross_maint[t.acct] > 0)
    dist = np.where(own, liquidation.position_distance(t.sign, t.mark, t.liq),
                    np.where(by_account, np.abs(move[t.acct]), np.nan))
    kind = np.where(own, 2, np.where(by_account, 1, 0))
    # Which way the mark must go: against the position for its own price, but the way of the
    # account's move for a cross one (a long in a net-short account dies on a rise).
    direction = np.where(own, -t.sign, np.where(by_account, np.sign(fill_nan(move[t.acct])), 0.0))
    direction = np.where(np.isnan(dist) | (dist == 0), 0, direction).astype(np.intp)
    near = fill_nan(dist, np.inf) < near_distance
    return Liquidation(maint, mm, liq_shock, iso_equity, cross_equity, cross_maint, move, dist, kind,
                       direction, near)


# -- stress -----------------------------------------------------------------------------------


class Stress(NamedTuple):
    """The scenarios run, the seven shown (`keep`: six uniform shocks and the worse tail), and
    each position's worst loss among them and where."""

    result: stress.StressResult
    keep: np.ndarray
    worst: np.ndarray
    worst_at: np.ndarray


def stress_stage(t: BookTable, scen: stress.Scenarios, liq: Liquidation) -> Stress:
    """Six uniform shocks and the worse direction of the correlated tail."""
    res = stress.run(scen.shocks, t.signed, t.asset, t.acct, t.sign, liq.liq_shock, t.cross, liq.mm,
                     liq.iso_equity, liq.cross_equity, liq.cross_maint)
    tail = 6 if res.pnl[6] <= res.pnl[7] else 7
    keep = np.array([0, 1, 2, 3, 4, 5, tail])
    pos_pnl = stress.position_pnl(scen.shocks, t.signed, t.asset, res, keep)
    n_pos = len(t.positions)
    worst_at = pos_pnl.argmin(axis=0) if n_pos else np.zeros(0, np.intp)
    worst = pos_pnl[worst_at, np.arange(n_pos)]  # the minimum, read where argmin found it
    return Stress(res, keep, worst, worst_at)


# -- sizing -----------------------------------------------------------------------------------


class Sizing(NamedTuple):
    """The tightest limit per position, which one it is, and the trim back under it."""

    limit: np.ndarray
    which: np.ndarray  # index into `sizing.REASONS`
    over: np.ndarray
    trim: np.ndarray
    over_flag: np.ndarray


def sizing_stage(t: BookTable, vol: np.ndarray, pct: np.ndarray, ex: Exposures, s: RiskSettings) -> Sizing:
    """Every sizing limit of every position, and the tightest one."""
    limits = sizing.position_limits(
        t.notional, t.sign, t.asset, vol, sizing.stop_distance(vol, s.stop_floor, s.stop_vol_multiple),
        pct, t.sign * t.apr, ex.acc_lev[t.acct], ex.equity, s)
    return Sizing(*sizing.tightest(t.notional, limits, s.over_limit_tolerance))


# -- funding ----------------------------------------------------------------------------------


class Cells(NamedTuple):
    """Per asset × venue cell: the quote shown (a live one when there is one; -1: none), its APR,
    live, open interest in USD, your gross there and your net size there."""

    quote: np.ndarray
    present: np.ndarray
    apr: np.ndarray
    live: np.ndarray
    oi: np.ndarray
    mine: np.ndarray
    net: np.ndarray


def cell_state(t: BookTable, marks: np.ndarray | None, cell_asset: np.ndarray) -> Cells:
    """What each funding cell shows and weighs (`marks`: the assets' marks if already known)."""
    n = t.n_cells
    quote = np.full(n, -1, np.intp)
    mapped = t.q_cell >= 0
    for live in (False, True) if not t.q_live.all() else (True,):  # live quotes overwrite stale ones
        sel = np.flatnonzero(mapped & (t.q_live == live))
        quote[t.q_cell[sel]] = sel
    present = quote >= 0
    columns = (t.q_apr, t.q_live, t.q_oi, t.q_mark)
    if present.all():  # the usual case: every cell is quoted
        pad, q = columns, quote
    else:  # index through a padded copy so cells without a quote read NaN / False
        q = np.where(present, quote, len(t.quotes))
        pad = [np.append(column, fill) for column, fill in zip(columns, (np.nan, False, np.nan, np.nan))]
    q_mark = pad[3][q]
    gap = np.isnan(q_mark)
    if gap.any():  # open interest in USD at the asset's mark when the quote has none
        if marks is None:
            marks = asset_marks(t.m_asset, t.m_price, t.m_live, t.n_assets)
        q_mark = np.where(gap, marks[cell_asset], q_mark)
    return Cells(quote, present, pad[0][q], pad[1][q], pad[2][q] * q_mark,
                 np.bincount(t.cell[t.live], np.abs(t.signed[t.live]), n), np.bincount(t.cell, t.sign * t.size, n))


class FundingStress(NamedTuple):
    """Each cell's deviation from its baseline, and the stress index with its drivers."""

    z: np.ndarray
    index: float | None  # None when no live cell measures it
    drivers: tuple[str, ...]


def funding_stage(cells: Cells, base: np.ndarray, scale: np.ndarray, cell_asset: np.ndarray, names: list,
                  s: RiskSettings) -> FundingStress:
    """The funding stress index over the cells it can read."""
    with np.errstate(invalid="ignore"):
        z = (cells.apr - base) / scale
    # A cell whose APR is unknown (no funding interval) weighs nothing, like a stale one: the
    # index is over the cells it can read, never a 0 severity diluting them.
    counted = cells.live & ~np.isnan(cells.apr)
    sev = np.where(counted, funding.severity(z, s.funding_z), 0.0)
    weights = funding.cell_weights(cells.oi, cells.mine, counted, s.funding_exposure_weight)
    index = funding.stress_index(sev, weights) if counted.any() else None
    return FundingStress(z, index, funding.drivers(weights * sev, cell_asset, len(names), names))


# -- kill switch ------------------------------------------------------------------------------


def kill_triggers(t: BookTable, live_ok: bool, index: float | None, dd_daily: float, dd_peak: float,
                  pct: np.ndarray, gross: np.ndarray, s: RiskSettings) -> tuple[Trigger, ...]:
    """This evaluation's kill-switch readings; None where the reading would rest on data that
    is not live. The volatility reading is the exposure-weighted mean of `pct`, the assets'
    trigger percentiles (`VolTracker.trigger`: enough history, and scaled by the magnitude
    bound, so a calm market's daily highs do not trip), over the assets that have one (0
    before any has); `gross` is the gross exposure per asset."""
    known = ~np.isnan(pct)
    w = np.where(known, gross[: pct.shape[0]], 0.0)
    book_pct = float((w * fill_nan(pct)).sum() / w.sum()) if w.sum() > 0 else 0.0
    blind = np.flatnonzero(~t.a_live & t.a_risk)
    ages = fill_nan(t.a_age[blind], np.inf)
    worst = int(blind[np.argmax(ages)]) if blind.size else -1
    stale_value = float(ages.max()) if blind.size else 0.0
    stale_label = "stale account" if worst < 0 else (
        f"{t.accounts[worst].info.name} {t.accounts[worst].health.value} with positions for")
    r = s.reentry_fraction
    return (
        Trigger("funding stress", index, s.funding_stress_threshold, s.funding_stress_reentry),
        Trigger("daily drawdown", dd_daily if live_ok else None, s.daily_drawdown_cap,
                r * s.daily_drawdown_cap, unit="%"),
        Trigger("peak drawdown", dd_peak if live_ok else None, s.peak_drawdown_cap,
                r * s.peak_drawdown_cap, unit="%"),
        Trigger("vol percentile", book_pct, s.vol_percentile_trigger,
                tail_level(s.vol_percentile_trigger, r), tail=True),
        Trigger("stale account", stale_value, s.stale_limit_seconds, r * s.stale_limit_seconds,
                stale_label, unit="s"),
    )


def in_flight(state: AccountState, p) -> Decimal:
    """Reduce-only orders already open against the position (they will close part of it)."""
    snap = state.snapshot
    if snap is None:
        return Decimal(0)
    return sum((o.remaining for o in snap.open_orders
                if o.symbol == p.symbol and o.reduce_only and o.side is p.side.opposite), Decimal(0))


def plan_cut(ep: Episode, t: BookTable, per_day: np.ndarray, fraction: float, cause: str) -> None:
    """Plan the cut of every live, tradable position the episode has not planned yet: `fraction`
    of each, proposed in order of funding bleed, biggest payer first (the executor sends them so)."""
    readonly = np.array([a.info.readonly for a in t.accounts], bool)
    todo = [i for i in np.flatnonzero(t.live & ~readonly[t.acct]).tolist() if t.keys[i] not in ep.start]
    if not todo:
        return
    pos = [t.positions[i] for i in todo]
    ins = [t.instrument[i] for i in todo]
    flying = [in_flight(t.accounts[t.acct[i]], p) for i, p in zip(todo, pos)]
    bleed = -fill_nan(per_day[todo])
    # Sizes in each instrument's order unit (contracts on an inverse swap, whose size in coin
    # moves with the mark), valued per unit: the plan and its progress are in what is sent.
    unit = np.array([x.unit_value(m) for x, m in zip(ins, t.mark[todo].tolist())], float)
    cuts = playbook.proportional_cut([p.order_size for p in pos], unit, ins, fraction, bleed, flying)
    reason = f"kill switch: {cause}; cut {fraction:.0%} of gross"
    for k in np.argsort(-bleed, kind="stable").tolist():
        p, cut = pos[k], cuts[k]
        mark = float(unit[k]) if unit[k] == unit[k] else 0.0
        ep.start[p.key] = (float(p.order_size), mark, float(cut))
        ep.accounts.add(p.account)
        if cut > 0:
            ep.intents[p.key] = Intent(id=f"kill:{ep.id}:{p.key}", account=p.account, symbol=p.symbol,
                                       source=IntentSource.KILL_SWITCH, reason=reason, amount=cut)


def live_sizes(t: BookTable, accounts: set[str]) -> dict[PositionKey, float] | None:
    """Current sizes of the live positions, or None when one of `accounts` is not LIVE."""
    live = {a.info.name for a, ok in zip(t.accounts, t.a_live) if ok}
    if not accounts <= live:
        return None
    return {p.key: float(p.order_size) for p, ok in zip(t.positions, t.live.tolist()) if ok}


# -- collateral -------------------------------------------------------------------------------


class Collateral(NamedTuple):
    """Per account: the buffer to keep, free collateral above it, and how a rescue would come."""

    buffer: np.ndarray
    surplus: np.ndarray
    rescue: list[Rescue]


def collateral_stage(t: BookTable, acc_gross: np.ndarray, s: RiskSettings) -> Collateral:
    """Buffer targets, surpluses and rescues of every account."""
    buffer = collateral.buffer_targets(acc_gross, s.buffer_fraction, s.buffer_min)
    surplus = t.a_free - buffer
    withdrawable = np.array([np.nan if a.snapshot is None or a.snapshot.collateral.withdrawable is None
                             else a.snapshot.collateral.withdrawable for a in t.accounts], float)
    infos = [a.info for a in t.accounts]
    rescue = collateral.rescue([i.name for i in infos], [i.venue for i in infos], [i.layer for i in infos],
                               t.a_live, collateral.sendable(surplus, withdrawable),
                               collateral.rescue_need(buffer, t.a_free))
    return Collateral(buffer, surplus, rescue)


# -- playbook ---------------------------------------------------------------------------------


# What covers a step its own account cannot pay for: that account's rescue, by how it stands.
_COVERS = {RescueStatus.COVERED: Cover.RESCUE, RescueStatus.PARTIAL: Cover.PARTIAL}


def covers(rescue: list[Rescue]) -> list[Cover]:
    """Per account, what covers a playbook step's cost when the account's own surplus does not:
    its rescue when covered in full or in part, else nothing (`cockpit.present.reasons.cover`
    words it)."""
    return [_COVERS.get(r.status, Cover.UNCOVERED) for r in rescue]


def _order_units(t: BookTable, size: list[Decimal]) -> list[Decimal]:
    """Sizes in each instrument's order unit: whole contracts on an inverse swap (`size` itself
    when there is none)."""
    inverse = [i for i, x in enumerate(t.instrument) if x.inverse]
    if not inverse:
        return size
    units = list(size)
    for i in inverse:
        units[i] = t.positions[i].order_size
    return units


class Cuts(NamedTuple):
    """The standing playbook's steps as arrays: positions, sizes cut, and priced estimates."""

    cuts: list[tuple[int, Decimal]]  # (position, size cut in coin)
    whole: list[bool]  # the step closes the whole position
    idx: np.ndarray
    cut_notional: np.ndarray  # NaN where the mark is unknown
    est_price: np.ndarray
    est_cost: np.ndarray


def playbook_cuts(t: BookTable, liq: Liquidation, st: Stress, per_day: np.ndarray, s: RiskSettings) -> Cuts | None:
    """Live positions in unwind order, cut to the playbook target and priced; None when none is
    live."""
    live = np.flatnonzero(t.live)
    if live.size == 0:
        return None
    order = live[playbook.unwind_order(liq.near[live], liq.dist[live], st.worst[live], per_day[live])]
    ins, size = t.instrument, t.size_exact
    units = _order_units(t, size)
    cuts = playbook.sequential_cut(order, units, t.notional, ins, s.playbook_cut_fraction, s.playbook_max_steps)
    # Most steps close a whole position: its size is already a float, and the fraction is 1.
    whole = [cut == units[i] for i, cut in cuts]
    if units is not size:  # back from contracts to coin, like the rest of the pane
        cuts = [(i, size[i] if w else t.positions[i].base_amount(c) if ins[i].inverse else c)
                for (i, c), w in zip(cuts, whole)]
    idx = np.array([i for i, _ in cuts], np.intp)
    amounts = np.array([f if w else float(c) for (_, c), w, f in zip(cuts, whole, t.size[idx].tolist())])
    cut_notional = amounts * t.mark[idx]
    fee = np.array([ins[i].taker_fee for i in idx.tolist()])
    est_price, est_cost = market_fill(t.mark[idx], cut_notional, fee, -t.sign[idx])  # a cut sells a long
    return Cuts(cuts, whole, idx, cut_notional, est_price, est_cost)
