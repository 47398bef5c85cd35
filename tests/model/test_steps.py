"""`on_step`: the one rounding of sizes, prices and money to a venue's grid."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

import pytest

from cockpit.model.steps import on_step
from cockpit.risk.orders import round_down


def test_down_toward_zero_by_default_on_the_steps_exponent():
    assert str(on_step(Decimal("1.23456"), Decimal("0.001"))) == "1.234"
    assert on_step(Decimal("-1.2349"), Decimal("0.001")) == Decimal("-1.234")  # toward zero
    assert round_down is on_step  # risk's name for it: the same function


def test_a_float_is_read_by_its_shortest_repr_not_its_binary_expansion():
    # 0.3 is 0.29999999999999998889… in binary: read exactly it would round down to 0.2.
    assert on_step(0.3, Decimal("0.1")) == Decimal("0.3")
    assert on_step(2.675, Decimal("0.01"), ROUND_HALF_EVEN) == Decimal("2.68")


def test_other_roundings_when_a_rule_asks_for_them():
    assert on_step(100.01, Decimal("0.5"), ROUND_CEILING) == Decimal("100.5")
    assert on_step(-100.01, Decimal("0.5"), ROUND_FLOOR) == Decimal("-100.5")


def test_a_step_of_zero_or_less_is_refused():
    with pytest.raises(ValueError, match="step must be positive"):
        on_step(Decimal(1), Decimal(0))
