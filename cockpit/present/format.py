"""Number formatting for the panes: compact, aligned, signed where the sign matters.

Unknown values (None) print as "—", never as 0.
"""

from __future__ import annotations

import math
import time
from decimal import Decimal

from cockpit.present.privacy import MASK, masked

DASH = "—"


def unknown(value) -> bool:
    """Whether a figure is unknown: None, or NaN (how numpy says it). It reads `DASH`, never 0."""
    return value is None or value != value  # NaN is the one value unequal to itself


#: The one scale-suffix ladder every compact figure climbs: the largest scale at or below it.
SCALES = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def _full_decimals(n: float, suffix: str) -> int:
    # Three figures below 10 of a scale ("1.25M", "9.99k"); "12.3k" keeps one decimal.
    return 1 if suffix == "k" and n >= 10 else 2


def _short_decimals(n: float, suffix: str) -> int:
    # Two significant figures: "1.7k", "12k", "1.2M" (more above 100: "123k").
    return 1 if n < 10 else 0


def scaled(value: float, decimals=_full_decimals) -> str:
    """`value` (not negative) on the ladder `SCALES`: "950", "12.3k", "1.25M".

    `decimals(n, suffix)` says how many decimals the scaled number `n` gets; below 1,000 there
    are none.
    """
    for scale, suffix in SCALES:
        if value >= scale:
            n = value / scale
            return f"{n:.{decimals(n, suffix)}f}{suffix}"
    return f"{value:.0f}"


def money(value: float | None, *, signed: bool = False, short: bool = False,
          dollars: bool = False, public: bool = False) -> str:
    """A USD amount, compact: 950, 12.3k, 1.25M ("—" when unknown).

    `short` keeps two significant figures above 1,000 ("1.7k", "12k", "1.2M") for tight tables.
    `dollars` is money inside a sentence: short, with "$" and a true minus ("−$48k", "$310").
    Under the privacy mask (`cockpit.present.privacy`) the figure reads `MASK`, its sign kept,
    unless it is `public`: a market-wide figure (open interest), not the user's money.
    """
    if unknown(value):
        return DASH
    hide = masked() and not public
    if dollars:
        return ("−$" if value < 0 else "$") + (MASK if hide else scaled(abs(value), _short_decimals))
    sign = "+" if signed and value > 0 else ("-" if value < 0 else "")
    return sign + (MASK if hide else scaled(abs(value), _short_decimals if short else _full_decimals))


def whole_dollars(value: float, *, up: bool = False) -> str:
    """Whole dollars with thousands separators, rounded down (or `up`): "$31,000" (masked: "$•••").

    Rounded to cents first, so float noise does not turn 31,000.0000001 into $31,001.
    """
    if masked():
        return "$" + MASK
    cents = round(value, 2)
    return f"${math.ceil(cents) if up else math.floor(cents):,}"


def cents(value: float | Decimal, digits: int = 2, *, grouped: bool = True) -> str:
    """An amount to the cent (or `digits` decimals), signed, thousands `grouped`: "+19.87",
    "-1,053.70", "+0.0123"; masked: "+•••"."""
    if masked():
        return ("-" if value < 0 else "+") + MASK
    return f"{value:+,.{digits}f}" if grouped else f"{value:+.{digits}f}"


def price(value: float | Decimal | None) -> str:
    """A price with precision that suits its size ("—" when unknown)."""
    if value is None:
        return DASH
    v = float(value)
    a = abs(v)
    if a >= 10_000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:,.1f}"
    if a >= 1:
        return f"{v:,.3f}"
    if a >= 0.01:
        return f"{v:.4f}"
    return f"{v:.3g}"


def size(value: Decimal | float | None) -> str:
    """A position size in base units, compact for large counts (masked: `MASK`, its sign kept)."""
    if value is None:
        return DASH
    v = float(value)
    if masked():
        return ("-" if v < 0 else "") + MASK
    if abs(v) >= 1e4:
        return ("-" if v < 0 else "") + scaled(abs(v))
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:.3f}".rstrip("0").rstrip(".")
    return f"{v:.4g}"


def exact(value: Decimal, *, compact: bool = True) -> str:
    """An order size as it is sent ("399.5", "0.7054"), compact only for large counts ("3.16M")
    unless not `compact`: a size a person confirms is never rounded up on screen (masked: `MASK`)."""
    if masked():
        return ("-" if value < 0 else "") + MASK
    if compact and abs(value) >= 10_000:
        return size(value)
    return format(value.normalize(), "f")


def hidden(text: str) -> str:
    """A money or size figure written some other way (`text`), as this thread shows it: `MASK`
    under the privacy mask."""
    return MASK if masked() else text


