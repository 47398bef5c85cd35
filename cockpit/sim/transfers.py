"""Withdrawals, bridges and deposits: routes per layer, latency draws, queues and congestion.

Routes are the typical ones of `cockpit.model.layers`; each transfer draws its own latency around
the route's figure, as the real ones behave: a CEX withdrawal waits in a review queue for a few
minutes and then goes on chain; the Hyperliquid bridge takes 3-4 minutes; an Arbitrum canonical
exit waits out its 6.4-day challenge; a fast bridge is minutes but charges a fee and carries at
most its free liquidity; a Starknet exit waits for the next proof batch (every 4 hours) and then
for L1 verification, so hours. Congestion multiplies latencies on a layer, and a stuck withdrawal
stops the clock (no ETA) until it is released.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from cockpit.model import Layer, Transfer, TransferStatus
from cockpit.model.layers import ROUTES, Route

STARKNET_BATCH = 4 * 3600.0  # a Starknet proof batch closes every 4 hours


@dataclass(frozen=True, slots=True)
class Latency:
    """How long one hop takes: a queue (lognormal, or until the next batch), then the trip.

    Attributes:
        queue: median seconds in the queue (0: none); queue_sigma its lognormal spread.
        batch: the hop leaves only at a multiple of this many seconds (0: any time).
        trip: median seconds of the trip (None: the route's typical time minus the queue).
        trip_sigma: lognormal spread of the trip; spread: +/- uniform seconds on top.
    """

    queue: float = 0.0
    queue_sigma: float = 0.5
    batch: float = 0.0
    trip: float | None = None
    trip_sigma: float = 0.3
    spread: float = 0.0


LATENCY: dict[str, Latency] = {
    "internal transfer": Latency(trip=8.0, trip_sigma=0.2),
    "CEX withdrawal": Latency(queue=120.0, queue_sigma=0.7, trip_sigma=0.35),
    "Hyperliquid bridge": Latency(trip=210.0, trip_sigma=0.0, spread=30.0),
    "canonical exit": Latency(trip_sigma=0.0, spread=1800.0),
    "Starknet exit": Latency(batch=STARKNET_BATCH, trip=2 * 3600.0, trip_sigma=0.3),
    "fast bridge": Latency(trip_sigma=0.4),
}


def hop_times(route: Route, start: float, rng: np.random.Generator,
              congestion: float) -> tuple[float, float]:
    """Draw (seconds queued, seconds in all) of `route` for a transfer starting at `start`."""
    lat = LATENCY.get(route.label, Latency())
    z = rng.standard_normal(2)
    queue = lat.queue * math.exp(lat.queue_sigma * z[0]) if lat.queue else 0.0
    queue *= congestion
    if lat.batch:
        ready = start + queue
        queue = math.ceil(ready / lat.batch) * lat.batch - start
    trip = lat.trip if lat.trip is not None else max(route.seconds - lat.queue, 1.0)
    trip = trip * math.exp(lat.trip_sigma * z[1]) + lat.spread * (2 * rng.random() - 1)
    return queue, queue + max(trip, 1.0) * congestion


def candidate_routes(source: Layer, target: Layer) -> list[tuple[Route, ...]]:
    """Every direct or two-hop chain of routes from `source` to `target`, fastest first."""
    chains: list[tuple[Route, ...]] = []
    for first in ROUTES:
        if first.source is not source:
            continue
        if first.target is target:
            chains.append((first,))
            continue
        chains += [(first, second) for second in ROUTES
                   if second.source is first.target and second.target is target
                   and second.target is not source]
    return sorted(chains, key=lambda c: sum(r.seconds for r in c))


def chain_label(chain: tuple[Route, ...]) -> str:
    """How a chain of routes is named: 'Hyperliquid bridge + fast bridge'."""
    return " + ".join(r.label for r in chain)


def chain_fee(chain: tuple[Route, ...], amount: float) -> float:
    """Fixed plus proportional fees of every hop."""
    return sum(r.fee + r.fee_rate * amount for r in chain)


@dataclass(slots=True)
class TransferState:
    """One transfer as the simulator tracks it.

    `queued_until` is when it leaves its queue (QUEUED before), `arrive_at` when it lands;
    `remaining` holds the time left while it is stuck.
    """

    id: str
    client_id: str
    account: str
    from_layer: Layer
    to_layer: Layer
    amount: Decimal
    currency: str
    started_at: float
    queued_until: float
    arrive_at: float
    route: str
    fee: Decimal
    inbound: bool = False
    status: TransferStatus = TransferStatus.QUEUED
    remaining: float = 0.0
    capped: str = ""  # the label of a liquidity-capped hop it uses

    def to_transfer(self) -> Transfer:
        """The frozen model value (no ETA while stuck)."""
        stuck = self.status is TransferStatus.STUCK
        return Transfer(
            id=self.id, account=self.account, from_layer=self.from_layer, to_layer=self.to_layer,
            amount=self.amount, currency=self.currency, started_at=self.started_at,
            eta=None if stuck else self.arrive_at, status=self.status, route=self.route,
            fee=self.fee,
        )


class TransferDesk:
    """Every transfer in the world: starting them, moving them along, congestion and stuck ones."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.active: list[TransferState] = []
        self.done: list[TransferState] = []
        self.by_client: dict[tuple[str, str], TransferState] = {}
        self.congestion: dict[Layer, float] = {}
        self.stuck_until: dict[str, float] = {}
        self.next_event = math.inf
        self.count = 0

    def cap_left(self, label: str, cap: float) -> float:
        """What a liquidity-capped route can still carry, given what is already on it."""
        used = sum(float(t.amount) for t in self.active if t.capped == label)
        return max(cap - used, 0.0)

    def start(self, *, client_id: str, account: str, chain: tuple[Route, ...], amount: Decimal,
              currency: str, now: float, inbound: bool = False) -> TransferState:
        """Start a transfer along `chain`; its latency is drawn now."""
        self.count += 1
        factor = self.congestion.get(chain[0].source, 1.0)
        queue, first = hop_times(chain[0], now, self.rng, factor)
        total = first + sum(hop_times(r, now + first, self.rng, self.congestion.get(r.source, 1.0))[1]
                            for r in chain[1:])
        capped = next((r.label for r in chain if r.cap is not None), "")
        t = TransferState(
            id=f"{account}-t{self.count}", client_id=client_id, account=account,
            from_layer=chain[0].source, to_layer=chain[-1].target, amount=amount,
            currency=currency, started_at=now, queued_until=now + queue, arrive_at=now + total,
            route=chain_label(chain), fee=Decimal(repr(round(chain_fee(chain, float(amount)), 2))),
            inbound=inbound, capped=capped,
            status=TransferStatus.QUEUED if queue > 0 else TransferStatus.IN_FLIGHT,
        )
        if not inbound and self.stuck_until.get(account, -1.0) > now:
            self._stick(t, now)
        self.active.append(t)
        if client_id:
            self.by_client[(account, client_id)] = t
        self._reschedule()
        return t

    def _stick(self, t: TransferState, now: float) -> None:
        t.remaining = max(t.arrive_at - now, 1.0)
        t.status = TransferStatus.STUCK

    def _reschedule(self) -> None:
        times = [t.queued_until for t in self.active if t.status is TransferStatus.QUEUED]
        times += [t.arrive_at for t in self.active if t.status is TransferStatus.IN_FLIGHT]
        times += [u for u in self.stuck_until.values()]
        self.next_event = min(times, default=math.inf)

    def step(self, now: float) -> list[TransferState]:
        """Move transfers along at `now`; returns the ones that landed."""
        if now < self.next_event:
            return []
        for account, until in list(self.stuck_until.items()):
            if until <= now:
                del self.stuck_until[account]
                for t in self.active:
                    if t.account == account and t.status is TransferStatus.STUCK:
                        t.arrive_at = now + t.remaining
                        t.status = TransferStatus.IN_FLIGHT
        landed = []
        for t in list(self.active):
            if t.status is TransferStatus.QUEUED and t.queued_until <= now:
                t.status = TransferStatus.IN_FLIGHT
            if t.status is TransferStatus.IN_FLIGHT and t.arrive_at <= now:
                t.status = TransferStatus.DONE
                self.active.remove(t)
                self.done.append(t)
                landed.append(t)
        self._reschedule()
        return landed

    def congest(self, layer: Layer, factor: float, now: float) -> None:
        """Multiply latencies on `layer` by `factor` (1 ends it); transfers under way slow too."""
        old = self.congestion.get(layer, 1.0)
        self.congestion[layer] = factor
        for t in self.active:
            if t.from_layer is layer and t.status is not TransferStatus.STUCK:
                t.arrive_at = now + (t.arrive_at - now) * factor / old
                t.queued_until = now + max(t.queued_until - now, 0.0) * factor / old
        self._reschedule()

    def stick(self, account: str, until: float, now: float) -> list[TransferState]:
        """Stop the account's outgoing transfers (and any it starts) until `until`."""
        self.stuck_until[account] = until
        hit = [t for t in self.active if t.account == account and not t.inbound]
        for t in hit:
            self._stick(t, now)
        self._reschedule()
        return hit

    def of(self, account: str) -> tuple[Transfer, ...]:
        """The account's transfers that have not landed."""
        return tuple(t.to_transfer() for t in self.active if t.account == account)
