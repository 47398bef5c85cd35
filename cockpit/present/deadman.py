"""Dead-man's switches in words: the status line's "DMS 42s" / "DMS expired", and the lines of
the ``?`` report and ``cockpit status``."""

from __future__ import annotations

import math
from typing import Iterable

from cockpit.model import DeadManState, DeadManStatus, Frame
from cockpit.present.privacy import private

GLOSSARY = "DMS: the venue cancels this account's orders (not positions) if the cockpit stops refreshing it"

#: How loud each status is on screen: "ok", "warn" or "bad" (the UI picks the colour).
LEVEL = {DeadManStatus.ARMED: "ok", DeadManStatus.FAILING: "warn", DeadManStatus.EXPIRED: "bad",
         DeadManStatus.EXHAUSTED: "bad", DeadManStatus.UNSUPPORTED: "warn", DeadManStatus.IDLE: "ok"}


def seconds_left(state: DeadManState, now: float) -> int:
    """Whole seconds until it fires (never negative; rounded up: "0s" only once it is due)."""
    return max(0, math.ceil((state.expires_at or now) - now))


def dms_label(state: DeadManState, now: float) -> str:
    """What follows an account on the status line: "DMS 42s", "DMS 12s!" (refreshes failing),
    "DMS expired", "DMS 0 left" (the venue's daily limit used), "DMS n/a"; "" when idle."""
    status = state.status
    if status is DeadManStatus.ARMED:
        return f"DMS {seconds_left(state, now)}s"
    if status is DeadManStatus.FAILING:
        return f"DMS {seconds_left(state, now)}s!" if state.expires_at is not None else "DMS failing"
    return {DeadManStatus.EXPIRED: "DMS expired", DeadManStatus.EXHAUSTED: "DMS 0 left",
            DeadManStatus.UNSUPPORTED: "DMS n/a"}.get(status, "")


def dms_badge(states: Iterable[DeadManState], now: float, *, compact: bool = False
              ) -> tuple[str, str] | None:
    """One badge for a narrow status line (no room for one per account; the ``?`` report and
    the notice name the account), and its level: "DMS expired" (×N when several), else the
    soonest deadline of those armed ("DMS 42s", "!" when failing); None when none is armed or
    expired. `compact`: the shortest form ("DMS✗", "DMS42s"), for a line that is full."""
    states = list(states)
    bad = [s for s in states if s.status in (DeadManStatus.EXPIRED, DeadManStatus.EXHAUSTED)]
    gap = "" if compact else " "
    if bad:
        expired = any(s.status is DeadManStatus.EXPIRED for s in bad)
        word = ("✗" if expired else "0") if compact else ("expired" if expired else "0 left")
        return f"DMS{gap}{word}" + (f" ×{len(bad)}" if len(bad) > 1 and not compact else ""), "bad"
    live = [s for s in states if s.expires_at is not None
            and s.status in (DeadManStatus.ARMED, DeadManStatus.FAILING)]
    if not live:
        return None
    soonest = min(live, key=lambda s: s.expires_at or 0.0)
    failing = any(s.status is DeadManStatus.FAILING for s in live)
    return f"DMS{gap}{seconds_left(soonest, now)}s{'!' if failing else ''}", "warn" if failing else "ok"


def dms_lines(frame: Frame) -> list[str]:
    """One line per opted-in account (what it is doing, and why), then the glossary; none when
    no account opted in."""
    if not frame.dead_man:
        return []
    lines = []
    for s in frame.dead_man:
        label = dms_label(s, frame.now) or "DMS idle (armed during a run)"
        left = f", {s.remaining_today} firings left today" if s.remaining_today is not None else ""
        detail = f" — {private(s.detail)}" if s.detail else ""  # the engine's words: figures masked
        lines.append(f"{s.account}: {label}{left}{detail}")
    return [*lines, GLOSSARY]
