"""The plots' series: built from the history store only while a terminal watches them, bounded
and bucketed, with the lines they are read against; watches lapse and are dropped; the frame
carries them in-process and over a guard's socket (a full frame, then patches).

No Textual, no timing assertions.
"""

from __future__ import annotations

import asyncio

import pytest

from cockpit.engine import handling
from cockpit.engine.demo import demo_engine
from cockpit.engine.history import HistoryStore
from cockpit.engine.local import LocalEngine
from cockpit.engine.plots import BUCKETS, FUNDING_SPAN, PlotWatch, bucket_for, interval_changes, top_drivers
from cockpit.engine.protocol import default_socket
from cockpit.engine.remote import RemoteEngine
from cockpit.model import Assessment, FundingCell, Layer, LayerCollateral
from cockpit.model import codec, patch
from cockpit.model.commands import WATCH_LEASE, WatchPlots
from cockpit.model.plots import MAX_CELLS, MAX_POINTS, Driver
from cockpit.risk import RiskSettings
from tests.waiting import until

START = 1_700_006_400.0  # a multiple of every bucket width: bucket starts are round
FROZEN = 1_780_000_000.0


class Mono:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _collateral(account: str, equity: float) -> LayerCollateral:
    return LayerCollateral(account, "sim", Layer.CEX, "USDT", equity, 0.0, equity, equity, 0.0, None, 0.0, 0.0,
                           None, "")


def _assessment(now: float, k: int) -> Assessment:
    """Minute `k` of a made-up hour: BTC's APR rises, its interval goes 8 h -> 4 h at minute 30,
    the index climbs past re-entry (DOGE then ETH driving), equity falls 1% an hour."""
    interval = 8.0 if k < 30 else 4.0
    rate = 0.0001 * (1 + k / 10)
    cell = FundingCell("BTC", "binance", "BTC/USDT:USDT", rate * 24 / interval * 365, rate, interval)
    index = float(k)
    drivers = ("DOGE", "BTC") if k < 45 else ("ETH", "DOGE")
    equity = 100_000.0 * (1 - 0.01 * k / 60)
    return Assessment(now=now, funding=(cell,), funding_stress=index, funding_stress_drivers=drivers,
                      collateral=(_collateral("a", equity * 0.6), _collateral("b", equity * 0.4)),
                      equity=equity, drawdown_daily=0.01 * k / 60, drawdown_peak=0.02 * k / 60)


def _filled(minutes: int = 60) -> HistoryStore:
    store = HistoryStore()
    for k in range(minutes):
        for s in range(6):  # every 10 s: the stress table's spacing; equity every minute
            store.observe(START + 60 * k + 10 * s, _assessment(START + 60 * k + 10 * s, k))
    return store


def test_nothing_is_read_or_carried_while_nobody_watches() -> None:
    watch = PlotWatch(_filled(5), clock=Mono())
    assert watch.plots(START + 300) is None


