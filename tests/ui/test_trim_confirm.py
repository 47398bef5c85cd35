"""The trim confirmation's text, from the engine's frozen preview."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from cockpit.model import Intent, IntentSource, Side
from cockpit.model.commands import TrimPreview
from cockpit.ui.screens.cockpit import _trim_lines

BASE = TrimPreview(intent=Intent("t", "dx", "ETH/USD:USDC", IntentSource.HOTKEY, "test", 0.25),
                   account="dx", venue="dydx", symbol="ETH/USD:USDC", side=Side.LONG, size=Decimal(10),
                   cut=Decimal("2.5"), order_side=Side.SHORT, est_price=2_999.0, est_cost=4.5,
                   after=Decimal("7.5"), notional=7_500.0, asset="ETH", mark=3_000.0)


def _text(p: TrimPreview) -> str:
    return "\n".join(str(line) for line in _trim_lines(p))


def test_without_a_price_the_cost_is_unknown_not_zero():
    text = _text(dataclasses.replace(BASE, est_price=None, est_cost=None, notional=None, mark=None))
    assert "no price from dydx: cost unknown" in text
    assert "$0" not in text and "$—" not in text


def test_with_a_price_the_estimate_is_shown():
    text = _text(BASE)
    assert "Est. price 2,999.0   notional $7.50k" in text and "Est. cost  $4 (taker fee + impact)" in text
