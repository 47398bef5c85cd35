"""What a reduce-only trim does to its position's liquidation price: the trim preview's "Liq. price
before → after".

The same liquidation the positions pane shows (`stages.liquidation_stage`), before and after
cutting a fraction of one position:

- its own price, isolated: venues release an isolated position's margin in proportion to the
  size cut (Binance, Bybit, OKX, and the simulator), so its margin per unit, and with it the
  price, stay where they are;
- its own price, cross (a price the venue reports for a cross position): moved by
  `liquidation.own_price_after_cut`;
- cross without one: the account-level move (`liquidation.move_after_cut`), as a price of this
  symbol (mark × (1 + move)). Cutting a leg that hedges the account's other positions can bring
  it closer: the result says so rather than hide it.

A full close leaves no liquidation price. Pure: a book and instruments in, numbers and a code out.
"""

from __future__ import annotations

import math
from typing import Mapping, NamedTuple

import numpy as np

from cockpit.model import Book, Instrument, LiqKind, PositionKey
from cockpit.risk import liquidation, stages
from cockpit.risk.table import BookTable, TableBuilder


class TrimLiquidation(NamedTuple):
    """A position's liquidation price before and after a trim (None: none, or unknown).

    `kind` is what the prices are (`LiqKind`: the position's own, or cross at account level);
    under a known kind None means no price move reaches liquidation (or, after, the position is
    closed). `closer`: after the trim the price is nearer the mark than now (or reachable where
    it was not). `cross` whether the position is cross margin; `mark` the risk engine's price.
    """

    kind: LiqKind
    before: float | None
    after: float | None
    cross: bool = True
    mark: float | None = None

    @property
    def closer(self) -> bool:
        """The trim brings liquidation nearer the mark (a hedge leg cut, or a cost above the
        maintenance it frees)."""
        if self.after is None or self.mark is None:
            return False
        return self.before is None or abs(self.after - self.mark) < abs(self.before - self.mark)


UNKNOWN = TrimLiquidation(LiqKind.UNKNOWN, None, None)


def trim_liquidation(book: Book, instruments: Mapping[str, Mapping[str, Instrument]], key: PositionKey,
                     fraction: float, cost: float) -> TrimLiquidation:
    """The liquidation price of the position `key` in `book` now and after cutting `fraction`
    (0 < f ≤ 1) of it at a cost of `cost` (taker fee and impact, in the settle currency)."""
    t = TableBuilder().build(book, instruments)
    index = next((i for i, k in enumerate(t.keys) if k == key), None)
    if index is None:
        return UNKNOWN
    return after_cut(t, stages.liquidation_stage(t, 0.0), index, fraction, cost)


def after_cut(t: BookTable, liq: stages.Liquidation, i: int, fraction: float, cost: float) -> TrimLiquidation:
    """`trim_liquidation` for position `i` of a table whose liquidation stage ran."""
    mark = _num(t.mark[i])
    cross = bool(t.cross[i])
    kind = (LiqKind.UNKNOWN, LiqKind.ACCOUNT, LiqKind.POSITION)[int(liq.kind[i])]
    if mark is None or kind is LiqKind.UNKNOWN:
        return TrimLiquidation(LiqKind.UNKNOWN, None, None, cross, mark)
    closed = fraction >= 1.0
    a = int(t.acct[i])
    if kind is LiqKind.POSITION:
        before = float(t.liq[i])
        if closed:
            after = None
        elif not cross:
            after = before
        else:
            slack = float(liq.cross_equity[a] - liq.cross_maint[a])
            after = _num(liquidation.own_price_after_cut(
                mark, before, fraction, slack, fraction * float(liq.mm[i]), cost))
        return TrimLiquidation(kind, before, after, cross, mark)
    move = _num(liq.move[a])
    before = None if move is None else mark * (1.0 + move)
    if closed:
        return TrimLiquidation(kind, before, None, cross, mark)
    net = float(np.where(t.cross & (t.acct == a), t.signed, 0.0).sum())
    moved = _num(liquidation.move_after_cut(liq.cross_equity[a], liq.cross_maint[a], net,
                                            fraction * float(t.signed[i]), fraction * float(liq.mm[i]), cost))
    return TrimLiquidation(kind, before, None if moved is None else mark * (1.0 + moved), cross, mark)


def _num(value) -> float | None:
    """A float, or None for NaN."""
    value = float(value)
    return None if math.isnan(value) else value
