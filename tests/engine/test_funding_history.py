"""History that lasts: funding, the stress index, equity and drawdown survive a restart (the
index's baseline warm at once); the store is bounded and pruned; the venues' histories are read
in the background, paced, never before or in the way of the first frame; each payment's estimate.

No Textual, no network, no sleeping on the wall clock except where a real engine runs (bounded
by waits on conditions, never by timing assertions).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from cockpit.engine import Engine, EngineSettings
from cockpit.engine.backfill import Backfill, BackfillSettings
from cockpit.engine.history import HistoryBounds, HistoryStore, history_path
from cockpit.engine.journal import Journal
from cockpit.model import Assessment, FundingCell, FundingQuote, RateLimited, Side, VenueSnapshot
from cockpit.model.funding import FundingPayment, FundingSample
from cockpit.risk import RiskEngine
from tests.engine.fakes import Clock, FakeVenue, account, position

BTC = "BTC/USDT:USDT"
START = 1_700_000_000.0


@dataclass
class FundingFake(FakeVenue):
    """A fake account that quotes funding and can tell its funding history."""

    rate: float = 0.0005  # per 8 h: 54.75 % APR, far from the calm prior (11 %)
    next_time: float | None = None
    history_calls: list[float] = field(default_factory=list)
    hang: asyncio.Event | None = None  # history calls wait on it (never set: they hang)
    limited: int = 0  # the next calls answer RateLimited
    payments: tuple = ()

    quiet: bool = False  # the next snapshots carry no funding quote (a reply missing for a while)

    async def snapshot(self) -> VenueSnapshot:
        snap = await super().snapshot()
        if self.quiet:
            return dataclasses.replace(snap, funding=())
        quote = FundingQuote(venue=self.info.venue, symbol=BTC, asset="BTC", rate=self.rate, interval_hours=8.0,
                             next_time=self.next_time, mark_price=100.0, open_interest=1000.0)
        return VenueSnapshot(account=snap.account, fetched_at=snap.fetched_at, positions=snap.positions,
                             collateral=snap.collateral, funding=(quote,))

    async def _history_call(self) -> None:
        self.history_calls.append(self.clock())
        if self.hang is not None:
            await self.hang.wait()
        if self.limited:
            self.limited -= 1
            raise RateLimited("429", account=self.info.name, retry_after=45.0)

    async def funding_rate_history(self, symbol: str, since: float) -> tuple[FundingSample, ...]:
        await self._history_call()
        return (FundingSample(since + 3600, 0.0001, 8.0), FundingSample(since + 8 * 3600, 0.0002, 8.0))

    async def funding_payments(self, since: float) -> tuple[FundingPayment, ...]:
        await self._history_call()
        return tuple(p for p in self.payments if p.time >= since)


def run_frames(engine: Engine, clock: Clock, n: int, step: float) -> None:
    async def go():
        for _ in range(n):
            await engine.poll_once()
            clock.now += step
    asyncio.run(go())


def test_history_survives_a_restart_and_the_baseline_is_warm_at_once(tmp_path):
    """A day of a steady 55 % APR, then a restart: the restored engine reads 55 % as normal
    (stress 0), where an engine without history reads it as a squeeze from its calm prior."""
    path = tmp_path / "journal.sqlite"
    clock = Clock(START)
    venue = FundingFake(account("a"), clock)
    journal = Journal(path)
    engine = Engine([venue], clock=clock, journal=journal)
    run_frames(engine, clock, 60, 300.0)
    history = engine.funding.history
    assert history.count("funding") == 60 and history.count("stress") == 60 and history.count("book") == 60
    journal.close()
    assert (tmp_path / "journal-history.sqlite").exists()

    cold = Engine([FundingFake(account("a"), clock)], clock=clock)
    cold_frame = asyncio.run(cold.poll_once())
    assert cold_frame.assessment.funding_stress > 0  # 55 % against the 11 % prior: a deviation

    journal = Journal(path)
    warm = Engine([FundingFake(account("a"), clock)], clock=clock, journal=journal)
    frame = asyncio.run(warm.poll_once())
    assert frame.assessment.funding_stress == 0.0
    (cell,) = frame.assessment.funding
    assert len(cell.history) >= 20 and abs(cell.deviation) < 1.0
    # The index's own history (its last hour, what the risk engine keeps) is back too: the
    # sparkline does not start empty. 12 samples 5 minutes apart, and this frame's.
    assert len(frame.assessment.funding_stress_history) == 13
    # And the cell's day and week: 55 % all along, positive all of the time.
    (stats,) = frame.funding_stats
    assert stats.avg_1d == pytest.approx(0.0005 * 3 * 365) and stats.positive_1d == 1.0
    journal.close()


def test_drawdown_peaks_come_back_after_a_restart_not_days_later(tmp_path):
    """A restart in the middle of a drawdown keeps the peak (the trigger is not reset); a new
    session a day later starts from its own peak."""
    store = HistoryStore(tmp_path / "h.sqlite")
    a = Assessment(now=START, equity=9000.0, drawdown_daily=0.1, drawdown_peak=0.1)
    store.observe(START, a, drawdown_peaks=(10_000.0, 10_000.0))
    for later, kept in ((START + 600, True), (START + 2 * 86400, False)):
        risk = RiskEngine()
        memory = Engine([], risk=risk, clock=lambda: later, history=store).funding
        assert memory is not None
        assert (risk.drawdown_peaks()[0] == 10_000.0) is kept


def test_the_store_is_bounded_and_pruned(tmp_path):
    """Ten days of samples: what is older than the bound is gone after a prune, the rest kept."""
    bounds = HistoryBounds(funding_every=3600.0, stress_every=3600.0, equity_every=3600.0, keep=2 * 86400,
                           prune_every=86400.0)
    store = HistoryStore(tmp_path / "h.sqlite", bounds)
    cell = FundingCell(asset="BTC", venue="v", symbol=BTC, apr=0.1, rate=0.0001, interval_hours=8.0)
    for hour in range(240):
        now = START + hour * 3600.0
        store.observe(now, Assessment(now=now, funding=(cell,), equity=1.0))
    last = START + 239 * 3600.0
    store.prune(last)
    kept = store.funding(0.0)[("BTC", "v", BTC)]
    assert kept[0][0] >= last - 2 * 86400 and len(kept) == 49  # two days of hourly samples, both ends
    assert store.count("stress") == 49 and store.count("book") == 49
    # Payments are kept far longer (accounting), and a payment is booked once however often read.
    p = FundingPayment(account="a", venue="v", symbol=BTC, asset="BTC", time=START, amount=Decimal("-1.5"),
                       currency="USDT", id="x1")
    assert store.add_payments([p]) == 1 and store.add_payments([p]) == 0
    store.prune(last)
    assert store.payments(0.0) == [p]


def test_history_path_is_a_sibling_of_the_journal(tmp_path):
    assert history_path(tmp_path / "journal.sqlite") == str(tmp_path / "journal-history.sqlite")
    assert history_path(":memory:") == ":memory:"


def test_each_payment_is_estimated_when_it_falls_due():
    """A long of 2 BTC at a mark of 100 and +0.05 % per interval pays 0.1 at the payment time."""
    clock = Clock(START)
    venue = FundingFake(account("a"), clock, next_time=START + 60)
    venue.positions[BTC] = position("a", BTC, Side.LONG, "2")
    engine = Engine([venue], clock=clock)
    run_frames(engine, clock, 2, 100.0)  # before, then after the payment time
    ((acc, _venue, symbol, asset, t, amount, rate, notional),) = engine.funding.history.estimates(0.0)
    assert (acc, symbol, asset, t) == ("a", BTC, "BTC", START + 60)
    assert amount == pytest.approx(-0.1) and notional == pytest.approx(200.0)


def test_a_payment_is_estimated_though_its_quote_went_missing_before_it_fell_due():
    """The quote is missing for a frame before the payment time, and after it the venue already
    quotes the next payment: the one in between is still estimated, from the figures last seen."""
    clock = Clock(START)
    venue = FundingFake(account("a"), clock, next_time=START + 60)
    venue.positions[BTC] = position("a", BTC, Side.LONG, "2")
    engine = Engine([venue], clock=clock)
    run_frames(engine, clock, 1, 30.0)  # quoted: the payment at START + 60
    venue.quiet = True
    run_frames(engine, clock, 1, 70.0)  # no quote at START + 30
    venue.quiet, venue.next_time = False, START + 60 + 8 * 3600
    run_frames(engine, clock, 1, 1.0)  # START + 100: the next payment quoted
    ((_acc, _venue, _symbol, _asset, t, amount, _rate, _notional),) = engine.funding.history.estimates(0.0)
    assert t == START + 60 and amount == pytest.approx(-0.1)


# -- the backfill -------------------------------------------------------------------------------


class FakeTime:
    """A sleep that moves the test's clock instead of waiting."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, seconds: float) -> None:
        self.clock.now += seconds


