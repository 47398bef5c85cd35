"""Reason texts: risk's codes and numbers become the words the screen showed when risk wrote them."""

from __future__ import annotations

import math
from decimal import Decimal

from cockpit.model import Cover, LayerCollateral, Layer, PlaybookStep, PositionKey, RescueStatus, Side, StepReason
from cockpit.present import reasons


def _step(codes, *, distance=math.nan, loss=0.0, scenario="", per_day=0.0, cover=Cover.UNCOVERED):
    return PlaybookStep(1, PositionKey("bn", "BTC/USDT:USDT"), "bn", "BTC/USDT:USDT", Side.LONG, Decimal(1), 1.0,
                        50_000.0, codes, 50_000.0, 30.0, cover, distance, loss, scenario, per_day)


def _line(status, *, need=31_000.0, amount=0.0, sources=(), route=""):
    return LayerCollateral("bn", "binance", Layer.CEX, "USDT", 60_000.0, 50_000.0, 9_000.0, None, 0.0, 20.0,
                           40_000.0, 31_000.0, None, route, rescue_status=status, rescue_need=need,
                           rescue_amount=amount, rescue_sources=sources)


def test_a_step_reason_joins_its_codes_with_their_numbers():
    step = _step((StepReason.NEAR_LIQ, StepReason.TAIL_LOSS, StepReason.FUNDING_BLEED),
                 distance=0.021, loss=-48_000.0, scenario="tail −20%β", per_day=-310.0)
    assert reasons.step_reason(step) == "2.1% from liq · −$48k in tail · pays $310/d"
    assert reasons.step_reason(_step((StepReason.STRESS_LOSS,), loss=-1_200.0, scenario="−15%")) == "−$1.2k at −15%"
    assert reasons.step_reason(_step((StepReason.GROSS_CUT,))) == "gross cut"


def test_a_rescue_reads_as_its_sources_and_route_or_what_it_falls_short_by():
    covered = _line(RescueStatus.COVERED, amount=31_000.0, sources=("bn-sub", "okx"), route="CEX withdrawal + deposit")
    assert reasons.rescue(covered) == "bn-sub, okx: CEX withdrawal + deposit"
    # Brought rounds down, needed rounds up; float noise does not add a dollar.
    assert reasons.rescue(_line(RescueStatus.PARTIAL, amount=1.0000001, need=31_000.0000001)) == "partial: $1 of $31,000"
    assert reasons.rescue(_line(RescueStatus.UNCOVERED)) == "uncovered: $31,000"
    assert reasons.rescue(_line(RescueStatus.NONE, need=0.0)) == ""


def test_a_step_says_whose_collateral_covers_it():
    covered = _line(RescueStatus.COVERED, amount=31_000.0, sources=("hl",), route="Hyperliquid bridge + deposit")
    assert reasons.cover(_step((StepReason.GROSS_CUT,), cover=Cover.OWN), covered) == "bn (cex)"
    assert reasons.cover(_step((StepReason.GROSS_CUT,), cover=Cover.RESCUE), covered) == (
        "rescue from hl: Hyperliquid bridge + deposit")
    partial = _line(RescueStatus.PARTIAL, amount=20_000.0)
    assert reasons.cover(_step((StepReason.GROSS_CUT,), cover=Cover.PARTIAL), partial) == "partial: $20,000 of $31,000"
    assert reasons.cover(_step((StepReason.GROSS_CUT,)), partial) == "uncovered"
