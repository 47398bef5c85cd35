"""Exact, reduce-only order sizes.

Sizes are Decimal and always rounded *down* to the venue's step, so a trim never asks for more than
the position holds minus what is already in flight; it can shrink a position, never flip it.
"""

from __future__ import annotations

from decimal import Decimal

from cockpit.model.steps import on_step as round_down  # down to a whole multiple of the step


def reduce_only_amount(
    size: Decimal,
    *,
    in_flight: Decimal = Decimal(0),
    fraction: float | None = None,
    amount: Decimal | None = None,
    step: Decimal,
    min_amount: Decimal = Decimal(0),
) -> Decimal:
    """The size of a reduce-only order that cuts a position of `size` (unsigned).

    Exactly one of `fraction` (0 < f <= 1 of the current size) or `amount` is given. The result is
    rounded down to `step`, capped at `size - in_flight` (what is not already being closed), and 0
    when it would fall below the venue's `min_amount`: never more than the position can give.
    A fraction of 1 closes exactly what remains, even when the size is not a multiple of `step`.
    """
    if (fraction is None) == (amount is None):
        raise ValueError("give exactly one of fraction or amount")
    available = size - in_flight
    if available <= 0:
        return Decimal(0)
    if fraction is not None:
        if not 0 < fraction <= 1:
            raise ValueError("fraction must be in (0, 1]")
        if fraction == 1:
            return available  # closing everything: the venue accepts the exact remainder
        # Decimal(str(f)) keeps 0.3 as 0.3 rather than 0.299999999999999988897769753748...
        wanted = size * Decimal(str(fraction))
    else:
        assert amount is not None
        if amount <= 0:
            raise ValueError("amount must be positive")
        wanted = amount
    cut = round_down(min(wanted, available), step)
    if cut < min_amount or cut <= 0:
        return Decimal(0)
    return cut


#: Price impact of a market order, as a fraction of price per unit of (order notional / depth).
#: A documented, deliberately simple square-root model: impact = IMPACT * sqrt(notional / DEPTH).
IMPACT = 0.001
DEPTH_NOTIONAL = 1_000_000.0


def impact(notional):
    """Square-root price impact of a market order of `notional` (USD) as a fraction of price;
    works on floats and on numpy arrays alike (the playbook prices every step at once)."""
    return IMPACT * (notional / DEPTH_NOTIONAL) ** 0.5


def market_fill(mark, notional, fee, direction):
    """The cost model: the average price and the cost (taker `fee` plus square-root impact, in
    USD) of a market order of `notional` at `mark`, buying (`direction` +1) or selling (−1).
    Works on floats and on numpy arrays alike (the playbook prices every step at once)."""
    slip = impact(notional)
    return mark * (1 + direction * slip), notional * (fee + slip)


def estimate_cost(amount: Decimal, mark: float | None, instrument, side) -> tuple[float | None, float | None]:
    """Estimated average price and cost (`market_fill`) of a market order of `amount` in the
    instrument's order unit (contracts on an inverse swap) on `side`.

    Returns (price, cost); (None, None) when the mark is unknown: an unknown cost, never 0.
    """
    if mark is None:
        return None, None
    notional = float(amount) * instrument.unit_value(mark)  # amount in the order unit
    return market_fill(mark, notional, instrument.taker_fee, float(side.sign))
