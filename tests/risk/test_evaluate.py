"""The engine end to end on hand-made books: the kill switch's cut, staleness, panes' fields."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import Cover, Health, Instrument, IntentSource, KillStatus, Layer, Position, PositionKey, Side, StepReason
from cockpit.present import reasons
from cockpit.risk import RiskEngine, RiskSettings
from cockpit.risk.orders import reduce_only_amount

from .factory import account, book, instruments_for, position, quote

CALM, SQUEEZE = 0.0001, 0.003  # per 8h: 10.95 % and 328 % APR


def _accounts(rate: float, now: float, stale: tuple[str, ...] = (), readonly: tuple[str, ...] = (),
              sizes: dict | None = None):
    sizes = sizes or {}
    spec = {"bn": ("binance", [("BTC", "long", "1.234", 60_000), ("ETH", "short", "20.5", 3_000)]),
            "hl": ("hyperliquid", [("BTC", "short", "0.8", 60_000), ("SOL", "long", "300", 150)]),
            "dx": ("dydx", [("ETH", "long", "7", 3_000)])}
    out = []
    for name, (venue, rows) in spec.items():
        ps = [position(name, venue, a, side, sizes.get(PositionKey(name, f"{a}/USDT:USDT"), size), mark)
              for a, side, size, mark in rows]
        ps = [p for p in ps if p.size > 0]
        health = Health.STALE if name in stale else Health.LIVE
        out.append(account(name, venue, ps, equity=200_000.0, maintenance=5_000.0, health=health,
                           age=200.0 if name in stale else 0.5, readonly=name in readonly,
                           funding=[quote(venue, a, rate) for a in ("BTC", "ETH", "SOL", "DOGE")]))
    return book(now, *out)


def _run(engine: RiskEngine, rate: float, now: float, **kw):
    b = _accounts(rate, now, **kw)
    return b, engine.evaluate(b, instruments_for(b, step="0.01", minimum="0.01"), now)


def test_reducing_proposes_a_stable_30_percent_cut_and_halts_when_done():
    engine = RiskEngine()
    _, calm = _run(engine, CALM, 0.0)
    assert calm.kill.status is KillStatus.NORMAL and calm.kill.proposed == ()
    b, hot = _run(engine, SQUEEZE, 60.0)
    assert hot.funding_stress >= 60 and hot.kill.status is KillStatus.REDUCING
    proposed = hot.kill.proposed
    assert len(proposed) == 5 and hot.kill.mode == "advise"
    for intent in proposed:
        p = b.position(intent.key)
        assert intent.id == f"kill:1@60:{p.key}"  # first episode, entered at t = 60
        assert intent.source is IntentSource.KILL_SWITCH and intent.fraction is None
        assert intent.amount >= reduce_only_amount(p.size, fraction=0.3, step=Decimal("0.01"))
        assert intent.amount <= p.size
        assert "funding stress" in intent.reason
    assert hot.kill.cut_planned >= 0.3
    # The proposal as the panes show it: each intent with the share of its position, from risk.
    assert [c.intent for c in hot.proposal] == list(proposed)
    assert all(c.fraction == float(c.intent.amount / c.position.size) for c in hot.proposal)
    # Biggest funding bleed first: every long pays here, the largest long is BTC on bn (74k).
    assert [i.symbol[:3] for i in proposed[:3]] == ["BTC", "SOL", "ETH"]
    # Re-evaluating during the episode gives the same ids and amounts.
    _, again = _run(engine, SQUEEZE, 61.0)
    assert again.kill.proposed == proposed
    # The cut is executed: sizes shrink by the intents' amounts.
    done = {i.key: b.position(i.key).size - i.amount for i in proposed}
    before = hot.gross
    _, after = _run(engine, SQUEEZE, 62.0, sizes=done)
    assert after.kill.status is KillStatus.HALTED and after.kill.proposed == ()
    assert 1 - after.gross / before >= 0.3
    assert all(p.side is q.side for p, q in zip(after.positions, hot.positions))


def test_the_kill_switch_never_acts_on_stale_accounts_or_read_only_ones():
    engine = RiskEngine()
    _run(engine, CALM, 0.0, stale=("hl",), readonly=("dx",))
    _, hot = _run(engine, SQUEEZE, 60.0, stale=("hl",), readonly=("dx",))
    assert hot.kill.status is KillStatus.REDUCING
    assert {i.account for i in hot.kill.proposed} == {"bn"}
    assert hot.partial == ("hl",)
    # hl comes back live: its positions are planned then, once, with stable ids.
    _, back = _run(engine, SQUEEZE, 70.0, readonly=("dx",))
    assert {i.account for i in back.kill.proposed} == {"bn", "hl"}
    assert [i for i in back.kill.proposed if i.account == "bn"] == list(hot.kill.proposed)


@settings(max_examples=1000)
@given(st.lists(st.booleans(), min_size=3, max_size=3), st.sampled_from([CALM, SQUEEZE]),
       st.integers(0, 400))
def test_stale_input_never_produces_an_intent(stale_flags, first_rate, age):
    stale = tuple(n for n, s in zip(("bn", "hl", "dx"), stale_flags) if s)
    engine = RiskEngine()
    for t, rate in ((0.0, first_rate), (30.0, SQUEEZE), (60.0, SQUEEZE)):
        b = _accounts(rate, t, stale=stale)
        b = type(b)(now=t, accounts=tuple(
            type(a)(info=a.info, snapshot=a.snapshot, health=a.health, age=float(age) if a.health is not Health.LIVE else 0.5)
            for a in b.accounts))
        a = engine.evaluate(b, instruments_for(b), t)
        assert all(i.account not in stale for i in a.kill.proposed)
        if len(stale) == 3:
            assert a.kill.proposed == () and a.kill.status is not KillStatus.HALTED


def test_an_account_stale_too_long_with_positions_trips_the_switch():
    engine = RiskEngine()
    b = _accounts(CALM, 0.0, stale=("dx",))
    a = engine.evaluate(b, instruments_for(b), 0.0)  # stale for 200 s > 120 s
    assert a.kill.status is KillStatus.REDUCING
    assert a.kill.cause == "dx STALE with positions for 200 s ≥ 120 s"
    assert {i.account for i in a.kill.proposed} == {"bn", "hl"}


def test_a_daily_drawdown_trips_the_switch_with_its_numbers():
    engine = RiskEngine()
    _run(engine, CALM, 0.0)
    b = _accounts(CALM, 10.0)
    worse = book(10.0, *[account(x.info.name, x.info.venue, x.snapshot.positions, equity=188_000.0,
                                 maintenance=5_000.0, funding=x.snapshot.funding) for x in b.accounts])
    a = engine.evaluate(worse, instruments_for(worse), 10.0)
    assert a.drawdown_daily == pytest.approx(0.06) and a.drawdown_peak == pytest.approx(0.06)
    assert a.kill.status is KillStatus.REDUCING and a.kill.cause == "daily drawdown 6.0% ≥ 5.0%"
    assert dict(a.kill.events[-1].numbers)["daily drawdown"] == pytest.approx(0.06)


def test_auto_mode_and_reset_through_the_engine():
    engine = RiskEngine(RiskSettings(dwell_seconds=60.0))
    engine.set_kill_mode("auto")
    _run(engine, SQUEEZE, 0.0)
    assert engine.kill.mode == "auto" and engine.kill.status is KillStatus.REDUCING
    assert not engine.reset_kill(1.0)
    _run(engine, CALM, 10.0)
    _run(engine, CALM, 80.0)
    assert engine.kill.can_reset and engine.reset_kill(80.0)
    assert engine.kill.status is KillStatus.NORMAL


def test_collateral_pane_buffer_shortfall_and_time_to_rescue():
    b = book(0.0,
             account("bn", "binance", [position("bn", "binance", "BTC", "long", 2, 50_000)],
                     equity=30_000.0, free=6_000.0, maintenance=1_000.0),
             account("pd", "paradex", [position("pd", "paradex", "ETH", "short", 1, 3_000)],
                     equity=5_000.0, free=100.0),
             account("hl", "hyperliquid", [], equity=50_000.0, free=50_000.0))
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    bn, pd, hl = a.collateral
    assert (bn.buffer_target, bn.shortfall) == (10_000.0, 4_000.0)  # 10 % of 100k gross
    assert (pd.buffer_target, pd.shortfall) == (500.0, 400.0)  # the minimum
    assert (hl.buffer_target, hl.shortfall) == (0.0, 0.0)  # no positions, no buffer
    # Only hl has surplus. To the CEX: bridge to Arbitrum (3.5 min) + deposit (5 min).
    assert bn.rescue_seconds == 510.0 and reasons.rescue(bn) == "hl: Hyperliquid bridge + deposit"
    assert pd.layer is Layer.STARKNET and pd.rescue_seconds == 210.0 + 600.0
    assert hl.rescue_seconds is None and bn.margin_ratio == pytest.approx(30.0)


def test_playbook_orders_the_unwind_and_prices_each_step():
    b = book(0.0,
             account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, 50_000, liq=49_000),
                                       position("bn", "binance", "ETH", "short", 100, 3_000),
                                       position("bn", "binance", "SOL", "long", 100, 150)],
                     equity=500_000.0, funding=[quote("binance", "SOL", 0.001)]))
    a = RiskEngine().evaluate(b, instruments_for(b, fee=0.0005), 0.0)
    first, second, third = a.playbook
    assert [s.symbol[:3] for s in a.playbook] == ["BTC", "ETH", "SOL"]
    # The book is net short, so the tail it fears is the rise; BTC's worst is the −15 % shock.
    assert first.reasons == (StepReason.NEAR_LIQ, StepReason.STRESS_LOSS) and first.scenario == "−15%"
    assert second.reasons == (StepReason.TAIL_LOSS,) and second.stress_loss == pytest.approx(-60_000)
    assert third.reasons[-1] is StepReason.FUNDING_BLEED
    assert reasons.step_reason(first) == "2.0% from liq · −$7.5k at −15%"
    assert reasons.step_reason(second) == "−$60k in tail"  # 300k short in the +20 % tail
    assert reasons.step_reason(third).endswith("· pays $45/d")  # 15k × 109.5 % / 365, paid by the long
    # Closing 300k of ETH: taker 5 bp + √(300k / 1M) × 0.1 % impact; a short buys back higher.
    slip = 0.001 * (300_000 / 1_000_000) ** 0.5
    assert second.cut_size == Decimal("100") and second.cut_fraction == 1.0
    assert second.est_cost == pytest.approx(300_000 * (0.0005 + slip))
    assert second.est_price == pytest.approx(3_000 * (1 + slip))
    assert first.cover is Cover.OWN and reasons.cover(first, a.collateral[0]) == "bn (cex)"


def test_unknown_marks_stay_unknown():
    b = book(0.0, account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, None, entry=50_000)]))
    a = RiskEngine().evaluate(b, instruments_for(b), 0.0)
    (p,) = a.positions
    assert (p.notional, p.mark, p.upnl, p.liq_distance, p.limit_notional) == (None, None, None, None, None)
    # Its unwind step cannot be priced: unknown, not a free 0 cut (the old step read "0" and cost 0).
    (step,) = a.playbook
    assert (step.notional, step.est_price, step.est_cost) == (None, None, None)
    assert step.cover in (Cover.RESCUE, Cover.UNCOVERED)
    assert reasons.cover(step, a.collateral[0]).startswith(("rescue", "uncovered"))


def test_an_account_that_never_reported_is_named_unreachable_not_counted_as_zero():
    from cockpit.model import AccountInfo, AccountState

    b = _accounts(CALM, 0.0)
    gone = AccountState(info=AccountInfo(name="px", venue="paradex", layer=Layer.STARKNET), snapshot=None,
                        health=Health.DOWN, error="unreachable")
    b = book(0.0, *b.accounts, gone)
    a = RiskEngine().evaluate(b, instruments_for(b, step="0.01", minimum="0.01"), 0.0)
    assert a.unreachable == ("px",)
    assert "px" not in {c.account for c in a.collateral}  # no line of zeros for it
    assert a.equity == pytest.approx(600_000.0)  # the three that reported; the UI marks it partial


def test_an_inverse_position_is_planned_in_whole_contracts_and_shown_in_coin():
    """An inverse swap (10 contracts of $100 at 50,000: 0.02 BTC) is cut in its order unit:
    the kill switch's 30 % is 3 contracts (an amount the venue takes), the standing playbook's
    half is 5 contracts, shown as 0.01 BTC worth $500."""
    inv = Position(account="ok", venue="okx", symbol="BTC/USD:BTC", asset="BTC", side=Side.LONG,
                   size=Decimal("0.02"), entry_price=Decimal(50_000), mark_price=Decimal(50_000), contracts=Decimal(10))
    settings = RiskSettings(playbook_cut_fraction=0.5)
    engine = RiskEngine(settings)
    ins = Instrument(venue="okx", symbol=inv.symbol, asset="BTC", settle="BTC", amount_step=Decimal(1),
                     min_amount=Decimal(1), contract_size=Decimal(100), inverse=True)
    for t, rate in ((0.0, CALM), (60.0, SQUEEZE)):
        b = book(t, account("ok", "okx", [inv], equity=200_000.0, maintenance=5_000.0,
                            funding=[replace(quote("okx", "BTC", rate), symbol=inv.symbol)]))
        a = engine.evaluate(b, {"ok": {inv.symbol: ins}}, t)
    assert a.kill.status is KillStatus.REDUCING
    (intent,) = a.kill.proposed
    assert intent.amount == Decimal(3)
    (step,) = a.playbook
    assert step.cut_size == Decimal("0.01") and step.cut_fraction == 0.5
    assert step.notional == pytest.approx(500.0)
    # The proposal the screens show measures those 3 contracts against 10 contracts: 30 %,
    # worth 0.006 BTC ($300) — not 3 "coins" against 0.02 BTC (was: 15000 %, $150k).
    (cut,) = a.proposal
    assert cut.fraction == pytest.approx(0.3)
    assert cut.notional == pytest.approx(300.0)


def test_the_benchmark_book_is_the_shape_its_figures_name():
    # bench/bench_risk.py measures on RandomBook: 500 positions, 8 accounts, 300 funding cells.
    from .factory import RandomBook

    maker = RandomBook()
    a = RiskEngine().evaluate(maker.book([maker.state(i, 0.0) for i in range(8)], 0.0), maker.instruments, 0.0)
    assert (len(a.positions), len(a.collateral), len(a.funding)) == (500, 8, 300)


def test_the_warn_level_and_the_proposal_come_from_risk_not_the_screen():
    """The UI decides nothing: WARN's fraction is the setting, and a proposed cut is measured
    against its position by risk (`Assessment.proposal`)."""
    from cockpit.model import Intent, IntentSource
    from cockpit.risk.output import proposal_rows

    b = book(0.0, account("bn", "binance", [position("bn", "binance", "BTC", "long", 2, 50_000)]))
    a = RiskEngine(RiskSettings(warn_fraction=0.7)).evaluate(b, instruments_for(b), 0.0)
    assert a.kill.warn_fraction == 0.7
    assert a.funding_stress_warn == pytest.approx(0.7 * a.funding_stress_threshold)
    assert a.proposal == ()  # nothing proposed while NORMAL
    (p,) = a.positions
    cut = Intent(id="kill:1:x", account="bn", symbol=p.symbol, source=IntentSource.KILL_SWITCH, reason="cut",
                 amount=Decimal("0.5"))
    gone = Intent(id="kill:1:y", account="bn", symbol="ETH/USDT:USDT", source=IntentSource.KILL_SWITCH,
                  reason="cut", fraction=0.3)
    first, second = proposal_rows(a.positions, (cut, gone), b)
    assert (first.key, first.position, first.fraction, first.notional) == (p.key, p, 0.25, 25_000.0)
    assert (second.position, second.fraction, second.notional) == (None, 0.3, None)


def test_an_account_never_heard_from_is_no_drawdown():
    """After a restart while a venue is down, its account has no snapshot at all: its equity is
    missing from the total, which is not a loss. The drawdown triggers do not read it (a restart
    in venue-outage tripped 'daily drawdown 18.9%' this way) until every account has reported."""
    engine = RiskEngine()
    _run(engine, CALM, 0.0)
    b = _accounts(CALM, 10.0)
    gone = b.accounts[0]
    dark = book(10.0, type(gone)(info=gone.info, snapshot=None, health=Health.DOWN, age=None), *b.accounts[1:])
    a = engine.evaluate(dark, instruments_for(dark), 10.0)
    assert a.kill.status is KillStatus.NORMAL
    assert not any(e.cause.startswith("daily drawdown") for e in a.kill.events)
