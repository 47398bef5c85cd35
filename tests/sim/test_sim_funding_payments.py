"""Funding the simulator books: money is exact, rounded down (toward zero) to the venue's precision
(8 decimals), as every other amount the cockpit books or sends, never to the nearest."""

from __future__ import annotations

import asyncio
from decimal import ROUND_DOWN, Decimal

from cockpit.sim import build_demo
from cockpit.sim.venue import MONEY_STEP
from tests.sim.conftest import FakeClock


def _booked(venue) -> tuple:
    return asyncio.run(venue.funding_payments(0.0))


def test_a_payment_is_booked_rounded_down_to_eight_decimals_never_to_the_nearest():
    session = build_demo(seed=7, clock=FakeClock(), assets=12)
    venue = session.venues[0]
    acc = session.world.ledger.by_name[venue.info.name]
    symbol = next(iter(acc.instruments))
    acc.payments.clear()
    # The ninth decimal is 6: to the nearest these would be 1.23456790 and -0.00000002.
    acc.payments.append((100.0, symbol, 1.234567896, 0.0001, 12_345.0))
    acc.payments.append((200.0, symbol, -0.000000016, 0.0001, 1.0))
    received, paid = _booked(venue)
    assert received.amount == Decimal("1.23456789") and str(received.amount) == "1.23456789"
    assert paid.amount == Decimal("-0.00000001")  # toward zero: never books a cent more than paid
    assert received.id == f"{symbol}@100" and MONEY_STEP == Decimal("1e-8")


def test_every_payment_the_world_books_is_its_amount_rounded_down():
    session = build_demo(seed=7, clock=FakeClock(), assets=12)
    session.world.advance(2 * 3600)  # past the hourly payments (Hyperliquid, dYdX) twice
    checked = 0
    for venue in session.venues:
        acc = session.world.ledger.by_name[venue.info.name]
        raw = {(f"{s}@{t:.0f}"): amount for t, s, amount, _, _ in acc.payments}
        for p in _booked(venue):
            exact = Decimal(repr(raw[p.id]))
            assert p.amount == exact.quantize(MONEY_STEP, rounding=ROUND_DOWN)
            assert abs(p.amount) <= abs(exact) and p.amount.as_tuple().exponent == -8
            checked += 1
    assert checked >= 10
