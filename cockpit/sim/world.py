"""The simulated world: one market and every account in it, advanced in fixed one-second steps.

One step: apply what the scenario schedules for this second, move prices, move premiums, once a
minute let venues change funding intervals, pay funding that is due, fill resting orders, move
transfers, and liquidate what fell below maintenance. Every random draw comes from generators
seeded from the world seed (one per subsystem), so the state at step N depends only on the seed,
the scenario and the orders and transfers sent before it, never on when anyone looked.
"""

from __future__ import annotations

import heapq
from collections import deque
from typing import Callable, Sequence

import numpy as np

from cockpit.model import (
    AccountInfo, Layer, LiquidationReport, Order, OrderRequest, Rejected, Transfer, TransferRequest, TransferStatus,
)
from cockpit.sim.accounts import Account, Ledger
from cockpit.sim.events import EventLog
from cockpit.sim.execution import Exchange
from cockpit.sim.faults import FaultPlan
from cockpit.sim.funding import CHECK_EVERY, FundingModel
from cockpit.sim.margin import PositionArrays
from cockpit.sim.prices import PriceModel
from cockpit.sim.scenario import Scenario
from cockpit.sim.timeline import apply_event
from cockpit.sim.transfers import TransferDesk, TransferState, candidate_routes, chain_label
from cockpit.sim.universe import AssetSpec, VenueSpec, instrument

INDEX_SPREAD = 0.0002  # std of a venue's index around the global one (2 bps)
START = 1772409600.0  # 2026-03-02T00:00:00Z: a Monday, at a funding boundary of every interval
LIQUIDATIONS_KEPT = 100  # per account: like a venue, the simulator reports only recent liquidations


def money(x: float) -> str:
    """$1,234 style (cents below $100), for event texts."""
    digits = 2 if abs(x) < 100 else 0
    return f"-${-x:,.{digits}f}" if x < 0 else f"${x:,.{digits}f}"


SETTLED_KEPT = 512  # settled rates kept per cell (three weeks of 1 h payments)


