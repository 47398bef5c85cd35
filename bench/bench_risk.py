"""Risk benchmarks: evaluate a 500-position book, and stress 10,000 positions × 200 scenarios.

Run: ``python -c "import bench.bench_risk as b; [print(f.line()) for f in b.run()]"``.

Figures:
* evaluate, every snapshot new: all eight accounts' snapshots are new on every call (the first
  frame, or every poller finishing at once): every snapshot is converted to columns.
* evaluate, one account new: each call replaces one account's snapshot (what a poller finishing
  does), so the other accounts' columns are the ones kept under their snapshots' `seq`.

The evaluate figures also note the median CPU time of the thread, the steadier figure on a loaded
machine.
* sampling tick: the evaluation on which a volatility and a funding sample fall due (once per
  5 minutes for funding), with full histories: it recomputes every cell's robust baseline.
* stress: `cockpit.risk.stress.run` on random books and shock matrices.
* carry scan: `cockpit.risk.carry.scan` over the book's 300 funding cells with a full day of
  funding samples (288 per cell) for the spreads' stability; the evaluation runs it only when its size or cells change, else every 10 s
  (`CarryScanner`), so the evaluate figures above are medians without it.

The evaluated book is `tests.risk.factory.RandomBook`, built from the same pieces as the risk
tests' books.
"""

from __future__ import annotations

import numpy as np

from bench.common import Figure, median_time, median_wall_and_cpu
from cockpit.risk import RiskEngine
from cockpit.risk import carry, stress
from tests.risk.factory import RandomBook


def _evaluate_figures() -> list[Figure]:
    maker = RandomBook()
    n_acc = len(maker.names)
    rounds = 40
    fresh = [[maker.state(i, float(r)) for i in range(n_acc)] for r in range(rounds)]
    books = [maker.book(snaps, float(r)) for r, snaps in enumerate(fresh)]
    engine = RiskEngine()
    state = {"k": 0}

    def cold() -> None:
        """Evaluate a book whose eight snapshots are all new (none converted yet)."""
        k = state["k"] = state["k"] + 1
        engine.evaluate(books[k % rounds], maker.instruments, 1000.0 + k)

    cold_s, cold_cpu = median_wall_and_cpu(cold, repeat=41)
    current = list(fresh[0])

    def one_new() -> None:
        """Replace one account's snapshot, then evaluate."""
        k = state["k"] = state["k"] + 1
        current[k % n_acc] = fresh[k % rounds][k % n_acc]
        engine.evaluate(maker.book(current, 0.0), maker.instruments, 2000.0 + k)

    warm_s, warm_cpu = median_wall_and_cpu(one_new, repeat=81)
    a = engine.evaluate(maker.book(current, 0.0), maker.instruments, 5000.0)
    shape = f"{len(a.positions)} positions, {n_acc} accounts, {len(a.funding)} funding cells"
    return [
        Figure("risk: evaluate, every snapshot new", cold_s * 1e3, "ms", target=5.0,
               note=f"{shape}; CPU {cold_cpu * 1e3:.2f} ms"),
        Figure("risk: evaluate, one account's snapshot new", warm_s * 1e3, "ms", target=5.0,
               note=f"{shape}; CPU {warm_cpu * 1e3:.2f} ms"),
    ]


def _sampling_figure() -> Figure:
    maker = RandomBook()
    book = maker.book([maker.state(i, 0.0) for i in range(len(maker.names))], 0.0)
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


def _carry_figure() -> Figure:
    maker = RandomBook()
    book = maker.book([maker.state(i, 0.0) for i in range(len(maker.names))], 0.0)
    engine = RiskEngine()
    s = engine.settings
    for k in range(s.funding_history_samples):  # a full day of funding samples, as after a day or a restart
        a = engine.evaluate(book, maker.instruments, k * s.funding_sample_seconds)
    cells = a.funding
    fees = carry.cell_fees(cells, book, maker.instruments)
    history = engine._funding.apr_samples()[:len(cells)]  # every cell is quoted: rows in cell order

    def go():
        return carry.scan(cells, fees, s.carry_size, s.carry_horizon_days, history=history,
                          sample_seconds=s.funding_sample_seconds)

    wall, cpu = median_wall_and_cpu(go, repeat=41)
    return Figure(f"risk: carry scan, {len(cells)} funding cells", wall * 1e3, "ms",
                  note=f"{len(go().pairs)} pairs listed, stability over {history.shape[1]} samples per cell; "
                       f"CPU {cpu * 1e3:.2f} ms; run every 10 s or on a change")


def _carry_share_figure(rounds: int = 300) -> Figure:
    """The evaluation with the carry scanner against the same evaluation without it (its
    `update` stubbed), interleaved in one run, one account's snapshot new per call and the clock
    one second on: medians of the thread's CPU time, and the mean (which carries the rescan every
    10 s)."""
    import statistics
    import time

    maker = RandomBook()
    n_acc = len(maker.names)
    fresh = [[maker.state(i, float(r)) for i in range(n_acc)] for r in range(40)]
    with_scan, without = RiskEngine(), RiskEngine()
    without._carry.update = lambda *args, **kw: None  # type: ignore[method-assign]
    current = {id(e): list(fresh[0]) for e in (with_scan, without)}
    cpu: dict[int, list[float]] = {id(with_scan): [], id(without): []}
    for k in range(rounds):
        for e in (with_scan, without) if k % 2 else (without, with_scan):
            current[id(e)][k % n_acc] = fresh[k % 40][k % n_acc]
            book = maker.book(current[id(e)], 0.0)
            t0 = time.thread_time()
            e.evaluate(book, maker.instruments, 2000.0 + k)
            cpu[id(e)].append(time.thread_time() - t0)
    a, b = cpu[id(with_scan)][20:], cpu[id(without)][20:]
    return Figure("risk: evaluate with the carry scanner (CPU)", statistics.median(a) * 1e3, "ms",
                  ratio=statistics.median(a) / statistics.median(b),
                  note=f"baseline without it {statistics.median(b) * 1e3:.2f} ms; means {statistics.mean(a) * 1e3:.2f} "
                       f"vs {statistics.mean(b) * 1e3:.2f} ms (a rescan every 10 s)")


def run(quick: bool = False) -> list[Figure]:
    """Every risk figure."""
    return _evaluate_figures() + [_sampling_figure(), _stress_figure(), _carry_figure(),
                                  _carry_share_figure(60 if quick else 300)]
