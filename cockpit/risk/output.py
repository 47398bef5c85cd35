"""The stages' arrays as the `Assessment`'s rows: the only per-row Python loops of an evaluation.

Each function turns whole columns into Python values at once (`tolist`, `_opt`) and zips them
into rows, which is several times faster than indexing numpy arrays one value at a time.
"""

from __future__ import annotations

import numpy as np

from cockpit.model import (
    AssetExposure,
    Book,
    Cover,
    FundingCell,
    FundingQuote,
    Health,
    Intent,
    LayerCollateral,
    LiqKind,
    PlaybookStep,
    PositionRisk,
    ProposedCut,
    Side,
    StressRow,
)
from cockpit.risk import collateral, exposure, playbook, sizing, stress
from cockpit.risk.arrays import fill_nan
from cockpit.risk.stages import Cells, Collateral, Cuts, Liquidation, Sizing, Stress
from cockpit.risk.table import BookTable

KINDS = (LiqKind.UNKNOWN, LiqKind.ACCOUNT, LiqKind.POSITION)  # `PositionRisk.liq_kind` by `Liquidation.kind`
_FLAGS = ((1, "near-liq"), (2, "over-limit"), (4, "stale"), (8, "hedged"))
_FLAG_SETS = [tuple(name for bit, name in _FLAGS if code & bit) for code in range(16)]
_HELD = (None, Side.LONG, Side.SHORT)


def _opt(values: np.ndarray) -> list:
    """A float array as a (nested) list with None where NaN (the model's "unknown")."""
    missing = np.isnan(values)
    if missing.any():
        values = values.astype(object)  # the same Python floats tolist makes, with room for None
        values[missing] = None
    return values.tolist()


def _grouped(mask: np.ndarray, names: list) -> list[tuple]:
    """Per row of a boolean matrix, the names of its True columns."""
    rows, cols = np.nonzero(mask)
    out: list[list] = [[] for _ in range(mask.shape[0])]
    for r, c in zip(rows.tolist(), cols.tolist()):
        out[r].append(names[c])
    return [tuple(o) for o in out]


def flags(t: BookTable, near: np.ndarray, over: np.ndarray, hedged: np.ndarray) -> list:
    """Flags per position; each of the 16 combinations is one shared tuple."""
    code = near * 1 + over * 2 + (~t.live) * 4 + hedged * 8
    return list(map(_FLAG_SETS.__getitem__, code.tolist()))


def position_rows(t: BookTable, liq: Liquidation, per_day: np.ndarray, flag_sets: list,
                  size: Sizing) -> tuple[PositionRisk, ...]:
    """One row per position: uPnL and leverage fall back to computed values when the venue
    leaves them out (leverage: notional over the account's equity)."""
    upnl = t.unrealized
    acc_equity = t.a_equity[t.acct]
    with np.errstate(divide="ignore", invalid="ignore"):
        lev = np.where(np.isnan(t.lev), np.where(acc_equity > 0, t.notional / acc_equity, np.nan), t.lev)
    layers = [a.info.layer for a in t.accounts]
    # `_make` over zipped columns: one C-level tuple per row, no keyword binding per field.
    return tuple(map(PositionRisk._make, zip(
        t.keys, t.account, t.venue, map(layers.__getitem__, t.acct.tolist()), t.symbol,
        t.asset_name, t.side, t.size_exact, _opt(t.notional), t.entry.tolist(), _opt(t.mark),
        _opt(upnl), _opt(lev), _opt(t.liq), _opt(liq.dist), map(KINDS.__getitem__, liq.kind.tolist()),
        _opt(t.apr), _opt(per_day), flag_sets, _opt(np.where(np.isnan(t.notional), np.nan, size.limit)),
        size.over.tolist(), size.trim.tolist(), map(sizing.REASONS.__getitem__, size.which.tolist()),
        liq.direction.tolist())))


def exposure_rows(expo: exposure.Exposure, names: list, hedged_asset: np.ndarray, order: list[int],
                  measured: np.ndarray, pct: np.ndarray) -> tuple[AssetExposure, ...]:
    """One net/gross line per asset that has positions, in heatmap row order."""
    shown = np.array(order, np.intp)
    shown = shown[expo.legs[shown] > 0]
    return tuple(map(AssetExposure._make, zip(
        map(names.__getitem__, shown.tolist()), expo.net[shown].tolist(),
        expo.gross[shown].tolist(), expo.long[shown].tolist(), expo.short[shown].tolist(),
        expo.legs[shown].tolist(), hedged_asset[shown].tolist(), _opt(measured[shown]), _opt(pct[shown]))))