def test_backfill_is_paced_and_waits_out_a_rate_limit():
    """Requests at least `spacing` apart; after a 429 the next waits what the venue asked."""
    clock = Clock(START)
    venue = FundingFake(account("a"), clock, limited=0)
    engine = Engine([venue], clock=clock)
    asyncio.run(engine.poll_once())
    backfill = Backfill(engine, BackfillSettings(spacing=2.0, backoff=30.0), sleep=FakeTime(clock))

    async def steps(n):
        for _ in range(n):
            await backfill._sleep(await backfill.step())
            clock.now += 0.0
            await engine.poll_once()  # the account stays LIVE on the moved clock
    venue.limited = 1
    asyncio.run(steps(3))
    calls = venue.history_calls
    assert len(calls) == 3
    assert calls[1] - calls[0] >= 45.0  # the first answered 429 with retry-after 45 s
    assert calls[2] - calls[1] >= 2.0
    assert engine.funding.sources == {"a": "venue"}
    assert engine.funding.history.count("funding") >= 2  # the settled rates went in


def test_backfill_never_holds_up_the_first_frame_or_the_polls():
    """History calls that never answer: frames keep coming and polls keep landing."""
    async def go():
        hang = asyncio.Event()
        venue = FundingFake(account("a"), time.time, hang=hang)  # snapshots stamped with the engine's clock
        engine = Engine([venue], settings=EngineSettings(poll_interval=0.02, min_frame_interval=0.01,
                                                         coalesce=0.0),
                        backfill=BackfillSettings(spacing=0.01, idle=0.01))
        engine.start()
        try:
            async with asyncio.timeout(10):
                while not venue.history_calls:  # the backfill is under way, and stuck
                    await asyncio.sleep(0.01)
                first = engine.latest.seq
                while engine.latest.seq < first + 5:
                    await asyncio.sleep(0.01)
            assert len(venue.history_calls) == 1  # one request at a time: the stuck one
            assert engine.latest.book.accounts[0].snapshot is not None
        finally:
            hang.set()
            await engine.stop()
    asyncio.run(go())


