"""Reason texts: risk's codes and their numbers as the words the panes and the log show.

Risk says *why* with a code (`StepReason`, `Cover`, `RescueStatus`) and the numbers behind it;
only this module words them, so a change of phrasing is one edit here and never a risk test.
"""

from __future__ import annotations

from cockpit.model import Cover, LayerCollateral, PlaybookStep, RescueStatus, StepReason
from cockpit.present.format import money, whole_dollars


def step_reason(step: PlaybookStep) -> str:
    """Why a playbook step is where it is: "2.1% from liq · −$48k in tail · pays $310/d"."""
    return " · ".join(_REASON_TEXT[code](step) for code in step.reasons)


_REASON_TEXT = {
    StepReason.NEAR_LIQ: lambda s: f"{s.liq_distance:.1%} from liq",
    StepReason.TAIL_LOSS: lambda s: f"{money(s.stress_loss, dollars=True)} in tail",
    StepReason.STRESS_LOSS: lambda s: f"{money(s.stress_loss, dollars=True)} at {s.scenario}",
    StepReason.FUNDING_BLEED: lambda s: f"pays {money(-s.funding_per_day, dollars=True)}/d",
    StepReason.GROSS_CUT: lambda s: "gross cut",
}


def rescue(c: LayerCollateral) -> str:
    """An account's time-to-rescue route: "hl: Hyperliquid bridge + deposit" when covered,
    "partial: $1 of $31,000" or "uncovered: $31,000" when not, "" when nothing is needed.

    What is brought rounds down and what is needed rounds up: never promise a dollar too many.
    """
    if c.rescue_status is RescueStatus.COVERED:
        return f"{', '.join(c.rescue_sources)}: {c.rescue_route}"
    if c.rescue_status is RescueStatus.PARTIAL:
        return f"partial: {whole_dollars(c.rescue_amount)} of {whole_dollars(c.rescue_need, up=True)}"
    if c.rescue_status is RescueStatus.UNCOVERED:
        return f"uncovered: {whole_dollars(c.rescue_need, up=True)}"
    return ""


def cover(step: PlaybookStep, account: LayerCollateral | None) -> str:
    """Whose collateral covers a step's cost: "bn (cex)", "rescue from hl: …", "partial: $X of
    $Y" or "uncovered"; `account` is the step's account's collateral line."""
    if step.cover is Cover.UNCOVERED or account is None:
        return "uncovered"
    if step.cover is Cover.OWN:
        return f"{account.account} ({account.layer.value})"
    if step.cover is Cover.RESCUE:
        return "rescue from " + rescue(account)
    return rescue(account)