def _round_sig(values: np.ndarray, digits: int) -> np.ndarray:
    """`values` to `digits` significant figures (NaN kept): what the heatmap shows and filters on,
    so a cell changes (and travels in a frame patch) when its figure does, not at every tick."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(np.isfinite(values) & (values != 0), np.floor(np.log10(np.abs(values))), 0.0)
        scale = 10.0 ** (digits - 1 - mag)
        return np.where(np.isfinite(values), np.round(values * scale) / scale, values)


def _cell_per_day(t: BookTable, per_day: np.ndarray | None, n: int) -> np.ndarray:
    """Funding per day of the positions in each cell (NaN where none is held or one is unknown)."""
    if per_day is None or t.cell.shape[0] == 0:
        return np.full(n, np.nan)
    total = np.bincount(t.cell, fill_nan(per_day), n)
    unknown = np.bincount(t.cell, np.isnan(per_day).astype(float), n) > 0
    held = np.bincount(t.cell, np.ones(t.cell.shape[0]), n) > 0
    return np.where(held & ~unknown, total, np.nan)


class CellRows:
    """Builds the heatmap's cells, keeping the cell of an unchanged quote: a cell whose quote,
    side held, history and deviation are unchanged is the same object as last time (most
    snapshots did not change; `tests/risk/test_reuse.py` checks it)."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[FundingQuote, FundingCell]] = {}  # per cell: its quote and row

    def rows(self, t: BookTable, cells: Cells, z: np.ndarray, shown: list, venue: list[str],
             per_day: np.ndarray | None = None) -> tuple[FundingCell, ...]:
        """One heatmap cell per quoted asset × venue (`shown`: each cell's history; `per_day`:
        each position's funding per day, summed into its cell)."""
        present = np.flatnonzero(cells.present)
        at, net = cells.quote[present], cells.net[present]
        mine = _cell_per_day(t, per_day, cells.net.shape[0])[present]
        # Only the shown cells' values become Python objects, walked side by side.
        columns = zip(present.tolist(), map(t.quotes.__getitem__, at.tolist()), t.q_apr[at].tolist(),
                      map(_HELD.__getitem__, np.where(net > 0, 1, np.where(net < 0, 2, 0)).tolist()),
                      fill_nan(z[present]).tolist(), (~cells.live[present]).tolist(),
                      _opt(_round_sig(cells.oi[present], 2)), _opt(_round_sig(mine, 3)))
        last = self._last
        out = []
        for c, q, apr, held, deviation, stale, oi, day in columns:
            history = shown[c]
            hit = last.get(c)
            if hit is not None:
                quote, cell = hit
                if (quote is q and cell.history is history and cell.held is held and cell.deviation == deviation
                        and cell.stale == stale and cell.open_interest == oi and cell.per_day == day):
                    out.append(cell)
                    continue
            cell = FundingCell(q.asset, venue[c], q.symbol, apr, q.rate, q.interval_hours, q.next_time,
                               q.predicted_rate, held, history, deviation, stale, oi, day)
            last[c] = (q, cell)
            out.append(cell)
        return tuple(out)


def collateral_rows(t: BookTable, liq: Liquidation, acc_lev: np.ndarray,
                    col: Collateral) -> tuple[LayerCollateral, ...]:
    """One line per account that has reported at least once."""
    out = []
    # Python floats up front: indexing numpy arrays one value at a time is slow.
    equity, flying = t.a_equity.tolist(), t.a_in_flight.tolist()
    maint, buffer, lev, move, rescue = liq.maint.tolist(), col.buffer.tolist(), _opt(acc_lev), _opt(liq.move), col.rescue
    for i, a in enumerate(t.accounts):
        snap = a.snapshot
        if snap is None:
            continue
        c = snap.collateral
        ratio = equity[i] / maint[i] if maint[i] > 0 else None
        out.append(LayerCollateral(
            account=a.info.name, venue=a.info.venue, layer=a.info.layer, currency=c.currency,
            equity=c.equity, used=c.used, free=c.free, withdrawable=c.withdrawable, in_flight=flying[i],
            margin_ratio=ratio, buffer_target=buffer[i],
            shortfall=max(0.0, buffer[i] - c.free), rescue_seconds=rescue[i].seconds,
            rescue_route=rescue[i].route, stale=a.health is not Health.LIVE, leverage=lev[i],
            liq_move=move[i], rescue_status=rescue[i].status, rescue_need=rescue[i].need,
            rescue_amount=rescue[i].amount, rescue_congested_seconds=rescue[i].congested,
            rescue_sources=rescue[i].sources, danger=collateral.in_danger(ratio)))
    return tuple(out)


