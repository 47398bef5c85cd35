"""`SimVenue`: one simulated account speaking the venue protocol, faults and all.

Every call first lets the session advance the shared world to the current sim time, then asks the
fault plan whether this call fails, and only then answers, exactly as the ccxt adapter would: the
same error classes, the same "order landed but the answer was lost" case, the same frozen data.
"""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

from cockpit.model import (
    DeadMan,
    Instrument,
    Order,
    OrderRequest,
    Rejected,
    Side,
    Transfer,
    TransferRequest,
    VenueSnapshot,
)
from cockpit.model.deadman import CANCELS_ORDERS
from cockpit.model.layers import SIM_TOP_UP_ROUTE
from cockpit.sim import topup
from cockpit.model.funding import FundingPayment, FundingSample
from cockpit.sim.faults import LANDS, Fault, raise_fault
from cockpit.model.steps import on_step
from cockpit.sim.snapshot import snapshot

if TYPE_CHECKING:
    from cockpit.sim.session import SimSession

MONEY_STEP = Decimal("0.00000001")
"""The precision the simulated venues book money to (8 decimals, as USDT and USDC are booked)."""


class SimVenue:
    """One account of the simulated world, satisfying `cockpit.venues.protocol.Venue` (and
    `FundingHistoryVenue`: the simulator books its funding history as a venue does)."""

    funding_source = "sim"  # the funding ledger says where an account's payments come from
    # Top-ups (`TopUpVenue`): the simulator keeps each one under its client id and returns the
    # same transfer for a repeated id, as Bybit and OKX do (`cockpit.sim.topup`).
    top_up_route = SIM_TOP_UP_ROUTE
    top_up_keyed = True
    top_up_venue_id = False  # found by the client id: no id of its own to keep

    def __init__(self, session: SimSession, name: str) -> None:
        self._session = session
        self._world = session.world
        self._acc = self._world.account(name)
        self.info = self._acc.info
        self._last: VenueSnapshot | None = None
        self._cache: tuple[int, VenueSnapshot] | None = None

    def __repr__(self) -> str:
        return f"SimVenue({self.info.name!r}, {self.info.venue!r})"

    async def _enter(self, op: str, client_id: str = "") -> Fault | None:
        """Advance the world, then apply this call's fault, if any.

        Returns the fault when the caller must finish the job first: frozen data or a late answer
        on a read, or an order that lands before its answer is lost. Raises every other fault.
        """
        self._session.advance()
        world = self._world
        fault = world.faults.draw(self.info.name, world.t, op)
        if fault is None:
            return None
        if fault.source == "random":
            world.log.add(world.t, "fault", f"{self.info.name}: {fault.kind} on {op} (random)",
                          self.info.name)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.kind == "latency":
            return fault if op == "read" else None
        if fault.kind == "stale" and op == "read":
            return fault
        if op == "order" and fault.kind in LANDS:
            return fault
        raise_fault(fault, self._acc.spec, self.info.name, op, client_id)

    async def connect(self) -> None:
        """Check the account is reachable (markets are static in the simulator)."""
        await self._enter("read")

    def instruments(self) -> Mapping[str, Instrument]:
        """Instruments by symbol, with precision and fees."""
        return MappingProxyType(self._acc.instruments)

    async def snapshot(self) -> VenueSnapshot:
        """Positions, collateral, funding for every symbol, marks and open orders.

        Under a frozen-data fault the previous snapshot comes back, with its old `venue_time`.
        """
        fault = await self._enter("read")
        now = self._session.clock()
        if fault is not None and fault.kind == "stale" and self._last is not None:
            return dataclasses.replace(self._last, fetched_at=now)
        if self._cache is not None and self._cache[0] == self._world.version:
            snap = self._cache[1]
        else:
            snap = snapshot(self._world, self._acc, now)
            self._cache = (self._world.version, snap)
        latency = fault.delay if fault is not None else 0.0
        snap = dataclasses.replace(snap, fetched_at=now, latency=latency)
        self._last = snap
        return snap

    async def place_order(self, request: OrderRequest) -> Order:
        """Send an order; reduce-only is enforced here as the venue does."""
        fault = await self._enter("order", request.client_id)
        if request.account and request.account != self.info.name:
            raise Rejected(f"{self.info.venue}: order for account {request.account!r} sent to "
                           f"{self.info.name!r}", account=self.info.name)
        order = self._world.submit_order(self.info.name, request)
        if fault is not None:
            raise_fault(fault, self._acc.spec, self.info.name, "order", request.client_id)
        return order

    async def depth(self, symbol: str, side: Side, within: float, reference: float) -> float:
        """USD a taker order on `side` could take within `within` of `reference` from the
        simulated book (a read: faults and latency apply)."""
        await self._enter("read")
        inst = self._acc.instruments.get(symbol)
        if inst is None:
            raise Rejected(f"{self.info.venue}: no market {symbol}", account=self.info.name)
        levels = self._world.exchange.book(self._acc, symbol, side)
        return inst.depth_within([(level.price, level.amount) for level in levels], reference, within)

    async def cancel_order(self, client_id: str, symbol: str) -> None:
        """Cancel a resting order by client id."""
        await self._enter("cancel")
        self._world.version += 1
        self._world.exchange.cancel(self._acc, client_id, self._world.t)

    async def fetch_order(self, client_id: str, symbol: str) -> Order | None:
        """Look an order up by client id; None when the venue never saw it."""
        await self._enter("read")
        return self._world.exchange.lookup(self._acc, client_id)

    async def request_transfer(self, request: TransferRequest) -> Transfer:
        """Start a withdrawal or bridge of collateral to `request.to_layer`."""
        await self._enter("transfer")
        return self._world.request_transfer(self.info.name, request)

    async def top_up_available(self) -> float:
        """USD the account's spot wallet can move into its perp margin (`TopUpVenue`);
        `NotSupported` on a venue without one (dYdX, Paradex)."""
        await self._enter("read")
        return topup.available(self._world, self.info.name)

    async def top_up(self, amount: Decimal, client_id: str) -> Transfer:
        """Move `amount` from the spot wallet into the perp margin: lands in a few simulated
        seconds; a repeated client id returns the same transfer (faults apply, nothing done)."""
        await self._enter("transfer")
        return topup.top_up(self._world, self.info.name, amount, client_id)

    async def top_up_status(self, client_id: str, amount: Decimal, since: float,
                            venue_id: str | None = None) -> Transfer | None:
        """The top-up sent under `client_id` as it is now; None when it never arrived here
        (found by the client id: `venue_id` is not needed)."""
        await self._enter("read")
        return topup.status(self._world, self.info.name, client_id)

    async def arm_dead_man(self, seconds: float) -> DeadMan:
        """Arm (or refresh) a simulated cancel-all-after: when the world reaches it without a
        refresh, every resting order of this account is cancelled (its positions stay).

        `seconds` are the caller's (wall) seconds, which the world runs through `speed` times
        faster: at ×60 a 60 s window is an hour of simulated market, as a real venue would see a
        cockpit that went quiet for a minute. Faults apply as to any call that changes state.
        """
        if not seconds > 0:
            raise Rejected(f"{self.info.venue}: dead-man's switch window must be positive",
                           account=self.info.name)
        await self._enter("cancel")
        self._world.arm_dead_man(self.info.name, self._world.t + seconds * self._session.speed)
        return DeadMan(supported=True, armed_until=self._session.clock() + seconds,
                       note=f"{CANCELS_ORDERS}; all of the account's orders (simulated)")

    async def disarm_dead_man(self) -> None:
        """Turn the simulated cancel-all-after off."""
        await self._enter("cancel")
        self._world.disarm_dead_man(self.info.name)

    async def funding_rate_history(self, symbol: str, since: float) -> tuple[FundingSample, ...]:
        """The rates this venue settled for `symbol` from `since` (sim time), oldest first.

        Read from the world's books without advancing it or drawing a fault: a history read is
        the engine's background work and must not change the market a seeded drill replays."""
        acc = self._acc
        a = acc.assets.get(symbol)
        if a is None:
            return ()
        settled = self._world.settled.get((acc.venue, a), ())
        return tuple(FundingSample(t, rate, hours) for t, rate, hours in settled if t >= since)

    async def funding_payments(self, since: float) -> tuple[FundingPayment, ...]:
        """The funding payments booked on this account from `since` (sim time), oldest first."""
        acc = self._acc
        out = []
        for t, symbol, amount, rate, notional in acc.payments:
            if t < since:
                continue
            out.append(FundingPayment(
                account=acc.name, venue=acc.spec.id, symbol=symbol,
                asset=self._world.assets[acc.assets[symbol]].name, time=t,
                amount=on_step(amount, MONEY_STEP), currency=acc.spec.settle, id=f"{symbol}@{t:.0f}",
                rate=rate, notional=notional))
        return tuple(out)

    async def close(self) -> None:
        """Nothing to release."""
