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
    account; liquidation per scenario × position; and the (capped) PnL per scenario × isolated
    position, `iso` their indices (`position_pnl` gives every position's)."""

    pnl: np.ndarray
    equity_after: np.ndarray
    ratio_after: np.ndarray
    account_liquidated: np.ndarray
    position_liquidated: np.ndarray
    iso: np.ndarray
    iso_pnl: np.ndarray


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
    pos_liq = acct_liq[:, acct]  # cross legs fall with their account; isolated columns follow
    pnl = shocks @ exposure.sum(axis=1)  # the cross legs' PnL, summed per asset first
    iso = np.flatnonzero(~cross)
    iso_pnl = np.zeros((shocks.shape[0], iso.size))
    if iso.size:  # only isolated columns get (scenario × position) matrices of their own
        # Written in place, a few arrays in all: fresh (S × n) temporaries cost more in page
        # faults than the arithmetic on them.
        s, ls, e, m = sign[iso], liq_shock[iso], iso_equity[iso], fill_nan(mm[iso])
        move = shocks[:, asset[iso]]
        iso_pnl = move * signed[iso]
        liq = np.subtract(move, ls)  # the own price is crossed: s·(move − s*) ≤ 0 (NaN: never)
        liq *= s
        liq = liq <= 0.0
        # Equity falls to maintenance, e + signed·move ≤ m·(1 + move), i.e.
        # signed·move − m·move ≤ m − e (never where e is unknown: NaN compares False).
        np.multiply(move, m, out=move)
        np.subtract(iso_pnl, move, out=move)
        liq |= move <= m - e
        pos_liq[:, iso] = liq
        # Capped at all its margin: the loss of a liquidated one is its equity, and never more.
        floor = -np.maximum(e, 0.0)
        np.fmax(iso_pnl, floor, out=iso_pnl)  # fmax: NaN (unknown equity) leaves the PnL as it is
        liq &= ~np.isnan(e)
        np.copyto(iso_pnl, fill_nan(floor), where=liq)
        pnl = pnl + iso_pnl.sum(axis=1)
    return StressResult(pnl, equity_after, ratio, acct_liq, pos_liq, iso, iso_pnl)


def position_pnl(shocks: np.ndarray, signed: np.ndarray, asset: np.ndarray, res: StressResult,
                 rows: np.ndarray) -> np.ndarray:
    """(len(rows), P) PnL of each position in the scenarios `rows` of `res` (`shocks` are all
    of them): a cross leg's is its shock times its notional, an isolated one's as `run` capped it."""
    out = shocks[rows][:, asset] * signed
    out[:, res.iso] = res.iso_pnl[rows]
    return out
