"""The privacy mask: money amounts and position sizes hidden on screen, everything else kept.

The rule is one: a dollar amount or a size is shown as `MASK` ("•••", its sign kept: "+•••",
"−$•••"); percentages, APRs, ratios, leverage, prices, times and counts stay. Prices are public
market data, and a price says nothing of how much is held. Market-wide figures (open interest,
the minimum-OI filter) are money but not yours: `cockpit.present.format.money(public=True)`.

The mask is a rendering concern of the terminal UI only. It is switched per *thread* (the UI's):
the engine runs in the same process (`LocalEngine`) on a thread of its own, whose texts never see
the switch; and what leaves the program — the journal, the guard's log, the incident report,
`cockpit funding export`, orders — is made under `unmasked()` or from raw values, never from
masked text. Every money and size text is made by `cockpit.present.format`, which asks `masked()`,
so the switch is one piece of code, not a branch in every widget; a few places ask it only to
choose a layout (a plot's money axis left unlabelled, a total line shortened).

Texts the engine wrote (a notice, a command's answer, an alert) are English with the figures in
them; `mask_text` hides every figure in such a text that is not a percentage, a time, a date, a
count or part of a name. It cannot tell a price from a size there, so it hides both: on the safe
side.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TypeVar

MASK = "•••"
"""What a masked amount or size reads as: three bullets, whatever its magnitude."""


class _Switch(threading.local):
    """The mask's state, one per thread: off in every thread until its UI turns it on."""

    on: bool = False


_switch = _Switch()


def masked() -> bool:
    """Whether money and sizes are masked in this thread's texts."""
    return _switch.on


def set_masked(on: bool) -> None:
    """Mask (or unmask) money and sizes in the texts this thread makes from now on (the UI's
    thread only: no other thread's texts change)."""
    _switch.on = bool(on)


@contextmanager
def unmasked() -> Iterator[None]:
    """Texts made inside are never masked (then the thread's switch is as it was): for what
    leaves the program, whichever thread makes it."""
    before = _switch.on
    _switch.on = False
    try:
        yield
    finally:
        _switch.on = before


F = TypeVar("F", bound=Callable)


def never_masked(func: F) -> F:
    """`func` runs `unmasked()`: a decorator for functions whose text leaves the program."""

    @wraps(func)
    def run(*args, **kwargs):
        with unmasked():
            return func(*args, **kwargs)

    return run  # type: ignore[return-value]


# A figure in free text: an optional sign and "$", digits (with thousands commas and decimals),
# an optional scale suffix. Not when it is glued to a word, a path or an id ("1000PEPE", "v2",
# "run-3", "#12"), nor a percentage ("5%", "5 %"), a time ("21:15:03"), a date ("2026-12-04"),
# a duration ("45s", "3.5h": the unit is a letter), or a ratio ("2.0x").
_FIGURE = re.compile(
    r"(?<![\w.,:/#@\-])"
    r"(?P<lead>[+\-−]?\$?)"
    r"(?P<body>\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)"
    r"(?P<scale>(?:bn|[kMB])(?![A-Za-z]))?"
    r"(?![\w%]|\s?%|[.,]\d|:\d|-\d)"
)
# A bare integer that counts things is kept: "3 of 5 orders", "step 4", "(+2 more since …)".
_COUNT_AFTER = re.compile(r"\s+(?:of|more|orders?|steps?|positions?|pos|accounts?|legs?|samples?|"
                          r"targets?|terminals?|venues?|assets?|rows?|payments?|cuts?|hedges?|bridges?|"
                          r"top-ups?|slices?|fills?|risk-adding)\b")
_COUNT_BEFORE = re.compile(r"(?:\bsteps?|\bruns?|\bcount|\bn)\s*$")


def mask_text(text: str) -> str:
    """`text` (free English from the engine or a venue) with every money-like figure masked:
    "sold 0.5 ETH at 3,012.5, lost $1.2k (3% of gross) 21:15:03" reads
    "sold ••• ETH at •••, lost $••• (3% of gross) 21:15:03"."""
    if not any(ch.isdigit() for ch in text):
        return text

    def hide(match: re.Match) -> str:
        lead, body, scale = match.group("lead"), match.group("body"), match.group("scale")
        if not scale and "$" not in lead and body.isdigit():
            end, start = match.end(), match.start()
            if _COUNT_AFTER.match(text, end) or _COUNT_BEFORE.search(text, 0, start):
                return match.group(0)
        return lead + MASK

    return _FIGURE.sub(hide, text)


def private(text: str) -> str:
    """`text` from the engine as this thread shows it: `mask_text` of it while masked."""
    return mask_text(text) if _switch.on else text