def test_watched_series_with_their_lines_drivers_and_interval_changes() -> None:
    store = _filled()
    settings = RiskSettings(funding_stress_threshold=50.0, funding_stress_reentry=30.0, daily_drawdown_cap=0.04)
    watch = PlotWatch(store, lambda: settings, clock=Mono())
    assert watch.watch(WatchPlots("t1", (("BTC", "binance"),))) is None
    now = START + 3600
    plots = watch.plots(now)
    assert plots is not None and plots.now == now

    cell = plots.cell("BTC", "binance")
    assert cell is not None and cell.symbol == "BTC/USDT:USDT"
    assert cell.interval_changes == ((START + 1800, 4.0),)  # funding is sampled every 5 min
    assert cell.apr[0][1] == pytest.approx(0.0001 * 3 * 365)  # minute 0: 0.01% per 8 h
    assert cell.apr[-1][1] > cell.apr[0][1] * 2  # per 4 h after the change: twice the APR per rate

    stress = plots.stress
    assert (stress.threshold, stress.warn, stress.reentry) == (50.0, 40.0, 30.0)
    assert stress.bucket == 30.0 and len(stress.index) == 120  # 360 samples -> 120 buckets of 30 s
    assert stress.index[-1] == (START + 3570, 59.0)  # a bucket's highest reading
    assert stress.raised == 6 * 30  # minutes 30-59 at or above re-entry
    assert stress.drivers[0] == Driver("DOGE", 1.0, START + 1800, START + 3590)
    assert [(d.asset, d.share) for d in stress.drivers[1:]] == [("BTC", 0.5), ("ETH", 0.5)]  # ties by name

    equity = plots.equity
    assert [s.name for s in equity.accounts] == ["a", "b"]
    assert equity.accounts[0].points[0] == (START, 60_000.0)
    assert equity.daily_cap == 0.04 and equity.peak_cap == settings.peak_drawdown_cap
    assert equity.drawdown_peak[-1][1] == pytest.approx(0.02 * 59 / 60)
    assert equity.book[-1][1] == pytest.approx(100_000 * (1 - 0.01 * 59 / 60))


