"""Orders whose outcome is unknown are resolved while running and at restart, never left unknown.

Fakes at the venue edge, the real Journal in a file, the real kill switch; the engine is driven by
hand (`poll_once`, `resolve_pending`) on a clock the test moves.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal

from cockpit.model import PositionKey
from cockpit.engine import Engine, EngineSettings
from cockpit.engine.journal import ABSENT, Journal
from cockpit.model import (
    Assessment, Health, Intent, IntentSource, KillStatus, OrderRequest, OrderStatus, Side, Unavailable,
    UnknownOutcome,
)
from cockpit.risk.killswitch import KillSwitch, Trigger
from cockpit.risk.settings import RiskSettings
from cockpit.model.commands import Trim, trim_intent
from tests.engine.fakes import Clock, FakeVenue, NullRisk, account, position

ETH = "ETH/USDT:USDT"


@dataclass
class LaggyVenue(FakeVenue):
    """Answers every order with a 502; the order lands (or not) at `land_at`; look-ups fail until
    `lookups_fail_until`."""

    land_at: float | None = None  # None: the 502'd order never lands
    lookups_fail_until: float = 0.0
    queued: list[OrderRequest] = field(default_factory=list)
    bad_gateways: int = 1  # how many placements answer 502

    def _land_due(self) -> None:
        for request in list(self.queued):
            if self.land_at is not None and self.clock() >= self.land_at:
                self.queued.remove(request)
                self._fill(request)

    async def place_order(self, request: OrderRequest):
        self.sent.append(request)
        if request.client_id in self.orders:
            return self.orders[request.client_id]
        if self.bad_gateways > 0:
            self.bad_gateways -= 1
            self.queued.append(request)
            self._land_due()
            raise UnknownOutcome("502 Bad Gateway", account=self.info.name)
        return self._fill(request)

    async def fetch_order(self, client_id: str, symbol: str):
        self._land_due()
        if self.clock() < self.lookups_fail_until:
            raise Unavailable("503 Service Unavailable", account=self.info.name)
        return self.orders.get(client_id)

    async def snapshot(self):
        self._land_due()
        return await super().snapshot()


class KillRisk(NullRisk):
    """The real kill switch on one trigger held at 2× its threshold, in auto mode: it cuts half of
    every live position and goes HALTED when the cut shows in the venue's sizes."""

    def __init__(self) -> None:
        super().__init__()
        self.switch = KillSwitch(RiskSettings(kill_mode="auto", cut_fraction=0.5))

    def evaluate(self, book, instruments, now):
        self.calls += 1
        live = {a.name for a in book.accounts if a.health is Health.LIVE}

        def plan(episode):
            for p in book.positions():
                if p.account in live and p.key not in episode.intents:
                    episode.intents[p.key] = Intent(
                        id=f"kill:{episode.id}:{p.key}", account=p.account, symbol=p.symbol,
                        source=IntentSource.KILL_SWITCH, reason="test trigger", fraction=0.5)
                    size, mark = float(p.size), float(p.mark_price)
                    episode.start[p.key] = (size, mark, size * 0.5)
                    episode.accounts.add(p.account)

        def sizes(accounts):
            if not accounts <= live:
                return None
            return {p.key: float(p.size) for p in book.positions() if p.account in accounts}

        self.switch.step(now, (Trigger("stress", 2.0, 1.0, 0.5),), plan, sizes)
        return Assessment(now=now, kill=self.switch.state())


def make(clock, venue, journal, risk=None) -> Engine:
    engine = Engine([venue], risk=risk or NullRisk(), clock=clock, journal=journal,
                    settings=EngineSettings(absent_grace=5.0, backoff_base=0.5, backoff_cap=4.0))
    engine.executor.resolve_delays = (0.0, 0.0, 0.0)
    return engine


async def settle() -> None:
    """Let the tasks the engine started (auto-mode sends) run to their next real wait."""
    for _ in range(50):
        await asyncio.sleep(0)


async def run_for(engine: Engine, clock: Clock, seconds: int) -> None:
    """Drive the engine as its tasks would: a second at a time, resolver then poll."""
    for _ in range(seconds):
        clock.now += 1
        await engine.resolve_pending()
        await engine.poll_once()
        await settle()


