"""The unwind incident report: each figure from a run and its journal rows, as the module doc says."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

from cockpit.engine.journal import JournalRow
from cockpit.model import IntentSource, OrderStatus, PositionKey, Side
from cockpit.model.unwind import (
    BlindAccount, BookFigures, RunMode, RunState, StepKind, StepStatus, TargetKind, UnwindRun, UnwindStep,
    UnwindTarget, Why,
)
from cockpit.present.report import build_report, report_markdown, scores_text

T0 = 1_780_000_000.0
ETH = PositionKey("binance", "ETH/USDT:USDT")
SOL = PositionKey("bybit", "SOL/USDT:USDT")
HEDGE = PositionKey("okx", "BTC/USDT:USDT")


def _step(seq, key, *, status, amount, filled, est_price, est_cost, notional, side=Side.LONG,
          kind=StepKind.CUT, attempt=0, detail="", size=None, hedges=None):
    return UnwindStep(seq=seq, kind=kind, key=key, venue=key.account, layer="cex", asset=key.symbol[:3],
                      side=side, size=size if size is not None else amount, amount=amount, notional=notional,
                      why=(Why.NEAR_LIQ,), est_price=est_price, est_cost=est_cost, status=status,
                      filled=filled, attempt=attempt, detail=detail, hedges=hedges,
                      group="blind:x" if kind is StepKind.HEDGE else "")


def _row(cid, step, key, side, amount, filled, status, *, average=None, fee=0.0, created, updated, detail=""):
    return JournalRow(client_id=cid, account=key.account, symbol=key.symbol, side=side, amount=Decimal(amount),
                      filled=Decimal(filled), status=status, average=None if average is None else Decimal(average),
                      fee=fee, intent_id=f"unwind:r9:{step}:0:0", source=IntentSource.PLAYBOOK, reason="unwind",
                      created=created, updated=updated, detail=detail)


def _run():
    steps = (
        # A long cut by a sell: estimated 3000, filled at 2997 (worse by 10 bps); the venue's fee.
        _step(1, ETH, status=StepStatus.DONE, amount=Decimal(10), filled=Decimal(10), est_price=3000.0,
              est_cost=40.0, notional=30_000.0),
        # A short cut by a buy, half filled after a rejection; no venue fee: estimated.
        _step(2, SOL, status=StepStatus.SHORT, amount=Decimal(100), filled=Decimal(50), est_price=100.0,
              est_cost=10.0, notional=10_000.0, side=Side.SHORT, attempt=1, detail="50 of 100 filled"),
        _step(3, HEDGE, status=StepStatus.DONE, amount=Decimal("0.1"), filled=Decimal("0.1"), est_price=85_000.0,
              est_cost=5.0, notional=8_500.0, side=Side.SHORT, kind=StepKind.HEDGE,
              hedges=PositionKey("dydx", "BTC/USD:USDC")),
    )
    return UnwindRun(
        id="r9", target=UnwindTarget(TargetKind.FLAT), mode=RunMode.RUNNING, state=RunState.DONE,
        trigger="drill flash-crash", started=T0, ended=T0 + 600.0, steps=steps,
        blind=(BlindAccount("dydx", "down", 1, 8_500.0, "connection refused"),),
        held=((PositionKey("okx", "ETH/USDT:USDT"), PositionKey("dydx", "ETH/USD:USDC")),),
        before=BookFigures(gross=48_500.0, net=11_500.0, worst_stress=-2_000.0, positions=3,
                           margin=(("binance", 12.0),)),
        after=BookFigures(gross=13_500.0, net=-3_500.0, worst_stress=-700.0, positions=2, margin=(("binance", None),)),
        events=((T0, "run r9 started by drill flash-crash: target flat; new risk frozen"),
                (T0 + 1, "plan: 2 cuts; 1 hedges offered for blind positions")),
    )


def _rows():
    return [
        _row("c1", 1, ETH, Side.SHORT, "10", "10", OrderStatus.FILLED, average="2997", fee=18.0,
             created=T0 + 2, updated=T0 + 120),
        _row("c2", 2, SOL, Side.LONG, "100", "0", OrderStatus.REJECTED, created=T0 + 2, updated=T0 + 3,
             detail="rejected: reduce-only would increase position"),
        _row("c3", 2, SOL, Side.LONG, "100", "50", OrderStatus.CANCELED, average="100.5",
             created=T0 + 4, updated=T0 + 300),
        _row("c4", 3, HEDGE, Side.SHORT, "0.1", "0.1", OrderStatus.FILLED, average="85000", fee=3.0,
             created=T0 + 5, updated=T0 + 6),
    ]


def test_slippage_fees_and_costs_per_step():
    data = build_report(_run(), _rows(), funding={ETH: -240.0, SOL: 48.0})
    eth, sol, hedge = data["steps"]
    assert abs(eth["slippage_bps"] - 10.0) < 1e-9  # a sell filled 3 below 3000: 10 bps worse
    assert abs(sol["slippage_bps"] - 50.0) < 1e-9  # a buy filled 0.5 above 100: 50 bps worse
    assert eth["fees"] == 18.0 and eth["fees_source"] == "venue"
    assert sol["fees"] == 5.0 and sol["fees_source"] == "estimated"  # half of the plan's 10
    assert abs(eth["realised_cost"] - (40.0 + 30.0)) < 1e-9  # 10 bps of 30k beyond the estimate
    assert abs(sol["realised_cost"] - (5.0 + 25.0)) < 1e-9  # 50 bps of the 5k that filled
    s = data["summary"]
    assert abs(s["loss_vs_plan"] - (30.0 + 25.0 + 0.0)) < 1e-9
    assert s["short"] == 1 and s["done"] == 2 and s["rejected"] == 1
    assert s["reached"] is False and s["time_to_target_s"] is None  # a short step: not reached
    assert s["execution_s"] == 298.0  # first order journaled at +2 s, last fill at +300 s


def test_funding_is_estimated_from_the_time_each_part_stayed_open():
    data = build_report(_run(), _rows(), funding={ETH: -240.0, SOL: 48.0})
    eth, sol, hedge = data["steps"]
    assert abs(eth["funding_est"] - (-240.0 * 120 / 86400)) < 1e-9  # whole, open until its fill at +120 s
    # Half cut at its last fill (+300 s), the other half open until the run ended (+600 s).
    assert abs(sol["funding_est"] - 48.0 * (0.5 * 300 + 0.5 * 600) / 86400) < 1e-9
    assert hedge["funding_est"] is None
    assert build_report(_run(), _rows())["summary"]["funding_est"] is None  # unknown, never 0


def test_what_failed_is_named_and_the_report_is_json():
    run, rows = _run(), _rows()
    data = build_report(run, rows)
    problems = "\n".join(data["problems"])
    assert "dydx was down holding 1 positions" in problems
    assert "order c2 (step 2, bybit SOL/USDT:USDT) ended rejected" in problems
    assert "step 2 (bybit SOL/USDT:USDT): short, 50 of 100 filled" in problems
    assert "hedge for dydx BTC/USD:USDC" in problems and "still open" in problems
    assert "okx ETH/USDT:USDT held, not cut while dydx ETH/USD:USDC was blind" in problems
    assert json.loads(json.dumps(data)) == data
    times = [e["t"] for e in data["timeline"]]
    assert times == sorted(times) and len(times) == 2 + 2 * len(rows)
    assert data["started"] == "2026-05-28T20:26:40.000Z" and data["elapsed_s"] == 600.0


def test_markdown_has_every_section_and_money_from_the_one_formatter():
    text = report_markdown(build_report(_run(), _rows(), funding={ETH: -240.0}))
    for heading in ("# Unwind report — run r9", "## Summary", "## The book", "## Steps",
                    "## What failed and how it was resolved", "## Timeline (UTC)", "## How the figures are made"):
        assert heading in text
    assert "| before | $48.5k | +$11.5k | −$2.00k | 3 |" in text
    assert "Time to target: not reached" in text
    assert "| +10.0 | $18 |" in text and "$5 est." in text
    assert "estimate" in text.lower()


def test_a_hedge_closed_when_its_venue_returned_says_by_which_step():
    run = _run()
    close = _step(4, HEDGE, status=StepStatus.DONE, amount=Decimal("0.1"), filled=Decimal("0.1"),
                  est_price=85_000.0, est_cost=5.0, notional=8_500.0, side=Side.LONG)
    run = replace(run, steps=run.steps + (replace(close, why=(Why.BLIND_RETURNED,)),))
    problems = "\n".join(build_report(run, _rows())["problems"])
    assert "hedge for dydx BTC/USD:USDC, done, 0.1 of 0.1: closed with its blind position by steps 4" in problems


def test_scores_name_loss_time_slippage_and_failed_steps():
    text = scores_text(build_report(_run(), _rows()))
    assert "loss against the plan: +$55" in text
    assert "time to target: not reached" in text
    assert "steps that failed: 1 of 3 (2 short)" in text


def test_an_aborted_run_with_no_order_and_unknown_figures_still_reports():
    run = replace(_run(), state=RunState.ABORTED, aborted=True, steps=tuple(
        replace(s, status=StepStatus.SKIPPED, filled=Decimal(0), detail="run aborted") for s in _run().steps),
        before=BookFigures(gross=float("nan"), net=0.0, worst_stress=0.0, positions=3,
                           margin=(("binance", float("inf")),)))
    data = build_report(run, [])
    json.dumps(data, allow_nan=False)  # strict JSON: unknown figures are null
    assert data["before"]["gross"] is None and data["before"]["margin"] == {"binance": None}
    s = data["summary"]
    assert s["skipped"] == 3 and s["orders"] == 0 and s["reached"] is False
    assert s["est_cost"] == 0.0 and s["slippage_bps"] is None and s["execution_s"] is None  # nothing filled
    text = report_markdown(data)
    assert "(aborted by a person)" in text and "Time to target: not reached" in text
    assert "step 1 (binance ETH/USDT:USDT): skipped, 0 of 10 filled: run aborted" in text


def test_a_top_up_is_listed_with_its_transfer_and_an_unconfirmed_one_does_not_fail_the_target():
    def top_up(status, detail):
        return UnwindStep(seq=4, kind=StepKind.TOPUP, key=PositionKey("bybit", ""), venue="bybit", layer="cex",
                          asset="", side=Side.LONG, size=Decimal(0), amount=Decimal("16349.00"), notional=None,
                          why=(Why.TOPUP_FASTER, Why.RESCUE_TOO_SLOW), est_cost=0.0, status=status,
                          filled=Decimal("16349.00") if status is StepStatus.DONE else Decimal(0), detail=detail,
                          unit="USDT", bridge_seconds=10.0)

    done = _run()
    done = replace(done, steps=(done.steps[0], top_up(StepStatus.DONE, "arrived: 16349.00 USDT in the perp margin")))
    data = build_report(done, _rows()[:1])
    row = next(s for s in data["steps"] if s["kind"] == "topup")
    assert row["planned"] == "16349.00" and row["filled"] == "16349.00" and row["unit"] == "USDT"
    assert data["summary"]["steps"] == 1 and data["summary"]["reached"]  # money moved, not a position
    md = report_markdown(data)
    assert "| 4 | top-up of bybit (USDT) | — | 16349.00 | 16349.00 |" in md
    assert not any("top-up" in p for p in data["problems"])
    skipped = replace(done, steps=(done.steps[0], top_up(StepStatus.SKIPPED, "never confirmed")))
    data = build_report(skipped, _rows()[:1])
    assert data["summary"]["reached"] and "4 skipped" not in scores_text(data)
    assert any("top-up of 16349.00 USDT" in p and "skipped" in p for p in data["problems"])
    failed = replace(done, steps=(done.steps[0], top_up(StepStatus.FAILED, "refused: Rejected: no balance")))
    assert "4 failed" in scores_text(build_report(failed, _rows()[:1]))
