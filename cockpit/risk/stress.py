"""Stress: the book under price shocks, all positions × all scenarios at once.

Scenarios are a matrix of shocks, one row per scenario and one column per asset. The standing
set is six uniform shocks (−15, −10, −5, +5, +10, +15 %) and a correlated tail: every asset moves
with the market by ``tail_shock × β_tail``, where

    β_tail = ρ_tail · σ_asset / σ_market,   ρ_tail = ρ + push · (1 − ρ)

ρ is the asset's EWMA correlation with the market factor (see `volatility`), pushed toward 1 as
correlations are in a crash; β is clipped to [BETA_MIN, BETA_MAX] and is 1 until measured. The tail
is run both ways and the direction that hurts the book more is kept.

Under a shock s a cross account's equity moves by the PnL of its cross legs, Σ signedᵢ·sᵢ, and
its maintenance by Σ mmᵢ·sᵢ (maintenance proportional to notional), from its cross side
(`liquidation.cross_side`: the account's figures less its isolated positions'). The account, with
every cross leg, is liquidated when that margin ratio falls to 1 (or, when its maintenance is
unknown, when its equity falls to 0). A cross leg's own liquidation price plays no part: a venue
computes it as if every other leg stood still, and under a shock they move together (the leg of
a hedge gains what the other loses).

An isolated position stands alone. With its equity e (`liquidation.isolated_equity`: margin plus
uPnL) it is liquidated when e + signed·s falls to its maintenance mm·(1 + s), or when the shock
crosses its own liquidation price; then it loses e, all its margin, and no more. Its PnL never
touches its account's cross equity.
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
    """Book PnL per scenario; cross equity, cross margin ratio and liquidation per scenario ×
    account; PnL and liquidation per scenario × position."""

    pnl: np.ndarray
    equity_after: np.ndarray
    ratio_after: np.ndarray
    account_liquidated: np.ndarray
    position_liquidated: np.ndarray
    position_pnl: np.ndarray


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
        iso_equity: np.ndarray, equity: np.ndarray, maint: np.ndarray) -> StressResult:
    """Apply every scenario to every position (vectorized; see module doc).

    Args:
        shocks: (S, n_assets) price moves as fractions.
        signed: signed notional per position (0 where unknown); asset/acct: indices.
        liq_shock: `liquidation_shock` per position (read for isolated ones only); cross:
            cross-margined.
        mm: maintenance per position (`liquidation.position_maintenance`, NaN where unknown).
        iso_equity: `liquidation.isolated_equity` per position (NaN where unknown: the loss of
            such an isolated position is not capped).
        equity, maint: each account's cross side (`liquidation.cross_side`; maint NaN where
            unknown or where it holds no cross position).
    """
    n_assets = shocks.shape[1]
    n_acc = equity.shape[0]
    move = shocks[:, asset]
    pos_pnl = move * signed
    key = asset * n_acc + acct
    exposure = np.bincount(key, np.where(cross, signed, 0.0), n_assets * n_acc).reshape(n_assets, n_acc)
    maint_w = np.bincount(key, np.where(cross, fill_nan(mm), 0.0), n_assets * n_acc).reshape(n_assets, n_acc)
    equity_after = equity + shocks @ exposure
    maint_after = maint + shocks @ maint_w
    known = maint > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(known, equity_after / maint_after, np.nan)
    ratio = np.where(known & (maint_after <= 0), np.inf, ratio)
    holds = np.bincount(acct, cross, n_acc) > 0
    acct_liq = np.where(known, ratio <= 1.0, holds & (equity_after <= 0))
    if cross.all():  # the common book: every position falls with its account, no columns to pick
        pos_liq = acct_liq[:, acct]
    else:
        pos_liq = acct_liq[:, acct] & cross
        iso = np.flatnonzero(~cross)
        s, raw = sign[iso], pos_pnl[:, iso]
        own = move[:, iso] * s <= liq_shock[iso] * s  # False where the price is unknown (NaN)
        e = iso_equity[iso]
        held = ~np.isnan(e)
        broke = held & (e + raw <= fill_nan(mm[iso]) * (1.0 + move[:, iso]))
        pos_liq[:, iso] = liq = own | broke
        floor = -np.maximum(fill_nan(e), 0.0)  # all its margin, and never more
        pos_pnl[:, iso] = np.where(held, np.where(liq, floor, np.maximum(raw, floor)), raw)
    return StressResult(pos_pnl.sum(axis=1), equity_after, ratio, acct_liq, pos_liq, pos_pnl)
