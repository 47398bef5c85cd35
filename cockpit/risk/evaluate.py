"""The risk engine: one `evaluate(book, instruments, now)` that fills every pane's `Assessment`.

It keeps the little history the rules need (marks for volatility, APRs for the funding stress
index, equity peaks for drawdown, the kill switch's state) and nothing else: no I/O, no clock of
its own. Every rule reads the arrays of `table.BookTable`; the only per-position Python loops
are the ones that build the output tuples.

Rules never act on stale data: positions of accounts that are not LIVE are shown (flag "stale",
numbers last-known, the account named in `partial`), but they get no intents, their funding
quotes do not count in the index, book-wide equity is not read by the drawdown triggers while such
an account holds positions, and the kill switch does not step on a trigger without a live reading.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Mapping

import numpy as np

from cockpit.model import (
    AccountState,
    Assessment,
    AssetExposure,
    Book,
    FundingCell,
    FundingQuote,
    Health,
    Instrument,
    Intent,
    IntentSource,
    KillLatch,
    KillState,
    LayerCollateral,
    PlaybookStep,
    PositionRisk,
    Side,
    StressRow,
)
from cockpit.risk import collateral, exposure, funding, liquidation, playbook, sizing, stress
from cockpit.risk.arrays import fill_nan, unique
from cockpit.risk.drawdown import DrawdownTracker
from cockpit.risk.killswitch import Episode, KillSwitch, Trigger, tail_level
from cockpit.risk.orders import impact
from cockpit.risk.rows import builder
from cockpit.risk.settings import RiskSettings
from cockpit.risk.table import BookTable, TableBuilder
from cockpit.risk.volatility import VolTracker, asset_marks

Instruments = Mapping[str, Mapping[str, Instrument]]
_KINDS = ("unknown", "account", "position")
_FLAGS = ((1, "near-liq"), (2, "over-limit"), (4, "stale"), (8, "hedged"))
_FLAG_SETS = [tuple(name for bit, name in _FLAGS if code & bit) for code in range(16)]
_POSITION = builder(PositionRisk)
_STEP = builder(PlaybookStep)
_CELL = builder(FundingCell)
_EXPOSURE = builder(AssetExposure)
_STRESS = builder(StressRow)
_COLLATERAL = builder(LayerCollateral)


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


class RiskEngine:
    """Evaluates books into assessments and runs the kill switch (see the module doc).

    Args:
        settings: thresholds (default: `RiskSettings()`).
    """

    def __init__(self, settings: RiskSettings | None = None) -> None:
        s = self.settings = settings or RiskSettings()
        self._tables = TableBuilder()
        self._vol = VolTracker(s.vol_sample_seconds, s.vol_halflife_seconds, s.vol_history_samples,
                               s.vol_min_samples, s.vol_trigger_min_samples, s.vol_trigger_multiple)
        self._funding = funding.FundingTracker(
            s.funding_sample_seconds, s.funding_history_samples, s.funding_prior_apr,
            s.funding_scale_floor, s.funding_prior_samples, s.index_sample_seconds,
            s.index_history_samples)
        self._drawdown = DrawdownTracker()
        self._kill = KillSwitch(s)
        self._cell_quote: dict[int, FundingQuote] = {}
        self._cell_cache: dict[int, FundingCell] = {}
        self._scen_cache: tuple = (None, None)

    # -- the engine's other calls ------------------------------------------------------------

    def reset_kill(self, now: float) -> bool:
        """A person's reset; succeeds only when `KillState.can_reset` (the cause has cleared)."""
        return self._kill.reset(now)

    def set_kill_mode(self, mode: str) -> None:
        """'advise' (show the proposed cut and ask) or 'auto' (the engine sends it)."""
        self._kill.set_mode(mode)

    def kill_latch(self) -> KillLatch:
        """What of the kill switch must survive a restart (the engine journals it on change)."""
        return self._kill.latch()

    def restore_kill(self, latch: KillLatch) -> None:
        """Put back the kill switch's journaled latch, at start (see `KillSwitch.restore`)."""
        self._kill.restore(latch)

    @property
    def kill(self) -> KillState:
        """The kill switch as of the last evaluation."""
        return self._kill.state()

    # -- evaluation --------------------------------------------------------------------------

    def evaluate(self, book: Book, instruments: Instruments, now: float) -> Assessment:
        """Everything the panes show about `book` at `now`, and one step of the kill switch."""
        s = self.settings
        t = self._tables.build(book, instruments)
        names = self._tables.assets.names
        n_assets, n_acc, n_pos = t.n_assets, len(t.accounts), len(t.positions)

        # One mark per asset, needed only for a volatility sample and for quotes without a mark.
        marks = asset_marks(t.m_asset, t.m_price, t.m_live, n_assets) if self._vol.due(now) else None
        if marks is not None:
            self._vol.sample(now, marks)
        vol, pct = self._vol.estimate(n_assets, s.vol_default)

        # Exposure and leverage.
        expo = exposure.asset_exposure(t.signed, t.asset, n_assets)
        venues = tuple(dict.fromkeys(a.info.venue for a in t.accounts))
        venue_of = np.array([venues.index(a.info.venue) for a in t.accounts], np.intp)
        hedged = exposure.hedged(t.sign, t.asset, venue_of[t.acct], n_assets, len(venues))
        acc_gross = exposure.account_gross(t.signed, t.acct, t.asset, t.cross, n_acc, n_assets)
        acc_lev = exposure.leverage(acc_gross, t.a_equity)
        equity = float(t.a_equity.sum()) + t.in_flight_total
        gross = float(expo.gross.sum())

        # Liquidation: the position's own price, else (cross) the account-level move of the
        # account's cross side (its isolated positions have margin of their own).
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
        kind = np.where(own, 2, np.where(by_account, 1, 0))  # index into _KINDS
        # Which way the mark must go: against the position for its own price, but the way of the
        # account's move for a cross one (a long in a net-short account dies on a rise).
        direction = np.where(own, -t.sign, np.where(by_account, np.sign(fill_nan(move[t.acct])), 0.0))
        direction = np.where(np.isnan(dist) | (dist == 0), 0, direction).astype(np.intp)
        near = fill_nan(dist, np.inf) < s.near_liq_distance

        # Funding paid or earned per position.
        per_day = funding.per_day(t.sign, t.notional, t.apr)

        # Stress: six uniform shocks and the worse direction of the correlated tail.
        # β from measured volatility only (the same warm-up as the percentile): a few early
        # returns would make wild betas.
        measured = np.where(np.isnan(pct), np.nan, vol)
        scen = self._scenarios(measured, n_assets)
        res = stress.run(scen.shocks, t.signed, t.asset, t.acct, t.sign, liq_shock, t.cross, mm, iso_equity,
                         cross_equity, cross_maint)
        tail = 6 if res.pnl[6] <= res.pnl[7] else 7
        keep = np.array([0, 1, 2, 3, 4, 5, tail])
        pos_pnl = stress.position_pnl(scen.shocks, t.signed, t.asset, res, keep)
        worst_at = pos_pnl.argmin(axis=0) if n_pos else np.zeros(0, np.intp)
        worst = pos_pnl[worst_at, np.arange(n_pos)]  # the minimum, read where argmin found it

        # Sizing limits.
        limits = sizing.position_limits(
            t.notional, t.sign, t.asset, vol, sizing.stop_distance(vol, s.stop_floor, s.stop_vol_multiple),
            pct, t.sign * t.apr, acc_lev[t.acct], equity, s)
        limit, which, over, trim, over_flag = sizing.tightest(t.notional, limits, s.over_limit_tolerance)

        # Funding heatmap cells and the stress index.
        cell_asset = self._tables.cell_assets()
        cells = self._cell_state(t, marks, cell_asset)
        base, scale = self._funding.baseline(t.n_cells)
        with np.errstate(invalid="ignore"):
            z = (cells["apr"] - base) / scale
        # A cell whose APR is unknown (no funding interval) weighs nothing, like a stale one: the
        # index is over the cells it can read, never a 0 severity diluting them.
        counted = cells["live"] & ~np.isnan(cells["apr"])
        sev = np.where(counted, funding.severity(z, s.funding_z), 0.0)
        weights = funding.cell_weights(cells["oi"], cells["mine"], counted, s.funding_exposure_weight)
        any_live = bool(counted.any())
        index = funding.stress_index(sev, weights) if any_live else None
        drivers = funding.drivers(weights * sev, cell_asset, n_assets, names)
        self._funding.record(now, np.where(cells["live"], cells["apr"], np.nan), index, s.funding_z)

        # Drawdown, then the kill switch.
        live_ok = t.live_equity
        dd_daily, dd_peak = self._drawdown.update(now, equity, live_ok)
        triggers = self._triggers(t, live_ok, index, dd_daily, dd_peak, self._vol.trigger[:n_assets], expo)
        self._kill.step(now, triggers, lambda ep: self._plan(ep, t, per_day),
                        lambda accounts: self._sizes(t, accounts))

        # Collateral per account, then the standing playbook.
        buffer = collateral.buffer_targets(acc_gross, s.buffer_fraction, s.buffer_min)
        surplus = t.a_free - buffer
        withdrawable = np.array([np.nan if a.snapshot is None or a.snapshot.collateral.withdrawable is None
                                 else a.snapshot.collateral.withdrawable for a in t.accounts], float)
        rescue = collateral.rescue([a.info.name for a in t.accounts], [a.info.venue for a in t.accounts],
                                   [a.info.layer for a in t.accounts], t.a_live,
                                   collateral.sendable(surplus, withdrawable), collateral.rescue_need(buffer, t.a_free))
        flags = self._flags(t, near, over_flag, hedged)
        hedged_asset = np.bincount(t.asset, hedged, n_assets) > 0
        order = self._asset_order(expo, unique(np.concatenate([t.asset, cell_asset[cells["present"]]])))
        return Assessment(
            now=now,
            positions=self._position_rows(t, dist, kind, direction, per_day, flags, limit, which, over, trim),
            exposures=self._exposure_rows(expo, hedged_asset, order, measured, pct),
            assets=tuple(names[a] for a in order),
            venues=venues,
            funding=self._cells(t, cells, z),
            collateral=self._collateral_rows(t, maint, move, acc_lev, buffer, rescue),
            playbook=self._playbook(t, near, dist, worst, worst_at, scen.names, keep, per_day, surplus,
                                    rescue),
            stress=self._stress_rows(t, scen, res, keep),
            funding_stress=index,
            funding_stress_threshold=s.funding_stress_threshold,
            funding_stress_drivers=drivers,
            funding_stress_history=self._funding.index_history,
            equity=equity,
            gross=gross,
            net=float(expo.net.sum()),
            gross_leverage=float(gross / equity) if equity > 0 else math.inf if gross > 0 else 0.0,
            funding_per_day=float(np.nansum(per_day)),
            drawdown_daily=dd_daily,
            drawdown_peak=dd_peak,
            kill=self._kill.state(),
            partial=tuple(a.info.name for a in t.accounts if a.health is not Health.LIVE),
            effective_leverage=float(acc_gross.sum() / equity) if equity > 0 else None,
            unreachable=tuple(a.info.name for a in t.accounts if a.snapshot is None),
        )

    # -- pieces of evaluate ------------------------------------------------------------------

    def _scenarios(self, measured: np.ndarray, n_assets: int) -> stress.Scenarios:
        """The standing scenarios. Their betas rest on the volatility tracker alone, which
        changes only when it samples (or meets new assets), so they are kept until it does."""
        s = self.settings
        key = (self._vol.last_sample, n_assets, s)
        if self._scen_cache[0] != key:
            betas = stress.tail_betas(measured, self._vol.corr[:n_assets], self._vol.market_vol, s.tail_corr_push)
            self._scen_cache = (key, stress.standard_scenarios(betas, s.tail_shock))
        return self._scen_cache[1]

    def _cell_state(self, t: BookTable, marks: np.ndarray | None, cell_asset: np.ndarray) -> dict[str, np.ndarray]:
        """Per asset × venue cell: the quote shown (a live one when there is one), its APR, live,
        open interest in USD, your gross there and your net size there."""
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
        return {"quote": quote, "present": present, "apr": pad[0][q], "live": pad[1][q],
                "oi": pad[2][q] * q_mark,
                "mine": np.bincount(t.cell[t.live], np.abs(t.signed[t.live]), n),
                "net": np.bincount(t.cell, t.sign * t.size, n)}

    def _triggers(self, t: BookTable, live_ok: bool, index: float | None, dd_daily: float, dd_peak: float,
                  pct: np.ndarray, expo: exposure.Exposure) -> tuple[Trigger, ...]:
        """This evaluation's kill-switch readings; None where the reading would rest on data that
        is not live. The volatility reading is the exposure-weighted mean of `pct`, the assets'
        trigger percentiles (`VolTracker.trigger`: enough history, and scaled by the magnitude
        bound, so a calm market's daily highs do not trip), over the assets that have one (0
        before any has)."""
        s = self.settings
        known = ~np.isnan(pct)
        w = np.where(known, expo.gross[: pct.shape[0]], 0.0)
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

    def _plan(self, ep: Episode, t: BookTable, per_day: np.ndarray) -> None:
        """Plan the cut of every live, tradable position the episode has not planned yet."""
        readonly = np.array([a.info.readonly for a in t.accounts], bool)
        todo = [i for i in np.flatnonzero(t.live & ~readonly[t.acct]).tolist() if t.keys[i] not in ep.start]
        if not todo:
            return
        pos = [t.positions[i] for i in todo]
        ins = [t.instrument[i] for i in todo]
        flying = [self._in_flight(t.accounts[t.acct[i]], p) for i, p in zip(todo, pos)]
        bleed = -fill_nan(per_day[todo])
        # Sizes in each instrument's order unit (contracts on an inverse swap, whose size in coin
        # moves with the mark), valued per unit: the plan and its progress are in what is sent.
        unit = np.array([x.unit_value(m) for x, m in zip(ins, t.mark[todo].tolist())], float)
        cuts = playbook.proportional_cut([p.order_size for p in pos], unit, ins, self.settings.cut_fraction,
                                         bleed, flying)
        reason = f"kill switch: {self._kill.cause}; cut {self.settings.cut_fraction:.0%} of gross"
        # Proposed in order of funding bleed, biggest payer first: the executor sends them so.
        for k in np.argsort(-bleed, kind="stable").tolist():
            i, p, cut = todo[k], pos[k], cuts[k]
            mark = float(unit[k]) if unit[k] == unit[k] else 0.0
            ep.start[p.key] = (float(p.order_size), mark, float(cut))
            ep.accounts.add(p.account)
            if cut > 0:
                ep.intents[p.key] = Intent(id=f"kill:{ep.id}:{p.key}", account=p.account, symbol=p.symbol,
                                           source=IntentSource.KILL_SWITCH, reason=reason, amount=cut)

    @staticmethod
    def _in_flight(state: AccountState, p) -> Decimal:
        """Reduce-only orders already open against the position (they will close part of it)."""
        snap = state.snapshot
        if snap is None:
            return Decimal(0)
        return sum((o.remaining for o in snap.open_orders
                    if o.symbol == p.symbol and o.reduce_only and o.side is p.side.opposite), Decimal(0))

    @staticmethod
    def _sizes(t: BookTable, accounts: set[str]) -> dict[str, float] | None:
        """Current sizes of the live positions, or None when one of `accounts` is not LIVE."""
        live = {a.info.name for a, ok in zip(t.accounts, t.a_live) if ok}
        if not accounts <= live:
            return None
        return {p.key: float(p.order_size) for p, ok in zip(t.positions, t.live.tolist()) if ok}

    @staticmethod
    def _flags(t: BookTable, near: np.ndarray, over: np.ndarray, hedged: np.ndarray) -> list:
        """Flags per position; each of the 16 combinations is one shared tuple."""
        code = near * 1 + over * 2 + (~t.live) * 4 + hedged * 8
        return list(map(_FLAG_SETS.__getitem__, code.tolist()))

    def _position_rows(self, t: BookTable, dist, kind, direction, per_day, flags, limit, which, over,
                       trim) -> tuple[PositionRisk, ...]:
        """One row per position: uPnL and leverage fall back to computed values when the venue
        leaves them out (leverage: notional over the account's equity)."""
        upnl = t.unrealized
        acc_equity = t.a_equity[t.acct]
        with np.errstate(divide="ignore", invalid="ignore"):
            lev = np.where(np.isnan(t.lev), np.where(acc_equity > 0, t.notional / acc_equity, np.nan), t.lev)
        layers = [a.info.layer for a in t.accounts]
        return tuple(map(
            _POSITION, t.keys, t.account, t.venue, map(layers.__getitem__, t.acct.tolist()), t.symbol,
            t.asset_name, t.side, t.size_exact, _opt(t.notional), t.entry.tolist(), _opt(t.mark),
            _opt(upnl), _opt(lev), _opt(t.liq), _opt(dist), map(_KINDS.__getitem__, kind.tolist()),
            _opt(t.apr), _opt(per_day), flags, _opt(np.where(np.isnan(t.notional), np.nan, limit)),
            over.tolist(), trim.tolist(), map(sizing.REASONS.__getitem__, which.tolist()), direction.tolist()))

    def _asset_order(self, expo: exposure.Exposure, assets: np.ndarray) -> list[int]:
        """Assets by gross exposure (largest first), then by name."""
        return assets[np.lexsort((self._tables.name_rank()[assets], -expo.gross[assets]))].tolist()

    def _exposure_rows(self, expo: exposure.Exposure, hedged_asset: np.ndarray, order: list[int],
                       measured: np.ndarray, pct: np.ndarray) -> tuple[AssetExposure, ...]:
        """One net/gross line per asset that has positions, in heatmap row order."""
        shown = np.array(order, np.intp)
        shown = shown[expo.legs[shown] > 0]
        return tuple(map(
            _EXPOSURE, map(self._tables.assets.names.__getitem__, shown.tolist()), expo.net[shown].tolist(),
            expo.gross[shown].tolist(), expo.long[shown].tolist(), expo.short[shown].tolist(),
            expo.legs[shown].tolist(), hedged_asset[shown].tolist(), _opt(measured[shown]), _opt(pct[shown])))

    def _cells(self, t: BookTable, cells: dict[str, np.ndarray], z: np.ndarray) -> tuple[FundingCell, ...]:
        """One heatmap cell per quoted asset × venue. A cell whose quote, side held, history and
        deviation are unchanged is the same object as last time (most snapshots did not change)."""
        side = (None, Side.LONG, Side.SHORT)
        present = np.flatnonzero(cells["present"])
        at, net = cells["quote"][present], cells["net"][present]
        # Only the shown cells' values become Python objects, walked side by side.
        columns = zip(present.tolist(), map(t.quotes.__getitem__, at.tolist()), t.q_apr[at].tolist(),
                      map(side.__getitem__, np.where(net > 0, 1, np.where(net < 0, 2, 0)).tolist()),
                      fill_nan(z[present]).tolist(), (~cells["live"][present]).tolist())
        shown, venue = self._funding.shown, self._tables.cell_venues()
        # Last time's quote and cell per cell index; the cell itself holds the rest of what it
        # was built from (no key tuples: hundreds of them per evaluation only fed the collector).
        last_quote, last_cell = self._cell_quote, self._cell_cache
        out = []
        for c, q, apr, held, deviation, stale in columns:
            hit = last_cell.get(c)
            history = shown[c]
            if (hit is not None and last_quote[c] is q and hit.history is history and hit.held is held
                    and hit.deviation == deviation and hit.stale == stale):
                out.append(hit)
                continue
            cell = _CELL(q.asset, venue[c], q.symbol, apr, q.rate, q.interval_hours, q.next_time, q.predicted_rate,
                         held, history, deviation, stale)
            last_quote[c], last_cell[c] = q, cell
            out.append(cell)
        return tuple(out)

    def _collateral_rows(self, t: BookTable, maint, move, acc_lev, buffer, rescue) -> tuple[LayerCollateral, ...]:
        """One line per account that has reported at least once."""
        out = []
        # Python floats up front: indexing numpy arrays one value at a time is slow.
        equity, flying = t.a_equity.tolist(), t.a_in_flight.tolist()
        maint, buffer, acc_lev, move = maint.tolist(), buffer.tolist(), _opt(acc_lev), _opt(move)
        for i, a in enumerate(t.accounts):
            snap = a.snapshot
            if snap is None:
                continue
            c = snap.collateral
            out.append(_COLLATERAL(
                account=a.info.name, venue=a.info.venue, layer=a.info.layer, currency=c.currency,
                equity=c.equity, used=c.used, free=c.free, withdrawable=c.withdrawable, in_flight=flying[i],
                margin_ratio=equity[i] / maint[i] if maint[i] > 0 else None, buffer_target=buffer[i],
                shortfall=max(0.0, buffer[i] - c.free), rescue_seconds=rescue[i].seconds,
                rescue_route=rescue[i].label, stale=a.health is not Health.LIVE, leverage=acc_lev[i],
                liq_move=move[i], rescue_status=rescue[i].status, rescue_need=rescue[i].need,
                rescue_amount=rescue[i].amount, rescue_congested_seconds=rescue[i].congested))
        return tuple(out)

    def _playbook(self, t: BookTable, near, dist, worst, worst_at, scen_names, keep, per_day, surplus,
                  rescue) -> tuple[PlaybookStep, ...]:
        """The standing plan: live positions in unwind order, cut to the playbook target, priced."""
        live = np.flatnonzero(t.live)
        if live.size == 0:
            return ()
        order = live[playbook.unwind_order(near[live], dist[live], worst[live], per_day[live])]
        ins = t.instrument
        size = units = t.size_exact
        inverse = [i for i, x in enumerate(ins) if x.inverse]
        if inverse:  # cut in whole contracts (their order unit), shown in coin like the rest
            units = list(size)
            for i in inverse:
                units[i] = t.positions[i].order_size
        cuts = playbook.sequential_cut(order, units, t.notional, ins, self.settings.playbook_cut_fraction,
                                       self.settings.playbook_max_steps)
        # Most steps close a whole position: its size is already a float, and the fraction is 1.
        whole = [cut == units[i] for i, cut in cuts]
        if inverse:
            cuts = [(i, size[i] if w else t.positions[i].base_amount(c) if ins[i].inverse else c)
                    for (i, c), w in zip(cuts, whole)]
        idx = np.array([i for i, _ in cuts], np.intp)
        amounts = np.array([f if w else float(c) for (_, c), w, f in zip(cuts, whole, t.size[idx].tolist())])
        mark, sign = t.mark[idx], t.sign[idx]
        cut_notional = amounts * mark  # NaN where the mark is unknown: so is the step's cost
        slip = impact(fill_nan(cut_notional))
        fee = np.array([ins[i].taker_fee for i in idx.tolist()])
        est_price = mark * (1 - sign * slip)  # selling a long fills lower
        est_cost = cut_notional * (fee + slip)
        # Only the steps' own values as Python objects (a few dozen of the book's hundreds).
        names = [scen_names[k] for k in keep.tolist()]
        near_l, dist_l, worst_l = near[idx].tolist(), dist[idx].tolist(), worst[idx].tolist()
        at_l, day_l = worst_at[idx].tolist(), fill_nan(per_day[idx]).tolist()
        acct_l, surplus_l = t.acct[idx].tolist(), surplus.tolist()
        owners = [f"{a.info.name} ({a.info.layer.value})" for a in t.accounts]
        helpers = [f"rescue from {r.label}" if r.status == "covered" else r.label if r.status == "partial"
                   else "uncovered" for r in rescue]
        out = []
        keys, account, symbol, side = t.keys, t.account, t.symbol, t.side
        for n, ((i, cut), price, cost, cn) in enumerate(zip(cuts, _opt(est_price), _opt(est_cost),
                                                            _opt(cut_notional))):
            a = acct_l[n]
            fraction = (1.0 if whole[n] else float(cut / size[i])) if size[i] else 0.0
            out.append(_STEP(
                n + 1, keys[i], account[i], symbol[i], side[i], cut, fraction, cn,
                playbook.reason(near_l[n], dist_l[n], worst_l[n], names[at_l[n]], day_l[n]),
                price, cost, owners[a] if cost is not None and surplus_l[a] >= cost else helpers[a]))
        return tuple(out)

    def _stress_rows(self, t: BookTable, scen: stress.Scenarios, res: stress.StressResult,
                     keep: np.ndarray) -> tuple[StressRow, ...]:
        """The seven scenarios shown: the uniform shocks and the worse tail."""
        keys = t.keys
        accts = [a.info.name for a in t.accounts]
        # All seven at once: a few numpy calls instead of a few per scenario.
        ratios = res.ratio_after[keep]
        known = ~np.isnan(ratios)
        lowest = np.where(known, ratios, np.inf).min(axis=1, initial=np.inf).tolist()
        has_known = known.any(axis=1).tolist()
        pos_liq = _grouped(res.position_liquidated[keep], keys)
        acc_liq = _grouped(res.account_liquidated[keep], accts)
        shock, pnl = scen.market[keep].tolist(), res.pnl[keep].tolist()
        return tuple(
            _STRESS(scen.names[k], shock[j], pnl[j], lowest[j] if has_known[j] else None, pos_liq[j], acc_liq[j],
                    tuple(zip(accts, row)))
            for j, (k, row) in enumerate(zip(keep.tolist(), _opt(ratios))))
