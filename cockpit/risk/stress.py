"""Stress: the book under price shocks, all positions × all scenarios at once.

Scenarios are a matrix of shocks, one row per scenario and one column per asset. The standing
set is six uniform shocks (−15, −10, −5, +5, +10, +15 %) and a correlated tail: every asset moves
with the market by ``tail_shock × β_tail``, where

    β_tail = ρ_tail · σ_asset / σ_market,   ρ_tail = ρ + push · (1 − ρ)

ρ is the asset's EWMA correlation with the market factor (see `volatility`), pushed toward 1 as
correlations are in a crash; β is clipped to [BETA_MIN, BETA_MAX] and is 1 until measured. The tail
is run both ways and the direction that hurts the book more is kept.

Under a shock s an account's equity moves by Σ signedᵢ·sᵢ and its maintenance by Σ mmᵢ·sᵢ
(maintenance proportional to notional). An account is liquidated when its margin ratio falls to
1 (or, when its maintenance is unknown, when its equity falls to 0). A position is liquidated when
the shocked mark crosses its own liquidation price, or when it is cross-margined and its account
is liquidated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cockpit.risk.arrays import fill_nan

UNIFORM_SHOCKS = (-0.15, -0.10, -0.05, 0.05, 0.10, 0.15)
BETA_MIN, BETA_MAX = 0.5, 3.0


@dataclass(frozen=True, slots=True)
class Scenarios:
    """Named shock scenarios: `shocks[s, asset]` and the market move `market[s]` of each."""

    names: tuple[str, ...]
    market: np.ndarray
    shocks: np.ndarray


@dataclass(frozen=True, slots=True)
class StressResult:
    """Book PnL per scenario; equity, margin ratio and liquidation per scenario × account; and
    liquidation per scenario × position."""

    pnl: np.ndarray
    equity_after: np.ndarray
    ratio_after: np.ndarray
    account_liquidated: np.ndarray
    position_liquidated: np.ndarray


def tail_betas(vol: np.ndarray, corr: np.ndarray, market_vol: float, push: float) -> np.ndarray:
    """β of each asset in the correlated tail (see module doc); 1 where not yet measured."""
    rho = np.where(np.isnan(corr), 1.0, np.clip(corr, -1.0, 1.0))
    rho_tail = rho + push * (1.0 - rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = rho_tail * vol / market_vol
    beta = np.where(np.isfinite(beta), beta, 1.0)
    return np.clip(beta, BETA_MIN, BETA_MAX)


def standard_scenarios(betas: np.ndarray, tail_shock: float) -> Scenarios:
    """The six uniform shocks and the tail in both directions (the caller keeps the worse)."""
    n = betas.shape[0]
    uniform = np.repeat(np.asarray(UNIFORM_SHOCKS)[:, None], n, axis=1)
    tail = np.vstack([-tail_shock * betas, tail_shock * betas])
    names = tuple(f"{s:+.0%}".replace("-", "−") for s in UNIFORM_SHOCKS) + (
        f"tail −{tail_shock:.0%}β", f"tail +{tail_shock:.0%}β")
    market = np.asarray(UNIFORM_SHOCKS + (-tail_shock, tail_shock))
    return Scenarios(names, market, np.vstack([uniform, tail]))


def liquidation_shock(sign: np.ndarray, mark: np.ndarray, liq: np.ndarray) -> np.ndarray:
    """The shock at which each position's mark reaches its own liquidation price (NaN if none)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return liq / mark - 1.0


def run(shocks: np.ndarray, signed: np.ndarray, asset: np.ndarray, acct: np.ndarray,
        sign: np.ndarray, liq_shock: np.ndarray, cross: np.ndarray, mm: np.ndarray,
        equity: np.ndarray, maint: np.ndarray, holds: np.ndarray) -> StressResult:
    """Apply every scenario to every position (vectorized; see module doc).

    Args:
        shocks: (S, n_assets) price moves as fractions.
        signed: signed notional per position (0 where unknown); asset/acct: indices.
        liq_shock: `liquidation_shock` per position; cross: cross-margined.
        mm: maintenance share per position (NaN where unknown).
        equity, maint: per account (maint NaN where unknown); holds: the account has positions.
    """
    n_scen, n_assets = shocks.shape
    n_acc = equity.shape[0]
    key = asset * n_acc + acct
    exposure = np.bincount(key, signed, n_assets * n_acc).reshape(n_assets, n_acc)
    maint_w = np.bincount(key, fill_nan(mm), n_assets * n_acc).reshape(n_assets, n_acc)
    equity_after = equity + shocks @ exposure
    maint_after = maint + shocks @ maint_w
    known = maint > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(known, equity_after / maint_after, np.nan)
    ratio = np.where(known & (maint_after <= 0), np.inf, ratio)
    acct_liq = np.where(known, ratio <= 1.0, holds & (equity_after <= 0))
    pnl = shocks @ exposure.sum(axis=1)
    pos_liq = np.zeros((n_scen, signed.shape[0]), bool)
    own = np.flatnonzero(~np.isnan(liq_shock))
    if own.size:
        s = sign[own]
        pos_liq[:, own] = shocks[:, asset[own]] * s <= liq_shock[own] * s
    crossed = np.flatnonzero(cross)
    if crossed.size == cross.shape[0]:  # all cross-margined (the common book): no columns to pick
        pos_liq |= acct_liq[:, acct]
    elif crossed.size:
        pos_liq[:, crossed] |= acct_liq[:, acct[crossed]]
    return StressResult(pnl, equity_after, ratio, acct_liq, pos_liq)


def position_pnl(shocks: np.ndarray, signed: np.ndarray, asset: np.ndarray) -> np.ndarray:
    """(S, P) PnL of each position in each scenario."""
    return shocks[:, asset] * signed
