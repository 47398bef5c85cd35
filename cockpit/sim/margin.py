"""Maintenance margin tiers, liquidation prices and the vectorized per-step margin check.

Tiers are Binance-style brackets by notional: the maintenance rate rises with size, and a
"maintenance amount" per bracket keeps the maintenance margin continuous across brackets
(``maint = notional * rate - amount``). Each liquidity tier of the universe has its own brackets;
a venue may scale the rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Liquidity tier -> (bracket floors in USD notional, maintenance rates).
BRACKETS: dict[int, tuple[tuple[float, ...], tuple[float, ...]]] = {
    1: ((0.0, 50e3, 600e3, 3e6, 12e6), (0.004, 0.005, 0.01, 0.025, 0.05)),
    2: ((0.0, 10e3, 100e3, 500e3, 2e6), (0.005, 0.01, 0.02, 0.05, 0.1)),
    3: ((0.0, 5e3, 50e3, 250e3, 1e6), (0.01, 0.015, 0.025, 0.05, 0.1)),
    4: ((0.0, 5e3, 25e3, 100e3, 500e3), (0.015, 0.025, 0.05, 0.1, 0.125)),
}


def bracket_table(tier: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(floors, rates, amounts) of a tier's brackets, rates scaled by the venue's `scale`."""
    floors, rates = BRACKETS[tier]
    f = np.array(floors)
    r = np.array(rates) * scale
    amounts = np.concatenate([[0.0], np.cumsum(f[1:] * np.diff(r))])
    return f, r, amounts


def maintenance(notional: float, tier: int, scale: float = 1.0) -> tuple[float, float, float]:
    """(maintenance margin, rate, amount) of one position of `notional` USD."""
    f, r, a = bracket_table(tier, scale)
    k = int(np.searchsorted(f, notional, side="right")) - 1
    return notional * r[k] - a[k], float(r[k]), float(a[k])


def isolated_liq_price(size: float, entry: float, margin: float, rate: float,
                       amount: float) -> float | None:
    """The mark at which an isolated position's margin plus PnL equals its maintenance margin.

    Solves ``margin + s (P - entry) = |s| P rate - amount`` for P (s signed); None when no
    positive price liquidates it.
    """
    denom = size - abs(size) * rate
    if denom == 0:
        return None
    price = (size * entry - margin - amount) / denom
    return price if price > 0 else None


def cross_liq_price(size: float, mark: float, rate: float, slack: float) -> float | None:
    """The mark of one cross position at which its account's equity meets its maintenance.

    `slack` is the account's cross equity minus its cross maintenance now, other positions held
    at their marks (what Binance and Bybit report as a cross position's liquidation price).
    """
    denom = size - abs(size) * rate
    if denom == 0:
        return None
    price = mark - slack / denom
    return price if price > 0 else None


@dataclass(slots=True)
class MarginCheck:
    """The per-position and per-account figures of one margin evaluation."""

    notional: np.ndarray
    upnl: np.ndarray
    maint: np.ndarray
    rate: np.ndarray
    amount: np.ndarray
    iso_equity: np.ndarray
    cross_equity: np.ndarray
    cross_maint: np.ndarray
    liquidate_positions: np.ndarray  # bool per position (isolated)
    liquidate_accounts: np.ndarray  # bool per account (cross)


class PositionArrays:
    """Every open position of every account as parallel numpy arrays, for one-pass checks.

    Rebuilt by the ledger whenever a position opens, changes or closes (rare), read every step.
    """

    def __init__(self, n_accounts: int) -> None:
        self.n_accounts = n_accounts
        self.keys: list[tuple[int, str]] = []
        self.account = np.zeros(0, dtype=np.int64)
        self.venue = np.zeros(0, dtype=np.int64)
        self.asset = np.zeros(0, dtype=np.int64)
        self.size = np.zeros(0)
        self.entry = np.zeros(0)
        self.scale = np.zeros(0)
        self.isolated = np.zeros(0, dtype=bool)
        self.margin = np.zeros(0)
        self.leverage = np.ones(0)
        self.floors = np.zeros((0, 5))
        self.rates = np.zeros((0, 5))
        self.amounts = np.zeros((0, 5))

    def __len__(self) -> int:
        return len(self.keys)

    def marks(self, index: np.ndarray, premium: np.ndarray) -> np.ndarray:
        """Each position's mark in its own quote units (index x venue scale x (1 + premium))."""
        return index[self.asset] * self.scale * (1.0 + premium[self.venue, self.asset])

    def check(self, marks: np.ndarray, wallet: np.ndarray) -> MarginCheck:
        """Evaluate every position and account at `marks`; flag what must be liquidated."""
        notional = np.abs(self.size) * marks
        upnl = self.size * (marks - self.entry)
        k = (notional[:, None] >= self.floors).sum(axis=1) - 1
        rows = np.arange(len(k))
        rate = self.rates[rows, k]
        amount = self.amounts[rows, k]
        maint = notional * rate - amount
        iso_equity = self.margin + upnl
        liq_pos = self.isolated & (iso_equity < maint)
        cross = ~self.isolated
        n = self.n_accounts
        cross_maint = np.bincount(self.account, weights=maint * cross, minlength=n)
        cross_equity = wallet + np.bincount(self.account, weights=upnl * cross, minlength=n)
        liq_acc = (cross_maint > 0) & (cross_equity < cross_maint)
        return MarginCheck(notional, upnl, maint, rate, amount, iso_equity, cross_equity,
                           cross_maint, liq_pos, liq_acc)