class MarketClock:
    """A simulated market whose clock runs `offset` seconds from the wall clock (the simulator
    starts in March 2026; at a high speed it runs ahead)."""

    speed = 1.0
    scenario_name = "paper"

    def __init__(self, clock: Clock, offset: float) -> None:
        self.clock = clock
        self.offset = offset

    def sim_time(self) -> float:
        return self.clock() + self.offset


@dataclass
class CountingFake(FundingFake):
    """FundingFake that counts its settled-rate reads."""

    rate_reads: list[float] = field(default_factory=list)

    async def funding_rate_history(self, symbol, since):
        self.rate_reads.append(since)
        return await super().funding_rate_history(symbol, since)


@pytest.mark.parametrize("offset", [-270 * 86400.0, 30 * 86400.0], ids=["market-behind", "market-ahead"])
def test_after_a_restart_on_the_simulator_a_cells_backfill_time_is_read_on_its_own_clock(tmp_path, offset):
    """The backfill time kept in the store is the market's; after a restart it is compared with
    the market's clock, not the wall clock: an hour later the week of rates is not read again,
    a market day later it is (once)."""
    clock = Clock(START)
    path = tmp_path / "journal.sqlite"

    def engine_and_backfill():
        venue = CountingFake(account("a"), clock)
        engine = Engine([venue], clock=clock, journal=Journal(path), sim=MarketClock(clock, offset))
        asyncio.run(engine.poll_once())
        return engine, Backfill(engine, BackfillSettings(spacing=0.0), sleep=FakeTime(clock)), venue

    def drain(engine, backfill, steps=4):
        async def go():
            for _ in range(steps):
                await backfill.step()
                await engine.poll_once()
        asyncio.run(go())

    engine, backfill, venue = engine_and_backfill()
    drain(engine, backfill)
    assert len(venue.rate_reads) == 1 and venue.rate_reads[0] == START + offset - 7 * 86400
    engine.funding.history.close()
    engine.journal.close()

    clock.now += 3600  # restarted an hour later (of both clocks)
    engine, backfill, venue = engine_and_backfill()
    drain(engine, backfill)
    assert venue.rate_reads == []  # read an hour ago (market time): not due for a day
    clock.now += 86400
    drain(engine, backfill)
    assert len(venue.rate_reads) == 1
    engine.funding.history.close()
    engine.journal.close()
