"""Order books: depth per venue and symbol by liquidity tier, and walking them.

A book is not stored: it is drawn on demand around the venue's mark from the asset's liquidity
tier, the venue's depth and spread, a liquidity factor scenarios can lower (thin books during a
crash), and the current volatility (wider and thinner when the market is wild). Level sizes grow
away from the touch, as real books do, so small orders fill at the touch and large ones pay.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from cockpit.model import Instrument, Side
from cockpit.model.steps import on_step

LEVELS = 25
# Liquidity tier -> (USD at the first level on Binance, half-spread in bps, bps between levels).
TIERS: dict[int, tuple[float, float, float]] = {
    1: (350_000.0, 0.5, 0.8),
    2: (90_000.0, 1.5, 2.0),
    3: (30_000.0, 3.0, 4.0),
    4: (9_000.0, 6.0, 8.0),
}
LEVEL_GROWTH = 0.25  # each level deeper holds 25% more than the touch


@dataclass(frozen=True, slots=True)
class Level:
    """One price level: its price and the size resting there (instrument units)."""

    price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Walk:
    """The result of taking liquidity: the fills (price, amount) and what could not fill."""

    fills: tuple[Level, ...]
    remaining: Decimal

    @property
    def filled(self) -> Decimal:
        """Total size filled."""
        return sum((f.amount for f in self.fills), Decimal(0))

    @property
    def average(self) -> Decimal | None:
        """Volume-weighted fill price, or None when nothing filled."""
        filled = self.filled
        if not filled:
            return None
        return sum((f.price * f.amount for f in self.fills), Decimal(0)) / filled

    @property
    def notional(self) -> float:
        """Quote value of the fills."""
        return float(sum((f.price * f.amount for f in self.fills), Decimal(0)))


def half_spread(tier: int, spread: float, vol_mult: float) -> float:
    """Half the bid-ask spread as a fraction of the mark."""
    return TIERS[tier][1] * spread * vol_mult**0.5 * 1e-4


def levels(mark: float, taker: Side, inst: Instrument, tier: int, *, depth: float,
           spread: float, liquidity: float, vol_mult: float) -> list[Level]:
    """The side of the book a `taker` order (LONG = buy) consumes, best level first.

    Prices are rounded away from the mark to the tick; sizes down to the size step.
    """
    usd, _, gap_bps = TIERS[tier]
    first = half_spread(tier, spread, vol_mult)
    gap = gap_bps * spread * vol_mult**0.5 * 1e-4
    per_level = usd * depth * liquidity / vol_mult**0.7
    sign = 1 if taker is Side.LONG else -1
    rounding = ROUND_CEILING if taker is Side.LONG else ROUND_FLOOR
    out: list[Level] = []
    for k in range(LEVELS):
        raw = mark * (1.0 + sign * (first + k * gap))
        price = on_step(raw, inst.price_step, rounding)
        size = per_level * (1.0 + LEVEL_GROWTH * k) / raw
        amount = on_step(size, inst.amount_step)
        out.append(Level(price, max(amount, inst.amount_step)))
    return out


def walk(book: list[Level], amount: Decimal, taker: Side, limit: Decimal | None = None) -> Walk:
    """Take up to `amount` from `book`, level by level, not past `limit` when given."""
    fills: list[Level] = []
    left = amount
    for level in book:
        if left <= 0:
            break
        if limit is not None and (level.price > limit if taker is Side.LONG else level.price < limit):
            break
        take = min(left, level.amount)
        fills.append(Level(level.price, take))
        left -= take
    return Walk(tuple(fills), left)