def test_series_stay_within_max_points_over_a_long_history() -> None:
    store = HistoryStore()
    for k in range(0, 8 * 86400, 600):  # eight days, every 10 minutes
        store.observe(START + k, _assessment(START + k, (k // 600) % 60))
    watch = PlotWatch(store, clock=Mono())
    watch.watch(WatchPlots("t1", (("BTC", "binance"),)))
    plots = watch.plots(START + 8 * 86400)
    series = [plots.funding[0].apr, plots.stress.index, plots.equity.book, plots.equity.accounts[0].points]
    assert all(0 < len(s) <= MAX_POINTS for s in series)
    assert plots.stress.index[0][0] >= START + 7 * 86400  # the last day only
    assert plots.funding[0].apr[0][0] >= START + 8 * 86400 - FUNDING_SPAN


def test_bucket_ladder_and_helpers() -> None:
    assert bucket_for(600) == 10.0 and bucket_for(2401) == 30.0 and bucket_for(10 ** 9) == BUCKETS[-1]
    assert interval_changes([(1, 8.0), (2, 8.0), (3, 1.0), (4, 8.0)]) == ((3.0, 1.0), (4.0, 8.0))
    assert top_drivers([]) == ()
    assert top_drivers([(1.0, ("A", "B", "C", "D")), (2.0, ("B",))])[:2] == (
        Driver("B", 1.0, 1.0, 2.0), Driver("A", 0.5, 1.0, 1.0))


def test_a_watch_lapses_unless_renewed_and_stop_ends_it() -> None:
    mono = Mono()
    watch = PlotWatch(_filled(2), clock=mono)
    watch.watch(WatchPlots("t1"))
    mono.now += WATCH_LEASE - 1
    assert watch.plots(START + 120) is not None
    watch.watch(WatchPlots("t1"))  # renewed
    mono.now += WATCH_LEASE - 1
    assert watch.plots(START + 120) is not None
    mono.now += 2
    assert watch.plots(START + 120) is None  # lapsed
    watch.watch(WatchPlots("t2"))
    watch.watch(WatchPlots("t2", stop=True))
    assert not watch.watched


def test_cells_are_bounded_and_bad_watches_refused() -> None:
    watch = PlotWatch(HistoryStore(), clock=Mono())
    too_many = tuple((f"A{i}", "v") for i in range(MAX_CELLS + 1))
    assert "at most" in watch.watch(WatchPlots("t1", too_many))
    assert "id" in watch.watch(WatchPlots(""))
    assert watch.watch(WatchPlots("t1", (("BTC", ""),))) is not None
    for i in range(3):
        watch.watch(WatchPlots(f"t{i}", ((f"A{i}", "v"), (f"B{i}", "v"))))
    assert len(watch.cells()) == MAX_CELLS  # the union, bounded
    plots = watch.plots(START)
    assert [f.asset for f in plots.funding] == ["A0", "B0", "A1", "B1"] and plots.stress is None


def test_unchanged_history_is_the_same_object_and_rereads_wait_for_the_gap() -> None:
    mono = Mono()
    store = _filled(2)
    watch = PlotWatch(store, clock=mono)
    watch.watch(WatchPlots("t1"))
    first = watch.plots(START + 120)
    assert watch.plots(START + 121) is first  # nothing written: nothing read
    store.observe(START + 130, _assessment(START + 130, 2))
    assert watch.plots(START + 130) is first  # written, but within the gap
    mono.now += 2.5
    assert watch.plots(START + 131) is not first


async def test_the_engine_carries_plots_while_watched_and_a_read_only_engine_accepts() -> None:
    engine = demo_engine(seed=7, clock=lambda: FROZEN, readonly=True)
    frame = await engine.poll_once()
    assert frame.plots is None
    cell = frame.assessment.funding[0]
    result = await handling.send(engine, WatchPlots("t1", ((cell.asset, cell.venue),)))
    assert result.ok
    frame = await engine.poll_once()
    history = frame.plots.cell(cell.asset, cell.venue)
    assert history.symbol == cell.symbol and history.apr[-1][1] == pytest.approx(cell.apr)
    assert frame.plots.stress is not None and frame.plots.equity.accounts
    assert codec.decode(codec.encode(frame.plots)) == frame.plots  # it travels
    result = await handling.send(engine, WatchPlots("t1", stop=True))
    assert result.ok and (await engine.poll_once()).plots is None
    refused = await handling.send(engine, WatchPlots("x" * 65))
    assert not refused.ok and "id" in refused.message


def test_attached_terminal_gets_the_series_by_patches_and_its_watch_goes_with_it() -> None:
    """Over a guard's socket: the series arrive in the frames that follow the watch (patches
    after the first frame), and detaching drops the terminal's watch."""
    clock = [FROZEN]

    def later(check, step: float):
        def tick():
            clock[0] += step  # the 60x simulator steps a simulated minute a second
            return check()
        return tick

    guard = LocalEngine(demo_engine(seed=7, speed=60.0, clock=lambda: clock[0]), serve=default_socket())
    guard.start()
    try:
        remote = RemoteEngine(default_socket())
        remote.attach()
        try:
            until(lambda: remote.latest is not None, what="the first frame")
            assert remote.latest.plots is None
            cell = remote.latest.assessment.funding[0]
            assert asyncio.run(remote.send(WatchPlots("term", ((cell.asset, cell.venue),)))).ok
            until(later(lambda: remote.latest.plots is not None and remote.latest.plots.equity is not None, 1.0),
                  10.0, "the series")
            seen = remote.latest.plots
            until(later(lambda: remote.latest.plots.now > seen.now, 3.0), 10.0, "a later read")
            until(lambda: remote.latest.seq == guard.latest.seq, what="the terminal to catch up")
            assert remote.latest.plots == guard.latest.plots  # rebuilt from patches, the same
            assert remote.latest.plots.cell(cell.asset, cell.venue).apr
            assert guard.engine.plots.watched
        finally:
            remote.detach()
        until(lambda: not guard.engine.plots.watched, what="the watch to go with its terminal")
    finally:
        guard.stop()


def test_a_patch_names_the_points_it_keeps() -> None:
    store = _filled(3)
    watch = PlotWatch(store, clock=Mono())
    watch.watch(WatchPlots("t1"))
    before = watch.plots(START + 180)
    store.observe(START + 180, _assessment(START + 180, 3))
    watch._built_at = -1e9  # past the gap
    after = watch.plots(START + 181)
    node = patch.diff(codec.encode(before), codec.encode(after))
    rows = node["*"]["stress"]["*"]["index"]["#"]
    assert all(isinstance(r, int) for r in rows[:-1])  # every point but the newest kept by reference
