"""Risk benchmarks: evaluate a 500-position book, and stress 10,000 positions × 200 scenarios.

Run: ``python -c "import bench.bench_risk as b; [print(f.line()) for f in b.run()]"``.

Figures:
* evaluate, every snapshot new: all eight accounts' snapshots are new objects on every call (the
  first frame, or every poller finishing at once): nothing is cached.
* evaluate, one account new: each call replaces one account's snapshot (what a poller finishing
  does), so the other accounts' arrays come from the cache.
* sampling tick: the evaluation on which a volatility and a funding sample fall due (once per
  5 minutes for funding), with full histories: it recomputes every cell's robust baseline.
* stress: `cockpit.risk.stress.run` on random books and shock matrices.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from bench.common import Figure, median_time
from cockpit.model import (
    AccountInfo,
    AccountState,
    Book,
    Collateral,
    FundingQuote,
    Health,
    Instrument,
    Layer,
    MarginMode,
    Position,
    Side,
    VenueSnapshot,
)
from cockpit.risk import RiskEngine
from cockpit.risk import stress

VENUES = (("binance", Layer.CEX), ("bybit", Layer.CEX), ("hyperliquid", Layer.HYPERLIQUID),
          ("paradex", Layer.STARKNET))


class BookMaker:
    """A random book: 8 accounts on 4 venues, 300 symbols (150 assets × 2 venues), 500 positions."""

    def __init__(self, seed: int = 7, positions: int = 500, accounts: int = 8, assets: int = 150) -> None:
        rng = self.rng = np.random.default_rng(seed)
        self.prices = np.exp(rng.uniform(np.log(0.05), np.log(60_000), assets))
        self.assets = [f"A{i:03d}" for i in range(assets)]
        # Each asset trades on two of the four venues: 300 symbols, 75 per venue.
        self.listed = {v: [a for a in range(assets) if a % 4 in (k, (k + 1) % 4)] for k, (v, _) in enumerate(VENUES)}
        self.infos = [AccountInfo(name=f"acct{i}", venue=VENUES[i % 4][0], layer=VENUES[i % 4][1])
                      for i in range(accounts)]
        per = [positions // accounts + (1 if i < positions % accounts else 0) for i in range(accounts)]
        self.held = [rng.choice(self.listed[info.venue], size=n, replace=False) for info, n in zip(self.infos, per)]
        self.sides = [[(Side.LONG, Side.SHORT)[k] for k in rng.integers(0, 2, n)] for n in per]
        self.sizes = [[Decimal(str(round(float(x), 3))) for x in rng.uniform(1_000, 50_000, n) / self.prices[h]]
                      for n, h in zip(per, self.held)]
        self.instruments = {
            info.name: {f"{self.assets[a]}/USDT:USDT": Instrument(venue=info.venue, symbol=f"{self.assets[a]}/USDT:USDT",
                                                                  asset=self.assets[a])
                        for a in self.listed[info.venue]}
            for info in self.infos}

    def snapshot(self, i: int, t: float) -> VenueSnapshot:
        """A fresh snapshot of account `i` with marks jittered around the base prices."""
        info = self.infos[i]
        rng = self.rng
        marks = self.prices * (1 + rng.normal(0, 0.001, self.prices.shape[0]))
        positions = tuple(
            Position(account=info.name, venue=info.venue, symbol=f"{self.assets[a]}/USDT:USDT",
                     asset=self.assets[a], side=side, size=size, entry_price=Decimal(str(round(self.prices[a], 4))),
                     mark_price=Decimal(str(round(marks[a], 6))),
                     liquidation_price=(Decimal(str(round(marks[a] * (0.6 if side is Side.LONG else 1.4), 6)))
                                        if k % 3 == 0 else None),
                     margin_mode=MarginMode.CROSS, leverage=3.0)
            for k, (a, side, size) in enumerate(zip(self.held[i], self.sides[i], self.sizes[i])))
        funding = tuple(
            FundingQuote(venue=info.venue, symbol=f"{self.assets[a]}/USDT:USDT", asset=self.assets[a],
                         rate=float(rng.normal(0.0001, 0.00005)), interval_hours=(1.0, 4.0, 8.0)[a % 3],
                         mark_price=float(marks[a]), open_interest=float(1e6 / self.prices[a]))
            for a in self.listed[info.venue])
        gross = sum(float(p.size * p.mark_price) for p in positions)
        collateral = Collateral(account=info.name, layer=info.layer, currency="USDT", equity=gross / 3,
                                used=gross / 10, free=gross / 3 - gross / 10, maintenance=gross / 50)
        return VenueSnapshot(account=info, fetched_at=t, positions=positions, collateral=collateral,
                             funding=funding)

    def book(self, snaps: list[VenueSnapshot], t: float) -> Book:
        """A book of these snapshots, every account LIVE."""
        return Book(now=t, accounts=tuple(AccountState(info=s.account, snapshot=s, health=Health.LIVE, age=0.5)
                                          for s in snaps))


def _evaluate_figures() -> list[Figure]:
    maker = BookMaker()
    n_acc = len(maker.infos)
    rounds = 40
    fresh = [[maker.snapshot(i, float(r)) for i in range(n_acc)] for r in range(rounds)]
    books = [maker.book(snaps, float(r)) for r, snaps in enumerate(fresh)]
    engine = RiskEngine()
    state = {"k": 0}

    def cold() -> None:
        """Evaluate a book whose eight snapshots are all new objects."""
        k = state["k"] = state["k"] + 1
        engine.evaluate(books[k % rounds], maker.instruments, 1000.0 + k)

    cold_s = median_time(cold, repeat=31)
    current = list(fresh[0])

    def one_new() -> None:
        """Replace one account's snapshot, then evaluate."""
        k = state["k"] = state["k"] + 1
        current[k % n_acc] = fresh[k % rounds][k % n_acc]
        engine.evaluate(maker.book(current, 0.0), maker.instruments, 2000.0 + k)

    warm_s = median_time(one_new, repeat=61)
    a = engine.evaluate(maker.book(current, 0.0), maker.instruments, 5000.0)
    shape = f"{len(a.positions)} positions, {n_acc} accounts, {len(a.funding)} funding cells"
    return [
        Figure("risk: evaluate, every snapshot new", cold_s * 1e3, "ms", target=5.0, note=shape),
        Figure("risk: evaluate, one account's snapshot new", warm_s * 1e3, "ms", target=5.0, note=shape),
    ]