def pct(value: float | None, *, signed: bool = False, digits: int = 1) -> str:
    """A fraction as a percentage: 0.0213 → "2.1%"."""
    if unknown(value):
        return DASH
    text = f"{value * 100:.{digits}f}%"
    return ("+" + text) if signed and value > 0 else text


def liq_distance(distance: float | None, direction: int, *, account: bool = False) -> str:
    """How far and which way the mark must move to liquidation: "↓6.5%", "↑396%a" (≤ 7 cells).

    ↑ is a rise and ↓ a fall; "a" marks the account-level move of a cross account (every price
    moving together), which need not go against the position: a long in a net-short account is
    liquidated by a rise. Above 100 % one decimal is noise, so none is shown.
    """
    if unknown(distance):
        return DASH
    arrow = "↑" if direction > 0 else ("↓" if direction < 0 else "")
    body = f"{distance * 100:.0f}%" if distance >= 0.9995 else f"{distance * 100:.1f}%"
    return arrow + body + ("a" if account else "")


def maint_used(value: float | None) -> str:
    """Maintenance margin as a share of equity, 100% = liquidation: "1.0%", "67%", ">999%"."""
    if unknown(value):
        return DASH
    p = value * 100
    if p >= 999.5:
        return ">999%"
    return f"{p:.1f}%" if p < 9.95 else f"{p:.0f}%"


PARTIAL = "*"
"""Marks a total over partial data: some of the values it adds up are unknown."""


def legend(terms) -> str:
    """A legend line from (term, meaning) pairs: "b/e: days … · !! held, …" (a mark without a letter
    in it is followed by a space, a word by a colon)."""
    return " · ".join(f"{term}{': ' if any(c.isalnum() for c in term) else ' '}{meaning}" for term, meaning in terms)


def total(values, *, signed: bool = False, short: bool = False) -> str:
    """The sum of `values` as money, with `PARTIAL` after it when some are unknown (None) and
    "—" when all are: an unknown value is never counted as 0 without saying so."""
    values = list(values)
    known = [v for v in values if not unknown(v)]
    if not known:
        return DASH
    text = money(math.fsum(known), signed=signed, short=short)
    return text + PARTIAL if len(known) < len(values) else text


def apr(value: float | None) -> str:
    """An annualized rate in at most 5 characters: "+3.2%", "+45%", "+245%", "+1.2k" (= 1,200%)."""
    if unknown(value):
        return DASH
    p = value * 100
    sign = "+" if p > 0 else ("-" if p < 0 else " ")
    a = abs(p)
    # Thresholds sit where rounding would add a digit (9.96 → "10.0" would be 6 characters).
    if a >= 9_950:
        return f"{sign}{min(a / 1000, 99):.0f}k"
    if a >= 999.5:
        return f"{sign}{a / 1000:.1f}k"
    if a >= 9.95:
        return f"{sign}{a:.0f}%"
    return f"{sign}{a:.1f}%"


def leverage(value: float | None, *, compact: bool = False) -> str:
    """A leverage: "2.01×"; `compact` for a table cell, "2.0x" ("—" when unknown)."""
    if unknown(value):
        return DASH
    return f"{value:.1f}x" if compact else f"{value:.2f}×"


def rate(value: float | None) -> str:
    """A per-interval funding rate: "+0.0100%"."""
    if value is None:
        return DASH
    return f"{value * 100:+.4f}%"


def interval(hours: float | None, unknown: str = DASH) -> str:
    """A funding interval: "8h", "1h", "0.5h" (`unknown` when the venue did not say)."""
    return unknown if hours is None else f"{hours:g}h"


def duration(seconds: float | None) -> str:
    """A span: "45s", "12m", "3.5h", "6.4d"."""
    if seconds is None:
        return DASH
    s = max(0.0, seconds)
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{s / 60:.0f}m"
    if s < 86400:
        return f"{s / 3600:.1f}h"
    return f"{s / 86400:.1f}d"


def age(seconds: float | None) -> str:
    """A data age: "0.4s", "12s", "3m"."""
    if seconds is None:
        return DASH
    if seconds < 10:
        return f"{seconds:.1f}s"
    return duration(seconds)


def clock(ts: float, *, utc: bool = True) -> str:
    """HH:MM:SS of a POSIX time (UTC by default, so screenshots do not depend on the machine)."""
    t = time.gmtime(ts) if utc else time.localtime(ts)
    return time.strftime("%H:%M:%S", t)


def sim_clock(ts: float) -> str:
    """Date and time of the simulator's clock: "03-02 00:12"."""
    return time.strftime("%m-%d %H:%M", time.gmtime(ts))