async def test_502_then_failing_lookups_then_known_ends_filled_and_the_switch_halts(tmp_path):
    clock = Clock()
    t0 = clock.now
    venue = LaggyVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")},
                       land_at=t0 + 2, lookups_fail_until=t0 + 4)
    engine = make(clock, venue, Journal(tmp_path / "j.sqlite"), KillRisk())
    await engine.poll_once()  # trips the switch; auto mode sends its cut: 502
    await settle()
    row = engine.journal.rows()[0]
    assert row.status is OrderStatus.UNKNOWN and engine.latest.assessment.kill.status is KillStatus.REDUCING
    await run_for(engine, clock, 20)
    row = engine.journal.rows()[0]
    assert row.status is OrderStatus.FILLED and row.filled == Decimal("1")
    assert len(venue.sent) == 1  # looked up until known, never re-sent
    assert engine.latest.assessment.kill.status is KillStatus.HALTED
    assert engine.journal.in_flight("a", ETH) == 0
    # Nothing phantom caps a manual close now: the whole remaining position can be closed.
    close = engine.preview(trim_intent(Trim(PositionKey("a", ETH), 1.0)))
    assert close.cut == Decimal("1")
    assert any(f"order {row.client_id}: filled" in t["text"] for _, _, t in engine.journal.events("notice"))


async def test_502_that_never_landed_is_resent_after_the_grace_and_the_switch_halts(tmp_path):
    clock = Clock()
    t0 = clock.now
    venue = LaggyVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")},
                       land_at=None, lookups_fail_until=t0 + 3)
    engine = make(clock, venue, Journal(tmp_path / "j.sqlite"), KillRisk())
    await engine.poll_once()
    await settle()
    for _ in range(3):  # within the grace the venue does not know it: never re-sent yet
        await run_for(engine, clock, 1)
        assert len(venue.sent) == 1
    await run_for(engine, clock, 20)
    row = engine.journal.rows()[0]
    assert row.status is OrderStatus.FILLED and row.filled == Decimal("1")
    assert [r.client_id for r in venue.sent] == [row.client_id] * 2  # re-sent once, same id
    assert venue.positions[ETH].size == Decimal("1")
    assert engine.latest.assessment.kill.status is KillStatus.HALTED


async def test_unknown_order_is_declared_absent_only_after_two_lookups_a_grace_apart(tmp_path):
    clock = Clock()
    venue = LaggyVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")},
                       land_at=None, bad_gateways=2)
    engine = make(clock, venue, Journal(tmp_path / "j.sqlite"))
    await engine.poll_once()
    first = await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 0.5)))
    assert first.status is OrderStatus.UNKNOWN
    await run_for(engine, clock, 4)
    assert engine.journal.rows()[0].status is OrderStatus.UNKNOWN and len(venue.sent) == 1
    await run_for(engine, clock, 60)  # re-sent once after the grace (502 again), then declared absent
    row = engine.journal.rows()[0]
    assert len(venue.sent) == 2
    assert row.status is OrderStatus.CANCELED and row.detail == ABSENT
    assert engine.journal.in_flight("a", ETH) == 0


async def _restart_with_a_row_the_venue_does_not_know(tmp_path, clock):
    path = tmp_path / "journal.sqlite"
    venue = LaggyVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")},
                       land_at=None, lookups_fail_until=clock.now + 3600)
    first = make(clock, venue, Journal(path))
    await first.poll_once()
    outcome = await first.submit(trim_intent(Trim(PositionKey("a", ETH), 0.5)))
    assert outcome.status is OrderStatus.UNKNOWN
    first.journal.close()
    # "restart": look-ups answer again, but the venue does not know the order (yet)
    venue.lookups_fail_until = 0.0
    second = make(clock, venue, Journal(path))
    await second.poll_once()
    row = second.journal.rows()[0]
    assert row.status is OrderStatus.UNKNOWN  # not "never reached the venue" on one look-up
    assert second.journal.in_flight("a", ETH) == Decimal("1")  # still counted while pending
    return second, venue


