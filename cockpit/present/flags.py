"""A position's flags as text: each names the limit it breaches and by how much.

Risk flags a position with codes ("over-limit", "near-liq", "stale") and puts the numbers on
its row: the tightest sizing limit's name (`PositionRisk.limit_reason`, one of
`cockpit.risk.sizing.REASONS`) and the trim that brings it back (`trim_fraction`), its distance
to liquidation against the assessment's `near_liq_distance`. This module words them:

    OVER max-loss −11%     the max-loss limit; trimming 11% of the position meets it
    LIQ 6.4%<10%           6.4% from liquidation, nearer than the 10% the flag starts at
    STALE 12s              its account's data is 12 s old: rules do not act on it
    CUT 30%                the kill switch proposes cutting 30% of it (its own key accepts it)

and says why the "apply the flag's trim" key does nothing on a row (`apply_refusal`).
"""

from __future__ import annotations

from cockpit.model import PositionRisk
from cockpit.present.format import age, money

LIMIT_NAMES = {
    "max-loss": "max-loss",  # risk per trade at the stop
    "vol-target": "vol-target",  # volatility target of equity
    "kelly": "kelly",  # constrained Kelly, net of funding
    "leverage": "leverage",  # the account's leverage cap (tighter in high volatility)
    "asset-gross": "asset-gross",  # the asset's gross cap
    "total-gross": "total-gross",  # the book's gross cap
}
"""Each sizing limit's name on screen, by risk's code (`cockpit.risk.sizing.REASONS`)."""

MINUS = "−"  # a true minus: "−11%" reads as a cut, and lines up with the reason texts


def limit_name(p: PositionRisk) -> str:
    """The name of the position's tightest sizing limit ("limit" when risk named none)."""
    return LIMIT_NAMES.get(p.limit_reason, p.limit_reason or "limit")


def over_text(p: PositionRisk) -> str:
    """"OVER max-loss −11%": the limit breached and the trim that meets it."""
    return f"OVER {limit_name(p)} {MINUS}{p.trim_fraction:.0%}"


def near_text(p: PositionRisk, near_liq: float) -> str:
    """"LIQ 6.4%<10%": the distance to liquidation against the distance that raises the flag."""
    if p.liq_distance is None:
        return "LIQ"
    return f"LIQ {p.liq_distance:.1%}<{near_liq:.0%}"


def stale_text(data_age: float | None) -> str:
    """"STALE 12s": how old the account's data is ("STALE" alone when no snapshot came yet)."""
    return "STALE" if data_age is None else f"STALE {age(data_age)}"


def stale_step(data_age: float | None) -> str:
    """"STALE >30s": the age in coarse steps (10 s under a minute, then 1 min, 10 min, 1 h), for
    a text that must not change every second (the pane's border: each change repaints all of
    the pane, every second over SSH)."""
    if data_age is None:
        return "STALE"
    for limit, step in ((60, 10), (600, 60), (3600, 600)):
        if data_age < limit:
            break
    else:
        step = 3600
    floor = int(data_age // step) * step
    return f"STALE <{age(step)}" if floor == 0 else f"STALE >{age(floor)}"


def flag_parts(p: PositionRisk, near_liq: float, *, cut: float | None = None,
               data_age: float | None = None, coarse: bool = False) -> list[str]:
    """Each flag of `p` as text, most urgent first: the kill switch's proposed `cut` (a fraction),
    near liquidation (`near_liq`: the assessment's `near_liq_distance`), over a sizing limit,
    stale (`data_age`: its account's age; in steps when `coarse`, see `stale_step`). A trim risk
    suggests without a flag (within the tolerance over its limit) reads "kelly −1%"."""
    parts = []
    if cut is not None:
        parts.append(f"CUT {cut:.0%}")
    if "near-liq" in p.flags:
        parts.append(near_text(p, near_liq))
    if "over-limit" in p.flags:
        parts.append(over_text(p))
    elif cut is None and p.trim_fraction > 0:
        parts.append(f"{limit_name(p)} {MINUS}{p.trim_fraction:.0%}")
    if "stale" in p.flags:
        parts.append(stale_step(data_age) if coarse else stale_text(data_age))
    return parts


def position_flags(p: PositionRisk, near_liq: float, *, cut: float | None = None,
                   data_age: float | None = None, coarse: bool = False) -> str:
    """Every flag of `p` in one line (`flag_parts`, `coarse` as there), most urgent first."""
    return " ".join(flag_parts(p, near_liq, cut=cut, data_age=data_age, coarse=coarse))


def fit_flags(parts: list[str], width: int | None) -> str:
    """`parts` (`flag_parts`) in `width` cells: all of them where they fit, else the first in
    full and how many more ("OVER kelly −11% +1"; the pane's border has them all for the
    selected row), else the first alone (cut by the table where even that does not fit)."""
    text = " ".join(parts)
    if width is None or len(text) <= width or len(parts) < 2:
        return text
    more = f"{parts[0]} +{len(parts) - 1}"
    return more if len(more) <= width else parts[0]


def suggested_trim(p: PositionRisk) -> float | None:
    """The trim risk suggests for a flagged position (its `trim_fraction`), None when there is
    none to apply: not flagged over a limit, or nothing to cut."""
    if "over-limit" in p.flags and p.trim_fraction > 0:
        return p.trim_fraction
    return None


def apply_hint(p: PositionRisk, key: str) -> str:
    """What the apply key does on a flagged row: "f trims to $56k" (the limit's notional), or
    "f trims 11%" when the limit's notional is unknown."""
    if p.limit_notional is None:
        return f"{key} trims {p.trim_fraction:.0%}"
    return f"{key} trims to {money(p.limit_notional, dollars=True)}"


def apply_refusal(p: PositionRisk | None, near_liq: float, *, cut: float | None = None,
                  keys: dict[str, str] | None = None) -> str:
    """Why the apply key has no trim to apply on this row, in one line. `keys` name this
    terminal's keys ("trim", "accept")."""
    keys = {"trim": "t", "accept": "a", **(keys or {})}
    if p is None:
        return "No flagged position selected: a summary row has no trim to apply"
    name = f"{p.account} {p.asset}"
    if "over-limit" in p.flags:  # flagged, but risk has nothing to cut (no notional known)
        return f"{name} is over its {limit_name(p)} limit, but risk suggests no trim: trim by hand with {keys['trim']}"
    if cut is not None:
        return f"{name} has no sizing flag; the kill switch proposes cutting {cut:.0%}: {keys['accept']} accepts it"
    if "near-liq" in p.flags:
        distance = "near" if p.liq_distance is None else f"{p.liq_distance:.1%} from"
        return (f"{name} is {distance} liquidation (flagged under {near_liq:.0%}) but within its sizing "
                f"limits: no trim suggested; trim by hand with {keys['trim']}")
    if p.trim_fraction > 0:
        return (f"{name} is {p.trim_fraction:.0%} over its {limit_name(p)} limit, within the tolerance: "
                f"not flagged, no trim to apply")
    return f"{name} has no flag: within every limit, no trim suggested"