class World:
    """The whole simulated market: prices, funding, books, accounts, transfers, faults, events.

    Args:
        assets / venues: the universe to simulate.
        accounts: (name, venue id, label) of each account; each trades on its venue's layer.
        scenario: the timeline and settings.
    """

    def __init__(self, *, seed: int, assets: Sequence[AssetSpec], venues: Sequence[VenueSpec],
                 accounts: Sequence[tuple[str, str, str]], scenario: Scenario,
                 start: float = START) -> None:
        self.seed = seed
        self.assets = list(assets)
        self.venues = list(venues)
        self.scenario = scenario
        self.start = start
        self.t = start
        self.steps = 0
        self.version = 0  # bumped by every change anyone can see (steps, orders, transfers)
        streams = np.random.SeedSequence(seed).spawn(5)
        self.rng_scenario = np.random.default_rng(streams[3])
        self.log = EventLog()
        self.liquidations: dict[str, list[LiquidationReport]] = {}  # by account, oldest first
        settings = scenario.settings
        self.prices = PriceModel(self.assets, np.random.default_rng(streams[0]))
        self.prices.set_vol_regime(settings.vol)
        self.prices.log_vol = self.prices.vol_target
        self.funding = FundingModel(self.venues, self.assets, np.random.default_rng(streams[1]),
                                    start, switching=settings.regime_switching)
        units = np.array([[v.unit(a.name) for a in self.assets] for v in self.venues])
        # Each venue's index comes from its own basket of spot prices: a few bps apart.
        offset = np.random.default_rng(streams[4]).normal(0.0, INDEX_SPREAD, units.shape)
        self.scale = units * (1.0 + offset)
        self.listed = np.array([[v.lists(i, a.name) for i, a in enumerate(self.assets)]
                                for v in self.venues])
        self.liquidity = np.ones(units.shape)
        self.ledger = Ledger(self._accounts(accounts), self.assets, self.scale, self.position_marks)
        # The rates each venue settled, per (venue, asset) cell: (time, rate, interval hours),
        # the newest SETTLED_KEPT (what a venue's funding-rate history lists).
        self.settled: dict[tuple[int, int], deque] = {}
        self.exchange = Exchange(self.ledger, self.assets, self.log, self.mark,
                                 lambda: self.prices.vol_mult, lambda v, a: float(self.liquidity[v, a]))
        self.transfers = TransferDesk(np.random.default_rng(streams[2]))
        self.faults = FaultPlan(seed, rate=settings.fault_rate, kinds=settings.fault_kinds,
                                accounts=settings.fault_accounts)
        self.external: dict[Layer, float] = {}  # what withdrawals delivered off the venues
        self._timeline = list(scenario.events)
        self._next = 0
        self._later: list[tuple[float, int, Callable[[], None]]] = []
        self._later_seq = 0
        # Dead-man's switches: account -> the sim time its orders are cancelled unless refreshed;
        # and how many times each has fired.
        self.dead_men: dict[str, float] = {}
        self.dead_man_fired: dict[str, int] = {}
        self.log.add(self.t, "scenario", f"scenario {scenario.name}: {scenario.description}")

    def _accounts(self, specs: Sequence[tuple[str, str, str]]) -> list[Account]:
        by_id = {v.id: i for i, v in enumerate(self.venues)}
        out = []
        for index, (name, venue_id, label) in enumerate(specs):
            v = by_id[venue_id]
            spec = self.venues[v]
            insts = {}
            assets = {}
            for a, asset in enumerate(self.assets):
                if self.listed[v, a]:
                    inst = instrument(spec, asset)
                    insts[inst.symbol] = inst
                    assets[inst.symbol] = a
            info = AccountInfo(name=name, venue=venue_id, layer=spec.layer, label=label)
            out.append(Account(info, spec, index, v, insts, assets))
        return out

    # --- prices --------------------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        """Sim seconds since the start."""
        return self.t - self.start

    def index_prices(self, venue: int) -> np.ndarray:
        """Every asset's index price on `venue`, in the venue's quote units (per 1000 for PEPE)."""
        return self.prices.index * self.scale[venue]

    def mark(self, venue: int, asset: int) -> float:
        """The mark of `asset` on `venue`: the venue's index plus the perp's premium."""
        return float(self.prices.index[asset] * self.scale[venue, asset]
                     * (1.0 + self.funding.premium[venue, asset]))

    def marks(self, venue: int) -> np.ndarray:
        """Every asset's mark on `venue`."""
        return self.index_prices(venue) * (1.0 + self.funding.premium[venue])

    def position_marks(self, arr: PositionArrays) -> np.ndarray:
        """The mark of every position in `arr`."""
        return arr.marks(self.prices.index, self.funding.premium)

    # --- the step ------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance exactly one second."""
        self.t += 1.0
        self.steps += 1
        self.version += 1
        self._scenario_due()
        returns = self.prices.step()
        self.funding.step(returns, self.prices.vol_mult)
        if self.steps % CHECK_EVERY == 0:
            self._intervals()
        settlement = self.funding.settle(self.t)
        if settlement is not None:
            self._pay_funding(settlement.due, settlement.rates)
        if self.dead_men:
            self._dead_men_due()
        if self.exchange.resting:
            self.exchange.match(self.t)
        if self.t >= self.transfers.next_event:
            self._land(self.transfers.step(self.t))
        if len(self.ledger.arrays) or self.ledger.dirty:
            self._margin()

    def advance(self, seconds: float) -> None:
        """Step the world `seconds` forward (headless runs and tests)."""
        for _ in range(int(seconds)):
            self.step()

    def _scenario_due(self) -> None:
        while self._next < len(self._timeline) and self._timeline[self._next].at <= self.elapsed:
            apply_event(self, self._timeline[self._next])
            self._next += 1
        while self._later and self._later[0][0] <= self.t:
            heapq.heappop(self._later)[2]()

    def later(self, delay: float, action: Callable[[], None]) -> None:
        """Run `action` when the world reaches `delay` seconds from now (scenario durations)."""
        self._later_seq += 1
        heapq.heappush(self._later, (self.t + delay, self._later_seq, action))

    def _dead_men_due(self) -> None:
        """Fire each dead-man's switch whose deadline passed: cancel that account's resting
        orders (never its positions), and disarm it, as the venues do."""
        for name, deadline in sorted(self.dead_men.items()):
            if self.t < deadline:
                continue
            del self.dead_men[name]
            self.dead_man_fired[name] = self.dead_man_fired.get(name, 0) + 1
            count = self.exchange.cancel_all(name, self.t, "dead-man's switch fired")
            self.version += 1
            self.log.add(self.t, "order", f"{name}: dead-man's switch fired: {count} resting order"
                         f"{'s' if count != 1 else ''} cancelled (positions stay open)", name)

    def arm_dead_man(self, name: str, deadline: float) -> None:
        """Arm (or refresh) account `name`'s dead-man's switch to fire at sim time `deadline`."""
        self.account(name)  # an unknown account is a KeyError here, not a switch that never fires
        self.dead_men[name] = deadline

    def disarm_dead_man(self, name: str) -> None:
        """Turn account `name`'s dead-man's switch off."""
        self.dead_men.pop(name, None)

    def _intervals(self) -> None:
        for ch in self.funding.check(self.t):
            venue = self.venues[ch.venue]
            symbol = venue.symbol(self.assets[ch.asset].name)
            word = "shortens" if ch.after < ch.before else "restores"
            self.log.add(self.t, "interval", f"{venue.id} {word} the {symbol} funding interval "
                         f"{ch.before:g}h -> {ch.after:g}h (rate {ch.rate * 100:+.3f}% per interval)")

    def _pay_funding(self, due: np.ndarray, rates: np.ndarray) -> None:
        arr = self.ledger.rebuild()
        paid = self.ledger.pay_funding(due, rates, self.position_marks(arr), self.t)
        for v, a in zip(*np.nonzero(due)):
            self.settled.setdefault((int(v), int(a)), deque(maxlen=SETTLED_KEPT)).append(
                (self.t, float(rates[v, a]), float(self.funding.interval[v, a])))
        for acc_i, (amount, count) in sorted(paid.items()):
            acc = self.ledger.accounts[acc_i]
            verb = "received" if amount >= 0 else "paid"
            self.log.add(self.t, "funding", f"{acc.name} {verb} {money(abs(amount))} funding on "
                         f"{count} position{'s' if count > 1 else ''}", acc.name)

    def _margin(self) -> None:
        marks, chk = self.ledger.evaluate()
        if not (chk.liquidate_positions.any() or chk.liquidate_accounts.any()):
            return
        for liq in self.ledger.liquidate(chk, marks):
            pos, name = liq.position, liq.account.name
            mode = "isolated" if pos.isolated else "cross"
            self.log.add(self.t, "liquidation",
                         f"{name}: LIQUIDATED {pos.side.value} {abs(pos.size)} {pos.symbol} ({mode}) "
                         f"at {liq.mark:,.6g}, margin ratio {liq.ratio:.2f}, lost {money(liq.loss)}",
                         name)
            self.exchange.drop_symbol(liq.account, pos.symbol, self.t)
            # What the venue tells its client: its snapshots carry the account's liquidations.
            self.liquidations.setdefault(name, []).append(LiquidationReport(
                account=name, symbol=pos.symbol, side=pos.side, size=abs(pos.size), price=liq.mark,
                time=self.t, loss=round(liq.loss, 2)))
            del self.liquidations[name][:-LIQUIDATIONS_KEPT]  # the recent ones, as a venue reports

    def _land(self, landed: list[TransferState]) -> None:
        for t in landed:
            net = float(t.amount - t.fee)
            if t.inbound:
                acc = self.ledger.by_name[t.account]
                self.ledger.wallet[acc.index] += net
            else:
                self.external[t.to_layer] = self.external.get(t.to_layer, 0.0) + net
            minutes = (t.arrive_at - t.started_at) / 60.0
            self.log.add(self.t, "transfer", f"{t.account}: transfer {t.id} {money(float(t.amount))} "
                         f"{t.from_layer.value} -> {t.to_layer.value} landed after {minutes:,.1f} min",
                         t.account)

    # --- requests from the venues -------------------------------------------------------------

    def account(self, name: str) -> Account:
        """The account called `name`."""
        return self.ledger.by_name[name]

    def submit_order(self, name: str, request: OrderRequest) -> Order:
        """Check and execute an order for account `name`; raises `Rejected`."""
        self.version += 1
        return self.exchange.submit(self.account(name), request, self.t)

    def request_transfer(self, name: str, request: TransferRequest, *, inbound_from: Layer | None = None
                         ) -> Transfer:
        """Start a withdrawal (or, with `inbound_from`, a deposit) for account `name`.

        Refuses an amount above what can be withdrawn, a route that does not exist, and more than
        a fast bridge's free liquidity. A repeated client id returns the transfer already started.
        """
        acc = self.account(name)
        spec = acc.spec
        done = self.transfers.by_client.get((name, request.client_id)) if request.client_id else None
        if done is not None:
            return done.to_transfer()
        if request.amount <= 0:
            raise Rejected(f"{spec.id}: transfer amount must be positive", account=name)
        if inbound_from is not None:
            source, target = inbound_from, acc.info.layer
        else:
            source, target = acc.info.layer, request.to_layer
        if source is target and source is not Layer.CEX:
            raise Rejected(f"{spec.id}: collateral is already on {target.value}", account=name)
        chains = candidate_routes(source, target)
        if request.route:
            chains = [c for c in chains if request.route.lower() in chain_label(c).lower()]
        if not chains:
            named = f" named {request.route!r}" if request.route else ""
            raise Rejected(f"{spec.id}: no route{named} from {source.value} to {target.value}",
                           account=name)
        chain = chains[0]
        amount = float(request.amount)
        if inbound_from is None:
            free = self.ledger.figures(acc).withdrawable
            if amount > free:
                message, code = spec.say("withdraw", f"requested {amount:,.2f}, withdrawable {free:,.2f}")
                raise Rejected(message, account=name, code=code)
        for hop in chain:
            if hop.cap is not None and amount > self.transfers.cap_left(hop.label, hop.cap):
                left = self.transfers.cap_left(hop.label, hop.cap)
                raise Rejected(f"{spec.id}: {hop.label} liquidity cap: at most {money(left)} now",
                               account=name)
        if inbound_from is None:
            self.ledger.wallet[acc.index] -= amount
        t = self.transfers.start(client_id=request.client_id, account=name, chain=chain,
                                 amount=request.amount, currency=request.currency, now=self.t,
                                 inbound=inbound_from is not None)
        self.version += 1
        eta = "unknown (stuck)" if t.status is TransferStatus.STUCK else f"{(t.arrive_at - self.t) / 60:,.1f} min"
        self.log.add(self.t, "transfer", f"{name}: transfer {t.id} {money(amount)} {source.value} -> "
                     f"{target.value} via {t.route}, {t.status.value}, eta {eta}", name)
        return t.to_transfer()