async def test_restart_row_that_lands_within_the_grace_is_filled(tmp_path):
    clock = Clock()
    engine, venue = await _restart_with_a_row_the_venue_does_not_know(tmp_path, clock)
    venue.land_at = clock.now + 2
    await run_for(engine, clock, 10)
    row = engine.journal.rows()[0]
    assert row.status is OrderStatus.FILLED and row.filled == Decimal("1")
    assert len(venue.sent) == 1  # never re-sent after a restart


async def test_restart_row_that_lands_after_being_declared_absent_is_corrected_to_filled(tmp_path):
    clock = Clock()
    engine, venue = await _restart_with_a_row_the_venue_does_not_know(tmp_path, clock)
    await run_for(engine, clock, 10)
    row = engine.journal.rows()[0]
    assert row.status is OrderStatus.CANCELED and row.detail == ABSENT and len(venue.sent) == 1
    venue.land_at = clock.now  # it lands after all
    await run_for(engine, clock, 30)
    row = engine.journal.rows()[0]
    assert row.status is OrderStatus.FILLED and row.filled == Decimal("1")
    assert "landed late" in row.detail
    assert venue.positions[ETH].size == Decimal("1")
    assert any("landed late" in t["text"] for _, _, t in engine.journal.events("notice"))


async def test_an_absent_order_is_not_re_sent_when_the_position_no_longer_covers_it(tmp_path):
    clock = Clock()
    venue = LaggyVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")}, land_at=None)
    engine = make(clock, venue, Journal(tmp_path / "j.sqlite"))
    await engine.poll_once()
    outcome = await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 1.0)))  # 2, 502, never landed
    assert outcome.status is OrderStatus.UNKNOWN
    venue.positions[ETH] = position("a", ETH, Side.LONG, "1.5")  # someone closed 0.5 by hand
    await run_for(engine, clock, 10)
    row = engine.journal.rows()[0]
    assert row.status is OrderStatus.CANCELED and "not re-sent" in row.detail
    assert len(venue.sent) == 1 and venue.positions[ETH].size == Decimal("1.5")
    assert engine.journal.declared_absent(clock.now - 60) == [row]  # still watched for a late landing


async def test_kill_switch_cut_through_random_order_faults_ends_with_every_order_known(monkeypatch):
    """The simulator's flash crash with half of all venue calls failing (lost answers, 502s, timeouts,
    truncated replies, 429s): the auto cut still completes, one venue order per journal row."""
    from types import SimpleNamespace

    from cockpit.sim import build_demo

    async def no_wait(_seconds):
        await asyncio.sleep(0)

    monkeypatch.setattr("cockpit.sim.venue.asyncio", SimpleNamespace(sleep=no_wait))
    clock = Clock(0.0)
    session = build_demo(seed=7, scenario="flash-crash", clock=clock, fault_rate=0.5)
    session.world.faults.kinds = ("unknown_outcome", "server_error", "timeout", "malformed", "rate_limit")
    engine = Engine(session.venues, clock=clock, sim=session, settings=EngineSettings(absent_grace=5.0))
    engine.executor.resolve_delays = (0.0,)
    engine.risk.set_kill_mode("auto")
    for _ in range(200):  # 1000 simulated seconds, a round every 5
        clock.now += 5
        await engine.resolve_pending()
        await engine.poll_once()
        await settle()
    rows = engine.journal.rows()
    notices = [e["text"] for _, _, e in engine.journal.events("notice")]
    assert any("outcome unknown" in n for n in notices)  # the faults did hit orders
    assert rows and engine.latest.assessment.kill.status is KillStatus.HALTED
    assert [r for r in rows if r.status not in (OrderStatus.FILLED, OrderStatus.CANCELED)] == []
    venue_orders = {cid: rec for (acc, cid), rec in session.world.exchange.orders.items()}
    for row in rows:  # the journal agrees with the venue, order by order
        if row.status is OrderStatus.FILLED:
            assert venue_orders[row.client_id].to_order().filled == row.filled
        else:
            assert row.client_id not in venue_orders
    assert set(venue_orders) <= {r.client_id for r in rows}  # no venue order the journal lacks
