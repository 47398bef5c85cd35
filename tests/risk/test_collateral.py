"""Time to rescue: which routes are internal, and how much a rescue can bring (issue 9, item 16)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import Cover, Health
from cockpit.present import reasons
from cockpit.risk import RiskEngine

from .factory import account, book, instruments_for, position


def _short_31k(*others):
    # bn: 8 BTC at 50,000 = 400,000 gross, so a 40,000 buffer; 9,000 free: 31,000 short.
    bn = account("bn", "binance", [position("bn", "binance", "BTC", "long", 8, 50_000)],
                 equity=60_000.0, free=9_000.0)
    return book(0.0, bn, *others)


def _rescue(b):
    return {c.account: c for c in RiskEngine().evaluate(b, instruments_for(b), 0.0).collateral}


def test_a_move_between_two_exchanges_is_a_withdrawal_and_a_deposit_not_an_internal_transfer():
    b = _short_31k(account("okx", "okx", [], equity=100_000.0, free=100_000.0))
    bn = _rescue(b)["bn"]
    # Binance → Arbitrum (8 min) + Arbitrum → OKX (5 min), never the 10 s of an internal transfer.
    assert bn.shortfall == 31_000.0
    assert (bn.rescue_seconds, reasons.rescue(bn)) == (13 * 60.0, "okx: CEX withdrawal + deposit")
    assert bn.rescue_status == "covered" and bn.rescue_amount == 31_000.0


def test_a_move_between_accounts_of_one_venue_is_an_internal_transfer():
    b = _short_31k(account("bn-sub", "binance", [], equity=100_000.0, free=100_000.0),
                   account("okx", "okx", [], equity=100_000.0, free=100_000.0))
    bn = _rescue(b)["bn"]
    assert (bn.rescue_seconds, reasons.rescue(bn)) == (10.0, "bn-sub: internal transfer")


def test_a_source_with_one_dollar_of_surplus_does_not_rescue_a_31k_shortfall():
    # okx: 10,000 gross, so a 1,000 buffer; 1,001 free: 1 dollar of surplus.
    okx = account("okx", "okx", [position("okx", "okx", "ETH", "short", 5, 2_000)],
                  equity=20_000.0, free=1_001.0)
    b = _short_31k(okx)
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    bn = a.collateral[0]
    assert bn.rescue_seconds is None
    assert bn.rescue_status == "partial" and bn.rescue_amount == pytest.approx(1.0)
    assert reasons.rescue(bn) == "partial: $1 of $31,000"
    # bn has no surplus of its own to pay for cutting its BTC: the playbook says so.
    step = next(s for s in a.playbook if s.account == "bn")
    assert step.cover is Cover.PARTIAL and reasons.cover(step, bn) == "partial: $1 of $31,000"


def test_sources_add_up_fastest_first_and_the_rescue_waits_for_the_slowest():
    # Two sources of 20,000 surplus each: the internal one (10 s) is taken first, the exchange
    # next; together they cover 31,000, in the exchange's time. A stale account's surplus does
    # not count.
    b = _short_31k(account("okx", "okx", [], equity=20_000.0, free=20_000.0),
                   account("bn-sub", "binance", [], equity=20_000.0, free=20_000.0),
                   account("bybit", "bybit", [], equity=90_000.0, free=90_000.0, health=Health.STALE))
    bn = _rescue(b)["bn"]
    assert reasons.rescue(bn) == "bn-sub, okx: CEX withdrawal + deposit"
    assert (bn.rescue_sources, bn.rescue_route) == (("bn-sub", "okx"), "CEX withdrawal + deposit")
    assert bn.rescue_seconds == 13 * 60.0
    # Congested: the withdrawal ×4 (32 min) and the deposit ×3 (15 min).
    assert bn.rescue_congested_seconds == 47 * 60.0
    assert (bn.rescue_status, bn.rescue_need, bn.rescue_amount) == ("covered", 31_000.0, 31_000.0)


def test_a_source_sends_no_more_than_its_venue_lets_leave():
    # okx has 100,000 free and no positions, but only 20,000 may be withdrawn now.
    okx = account("okx", "okx", [], equity=100_000.0, free=100_000.0)
    snap = okx.snapshot
    okx = replace(okx, snapshot=replace(snap, collateral=replace(snap.collateral, withdrawable=20_000.0)))
    bn = _rescue(_short_31k(okx))["bn"]
    assert (bn.rescue_status, reasons.rescue(bn)) == ("partial", "partial: $20,000 of $31,000")


def test_no_surplus_anywhere_is_uncovered_and_an_account_without_positions_needs_nothing():
    b = _short_31k(account("okx", "okx", [], equity=0.0, free=0.0))
    got = _rescue(b)
    assert (got["bn"].rescue_status, reasons.rescue(got["bn"]), got["bn"].rescue_seconds) == (
        "uncovered", "uncovered: $31,000", None)
    assert (got["okx"].rescue_status, got["okx"].rescue_need, got["okx"].rescue_seconds) == ("none", 0.0, None)


def test_without_a_shortfall_a_rescue_brings_a_whole_buffer():
    # bn keeps its 40,000 buffer; a rescue would have to bring another 40,000. hl has 50,000
    # (Hyperliquid bridge 3.5 min + deposit 5 min), okx only 30,000.
    b = book(0.0, account("bn", "binance", [position("bn", "binance", "BTC", "long", 8, 50_000)],
                          equity=60_000.0, free=45_000.0),
             account("okx", "okx", [], equity=30_000.0, free=30_000.0),
             account("hl", "hyperliquid", [], equity=50_000.0, free=50_000.0))
    bn = _rescue(b)["bn"]
    assert bn.shortfall == 0.0 and bn.rescue_need == 40_000.0
    assert (reasons.rescue(bn), bn.rescue_seconds) == ("hl: Hyperliquid bridge + deposit", 510.0)


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(["binance", "okx", "hyperliquid", "dydx", "paradex"]),
                          st.floats(0, 50_000), st.floats(0, 1e6), st.booleans()), min_size=1, max_size=6))
def test_a_rescue_never_claims_more_than_the_live_surplus_elsewhere(specs):
    accounts = []
    for k, (venue, free, gross, live) in enumerate(specs):
        name = f"a{k}"
        ps = [position(name, venue, "BTC", "long", round(gross / 50_000, 3), 50_000)] if gross >= 50 else []
        accounts.append(account(name, venue, ps, equity=free + gross / 10, free=free,
                                health=Health.LIVE if live else Health.STALE))
    b = book(0.0, *accounts)
    rows = _rescue(b)
    surplus = {c.account: max(0.0, c.free - c.buffer_target) for c in rows.values()}
    for c in rows.values():
        elsewhere = sum(v for n, v in surplus.items() if n != c.account and rows[n].stale is False)
        assert c.rescue_amount <= min(c.rescue_need, elsewhere) + 1e-6
        assert (c.rescue_seconds is not None) == (c.rescue_status == "covered")
        if c.rescue_status == "covered":
            assert c.rescue_amount == c.rescue_need <= elsewhere + 1e-6
            assert c.rescue_congested_seconds >= c.rescue_seconds


def test_risk_says_when_a_margin_is_in_danger():
    """A margin ratio of 1.5 or less (maintenance used ≥ 67 %) is drawn as a warning; the pane
    only reads `danger`."""
    from cockpit.risk.collateral import DANGER_RATIO, in_danger

    assert DANGER_RATIO == 1.5
    assert in_danger(1.5) and in_danger(1.2) and in_danger(-2.0)  # equity below zero: past liquidation
    assert not in_danger(1.51) and not in_danger(None)
    tight = account("bn", "binance", [position("bn", "binance", "BTC", "long", 8, 50_000)],
                    equity=60_000.0, free=9_000.0, maintenance=45_000.0)  # ratio 1.33
    easy = account("okx", "okx", [position("okx", "okx", "ETH", "short", 5, 2_000)],
                   equity=60_000.0, free=50_000.0, maintenance=1_000.0)  # ratio 60
    rows = _rescue(book(0.0, tight, easy))
    assert (rows["bn"].danger, rows["okx"].danger) == (True, False)
