"""Funding: a premium per venue and asset, regimes, interval changes and the payment schedule.

The premium of a perp over its index (also the mark's basis) is an Ornstein-Uhlenbeck process per
venue and asset pulled toward a target made of: the asset's funding regime (calm, euphoric or
squeeze), scaled by how strongly the asset reacts to leverage; a slow crowding term (open-interest
imbalance); price momentum (a rally makes longs pay more); and a small venue offset.

The rate follows the Binance-style formula on the premium averaged over the last ten minutes
(an exponential average, so the quoted rate turns within minutes of a regime change):
``rate_8h = P + clamp(I - P, -0.05%, +0.05%)`` with ``I = 0.01%`` per 8h, so a calm market pays
exactly +0.01% per 8h most of the time. Premiums are 8-hour equivalents; a symbol with an interval
of `h` hours pays ``rate_8h * h / 8`` per payment, capped at the venue's cap. A rate pinned at its
cap for five minutes makes the venue shorten the interval (8h -> 4h -> 1h) and bring the next
payment forward; when funding has been normal for half an hour the interval steps back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from cockpit.model.funding import annualized
from cockpit.sim.universe import AssetSpec, VenueSpec

INTEREST = 0.0001  # per 8h: the interest component of the formula
CLAMP = 0.0005
REGIMES = ("calm", "euphoric", "squeeze")
# Excess premium (8h-equivalent) of each regime for an asset of funding beta 1.
REGIME_EXCESS = np.array([0.0, 0.0055, -0.0065])

PREMIUM_REVERSION = 1.0 / 240.0  # per second: a regime change shows within minutes
PREMIUM_NOISE = 1.4e-5  # per step: about 0.015% stationary noise in a calm market
CROWD_REVERSION = 1.0 / (6 * 3600.0)
CROWD_NOISE = 0.0003 * math.sqrt(2.0 / (6 * 3600.0))
MOMENTUM_WINDOW = 1800.0  # seconds: premium follows roughly the last half hour's return
MOMENTUM_COEF = 0.03

RATE_WINDOW = 600.0  # seconds: the quoted rate averages the premium over about ten minutes
CHECK_EVERY = 60  # steps between interval and regime checks
SWITCH_AFTER = 300.0  # seconds at the cap before a venue shortens the interval
REVERT_AFTER = 1800.0  # seconds of normal funding before it lengthens it again
SWITCH_UP = 1.0 / (3 * 86400.0)  # per second per asset, random regime drift (when enabled)
SWITCH_DOWN = 1.0 / (6 * 3600.0)


@dataclass(frozen=True, slots=True)
class IntervalChange:
    """A venue changed a symbol's funding interval (venue index, asset index, hours)."""

    venue: int
    asset: int
    before: float
    after: float
    rate: float


@dataclass(frozen=True, slots=True)
class Settlement:
    """The rates paid at one payment time: a mask of due cells and their rates (venue x asset)."""

    due: np.ndarray
    rates: np.ndarray


def next_boundary(t: float | np.ndarray, hours: float | np.ndarray) -> float | np.ndarray:
    """The first multiple of `hours` (from the epoch, UTC) strictly after `t`."""
    period = np.asarray(hours) * 3600.0
    return (np.floor(np.asarray(t) / period) + 1.0) * period


