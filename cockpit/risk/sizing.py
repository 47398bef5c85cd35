"""Sizing: each position's notional limits, the tightest one, and the trim back to it.

Risk per trade first, not target return. Directional limits (a)-(c) apply to an asset's *net*
exposure across venues, because hedged legs carry little directional risk; they bind on the legs
on the net side, each trimmed in proportion to its notional (legs on the other side get none):

(a) max loss:    risk_per_trade × equity / stop, with stop = max(stop_floor, stop_vol_multiple × σ_daily)
(b) vol target:  vol_target × equity / σ                        (σ annualized)
(c) Kelly:       kelly_fraction × max(0, edge × (1 − haircut) − funding cost) / σ² × equity, where
                 the funding cost is what the asset's legs pay per year per unit of net exposure

Book limits apply to every leg, in proportion:

(d) leverage:    notional × min(1, cap / account leverage), cap = max_leverage, times
                 high_vol_leverage_factor when the asset's volatility percentile is above
                 high_vol_percentile: an over-levered account trims every position in proportion
(e) gross caps:  notional × min(1, cap / gross) for the asset's gross (asset_gross_cap × equity)
                 and for the book's gross (total_gross_cap × equity)

(a)-(c) fall as volatility rises and (a) as the stop widens; (d) tightens as the percentile rises.
The limit shown is the smallest; the trim is the fraction of the position above it.
"""

from __future__ import annotations

import math

import numpy as np

from cockpit.risk.arrays import fill_nan

REASONS = ("max-loss", "vol-target", "kelly", "leverage", "asset-gross", "total-gross")
DAYS_PER_YEAR = 365.0


def stop_distance(vol: np.ndarray, floor: float, multiple: float) -> np.ndarray:
    """Stop distance from annualized volatility: `multiple` daily volatilities, at least `floor`."""
    return np.maximum(floor, multiple * np.asarray(vol, float) / math.sqrt(DAYS_PER_YEAR))


def max_loss_limit(equity: float, risk_per_trade: float, stop: np.ndarray) -> np.ndarray:
    """(a) the notional that loses `risk_per_trade` of equity when the stop is hit."""
    return risk_per_trade * max(equity, 0.0) / np.asarray(stop, float)


def vol_target_limit(equity: float, target: float, vol: np.ndarray) -> np.ndarray:
    """(b) the notional whose annualized volatility is `target` of equity."""
    return target * max(equity, 0.0) / np.asarray(vol, float)


def kelly_limit(equity: float, fraction: float, edge: float, haircut: float,
                funding_cost: np.ndarray, vol: np.ndarray) -> np.ndarray:
    """(c) constrained Kelly: a fraction of the Kelly leverage (net edge / variance) × equity."""
    net = np.maximum(0.0, edge * (1.0 - haircut) - fill_nan(funding_cost))
    return fraction * net / np.square(np.asarray(vol, float)) * max(equity, 0.0)


def leverage_limit(notional: np.ndarray, account_leverage: np.ndarray, cap: float,
                   percentile: np.ndarray, high_percentile: float, factor: float) -> np.ndarray:
    """(d) the position's share of its account's leverage cap, tighter in high volatility."""
    eff = np.where(fill_nan(percentile) > high_percentile, cap * factor, cap)
    lev = fill_nan(account_leverage, np.inf)
    with np.errstate(all="ignore"):
        scale = np.where(lev > 0, np.minimum(1.0, eff / lev), 1.0)
    return notional * scale


def cap_share(notional: np.ndarray, gross: np.ndarray | float, cap: float) -> np.ndarray:
    """(e) the position's share of a gross cap shared in proportion by the positions under it."""
    if isinstance(gross, float):  # one cap over the whole book: the same arithmetic on one number
        return notional * (cap / (gross if gross > 0 else 1.0) if gross > cap else 1.0)
    gross = np.asarray(gross, float)
    with np.errstate(all="ignore"):
        scale = np.where(gross > cap, cap / np.where(gross > 0, gross, 1.0), 1.0)
    return notional * scale


def tightest(notional: np.ndarray, limits: np.ndarray,
             tolerance: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From a (k, P) stack of limits: (limit, index into `REASONS`, over_by, trim fraction,
    over flag). The flag is raised only beyond `tolerance` × notional, so a position sitting on
    its limit does not flicker."""
    which = np.argmin(limits, axis=0) if limits.shape[1] else np.zeros(0, np.intp)
    limit = limits[which, np.arange(limits.shape[1])]
    n = fill_nan(notional)
    over = np.maximum(0.0, n - limit)
    with np.errstate(all="ignore"):
        trim = np.where(n > 0, over / np.where(n > 0, n, 1.0), 0.0)
    return limit, which, over, trim, over > tolerance * n


def net_side_limit(notional: np.ndarray, sign: np.ndarray, asset: np.ndarray,
                   net: np.ndarray, asset_limit: np.ndarray) -> np.ndarray:
    """Per position, its share of an asset-level limit on |net| exposure: legs on the net side
    give up the excess in proportion to their notional; the other legs are not limited (inf).
    `asset_limit` may be a (k, A) stack of limits: the result is then (k, P), one row each (the
    legs' shares do not depend on the limit, so they are worked out once)."""
    n = fill_nan(notional)
    excess = np.maximum(0.0, np.abs(net) - asset_limit)
    on_side = (np.sign(net)[asset] == sign) & (net[asset] != 0)
    side_total = np.bincount(asset, np.where(on_side, n, 0.0), net.shape[0])
    with np.errstate(all="ignore"):
        share = np.where(on_side & (side_total[asset] > 0), n / side_total[asset], 0.0)
    return np.where(on_side, n - excess[..., asset] * share, np.inf)


def position_limits(notional: np.ndarray, sign: np.ndarray, asset: np.ndarray, vol: np.ndarray,
                    stop: np.ndarray, percentile: np.ndarray, pays_apr: np.ndarray,
                    account_leverage: np.ndarray, equity: float, s) -> np.ndarray:
    """The (6, P) stack of limits (a)-(e) in `REASONS` order (module doc).

    Args:
        notional, sign, asset: per position; vol, stop, percentile: per asset;
        pays_apr: the APR each position pays (negative when it earns); account_leverage: of each
        position's account; equity: of the whole book; s: a `RiskSettings`.
    """
    n_assets = vol.shape[0]
    n = fill_nan(notional)
    signed = sign * n
    net = np.bincount(asset, signed, n_assets)
    gross = np.bincount(asset, n, n_assets)
    with np.errstate(all="ignore"):
        paid = np.bincount(asset, fill_nan(pays_apr) * n, n_assets)
        cost = np.where(np.abs(net) > 0, paid / np.abs(net), 0.0)
    directional = np.vstack([
        max_loss_limit(equity, s.risk_per_trade, stop),
        vol_target_limit(equity, s.vol_target, vol),
        kelly_limit(equity, s.kelly_fraction, s.kelly_edge_apr, s.kelly_haircut, cost, vol),
    ])
    cap = max(equity, 0.0)
    return np.vstack([
        net_side_limit(n, sign, asset, net, directional),
        leverage_limit(n, account_leverage, s.max_leverage, percentile[asset], s.high_vol_percentile,
                       s.high_vol_leverage_factor),
        cap_share(n, gross[asset], s.asset_gross_cap * cap),
        cap_share(n, float(gross.sum()), s.total_gross_cap * cap),
    ])
