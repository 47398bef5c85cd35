"""Exposure: signed notional per position, net and gross per asset, hedged legs, leverage.

A hedged leg is a position with an opposite-side position in the same asset on a *different*
venue (two accounts on one venue net inside the venue's own risk engine, not across venues).
Effective leverage of an account counts cross-margined positions after offsets within the
account (|net per asset|), isolated positions at full size, over the account's equity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Exposure:
    """Per-asset sums (length = number of assets) and book totals."""

    long: np.ndarray
    short: np.ndarray
    legs: np.ndarray

    @property
    def net(self) -> np.ndarray:
        """Long minus short notional per asset."""
        return self.long - self.short

    @property
    def gross(self) -> np.ndarray:
        """Long plus short notional per asset."""
        return self.long + self.short


def asset_exposure(signed: np.ndarray, asset: np.ndarray, n_assets: int) -> Exposure:
    """Long, short and leg count per asset from signed notionals (0 where unknown)."""
    return Exposure(
        long=np.bincount(asset, np.maximum(signed, 0.0), n_assets),
        short=np.bincount(asset, np.maximum(-signed, 0.0), n_assets),
        legs=np.bincount(asset, minlength=n_assets),
    )


def hedged(sign: np.ndarray, asset: np.ndarray, venue: np.ndarray, n_assets: int,
           n_venues: int) -> np.ndarray:
    """True for each position that has an opposite-side leg in its asset on another venue."""
    if sign.size == 0:
        return np.zeros(0, bool)
    side = (sign < 0).astype(np.intp)
    per_asset = np.bincount(asset * 2 + side, minlength=2 * n_assets)
    cell = asset * n_venues + venue
    per_cell = np.bincount(cell * 2 + side, minlength=2 * n_assets * n_venues)
    opposite = 1 - side
    elsewhere = per_asset[asset * 2 + opposite] - per_cell[cell * 2 + opposite]
    return elsewhere > 0


def account_gross(signed: np.ndarray, acct: np.ndarray, asset: np.ndarray, cross: np.ndarray,
                  n_accounts: int, n_assets: int) -> np.ndarray:
    """Gross notional per account after cross-margin offsets (|net| per asset for cross
    positions, full size for isolated ones)."""
    key = acct * n_assets + asset
    net_cross = np.bincount(key, np.where(cross, signed, 0.0), n_accounts * n_assets)
    offset = np.abs(net_cross).reshape(n_accounts, n_assets).sum(axis=1) if n_accounts else net_cross
    isolated = np.bincount(acct, np.where(cross, 0.0, np.abs(signed)), n_accounts)
    return offset + isolated


def leverage(gross: np.ndarray | float, equity: np.ndarray | float) -> np.ndarray:
    """Gross over equity; NaN where equity is not positive (leverage is then meaningless)."""
    gross = np.asarray(gross, float)
    equity = np.asarray(equity, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(equity > 0, gross / np.where(equity > 0, equity, 1.0), np.nan)
