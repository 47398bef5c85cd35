"""The fast row builders make exactly the objects the dataclass constructors make."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from cockpit.model import AssetExposure, FundingCell, Layer, PlaybookStep, PositionRisk, Side, StressRow
from cockpit.risk.rows import builder


@pytest.mark.parametrize("cls", [PositionRisk, PlaybookStep, FundingCell, AssetExposure, StressRow])
def test_builder_equals_the_constructor(cls):
    values = []
    for i, f in enumerate(dataclasses.fields(cls)):
        sample = {str: f"s{i}", float: float(i) + 0.5, int: i, Decimal: Decimal(i), Side: Side.SHORT,
                  Layer: Layer.DYDX}
        kind = next((v for t, v in sample.items() if t.__name__ in str(f.type)), (f"t{i}",))
        values.append(kind)
    built = builder(cls)(*values)
    assert built == cls(*values)
    assert type(built) is cls
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, dataclasses.fields(cls)[0].name, None)


def test_builder_takes_keywords_too():
    assert builder(StressRow)(name="x", shock=0.1, pnl=-1.0, min_margin_ratio=None, liquidated_positions=(),
                              liquidated_accounts=(), margin_ratios=(), tail=False) == StressRow("x", 0.1, -1.0, None)


def test_builder_refuses_classes_it_cannot_build():
    @dataclasses.dataclass
    class Plain:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Base:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived(Base):  # its slot layout is not one a plain draft can share
        y: int

    for cls in (Plain, Derived):
        with pytest.raises(TypeError):
            builder(cls)
