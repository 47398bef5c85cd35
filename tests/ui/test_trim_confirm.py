"""The trim confirmation's text, from the engine's frozen preview."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from cockpit.model import Intent, IntentSource, LiqKind, Side
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


def test_the_liquidation_price_before_and_after():
    own = dataclasses.replace(BASE, liq_kind=LiqKind.POSITION, liq_before=2_931.0, liq_after=2_702.0)
    assert "Liq. price 2,931.0 → 2,702.0 (cross)" in _text(own)
    isolated = dataclasses.replace(own, liq_after=2_931.0, cross=False)
    assert "Liq. price 2,931.0 → 2,931.0 (isolated: own margin)" in _text(isolated)
    account = dataclasses.replace(own, liq_kind=LiqKind.ACCOUNT)
    assert "Liq. price 2,931.0 → 2,702.0 (cross: account-level)" in _text(account)
    closed = dataclasses.replace(account, after=Decimal(0), liq_after=None)
    assert "Liq. price 2,931.0 → none, closed (cross: account-level)" in _text(closed)
    unreachable = dataclasses.replace(account, liq_before=None, liq_after=None)
    assert "Liq. price out of reach → out of reach (cross: account-level)" in _text(unreachable)
    assert "Liq. price unknown" in _text(BASE) and "nearer" not in _text(BASE)


def test_a_trim_that_brings_liquidation_nearer_says_so():
    hedge = dataclasses.replace(BASE, liq_kind=LiqKind.ACCOUNT, liq_before=5_589.0, liq_after=5_519.0,
                                liq_closer=True)
    assert "nearer the mark: the account is left more directional" in _text(hedge)
