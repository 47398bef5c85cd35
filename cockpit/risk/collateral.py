"""Collateral by layer: each account's buffer target and shortfall, and its time to rescue.

The buffer target of an account that holds positions is ``max(buffer_fraction × its gross
notional, buffer_min)`` (0 when it holds none): free collateral kept on the same layer for fast
exits, because bridges and withdrawals are slow. Its surplus is free collateral above that target.

A rescue must bring the account's shortfall, or, when it has none, a whole buffer (what a bad
hour would eat). Only other LIVE accounts' surplus over their own buffers can be sent, and no more
than the venue lets leave (`sendable`): a source with $1 of surplus does not rescue a $31k
shortfall. Sources are taken fastest route first
(`cockpit.model.layers.fastest_route`: an internal transfer only between accounts of one venue,
a withdrawal plus a deposit between two exchanges) until their surplus covers the need; the
rescue takes as long as the slowest source it needs (they travel at once). When all of them
together fall short the rescue is partial (it brings $X of $Y and never completes), or
uncovered when nobody has surplus. Each account is rescued as if it were the only one in need:
two accounts may count on the same source.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from cockpit.model import Layer, RescueStatus
from cockpit.model.assessment import maint_used
from cockpit.model.layers import Trip, fastest_route


@dataclass(frozen=True, slots=True)
class Rescue:
    """How one account's need is met: `status` says whether in full, partly, not at all, or that
    nothing is needed; `amount` is what the sources bring (≤ `need`); `seconds` and `congested`
    the typical and congested time until all of it has arrived (None unless covered); `sources`
    and `route` the accounts it comes from and the route of the slowest (empty unless covered)."""

    status: RescueStatus
    need: float
    amount: float
    seconds: float | None
    congested: float | None
    sources: tuple[str, ...] = ()
    route: str = ""


DANGER_RATIO = 1.5
"""A margin ratio (equity ÷ maintenance) at or below which an account's margin is shown as a
warning: a third of its equity above maintenance. Screens show it as maintenance used ≥ 67%."""


def in_danger(margin_ratio: float | None) -> bool:
    """Whether `margin_ratio` is at or below `DANGER_RATIO` (not positive counts; unknown does not)."""
    used = maint_used(margin_ratio)
    return used is not None and used >= 1 / DANGER_RATIO


_NONE = Rescue(RescueStatus.NONE, 0.0, 0.0, None, None)


def buffer_targets(gross: np.ndarray, fraction: float, minimum: float) -> np.ndarray:
    """Free collateral each account should keep (0 for an account without positions)."""
    return np.where(gross > 0, np.maximum(fraction * gross, minimum), 0.0)


def rescue_need(buffer: np.ndarray, free: np.ndarray) -> np.ndarray:
    """What a rescue must bring to each account: its shortfall, else a whole buffer (see module
    doc); 0 for an account without positions (no buffer)."""
    short = buffer - free
    return np.where(short > 0, short, buffer)


def sendable(surplus: np.ndarray, withdrawable: np.ndarray) -> np.ndarray:
    """What each account can send without going below its own buffer: its surplus, and no more
    than the venue says may leave now (`withdrawable`, NaN where the venue does not say)."""
    return np.where(np.isnan(withdrawable), surplus, np.minimum(surplus, withdrawable))


@lru_cache(maxsize=None)
def _route(source: Layer, target: Layer, same_venue: bool) -> Trip | None:
    # Routes are constants of the model: compute each layer pair once.
    return fastest_route(source, target, same_venue=same_venue)


def rescue(names: list[str], venues: list[str], layers: list[Layer], live: np.ndarray,
           surplus: np.ndarray, need: np.ndarray) -> list[Rescue]:
    """For each account, how other live accounts' `surplus` (what each can send: `sendable`)
    covers its `need` (see module doc)."""
    sources = [i for i in range(len(names)) if live[i] and surplus[i] > 0]
    spare = surplus.tolist()
    out: list[Rescue] = []
    for t, layer in enumerate(layers):
        want = float(need[t])
        if not want > 0:
            out.append(_NONE)
            continue
        reach = []
        for s in sources:
            trip = _route(layers[s], layer, venues[s] == venues[t]) if s != t else None
            if trip is not None:
                reach.append((trip.seconds, -spare[s], s, trip))
        reach.sort()
        got, used = 0.0, []
        for _, _, s, trip in reach:
            got += spare[s]
            used.append((s, trip))
            if got >= want:
                break
        if got >= want:
            slowest = used[-1][1]  # sorted fastest first: the last one taken arrives last
            out.append(Rescue(RescueStatus.COVERED, want, want, slowest.seconds,
                              max(trip.congested for _, trip in used), tuple(names[s] for s, _ in used),
                              slowest.label))
        elif got > 0:
            out.append(Rescue(RescueStatus.PARTIAL, want, got, None, None))
        else:
            out.append(Rescue(RescueStatus.UNCOVERED, want, 0.0, None, None))
    return out