def _sampling_figure() -> Figure:
    maker = BookMaker()
    book = maker.book([maker.snapshot(i, 0.0) for i in range(len(maker.infos))], 0.0)
    engine = RiskEngine()
    clock = {"t": 0.0}

    def tick() -> None:
        """Evaluate 5 minutes later: a volatility sample and a funding sample are both due."""
        clock["t"] += 300.0
        engine.evaluate(book, maker.instruments, clock["t"])

    for _ in range(engine.settings.funding_history_samples):  # fill the 24 h APR history first
        tick()
    return Figure("risk: evaluate on a sampling tick (histories full)", median_time(tick, repeat=21) * 1e3,
                  "ms", note="once per 5 min: robust baselines of 300 cells x 288 samples, vol percentiles")


def _stress_figure(positions: int = 10_000, scenarios: int = 200, assets: int = 300,
                   accounts: int = 8) -> Figure:
    rng = np.random.default_rng(11)
    asset = rng.integers(0, assets, positions)
    acct = rng.integers(0, accounts, positions)
    sign = rng.choice([-1.0, 1.0], positions)
    notional = rng.uniform(1e3, 5e4, positions)
    mark = rng.uniform(1, 100, positions)
    liq = np.where(rng.random(positions) < 0.5, mark * (1 - 0.3 * sign), np.nan)
    equity = np.full(accounts, notional.sum() / accounts / 3)
    maint = np.full(accounts, notional.sum() / accounts / 50)
    shocks = rng.normal(0, 0.08, (scenarios, assets))
    liq_shock = stress.liquidation_shock(sign, mark, liq)
    cross = rng.random(positions) < 0.7
    mm = maint[acct] / np.bincount(acct, minlength=accounts)[acct]
    iso_equity = np.where(cross, np.nan, notional / 10)

    def go() -> None:
        """Stress the whole book once."""
        stress.run(shocks, sign * notional, asset, acct, sign, liq_shock, cross, mm, iso_equity, equity, maint)

    return Figure(f"risk: stress {positions:,} positions x {scenarios} scenarios",
                  median_time(go, repeat=21) * 1e3, "ms", target=20.0,
                  note="PnL, equity and margin ratio per account, liquidation per position")


def run(quick: bool = False) -> list[Figure]:
    """Every risk figure."""
    return _evaluate_figures() + [_sampling_figure(), _stress_figure()]
