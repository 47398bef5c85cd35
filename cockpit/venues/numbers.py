"""Numbers out of venue replies: exact, and None (unknown) rather than 0 when absent or bad.

No ccxt import, no I/O. The mapping and every venue profile read replies with these.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def dec(value: Any) -> Decimal | None:
    """`value` as an exact Decimal (floats via their shortest repr); None when absent or bad."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        # repr() of a Decimal is "Decimal('0.004')", which is not a number.
        return value if value.is_finite() else None
    try:
        out = Decimal(value if isinstance(value, str) else repr(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return out if out.is_finite() else None


def num(value: Any) -> float | None:
    """`value` as a float; None when absent or not a number."""
    d = dec(value)
    return None if d is None else float(d)


def positive(value: Any) -> Decimal | None:
    """A price that must be > 0: venues send 0 or "" for "none" (no liquidation price)."""
    d = dec(value)
    return d if d is not None and d > 0 else None


def dig(data: Any, *path: Any) -> Any:
    """`data[path[0]][path[1]]...`, None as soon as a step is missing."""
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data
