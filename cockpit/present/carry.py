"""The carry scanner in words: its table's cells, the selected pair explained, the size field.

The engine ranks the pairs (`cockpit.risk.carry`, carried as `Assessment.carry`); this module only
words them. Cells are plain strings (the UI styles them); unknown values are "—", never 0. The
scanner informs: nothing here, nor on its screen, sends an order.
"""

from __future__ import annotations

import math
import re

from cockpit.model import CarryPair, CarryScan, DepthSource
from cockpit.model.commands import CARRY_SIZE_RANGE
from cockpit.model.funding import per_interval
from cockpit.present import format as fmt

COLUMNS = ("mark", "asset", "long", "short", "gross", "net", "breakeven", "cap_half", "cap_zero", "stable",
           "intervals", "costs")
"""The table's columns, in the order `pair_cells` gives them."""

WARN_MARK = "!!"
HELD_MARK = "●"

LEGEND_TERMS = (
    (WARN_MARK, "held, pays funding on both legs"),
    (HELD_MARK, "held"),
    ("gross/net", "APR on one leg's notional, net of fees and slippage over the hold"),
    ("b/e", "days of carry that pay the costs"),
    ("cap½/cap0", "size per leg where net halves / reaches zero"),
    ("stab", "share of history with the spread positive"),
    ("intvl", "payment intervals, long/short"),
    ("costs", "fees and slippage in and out"),
)
"""Every mark and column of the scanner with its meaning (the legend and the `?` glossary)."""

LEGEND = fmt.legend(LEGEND_TERMS)
"""What every mark and column means (the screen's legend and the `?` glossary)."""

LEGEND_SHORT = (f"{WARN_MARK} pays both legs · {HELD_MARK} held · b/e break-even · cap½ net halves · "
                "stab % positive")
"""The legend in one line of 80 columns (a short terminal)."""

INFORMS = "The scanner informs only: nothing is sent from here. Orders remain the trims and the unwind run."


def mark(pair: CarryPair) -> str:
    """The pair's mark: a warning when you pay on both legs, a dot when you hold it."""
    return WARN_MARK if pair.pays_both else HELD_MARK if pair.held else ""


def intervals(pair: CarryPair) -> str:
    """Both legs' intervals, long/short ("8h" when they match, "1h/8h" when they do not)."""
    if not pair.mismatch:
        return fmt.interval(pair.long_interval)
    return f"{fmt.interval(pair.long_interval)}/{fmt.interval(pair.short_interval)}"


def days(value: float | None) -> str:
    """Days to break even: "2.2d", "5.0h", ">10y", "never" (None: the pair earns nothing)."""
    if value is None:
        return "never"
    return ">10y" if value > 3650 else fmt.duration(value * 86400.0)


def capacity(value: float) -> str:
    """A capacity per leg: "$26M", "∞" (no slippage), "none" (fees alone exceed the target)."""
    if math.isinf(value):
        return "∞"
    return "none" if value <= 0 else fmt.money(value, dollars=True, public=True)  # market depth, not yours


def stability(pair: CarryPair) -> str:
    """The share of history samples in which the spread was positive ("—": too little history)."""
    return fmt.DASH if pair.positive_share is None else f"{pair.positive_share:.0%}"


def pair_cells(pair: CarryPair, scan: CarryScan) -> tuple[str, ...]:
    """One table row, in `COLUMNS` order."""
    return (
        mark(pair), pair.asset, pair.long_venue, pair.short_venue, fmt.apr(pair.gross_apr), fmt.apr(pair.net_apr),
        days(pair.breakeven_days), capacity(pair.capacity_half), capacity(pair.capacity_zero), stability(pair),
        intervals(pair), fmt.money((pair.fees + pair.slippage) * scan.size, dollars=True),
    )


def size_text(size: float) -> str:
    """A size per leg as typed in the size field, exactly: "100k", "1.25M", "2B" (`parse_size`
    reads it back to the same number)."""
    for scale, suffix in fmt.SCALES:
        if size >= scale:
            return f"{size / scale:.6g}{suffix}"
    return f"{size:.6g}"


def header(scan: CarryScan | None, *, asked: float | None = None) -> str:
    """The scanner's title line: the size, the horizon and where slippage comes from; `asked` is a
    size sent but not yet priced by the engine."""
    if scan is None:
        return "CARRY SCANNER · waiting for the engine's first scan"
    depth = "cost model" if scan.depth is DepthSource.MODEL else "venue depth"
    text = (f"CARRY SCANNER · ${fmt.hidden(size_text(scan.size))} per leg · net over a {scan.horizon_days:g}-day "
            f"hold · slippage: {depth}")
    if asked is not None and asked != scan.size:
        text += f" · pricing ${fmt.hidden(size_text(asked))}…"
    return text


def summary(scan: CarryScan) -> str:
    """How many pairs are listed, how many are warnings and how many you hold."""
    if not scan.pairs:
        return "No asset is quoted live on two venues with a known interval: no pair to rank."
    warn = sum(p.pays_both for p in scan.pairs)
    held = sum(p.held and not p.pays_both for p in scan.pairs)
    n = len(scan.pairs)
    parts = [f"{n} pair{'s' if n != 1 else ''}"]
    if warn:
        parts.append(f"{warn} held {'pays' if warn == 1 else 'pay'} funding on both legs ({WARN_MARK}, first)")
    if held:
        parts.append(f"{held} held ({HELD_MARK})")
    return " · ".join(parts) + " · best net APR first"