def playbook_rows(t: BookTable, cuts: Cuts | None, liq: Liquidation, st: Stress, scen_names: list,
                  per_day: np.ndarray, surplus: np.ndarray, helpers: list[Cover]) -> tuple[PlaybookStep, ...]:
    """The standing plan's steps, each with why it is there (reason codes and their numbers) and
    whose collateral covers it: its own account's when its surplus pays, else `helpers` (per
    account, `stages.covers`)."""
    if cuts is None:
        return ()
    idx, size = cuts.idx, t.size_exact
    # Only the steps' own values as Python objects (a few dozen of the book's hundreds).
    names = [scen_names[k] for k in st.keep.tolist()]
    tails = [k >= len(stress.UNIFORM_SHOCKS) for k in st.keep.tolist()]
    near_l, dist_l, worst_l = liq.near[idx].tolist(), liq.dist[idx].tolist(), st.worst[idx].tolist()
    at_l, day_l = st.worst_at[idx].tolist(), fill_nan(per_day[idx]).tolist()
    acct_l, surplus_l = t.acct[idx].tolist(), surplus.tolist()
    out = []
    keys, account, symbol, side, whole = t.keys, t.account, t.symbol, t.side, cuts.whole
    for n, ((i, cut), price, cost, cn) in enumerate(zip(cuts.cuts, _opt(cuts.est_price), _opt(cuts.est_cost),
                                                        _opt(cuts.cut_notional))):
        a = acct_l[n]
        fraction = (1.0 if whole[n] else float(cut / size[i])) if size[i] else 0.0
        out.append(PlaybookStep(
            n + 1, keys[i], account[i], symbol[i], side[i], cut, fraction, cn,
            playbook.reasons(near_l[n], dist_l[n], worst_l[n], tails[at_l[n]], day_l[n]),
            price, cost, Cover.OWN if cost is not None and surplus_l[a] >= cost else helpers[a],
            dist_l[n], worst_l[n], names[at_l[n]], day_l[n]))
    return tuple(out)


def stress_rows(t: BookTable, scen: stress.Scenarios, st: Stress) -> tuple[StressRow, ...]:
    """The seven scenarios shown: the uniform shocks and the worse tail."""
    res, keep = st.result, st.keep
    accts = [a.info.name for a in t.accounts]
    # All seven at once: a few numpy calls instead of a few per scenario.
    ratios = res.ratio_after[keep]
    known = ~np.isnan(ratios)
    lowest = np.where(known, ratios, np.inf).min(axis=1, initial=np.inf).tolist()
    has_known = known.any(axis=1).tolist()
    pos_liq = _grouped(res.position_liquidated[keep], t.keys)
    acc_liq = _grouped(res.account_liquidated[keep], accts)
    shock, pnl = scen.market[keep].tolist(), res.pnl[keep].tolist()
    uniform = len(stress.UNIFORM_SHOCKS)
    return tuple(
        StressRow(scen.names[k], shock[j], pnl[j], lowest[j] if has_known[j] else None, pos_liq[j], acc_liq[j],
                  tuple(zip(accts, row)), k >= uniform)
        for j, (k, row) in enumerate(zip(keep.tolist(), _opt(ratios))))


def proposal_rows(positions: tuple[PositionRisk, ...], proposed: tuple[Intent, ...],
                  book: Book) -> tuple[ProposedCut, ...]:
    """The kill switch's proposed intents with the share of its position each cuts and its
    notional at the mark (`ProposedCut`), in proposal order.

    An intent's amount is in its instrument's order unit (contracts for an inverse swap), so it
    is measured against the venue's position in that unit (`Position.order_size`) and valued
    as coin (`Position.base_amount`), never against the size in coin.
    """
    if not proposed:
        return ()
    rows = {p.key: p for p in positions}
    held = {p.key: p for p in book.positions()}
    out = []
    for intent in proposed:
        p, source = rows.get(intent.key), held.get(intent.key)
        amount = intent.amount
        fraction, notional = intent.fraction, None
        if p is not None and source is not None and amount is not None:
            if source.order_size:
                fraction = float(amount / source.order_size)
            if p.mark is not None:
                notional = float(source.base_amount(amount)) * p.mark
        out.append(ProposedCut(intent, p, fraction, notional))
    return tuple(out)