class FundingModel:
    """Premiums, rates, intervals and payment times for every venue x asset cell."""

    def __init__(self, venues: Sequence[VenueSpec], assets: Sequence[AssetSpec],
                 rng: np.random.Generator, start: float, switching: bool = False):
        self.rng = rng
        self.switching = switching
        nv, na = len(venues), len(assets)
        self.shape = (nv, na)
        self.beta = np.array([a.funding_beta for a in assets])
        self.regime = np.zeros(na, dtype=np.int64)
        self.strength = np.ones(na)
        self.crowd_mean = rng.normal(0.0, 0.00025, na)
        self.crowd = self.crowd_mean.copy()
        self.momentum = np.zeros(na)
        self.offset = rng.normal(0.0, 0.00004, self.shape)
        dex = np.array([[2.0 if v.ladder == (1.0,) or v.depth < 0.4 else 1.0] for v in venues])
        self.noise = PREMIUM_NOISE * dex
        self.premium = self._target() + rng.normal(0.0, 0.0001, self.shape)
        self.cap = np.array([[v.cap] for v in venues])
        self.ladders = [v.ladder for v in venues]
        self.interval = np.array([[v.base_interval(a.name) for a in assets] for v in venues])
        self.base_rung = np.array([[v.ladder.index(h) for h in row]
                                   for v, row in zip(venues, self.interval)])
        self.rung = self.base_rung.copy()
        self.next_time = next_boundary(start, self.interval)
        self.next_due = float(self.next_time.min())
        self.smooth = self.premium.copy()
        self.at_cap = np.zeros(self.shape)
        self.normal_for = np.zeros(self.shape)
        self.steps = 0

    def _target(self) -> np.ndarray:
        excess = REGIME_EXCESS[self.regime] * self.strength * self.beta
        return (INTEREST + excess + self.crowd + MOMENTUM_COEF * self.momentum) + self.offset

    def step(self, returns: np.ndarray, vol_mult: float) -> None:
        """Advance the premiums one step, given the step's index returns and volatility."""
        self.momentum += returns - self.momentum / MOMENTUM_WINDOW
        self.crowd += (CROWD_REVERSION * (self.crowd_mean - self.crowd)
                       + CROWD_NOISE * self.rng.standard_normal(self.crowd.size))
        z = self.rng.standard_normal(self.shape)
        self.premium += PREMIUM_REVERSION * (self._target() - self.premium) + self.noise * vol_mult * z
        self.smooth += (self.premium - self.smooth) * (1.0 / RATE_WINDOW)
        self.steps += 1

    # --- rates -------------------------------------------------------------------------------

    def _rate(self, premium: np.ndarray) -> np.ndarray:
        rate8 = premium + np.clip(INTEREST - premium, -CLAMP, CLAMP)
        return np.clip(rate8 * self.interval / 8.0, -self.cap, self.cap)

    def rates(self) -> np.ndarray:
        """The rate each symbol would pay now (premium averaged over the last minutes)."""
        return self._rate(self.smooth)

    def predicted(self) -> np.ndarray:
        """The rate the current premium implies (what the next period pays if nothing changes)."""
        return self._rate(self.premium)

    def apr(self) -> np.ndarray:
        """Annualized current rates, from each symbol's own interval."""
        return annualized(self.rates(), self.interval)

    # --- payments ----------------------------------------------------------------------------

    def settle(self, now: float) -> Settlement | None:
        """The payments due at `now` (None when none is); schedules the next ones."""
        if now < self.next_due:
            return None
        due = self.next_time <= now
        rates = np.where(due, self.rates(), 0.0)
        self.next_time = np.where(due, next_boundary(now, self.interval), self.next_time)
        self.next_due = float(self.next_time.min())
        return Settlement(due, rates)

    # --- regimes and intervals ---------------------------------------------------------------

    def set_regime(self, regime: str, mask: np.ndarray, strength: float = 1.0) -> None:
        """Put the assets in `mask` into `regime` at `strength` (the leverage-reset lever)."""
        self.regime[mask] = REGIMES.index(regime)
        self.strength[mask] = strength

    def check(self, now: float) -> list[IntervalChange]:
        """Once a minute: drift regimes (when enabled) and change intervals like the venues do."""
        if self.switching:
            self._drift_regimes()
        pred = self.predicted()
        pinned = np.abs(pred) >= self.cap * 0.999
        self.at_cap = np.where(pinned, self.at_cap + CHECK_EVERY, 0.0)
        changes: list[IntervalChange] = []
        shorten = (self.at_cap >= SWITCH_AFTER)
        longer = self._longer_interval()
        rate8 = self.premium + np.clip(INTEREST - self.premium, -CLAMP, CLAMP)
        normal = (self.rung > self.base_rung) & (np.abs(rate8 * longer / 8.0) < self.cap / 3.0)
        self.normal_for = np.where(normal, self.normal_for + CHECK_EVERY, 0.0)
        lengthen = self.normal_for >= REVERT_AFTER
        for v, a in zip(*np.nonzero(shorten | lengthen)):
            ladder = self.ladders[v]
            step = 1 if shorten[v, a] else -1
            rung = self.rung[v, a] + step
            if not 0 <= rung < len(ladder):
                continue
            before = float(self.interval[v, a])
            self.rung[v, a] = rung
            self.interval[v, a] = ladder[rung]
            self.next_time[v, a] = next_boundary(now, ladder[rung])
            self.at_cap[v, a] = 0.0
            self.normal_for[v, a] = 0.0
            changes.append(IntervalChange(int(v), int(a), before, ladder[rung], float(pred[v, a])))
        self.next_due = float(self.next_time.min())
        return changes

    def _longer_interval(self) -> np.ndarray:
        """For each cell, the interval one rung up its ladder (itself at the top)."""
        out = self.interval.copy()
        for v, ladder in enumerate(self.ladders):
            if len(ladder) > 1:
                out[v] = np.asarray(ladder)[np.maximum(self.rung[v] - 1, 0)]
        return out

    def _drift_regimes(self) -> None:
        u = self.rng.random((2, self.regime.size))
        calm = self.regime == 0
        up = calm & (u[0] < SWITCH_UP * CHECK_EVERY)
        down = ~calm & (u[0] < SWITCH_DOWN * CHECK_EVERY)
        self.regime[up] = np.where(u[1][up] < 0.7, 1, 2)
        self.strength[up] = 0.03 + 0.12 * u[1][up]  # drift, not a squeeze: tens of % APR
        self.regime[down] = 0
