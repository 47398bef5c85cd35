"""Index prices: a factor model with volatility clustering, jumps and scheduled moves.

Every step draws one market factor, one factor per sector and one idiosyncratic shock per asset;
an asset's return loads on the market by its beta, on its sector, and on its own noise, so assets
are correlated the way crypto is (mostly one market factor). Volatility is one market-wide
multiplier that mean-reverts to the level of the current volatility regime and rises after large
market moves (GARCH-like clustering). Scheduled moves (flash crashes, rallies) add a drift for a
while. Everything is vectorized over assets: one step is a handful of numpy operations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from cockpit.sim.universe import SECTORS, AssetSpec

SECONDS_PER_YEAR = 365.0 * 86400.0
MARKET_VOL = 0.45  # annualized volatility of the market factor (BTC is mostly market)
SECTOR_SHARE = 0.35  # of the non-market variance, the part shared with the sector

VOL_LEVELS = {"calm": 1.0, "stressed": 2.0, "panic": 4.0}
VOL_REVERSION = 1.0 / 1800.0  # per second: a vol shock halves in about 20 minutes...
VOL_RISE = 1.0 / 90.0  # ...but volatility rises to a higher regime within minutes
VOL_NOISE = 0.002
VOL_FEEDBACK = 0.012  # how much a large market shock raises volatility (clustering)

JUMP_RATE = 1.0 / (3 * 86400.0)  # per asset per second: about one jump every three days
MARKET_JUMP_RATE = 1.0 / (5 * 86400.0)
JUMP_SIZE = 0.012
MARKET_JUMP_SIZE = 0.008


@dataclass(slots=True)
class Move:
    """A scheduled drift: `drift` (log-return per step, per asset) from `start` until `end` (steps)."""

    start: int
    end: int
    drift: np.ndarray


class PriceModel:
    """Index prices of every asset, advanced one fixed step at a time."""

    def __init__(self, assets: Sequence[AssetSpec], rng: np.random.Generator, dt: float = 1.0):
        self.rng = rng
        self.dt = dt
        self.n = len(assets)
        self.beta = np.array([a.beta for a in assets])
        self.sector = np.array([a.sector for a in assets])
        sigma = np.array([a.vol for a in assets])
        per_step = math.sqrt(dt / SECONDS_PER_YEAR)
        market = np.minimum(self.beta * MARKET_VOL, 0.9 * sigma)
        rest = np.sqrt(sigma**2 - market**2)
        self.load_market = market * per_step
        self.load_sector = rest * math.sqrt(SECTOR_SHARE) * per_step
        self.load_idio = rest * math.sqrt(1.0 - SECTOR_SHARE) * per_step
        self.jump_scale = JUMP_SIZE * sigma / 0.8
        self.n_sectors = len(SECTORS)
        self.log_price = np.log(np.array([a.price for a in assets]))
        self.index = np.exp(self.log_price)
        self.last_return = np.zeros(self.n)
        self.log_vol = 0.0
        self.vol_target = 0.0
        self.moves: list[Move] = []
        self.steps = 0

    @property
    def vol_mult(self) -> float:
        """The current volatility multiplier (1 in a calm market)."""
        return math.exp(self.log_vol)

    def set_vol_regime(self, level: str) -> None:
        """Make volatility drift toward the level of `level` ("calm", "stressed", "panic")."""
        self.vol_target = math.log(VOL_LEVELS[level])

    def step(self) -> np.ndarray:
        """Advance one step; returns the log-returns of the step (one per asset)."""
        n, ns = self.n, self.n_sectors
        # One draw per step: market, sectors, idiosyncratic, jump sizes, market jump, vol noise.
        z = self.rng.standard_normal(3 + ns + 2 * n)
        idio = z[1 + ns:1 + ns + n]
        h = math.exp(self.log_vol)
        ret = h * (self.load_market * z[0] + self.load_sector * z[1:1 + ns][self.sector]
                   + self.load_idio * idio)
        u = self.rng.random(n + 1)
        if u[n] < MARKET_JUMP_RATE * self.dt:
            ret = ret + self.beta * MARKET_JUMP_SIZE * z[-2]
        jumps = u[:n] < JUMP_RATE * self.dt
        if jumps.any():
            ret = ret + np.where(jumps, self.jump_scale * z[1 + ns + n:1 + ns + 2 * n], 0.0)
        if self.moves:
            ret = ret + self._scheduled()
        # Clustering: a large market shock raises tomorrow's volatility, which then decays.
        kappa = VOL_RISE if self.vol_target > self.log_vol else VOL_REVERSION
        self.log_vol += (kappa * (self.vol_target - self.log_vol)
                         + VOL_NOISE * z[-1] + VOL_FEEDBACK * (abs(z[0]) - 0.798))
        self.log_price += ret
        np.exp(self.log_price, out=self.index)
        self.last_return = ret
        self.steps += 1
        return ret

    def _scheduled(self) -> np.ndarray:
        total = np.zeros(self.n)
        for move in self.moves:
            if move.start <= self.steps < move.end:
                total += move.drift
        self.moves = [m for m in self.moves if m.end > self.steps + 1]
        return total

    def schedule(self, weights: np.ndarray, move: float, over: float,
                 recover: float = 0.0, recover_over: float = 0.0) -> None:
        """Move prices by `move` (a fraction, -0.1 = down 10%) times `weights`, over `over` seconds.

        Then give back `recover` of the move (0.5 = half) over `recover_over` seconds.
        """
        steps = max(int(round(over / self.dt)), 1)
        log_move = np.log1p(np.clip(move * weights, -0.95, 10.0))
        self.moves.append(Move(self.steps, self.steps + steps, log_move / steps))
        if recover > 0 and recover_over > 0:
            back = max(int(round(recover_over / self.dt)), 1)
            self.moves.append(Move(self.steps + steps, self.steps + steps + back,
                                   -recover * log_move / back))

    def shock(self, index: int, fraction: float) -> None:
        """Move one asset's price by `fraction` at once (a jump)."""
        self.log_price[index] += math.log1p(fraction)
        self.index[index] = math.exp(self.log_price[index])
