"""Exact amounts on a venue's grid: sizes, prices and sums of money as whole multiples of a step.

Money is exact: what the cockpit sends or books is a `Decimal` on the venue's grid, rounded down
(toward zero) unless a rule says otherwise (a price rounded away from the mark, a simulated mark
to the nearest tick). A float is read by its shortest repr ("0.1", not 0.1000000000000000055…),
so the grid, not binary noise, decides the last digit.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal


def on_step(value: Decimal | float, step: Decimal, rounding: str = ROUND_DOWN) -> Decimal:
    """`value` as a whole multiple of `step` (> 0), rounded `rounding` (a `decimal` rounding mode):
    down, toward zero, by default. The result carries the step's exponent ("1.230" on 0.001)."""
    if step <= 0:
        raise ValueError("step must be positive")
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return (exact / step).to_integral_value(rounding=rounding) * step


__all__ = ["on_step"]