def _leg(side: str, venue: str, apr: float, hours: float | None) -> str:
    """One leg: what it earns or pays a year, and the venue's rate per interval."""
    earns = -apr if side == "long" else apr
    verb = "pays" if earns < 0 else "earns"
    rate = "interval unknown" if hours is None else f"{fmt.rate(per_interval(apr, hours))}/{fmt.interval(hours)}"
    return f"{side} {venue} {verb} {fmt.apr(abs(earns)).lstrip('+ ')}/y ({rate})"


def detail(pair: CarryPair, scan: CarryScan, now: float) -> list[str]:
    """The selected pair in words, most important first: the warning, its legs, its costs and net
    at the size, its capacity, what its interval mismatch means, how stable its spread has been."""
    lines = []
    if pair.pays_both:
        lines.append(f"{WARN_MARK} You hold this pair and pay funding on BOTH legs "
                     f"({fmt.apr(pair.gross_apr).strip()}/y of a leg's notional): the carry is the other way round.")
    elif pair.held:
        lines.append(f"{HELD_MARK} You hold this pair: long {pair.long_venue}, short {pair.short_venue}.")
    lines.append(f"{pair.asset}: {_leg('long', pair.long_venue, pair.long_apr, pair.long_interval)} · "
                 f"{_leg('short', pair.short_venue, pair.short_apr, pair.short_interval)}")
    lines.append(cost_text(pair, scan))
    lines.append(mismatch_text(pair, scan, now))
    lines.append(stability_text(pair, scan))
    if pair.stale:
        lines.append("A leg's quote is from an account that is not LIVE: its rate is last-known.")
    return lines


def cost_text(pair: CarryPair, scan: CarryScan) -> str:
    """The pair's costs at the scan's size, its break-even, net APR and capacity."""
    cost = (pair.fees + pair.slippage) * scan.size
    depth = "cost model" if scan.depth is DepthSource.MODEL else "venue depth"
    costs = (f"At {fmt.money(scan.size, dollars=True)}/leg: fees {fmt.pct(pair.fees, digits=2)} + slippage "
             f"{fmt.pct(pair.slippage, digits=2)} ({depth}; both legs, in and out) = {fmt.money(cost, dollars=True)}")
    if pair.breakeven_days is None:
        return (f"{costs}, never paid back: the pair earns no carry (gross {fmt.apr(pair.gross_apr).strip()}/y, "
                f"net {fmt.apr(pair.net_apr).strip()}/y over {scan.horizon_days:g} days).")
    return (f"{costs}, back in {days(pair.breakeven_days)}. Net {fmt.apr(pair.net_apr).strip()}/y over "
            f"{scan.horizon_days:g} days; it halves at {capacity(pair.capacity_half)}/leg, zero at "
            f"{capacity(pair.capacity_zero)}.")


def mismatch_text(pair: CarryPair, scan: CarryScan, now: float) -> str:
    """What the legs' payment times mean for the carry."""
    nxt = _next_payments(pair, now)
    if not pair.mismatch:
        return f"Both legs pay every {fmt.interval(pair.long_interval)}, at the same times: they offset.{nxt}"
    longer = pair.long_venue if (pair.long_interval or 0) > (pair.short_interval or 0) else pair.short_venue
    hours = max(pair.long_interval or 0, pair.short_interval or 0)
    return (f"Paid at different times ({intervals(pair)}): the legs offset only across {longer}'s "
            f"{fmt.interval(hours)} payment, paid whole to whoever holds then; in or out at the wrong moment gains "
            f"or loses one: {fmt.pct(pair.timing, digits=4)} = {fmt.money(pair.timing * scan.size, dollars=True)}."
            f"{nxt}")


def _next_payments(pair: CarryPair, now: float) -> str:
    parts = [f"{venue} in {fmt.duration(t - now)}" for venue, t in ((pair.long_venue, pair.long_next),
                                                                   (pair.short_venue, pair.short_next))
             if t is not None]
    return f" Next: {', '.join(parts)}." if parts else ""


def stability_text(pair: CarryPair, scan: CarryScan | None = None) -> str:
    """How stable the spread has been, from the samples both legs have (and how far apart they
    were taken, when known: at least that, as the engine samples when one is due). The samples are the stress index's, each cell's extremes clipped
    to its normal band, so the median and low read smaller than the extremes were."""
    if pair.positive_share is None:
        return f"Spread stability unknown: {pair.samples} sample{'s' if pair.samples != 1 else ''} of history (2 needed)."
    spacing = scan.sample_seconds if scan is not None else 0.0
    apart = f" ≥{fmt.duration(spacing)} apart" if spacing > 0 else ""
    return (f"Spread positive in {pair.positive_share:.0%} of {pair.samples} samples{apart}; median "
            f"{fmt.apr(pair.spread_median).strip()}, low {fmt.apr(pair.spread_min).strip()} (extremes clipped).")


_SIZE = re.compile(r"^\$?\s*([0-9][0-9_,]*(?:\.[0-9]+)?|\.[0-9]+)\s*([kmb]?)$", re.IGNORECASE)
_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9}


def parse_size(text: str) -> float:
    """A size per leg from the size field: "100k", "$2.5M", "250,000"; ValueError naming the fix."""
    lo, hi = CARRY_SIZE_RANGE
    hint = f"size: write USD per leg from ${lo / 1e3:g}k to ${hi / 1e9:g}bn, e.g. 100k, 2.5M or 250000"
    match = _SIZE.match(text.strip())
    if match is None:
        raise ValueError(f"{hint}; not {text.strip()!r}")
    value = float(match.group(1).replace(",", "").replace("_", "")) * _SCALE[match.group(2).lower()]
    if not lo <= value <= hi:
        raise ValueError(f"{hint}; {fmt.money(value, dollars=True)} is out of range")
    return value
