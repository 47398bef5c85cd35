"""Facts about settlement layers: how collateral moves between them and how long it takes.

These are the typical figures of DESIGN.md ("time to rescue"); the simulator draws real latencies
around them and risk uses them to say how fast margin can reach an account.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.model.market import Layer


@dataclass(frozen=True, slots=True)
class Route:
    """One way to move collateral from a layer to another.

    Attributes:
        seconds: typical time from request to arrival.
        fee: fixed fee in USD; `fee_rate` is a fraction of the amount on top.
        cap: the most one transfer may carry (fast bridges have liquidity caps), None for no cap.
    """

    source: Layer
    target: Layer
    label: str
    seconds: float
    fee: float = 0.0
    fee_rate: float = 0.0
    cap: float | None = None


ROUTES: tuple[Route, ...] = (
    Route(Layer.CEX, Layer.CEX, "internal transfer", 10.0),
    Route(Layer.CEX, Layer.ARBITRUM, "CEX withdrawal", 8 * 60.0, fee=1.0),
    Route(Layer.CEX, Layer.ETHEREUM, "CEX withdrawal", 15 * 60.0, fee=5.0),
    Route(Layer.ARBITRUM, Layer.CEX, "deposit", 5 * 60.0),
    Route(Layer.HYPERLIQUID, Layer.ARBITRUM, "Hyperliquid bridge", 3.5 * 60.0, fee=1.0),
    Route(Layer.ARBITRUM, Layer.HYPERLIQUID, "Hyperliquid deposit", 60.0),
    Route(Layer.ARBITRUM, Layer.ETHEREUM, "canonical exit", 6.4 * 86400.0),
    Route(Layer.ARBITRUM, Layer.ETHEREUM, "fast bridge", 5 * 60.0, fee_rate=0.0015, cap=250_000.0),
    Route(Layer.STARKNET, Layer.ETHEREUM, "Starknet exit", 6 * 3600.0),
    Route(Layer.STARKNET, Layer.ARBITRUM, "fast bridge", 10 * 60.0, fee_rate=0.002, cap=100_000.0),
    Route(Layer.ARBITRUM, Layer.STARKNET, "bridge in", 10 * 60.0),
    Route(Layer.DYDX, Layer.ARBITRUM, "Noble/IBC + CCTP", 20 * 60.0, fee=0.5),
    Route(Layer.ARBITRUM, Layer.DYDX, "CCTP + IBC", 20 * 60.0),
    Route(Layer.ETHEREUM, Layer.ARBITRUM, "canonical deposit", 15 * 60.0),
)


def routes_from(source: Layer) -> tuple[Route, ...]:
    """Every route that starts on `source`."""
    return tuple(r for r in ROUTES if r.source is source)


def fastest_route(source: Layer, target: Layer) -> tuple[float, str] | None:
    """The quickest way from `source` to `target`, direct or through one hop.

    Returns (seconds, label) or None when there is no way within two hops.
    """
    if source is target:
        return (0.0, "same layer") if source is not Layer.CEX else (10.0, "internal transfer")
    best: tuple[float, str] | None = None
    for first in routes_from(source):
        if first.target is target:
            cand = (first.seconds, first.label)
        else:
            second = [r for r in routes_from(first.target) if r.target is target]
            if not second:
                continue
            hop = min(second, key=lambda r: r.seconds)
            cand = (first.seconds + hop.seconds, f"{first.label} + {hop.label}")
        if best is None or cand[0] < best[0]:
            best = cand
    return best
