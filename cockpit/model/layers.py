"""Facts about settlement layers: how collateral moves between them and how long it takes.

These are the typical figures of DESIGN.md ("time to rescue"); the simulator draws real latencies
around them and risk uses them to say how fast margin can reach an account.

Only a move between accounts of one venue (sub-accounts, or two accounts of one exchange or
protocol) is an internal transfer: seconds, off-chain. Two different exchanges share the `cex`
layer but not a ledger: collateral leaves one as a withdrawal to a chain and enters the other as a
deposit. Typical figures: a CEX withdrawal 8 min (review queue plus the chain) and a deposit 5 min
(confirmations and crediting), so exchange to exchange about 13 min through Arbitrum. Under
congestion (a market-wide rush to move collateral: longer review queues, hot-wallet limits,
confirmation backlogs) these queued hops take `Route.congested` times as long: withdrawal ×4
(32 min), deposit ×3 (15 min), about 47 min in all; hence "minutes to an hour". Hops fixed by a
protocol (bridge validators, challenge periods, proof batches) do not lengthen (×1).
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.model.enums import Layer


@dataclass(frozen=True, slots=True)
class Route:
    """One way to move collateral from a layer to another.

    Attributes:
        seconds: typical time from request to arrival.
        fee: fixed fee in USD; `fee_rate` is a fraction of the amount on top.
        cap: the most one transfer may carry (fast bridges have liquidity caps), None for no cap.
        congested: how many times `seconds` the route takes under congestion (see module doc).
        internal: an off-chain move within one venue's ledger: only between accounts of the same
            venue, never from one exchange to another.
    """

    source: Layer
    target: Layer
    label: str
    seconds: float
    fee: float = 0.0
    fee_rate: float = 0.0
    cap: float | None = None
    congested: float = 1.0
    internal: bool = False


INTERNAL_SECONDS = 10.0  # an internal transfer between accounts of one venue
#: How the simulator's top-ups move (the simulator and the paper venue that serves it say it).
SIM_TOP_UP_ROUTE = "spot wallet → perp margin (simulated internal transfer)"

ROUTES: tuple[Route, ...] = (
    Route(Layer.CEX, Layer.CEX, "internal transfer", INTERNAL_SECONDS, internal=True),
    Route(Layer.CEX, Layer.ARBITRUM, "CEX withdrawal", 8 * 60.0, fee=1.0, congested=4.0),
    Route(Layer.CEX, Layer.ETHEREUM, "CEX withdrawal", 15 * 60.0, fee=5.0, congested=4.0),
    Route(Layer.ARBITRUM, Layer.CEX, "deposit", 5 * 60.0, congested=3.0),
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


@dataclass(frozen=True, slots=True)
class Trip:
    """The quickest way found from one account's layer to another's: typical seconds, seconds
    under congestion, and a label ("CEX withdrawal + deposit")."""

    seconds: float
    congested: float
    label: str


def fastest_route(source: Layer, target: Layer, *, same_venue: bool = False) -> Trip | None:
    """The quickest way from `source` to `target`, direct or through one hop.

    `same_venue`: both ends are accounts of one venue, so an internal transfer (seconds) serves.
    Between different venues an internal route never does: two exchanges on the `cex` layer are
    a withdrawal plus a deposit. Returns None when there is no way within two hops.
    """
    if same_venue:
        return Trip(INTERNAL_SECONDS, INTERNAL_SECONDS, "internal transfer")
    if source is target and source is not Layer.CEX:
        return Trip(0.0, 0.0, "same layer")
    best: Trip | None = None
    for first in routes_from(source):
        if first.internal:
            continue
        if first.target is target:
            cand = Trip(first.seconds, first.seconds * first.congested, first.label)
        else:
            second = [r for r in routes_from(first.target) if r.target is target and not r.internal]
            if not second:
                continue
            hop = min(second, key=lambda r: r.seconds)
            cand = Trip(first.seconds + hop.seconds,
                        first.seconds * first.congested + hop.seconds * hop.congested,
                        f"{first.label} + {hop.label}")
        if best is None or cand.seconds < best.seconds:
            best = cand
    return best
