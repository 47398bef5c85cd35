"""The rows of an `Assessment` are plain immutable values of the model's own row types."""

from __future__ import annotations

import pytest

from cockpit.model import AssetExposure, FundingCell, LayerCollateral, PlaybookStep, PositionRisk, StressRow
from cockpit.risk import RiskEngine

from .factory import account, book, instruments_for, position, quote


def _assessment():
    b = book(0.0, account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, 60_000),
                                            position("bn", "binance", "ETH", "short", 10, 3_000)],
                          funding=[quote("binance", "BTC", 1e-4), quote("binance", "ETH", -1e-4)]))
    return RiskEngine().evaluate(b, instruments_for(b), 0.0)


@pytest.mark.parametrize("field, cls", [("positions", PositionRisk), ("playbook", PlaybookStep),
                                         ("funding", FundingCell), ("exposures", AssetExposure),
                                         ("stress", StressRow), ("collateral", LayerCollateral)])
def test_rows_are_the_model_types_equal_to_the_constructor_and_frozen(field, cls):
    rows = getattr(_assessment(), field)
    assert rows
    for row in rows:
        assert type(row) is cls
        assert row == cls(*row)  # the constructor with the same values makes an equal row
        with pytest.raises(AttributeError):
            setattr(row, cls._fields[0], None)


def test_rows_take_keywords_and_defaults():
    assert StressRow(name="x", shock=0.1, pnl=-1.0, min_margin_ratio=None, liquidated_positions=(),
                     liquidated_accounts=(), margin_ratios=(), tail=False) == StressRow("x", 0.1, -1.0, None)
