"""How often the engine polls each account (`Engine.poll_delay`) and what lateness it tolerates
before calling an account STALE or DOWN (`BookState.expect`)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from cockpit.engine import Engine, EngineSettings
from cockpit.engine.bookstate import BookState
from cockpit.engine.core import LIVE_SETTINGS
from cockpit.engine.journal import Journal
from cockpit.model import Health, IntentSource, OrderRequest, Side
from tests.engine.fakes import Clock, FakeVenue, NullRisk, account, position

ETH = "ETH/USDT:USDT"


def _engine(settings: EngineSettings | None) -> tuple[Engine, Clock]:
    clock = Clock()
    held = FakeVenue(account("held"), clock, positions={ETH: position("held", ETH, Side.LONG, "2")})
    empty = FakeVenue(account("empty"), clock)
    engine = Engine([held, empty], risk=NullRisk(), clock=clock, settings=settings, journal=Journal(":memory:"))
    asyncio.run(engine.poll_once())
    return engine, clock


def test_live_accounts_at_rest_are_polled_every_2_s_and_empty_ones_every_10_s():
    engine, _ = _engine(LIVE_SETTINGS)
    assert engine.poll_delay("held") == 2.0
    assert engine.poll_delay("empty") == 10.0


def test_an_order_of_ours_open_on_an_account_brings_it_back_to_every_second():
    engine, clock = _engine(LIVE_SETTINGS)
    request = OrderRequest(client_id="trim-1", account="held", symbol=ETH, side=Side.SHORT, amount=Decimal(1))
    engine.journal.record(request, intent_id="i-1", source=IntentSource.HOTKEY, reason="test", now=clock())
    assert engine.poll_delay("held") == 1.0  # its fill is awaited
    assert engine.poll_delay("empty") == 10.0  # the other account is not concerned


def test_an_account_never_polled_yet_is_polled_every_second():
    clock = Clock()
    engine = Engine([FakeVenue(account("new"), clock)], risk=NullRisk(), clock=clock, settings=LIVE_SETTINGS)
    assert engine.poll_delay("new") == 1.0


def test_the_simulator_keeps_one_interval_for_every_account():
    engine, _ = _engine(None)
    assert engine.poll_delay("held") == engine.poll_delay("empty") == 1.0


def test_an_account_polled_less_often_is_late_by_the_same_margin_before_stale_and_down():
    clock = Clock()
    venue = FakeVenue(account("a"), clock)
    state = BookState([venue.info], stale_after=3.0, down_after=10.0)
    state.update(asyncio.run(venue.snapshot()))
    state.expect("a", 1.0)  # polled every 2 s where the closest interval is 1 s
    clock.now += 3.5
    assert state.health("a", clock())[0] is Health.LIVE  # 3.5 s old: not yet late
    clock.now += 1.0
    assert state.health("a", clock())[0] is Health.STALE  # 4.5 s: two polls missed
    clock.now += 6.0
    assert state.health("a", clock())[0] is Health.STALE
    clock.now += 1.0
    assert state.health("a", clock())[0] is Health.DOWN  # 11.5 s
    state.expect("a", 0.0)  # watched closely again: the usual margins
    assert state.health("a", clock())[0] is Health.DOWN
