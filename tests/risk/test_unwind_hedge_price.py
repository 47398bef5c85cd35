"""A blind position's hedge is priced at the hedge venue's own mark, not at the blind venue's last
one: while a venue is blind its mark is where the market was, which in a crash is far off."""

from __future__ import annotations

from cockpit.model import Health
from cockpit.model.unwind import StepKind, TargetKind, UnwindTarget
from cockpit.risk import RiskEngine
from cockpit.risk.unwind import plan_unwind
from tests.risk.factory import account, book, instruments_for, position, quote

NOW = 1_780_000_000.0


def _plan(live_mark):
    funding = () if live_mark is None else (quote("binance", "ETH", 0.0001, mark=live_mark),)
    b = book(NOW,
             account("a", "binance", [position("a", "binance", "BTC", "long", "0.5", 60000)],
                     funding=funding, equity=2e6, fetched_at=NOW),
             account("d", "hyperliquid", [position("d", "hyperliquid", "ETH", "long", "10", 3000)],
                     equity=2e6, fetched_at=NOW - 600, health=Health.DOWN))
    ins = instruments_for(b)
    ins["a"]["ETH/USDT:USDT"] = ins["d"]["ETH/USDT:USDT"]  # binance lists ETH too
    plan = plan_unwind(b, RiskEngine().evaluate(b, ins, NOW), ins, UnwindTarget(TargetKind.FLAT))
    return next(s for s in plan.steps if s.kind is StepKind.HEDGE)


def test_the_hedge_is_priced_at_the_live_venues_mark():
    hedge = _plan(2400.0)
    assert hedge.key.account == "a" and hedge.order_side.value == "short"
    assert 2400 * 0.99 < hedge.est_price <= 2400  # a sell, a little below the live mark
    assert abs(hedge.notional - 10 * 2400) < 1e-6


def test_without_a_live_mark_the_blind_positions_last_one_is_used():
    hedge = _plan(None)
    assert 3000 * 0.99 < hedge.est_price <= 3000
