"""Collateral by layer: each account's buffer target and shortfall, and its time to rescue.

The buffer target of an account that holds positions is ``max(buffer_fraction × its gross
notional, buffer_min)`` (0 when it holds none): free collateral kept on the same layer for fast
exits, because bridges and withdrawals are slow. Its surplus is free collateral above that target.

Time to rescue is the fastest route (`cockpit.model.layers.fastest_route`, direct or one hop) from
any *other* LIVE account whose surplus is positive to this account's layer.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from cockpit.model import Layer
from cockpit.model.layers import fastest_route


def buffer_targets(gross: np.ndarray, fraction: float, minimum: float) -> np.ndarray:
    """Free collateral each account should keep (0 for an account without positions)."""
    return np.where(gross > 0, np.maximum(fraction * gross, minimum), 0.0)


@lru_cache(maxsize=None)
def _route(source: Layer, target: Layer) -> tuple[float, str] | None:
    # Routes are constants of the model: compute each layer pair once.
    return fastest_route(source, target)


def rescue(names: list[str], layers: list[Layer], live: np.ndarray,
           surplus: np.ndarray) -> list[tuple[float | None, str]]:
    """For each account, (seconds, "source: route") of the fastest rescue from another live
    account with surplus, or (None, reason) when there is none."""
    sources = [i for i in range(len(names)) if live[i] and surplus[i] > 0]
    out: list[tuple[float | None, str]] = []
    for t, layer in enumerate(layers):
        best: tuple[float, str] | None = None
        for s in sources:
            if s == t:
                continue
            route = _route(layers[s], layer)
            if route is not None and (best is None or route[0] < best[0]):
                best = (route[0], f"{names[s]}: {route[1]}")
        out.append(best if best is not None else (None, "no surplus on another live account"))
    return out
