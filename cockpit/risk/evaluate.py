"""The risk engine: one `evaluate(book, instruments, now)` that fills every pane's `Assessment`.

It keeps the little history the rules need (marks for volatility, APRs for the funding stress
index, equity peaks for drawdown, the kill switch's state) and nothing else: no I/O, no clock of
its own. Every rule reads the arrays of `table.BookTable`; the rules run as named stages
(`stages`, each a function of plain inputs) and the only per-position Python loops are the ones
that build the output rows (`output`).

Rules never act on stale data: positions of accounts that are not LIVE are shown (flag "stale",
numbers last-known, the account named in `partial`), but they get no intents, their funding
quotes do not count in the index, book-wide equity is not read by the drawdown triggers while such
an account holds positions, and the kill switch does not step on a trigger without a live reading.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from cockpit.model import Assessment, Book, Health, Instrument, KillLatch, KillMode, KillState
from cockpit.risk import carry, funding, output, stages, stress
from cockpit.risk.arrays import unique
from cockpit.risk.drawdown import DrawdownTracker
from cockpit.risk.killswitch import KillSwitch
from cockpit.risk.output import CellRows
from cockpit.risk.settings import RiskSettings
from cockpit.risk.table import BookTable, TableBuilder
from cockpit.risk.volatility import VolTracker, asset_marks

Instruments = Mapping[str, Mapping[str, Instrument]]


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
        self._cells = CellRows()
        self._scen_cache: tuple = (None, None)
        self._carry = carry.CarryScanner()
        self.carry_size = s.carry_size

    # -- the engine's other calls ------------------------------------------------------------

    def reset_kill(self, now: float) -> bool:
        """A person's reset; succeeds only when `KillState.can_reset` (the cause has cleared)."""
        return self._kill.reset(now)

    def set_kill_mode(self, mode: KillMode | str) -> None:
        """ADVISE (show the proposed cut and ask) or AUTO (the engine sends it)."""
        self._kill.set_mode(mode)

    def kill_latch(self) -> KillLatch:
        """What of the kill switch must survive a restart (the engine journals it on change)."""
        return self._kill.latch()

    def restore_kill(self, latch: KillLatch) -> None:
        """Put back the kill switch's journaled latch, at start (see `KillSwitch.restore`)."""
        self._kill.restore(latch)

    def set_carry_size(self, notional: float) -> None:
        """Price the carry scanner at `notional` per leg from the next evaluation on."""
        self.carry_size = float(notional)

    def restore_history(self, now: float, funding_apr: dict, index: list, peaks: tuple | None = None) -> None:
        """Warm the histories from a history store at start (see `FundingTracker.seed`):
        `funding_apr` maps (asset, venue) to APR samples, oldest first; `index` is (time,
        value or None) pairs; `peaks` is (peak, day peak, UTC day number) of the drawdown
        tracker when the last run stopped just before (`DrawdownTracker.restore`)."""
        self._funding.seed(funding_apr, index)
        if peaks is not None:
            self._drawdown.restore(now, *peaks)

    def drawdown_peaks(self) -> tuple[float | None, float | None]:
        """(all-time peak, UTC day's peak) of total equity, for the history store."""
        return self._drawdown.peak, self._drawdown.day_peak

    @property
    def kill(self) -> KillState:
        """The kill switch as of the last evaluation."""
        return self._kill.state()

    # -- evaluation --------------------------------------------------------------------------

    def evaluate(self, book: Book, instruments: Instruments, now: float) -> Assessment:
        """Everything the panes show about `book` at `now`, and one step of the kill switch."""
        s = self.settings
        t = self._tables.build(book, instruments)
        marks, vol, pct = self._sample_volatility(t, now)
        ex = stages.exposure_stage(t)
        liq = stages.liquidation_stage(t, s.near_liq_distance)
        per_day = funding.per_day(t.sign, t.notional, t.apr)
        # β from measured volatility only (the same warm-up as the percentile): a few early
        # returns would make wild betas.
        measured = np.where(np.isnan(pct), np.nan, vol)
        scen = self._scenarios(measured, t.n_assets)
        st = stages.stress_stage(t, scen, liq)
        size = stages.sizing_stage(t, vol, pct, ex, s)
        cell_asset = self._tables.cell_assets()
        cells = stages.cell_state(t, marks, cell_asset)
        self._funding.adopt(self._tables.cells.names, s.funding_z)
        fs = stages.funding_stage(cells, *self._funding.baseline(t.n_cells), cell_asset, self._tables.assets.names, s)
        self._funding.record(now, np.where(cells.live, cells.apr, np.nan), fs.index, s.funding_z)
        dd_daily, dd_peak = self._step_kill(t, now, ex, fs.index, per_day)
        col = stages.collateral_stage(t, ex.acc_gross, s)
        order = self._asset_order(t, ex, cells)
        positions = output.position_rows(t, liq, per_day, output.flags(t, liq.near, size.over_flag, ex.hedged), size)
        kill = self._kill.state()
        funding_rows = self._cells.rows(t, cells, fs.z, self._funding.shown, self._tables.cell_venues(), per_day)
        return Assessment(
            now=now,
            positions=positions,
            exposures=output.exposure_rows(ex.expo, self._tables.assets.names,
                                           np.bincount(t.asset, ex.hedged, t.n_assets) > 0,
                                           order, measured, pct),
            assets=tuple(self._tables.assets.names[a] for a in order),
            venues=ex.venues,
            funding=funding_rows,
            collateral=output.collateral_rows(t, liq, ex.acc_lev, col),
            playbook=output.playbook_rows(t, stages.playbook_cuts(t, liq, st, per_day, s), liq, st, scen.names,
                                          per_day, col.surplus, stages.covers(col.rescue)),
            stress=output.stress_rows(t, scen, st),
            funding_stress=fs.index,
            funding_stress_threshold=s.funding_stress_threshold,
            near_liq_distance=s.near_liq_distance,
            funding_stress_drivers=fs.drivers,
            funding_stress_history=self._funding.index_history,
            equity=ex.equity,
            in_transit=t.in_flight_total,
            gross=ex.gross,
            net=float(ex.expo.net.sum()),
            gross_leverage=_ratio(ex.gross, ex.equity),
            funding_per_day=float(np.nansum(per_day)),
            drawdown_daily=dd_daily,
            drawdown_peak=dd_peak,
            kill=kill,
            proposal=output.proposal_rows(positions, kill.proposed, book),
            partial=tuple(a.info.name for a in t.accounts if a.health is not Health.LIVE),
            effective_leverage=float(ex.acc_gross.sum() / ex.equity) if ex.equity > 0 else None,
            unreachable=tuple(a.info.name for a in t.accounts if a.snapshot is None),
            carry=self._carry.update(funding_rows, book, instruments, self.carry_size, s.carry_horizon_days, now,
                                     _which_cells(cells), lambda: self._carry_history(cells)),
        )

    # -- the stages that keep history --------------------------------------------------------

    def _carry_history(self, cells: stages.Cells) -> tuple[np.ndarray, float]:
        """The quoted cells' APR samples (rows in the funding rows' order) and their spacing."""
        return self._funding.apr_samples()[np.flatnonzero(cells.present)], self._funding.sample_seconds

    def _sample_volatility(self, t: BookTable, now: float) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """One mark per asset when a volatility sample is due (None otherwise), then each asset's
        volatility and its percentile."""
        marks = asset_marks(t.m_asset, t.m_price, t.m_live, t.n_assets) if self._vol.due(now) else None
        if marks is not None:
            self._vol.sample(now, marks)
        vol, pct = self._vol.estimate(t.n_assets, self.settings.vol_default)
        return marks, vol, pct

    def _step_kill(self, t: BookTable, now: float, ex: stages.Exposures, index: float | None,
                   per_day: np.ndarray) -> tuple[float, float]:
        """Drawdown, then one step of the kill switch; returns the daily and peak drawdown."""
        s = self.settings
        live_ok = t.live_equity
        dd_daily, dd_peak = self._drawdown.update(now, ex.equity, live_ok)
        triggers = stages.kill_triggers(t, live_ok, index, dd_daily, dd_peak, self._vol.trigger[:t.n_assets],
                                        ex.expo.gross, s)
        self._kill.step(now, triggers,
                        lambda ep: stages.plan_cut(ep, t, per_day, s.cut_fraction, self._kill.cause),
                        lambda accounts: stages.live_sizes(t, accounts))
        return dd_daily, dd_peak

    def _scenarios(self, measured: np.ndarray, n_assets: int) -> stress.Scenarios:
        """The standing scenarios. Their betas rest on the volatility tracker alone, which
        changes only when it samples (or meets new assets), so they are kept until it does."""
        s = self.settings
        key = (self._vol.last_sample, n_assets, s)
        if self._scen_cache[0] != key:
            betas = stress.tail_betas(measured, self._vol.corr[:n_assets], self._vol.market_vol, s.tail_corr_push)
            self._scen_cache = (key, stress.standard_scenarios(betas, s.tail_shock))
        return self._scen_cache[1]

    def _asset_order(self, t: BookTable, ex: stages.Exposures, cells: stages.Cells) -> list[int]:
        """Assets held or quoted, by gross exposure (largest first), then by name."""
        assets = unique(np.concatenate([t.asset, self._tables.cell_assets()[cells.present]]))
        gross = ex.expo.gross
        return assets[np.lexsort((self._tables.name_rank()[assets], -gross[assets]))].tolist()


def _which_cells(cells: stages.Cells) -> bytes:
    """Which cells are quoted, live, and held which way: what, changed, makes the carry scanner
    rescan at once (the cells are registered in a fixed order, so this names them too)."""
    return np.concatenate([cells.present, cells.live, np.sign(cells.net)]).tobytes()


def _ratio(gross: float, equity: float) -> float:
    """Gross over equity; infinite when equity is not positive but there is gross, else 0."""
    return float(gross / equity) if equity > 0 else math.inf if gross > 0 else 0.0
