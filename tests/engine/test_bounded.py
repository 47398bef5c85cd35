"""What the engine remembers to tell or send things once stays bounded over a long run, and
still dedups: kill-switch events, venue liquidation reports, cuts sent per episode, and the orders
this process sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from cockpit.engine import Engine
from cockpit.engine.core import LIQ_MEMORY
from cockpit.model import (
    Assessment, Intent, IntentSource, KillEvent, KillLatch, KillMode, KillState, KillStatus, LiquidationReport,
    PlannedCut, PositionKey, Side, UnknownOutcome,
)
from cockpit.model.commands import Trim, trim_intent
from tests.engine.fakes import Clock, FakeVenue, NullRisk, account, position

ETH = "ETH/USDT:USDT"


class WindowRisk(NullRisk):
    """Reports the kill switch's last `window` events, as `RiskEngine` does (its last 100)."""

    def __init__(self, window: int = 3) -> None:
        super().__init__()
        self.window = window
        self.events: list[KillEvent] = []

    def evaluate(self, book, instruments, now: float) -> Assessment:
        super().evaluate(book, instruments, now)
        return Assessment(now=now, kill=KillState(events=tuple(self.events[-self.window:])))


def kill_lines(engine: Engine) -> list[float]:
    return [t for t, _, _ in engine.journal.events("kill")]


async def test_each_kill_event_is_journaled_once_and_only_the_reported_ones_are_remembered():
    clock, risk = Clock(), WindowRisk(window=3)
    engine = Engine([FakeVenue(account("a"), clock)], risk=risk, clock=clock)
    statuses = (KillStatus.NORMAL, KillStatus.WARN)
    for i in range(200):
        risk.events.append(KillEvent(float(i), statuses[i % 2], statuses[(i + 1) % 2], "funding stress"))
        for _ in range(3):  # the same window on several frames: still once
            clock.now += 1
            await engine.poll_once()
        assert len(engine._kill_seen) <= 3
    assert kill_lines(engine) == [float(i) for i in range(200)]


@dataclass
class ReportingVenue(FakeVenue):
    """A venue that reports its last `window` liquidations on every snapshot."""

    reports: list[LiquidationReport] = field(default_factory=list)
    window: int = 4

    async def snapshot(self):
        snap = await super().snapshot()
        object.__setattr__(snap, "liquidations", tuple(self.reports[-self.window:]))
        return snap


async def test_each_liquidation_report_is_told_once_and_old_ones_are_forgotten():
    clock = Clock()
    venue = ReportingVenue(account("a"), clock)
    engine = Engine([venue], risk=NullRisk(), clock=clock)
    await engine.poll_once()
    day = 86400.0
    for i in range(60):  # one report a day for two months, each seen on several polls
        venue.reports.append(LiquidationReport("a", ETH, Side.LONG, Decimal(1), 100.0, time=clock.now))
        for _ in range(3):
            await engine.poll_once()
            clock.now += 60
        clock.now += day
        # What the venue still reports plus a week of the newest: never the whole history.
        assert len(engine._liq_seen["a"]) <= venue.window + LIQ_MEMORY / day + 1
    assert sum(k == "liquidation" for _, k, _ in engine.journal.events()) == 60


async def test_a_report_still_sent_after_the_memory_is_not_told_again():
    clock = Clock()
    venue = ReportingVenue(account("a"), clock)
    engine = Engine([venue], risk=NullRisk(), clock=clock)
    await engine.poll_once()  # the first snapshot is the baseline: nothing in it is news
    venue.reports.append(LiquidationReport("a", ETH, Side.LONG, Decimal(1), 100.0, time=clock.now))
    await engine.poll_once()
    clock.now += 2 * LIQ_MEMORY  # the venue still sends it, long after: it is remembered
    venue.reports.append(LiquidationReport("a", ETH, Side.LONG, Decimal(2), 90.0, time=clock.now))
    for _ in range(3):
        await engine.poll_once()
        clock.now += 1
    assert [d["size"] for _, k, d in engine.journal.events() if k == "liquidation"] == ["1", "2"]


class EpisodeRisk(NullRisk):
    """A kill switch REDUCING in advise mode, one episode after another, each proposing one cut."""

    def __init__(self) -> None:
        super().__init__()
        self.episode = 0

    def intent(self) -> Intent:
        return Intent(id=f"kill:{self.episode}@0:a|{ETH}", account="a", symbol=ETH,
                      source=IntentSource.KILL_SWITCH, reason="kill switch", amount=Decimal("0.01"))

    def evaluate(self, book, instruments, now: float) -> Assessment:
        super().evaluate(book, instruments, now)
        return Assessment(now=now, kill=KillState(status=KillStatus.REDUCING, mode=KillMode.ADVISE,
                                                  proposed=(self.intent(),)))

    def kill_latch(self) -> KillLatch:
        key = PositionKey("a", ETH)
        return KillLatch(status=KillStatus.REDUCING, episodes=self.episode, episode=f"{self.episode}@0",
                         episode_since=0.0, plan=(PlannedCut(key, 100.0, 100.0, 0.01, self.intent()),))


async def test_cuts_sent_are_remembered_for_their_episode_only():
    clock, risk = Clock(), EpisodeRisk()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "100")})
    engine = Engine([venue], risk=risk, clock=clock)
    for episode in range(1, 30):
        risk.episode = episode
        await engine.poll_once()
        assert len(await engine.accept_proposal()) == 1
        assert await engine.accept_proposal() == []  # within its episode: sent once
        assert engine.already_sent(risk.intent())
        assert len(engine._auto_sent) <= 1
    assert len(venue.sent) == 29


async def test_orders_sent_here_are_forgotten_once_done_and_an_open_one_is_still_resent_once():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "100")})
    engine = Engine([venue], risk=NullRisk(), clock=clock)
    engine.executor.resolve_delays = ()
    await engine.poll_once()
    for _ in range(20):  # each fills at once: done, nothing left to re-send
        await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 0.01)))
        clock.now += 1
        await engine.resolve_pending()
    assert engine.executor._sent_here == set()
    # One whose answer is lost and that never landed: still open, so still this process's to
    # re-send once under its own id after the grace.
    venue.order_errors, venue.land_despite_error = [UnknownOutcome("lost", account="a")], False
    outcome = await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 0.01)))
    assert len(engine.executor._sent_here) == 1
    for _ in range(4):
        clock.now += engine.settings.absent_grace
        await engine.poll_once()
        await engine.resolve_pending()
    assert [r.client_id for r in venue.sent].count(outcome.client_id) == 2
    assert engine.journal.get(outcome.client_id).status.value == "filled"
    assert engine.executor._sent_here == set() and engine.executor._resent == set()
