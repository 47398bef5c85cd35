"""Liquidation: how far the mark may move before a position, or a cross account, is liquidated.

Position level: the fraction the mark must move against the position to reach its own
liquidation price, ``sign × (mark − liq) / mark``.

Account level (cross margin): a uniform move ``x`` of every price changes the account's equity by
``N·x`` (N = net signed notional of its cross positions) and its maintenance margin by ``M·x``
(maintenance is proportional to notional, and every |notional| scales by 1 + x). The margin ratio
``(E + N·x) / (M·(1 + x))`` reaches 1 at

    x* = (E − M) / (M − N)

Only the account's cross side counts (`cross_side`): isolated positions have margin of their own.
A net-long account is liquidated by a fall (x* < 0), a net-short one by a rise; a fully hedged
account only by the growth of its maintenance on a large rise. When x* ≤ −1 no price path reaches
liquidation (the account is unleveraged in that direction) and the move is reported as unknown
(None), never as 0.
"""

from __future__ import annotations

import math

import numpy as np

from cockpit.risk.arrays import fill_nan


def position_distance(sign: np.ndarray, mark: np.ndarray, liq: np.ndarray) -> np.ndarray:
    """Fraction of the mark to the position's own liquidation price (NaN where either is
    unknown; 0 when the mark is already beyond it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        d = sign * (mark - liq) / mark
    return np.where(np.isnan(d), np.nan, np.maximum(d, 0.0))


def account_maintenance(maint: np.ndarray, mm: np.ndarray, acct: np.ndarray) -> np.ndarray:
    """Each account's maintenance margin: as the venue reports it, else the sum of its positions'
    maintenance where any is known, else NaN."""
    n = maint.shape[0]
    known = ~np.isnan(mm)
    summed = np.bincount(acct, np.where(known, mm, 0.0), n)
    any_known = np.bincount(acct, known, n) > 0
    return np.where(np.isnan(maint), np.where(any_known, summed, np.nan), maint)


def account_move(equity: np.ndarray, maint: np.ndarray, net: np.ndarray) -> np.ndarray:
    """The uniform price move x* that takes each account's margin ratio to 1 (see module doc).

    0 when the account is already at or below maintenance; NaN when maintenance is unknown or no
    move within (−100 %, ∞) reaches liquidation.
    """
    equity = np.asarray(equity, float)
    maint = np.asarray(maint, float)
    net = np.asarray(net, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (equity - maint) / (maint - net)
    ok = (maint > 0) & np.isfinite(x) & (x > -1.0)
    out = np.where(ok, x, np.nan)
    return np.where((maint > 0) & (equity <= maint), 0.0, out)


def position_maintenance(maint_acct: np.ndarray, mm: np.ndarray, notional: np.ndarray,
                         acct: np.ndarray) -> np.ndarray:
    """Each position's maintenance margin: as the venue reports it, else a share (by notional)
    of what its account's maintenance leaves over the reported ones (NaN where the account's
    maintenance is unknown). Used to scale maintenance in stress scenarios and to tell an
    isolated position's maintenance from its account's."""
    n = maint_acct.shape[0]
    known = ~np.isnan(mm)
    left = np.maximum(maint_acct - np.bincount(acct, np.where(known, mm, 0.0), n), 0.0)
    absn = np.where(known, 0.0, fill_nan(np.abs(notional)))
    gross = np.bincount(acct, absn, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(gross[acct] > 0, absn / np.where(gross > 0, gross, 1.0)[acct], 0.0)
    return np.where(known, mm, left[acct] * share)


def isolated_equity(cross: np.ndarray, margin: np.ndarray, upnl: np.ndarray, mm: np.ndarray,
                    signed: np.ndarray, liq_shock: np.ndarray) -> np.ndarray:
    """What each isolated position holds of its own: its isolated margin (the collateral set
    aside for it, `Position.initial_margin`) plus its unrealized PnL. Where the margin is not
    reported it is read back from the liquidation price, where the position's equity falls to its
    maintenance: ``mm·(1 + s*) − signed·s*`` at the price move s* to it. NaN for cross positions
    and where neither is known."""
    from_price = fill_nan(mm) * (1.0 + liq_shock) - signed * liq_shock
    own = np.where(np.isnan(margin), from_price, margin + fill_nan(upnl))
    return np.where(cross, np.nan, own)


def cross_side(equity: np.ndarray, maint: np.ndarray, acct: np.ndarray, cross: np.ndarray,
               iso_equity: np.ndarray, mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each account's cross equity and cross maintenance: the account's figures (which count its
    isolated positions' margin, PnL and maintenance) less those of its isolated positions whose
    equity is known. Maintenance is NaN for an account without cross positions (no account-level
    liquidation) and where it is unknown or not positive."""
    n = equity.shape[0]
    apart = ~cross & ~np.isnan(iso_equity)
    eq = equity - np.bincount(acct, np.where(apart, iso_equity, 0.0), n)
    mt = maint - np.bincount(acct, np.where(apart, fill_nan(mm), 0.0), n)
    holds = np.bincount(acct, cross, n) > 0
    return eq, np.where(holds & (mt > 0), mt, np.nan)


# -- after a reduce-only cut (the trim preview's new liquidation price) ------------------------
#
# A cut closes part of a position at the market: its realized PnL only moves from unrealized to
# the balance (equity is unchanged by it), its cost (taker fee and impact) comes out of equity,
# and the notional and maintenance it takes off scale with the fraction cut.


def move_after_cut(equity, maint, net, cut_signed, cut_maint, cost):
    """The account-level move (`account_move`) of a cross side after a cut that takes
    `cut_signed` of signed notional and `cut_maint` of maintenance off it and pays `cost` out of
    its equity. NaN where no move reaches liquidation any more (nothing left, or unleveraged).

    When every cross position of the account is on one side and the cost is at most the
    maintenance it frees, the move never gets smaller. Cutting a leg that offsets the others
    (a hedge) makes the account more directional: its move can shrink, or change direction.
    """
    return account_move(np.asarray(equity, float) - cost, np.asarray(maint, float) - cut_maint,
                        np.asarray(net, float) - cut_signed)


def own_price_after_cut(mark: float, liq: float, fraction: float, slack: float, freed: float,
                        cost: float) -> float:
    """A cross position's own liquidation price (as Binance and Bybit report one: the price of
    this symbol at which the account's equity meets its maintenance, every other price held)
    after a cut of `fraction` (0 ≤ f < 1) of it.

    That price is where the move of this one price, over the position, uses up the account's
    `slack` (cross equity − cross maintenance): ``mark − liq = slack / (s·(1 − side·r))`` for s the
    signed size and r its maintenance rate. The cut scales s by 1 − f, frees `freed` of
    maintenance and pays `cost`, so the distance becomes
    ``(mark − liq) · (slack + freed − cost) / (slack · (1 − f))``. Where the slack is unknown or
    not positive only the size is scaled (the freed maintenance and the cost, small and of
    opposite sign, are left out). NaN when no positive price liquidates it any more.
    """
    gap = mark - liq
    scale = 1.0 / (1.0 - fraction)
    if math.isfinite(slack) and slack > 0:
        scale *= max(slack + freed - cost, 0.0) / slack
    price = mark - gap * scale
    return price if price > 0 else math.nan
