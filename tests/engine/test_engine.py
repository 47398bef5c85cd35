"""Engine behaviour: health and ages, pollers that survive failures, the executor's safety rules."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from cockpit.model import PositionKey
from cockpit.engine import Engine, EngineSettings, ExecutionError
from cockpit.engine.bookstate import BookState
from cockpit.engine.executor import client_order_id
from cockpit.engine.journal import Journal
from cockpit.model import (
    Health, Intent, IntentSource, OrderRequest, OrderStatus, Rejected, Side, Unavailable, UnknownOutcome, VenueTimeout,
)
from cockpit.model.commands import Trim, trim_intent
from tests.engine.fakes import Clock, FakeVenue, NullRisk, account, position

ETH = "ETH/USDT:USDT"


def make(clock, *venues, readonly=False, journal=None, **settings):
    return Engine(list(venues), risk=NullRisk(), clock=clock, readonly=readonly, journal=journal,
                  settings=EngineSettings(**settings) if settings else None)


def test_health_goes_live_stale_down_with_age():
    clock = Clock()
    venue = FakeVenue(account("a"), clock)
    state = BookState([venue.info], stale_after=3.0, down_after=10.0)
    assert state.health("a", clock())[0] is Health.STALE  # nothing yet: not LIVE
    state.update(asyncio.run(venue.snapshot()))
    assert state.health("a", clock()) == (Health.LIVE, 0.0)
    clock.now += 3.5
    assert state.health("a", clock())[0] is Health.STALE
    clock.now += 7.0
    health, age = state.health("a", clock())
    assert health is Health.DOWN and age == pytest.approx(10.5)
    book = state.freeze(clock())
    assert book.accounts[0].snapshot is not None  # last-known data is kept while DOWN


def test_frozen_venue_data_goes_stale_although_polls_succeed():
    from dataclasses import replace

    clock = Clock()
    venue = FakeVenue(account("a"), clock)
    state = BookState([venue.info], stale_after=3.0, down_after=10.0)
    first = replace(asyncio.run(venue.snapshot()), venue_time=500.0)
    state.update(first)
    for _ in range(4):  # answers keep coming, but the venue's clock is stuck at 500
        clock.now += 1.0
        state.update(replace(asyncio.run(venue.snapshot()), venue_time=500.0))
    health, age = state.health("a", clock())
    assert health is Health.STALE and age == pytest.approx(4.0)
    state.update(replace(asyncio.run(venue.snapshot()), venue_time=505.0))
    assert state.health("a", clock()) == (Health.LIVE, 0.0)


def test_failing_before_first_snapshot_goes_down_with_reason():
    clock = Clock()
    state = BookState([account("a").__class__(name="a", venue="fake", layer=account("a").layer)], down_after=10)
    state.fail("a", Unavailable("503 Service Unavailable", account="a"), clock())
    assert state.health("a", clock())[0] is Health.STALE
    clock.now += 11
    assert state.health("a", clock())[0] is Health.DOWN
    assert "503" in state.freeze(clock()).accounts[0].error


async def test_one_dead_account_does_not_stall_the_others():
    import time

    good = FakeVenue(account("good"), Clock(), positions={ETH: position("good", ETH, Side.LONG, "1")})
    good.clock = time.time
    dead = FakeVenue(account("dead"), Clock(), down=True)
    dead.clock = time.time
    engine = Engine([good, dead], risk=NullRisk(), clock=time.time,
                    settings=EngineSettings(poll_interval=0.05, stale_after=0.3, down_after=0.6,
                                            backoff_base=0.05, backoff_cap=0.1, coalesce=0.0,
                                            min_frame_interval=0.01))
    frames = []
    engine.subscribe(frames.append)
    engine.start()
    await asyncio.sleep(1.0)
    await engine.stop()
    last = frames[-1].book
    assert last.account("good").health is Health.LIVE
    assert last.account("dead").health is Health.DOWN
    assert "venue down" in last.account("dead").error
    assert len(frames) >= 10  # the good account kept publishing while the other failed
    assert any("dead: STALE → DOWN — Unavailable: venue down" in n for n in frames[-1].notices)


async def test_trim_rounds_down_journals_before_sending_and_shrinks():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "1.37")})
    engine = make(clock, venue)
    seen_in_journal = []
    venue.on_place = lambda req: seen_in_journal.append(engine.journal.get(req.client_id))
    await engine.poll_once()
    intent = trim_intent(Trim(PositionKey("a", ETH), 0.25))
    preview = engine.preview(intent)
    assert preview.cut == Decimal("0.34")  # 1.37 × 0.25 = 0.3425, rounded down to the 0.01 step
    assert preview.order_side is Side.SHORT and preview.after == Decimal("1.03")
    outcome = await engine.submit(intent, cap=preview.cut)
    assert outcome.status is OrderStatus.FILLED
    assert seen_in_journal[0] is not None and seen_in_journal[0].status is OrderStatus.INTENDED
    assert venue.sent[0].reduce_only and venue.sent[0].client_id == client_order_id(intent.id)
    assert engine.latest.book.position(PositionKey("a", ETH)).size == Decimal("1.03")


async def test_unknown_outcome_is_resolved_by_lookup_not_a_new_order():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.SHORT, "2")},
                      order_errors=[VenueTimeout("read timed out", account="a")], land_despite_error=True)
    engine = make(clock, venue)
    engine.executor.resolve_delays = (0.0, 0.0)
    await engine.poll_once()
    outcome = await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 0.5)))
    assert outcome.status is OrderStatus.FILLED
    assert len(venue.sent) == 1  # looked up, never re-sent
    assert venue.positions[ETH].size == Decimal("1")


async def test_unknown_outcome_that_never_landed_is_resent_under_the_same_id():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")},
                      order_errors=[UnknownOutcome("502 Bad Gateway", account="a")], land_despite_error=False)
    engine = make(clock, venue)
    engine.executor.resolve_delays = (0.0, 0.0)
    await engine.poll_once()
    outcome = await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 1.0)))
    # Not found on look-ups made at once: it may still be on its way, so it is not re-sent yet.
    assert outcome.status is OrderStatus.UNKNOWN and len(venue.sent) == 1
    clock.now += engine.settings.absent_grace
    await engine.resolve_pending()  # still unknown to the venue after the grace: re-sent, same id
    assert engine.journal.rows()[0].status is OrderStatus.FILLED
    assert len(venue.sent) == 2 and venue.sent[0].client_id == venue.sent[1].client_id
    assert ETH not in venue.positions


async def test_rejected_order_is_journaled_as_rejected():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")},
                      order_errors=[Rejected("-2022 ReduceOnly Order is rejected", account="a")],
                      land_despite_error=False)
    engine = make(clock, venue)
    await engine.poll_once()
    outcome = await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 0.5)))
    assert outcome.status is OrderStatus.REJECTED
    assert engine.journal.rows()[0].status is OrderStatus.REJECTED
    assert venue.positions[ETH].size == Decimal("2")


async def test_readonly_refuses_every_order():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")})
    engine = make(clock, venue, readonly=True)
    await engine.poll_once()
    with pytest.raises(ExecutionError, match="read-only"):
        await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 0.5)))
    assert venue.sent == [] and engine.journal.rows() == []


async def test_readonly_account_refuses_orders_but_others_trade():
    clock = Clock()
    ro = FakeVenue(account("ro", readonly=True), clock, positions={ETH: position("ro", ETH, Side.LONG, "2")})
    rw = FakeVenue(account("rw"), clock, positions={ETH: position("rw", ETH, Side.LONG, "2")})
    engine = make(clock, ro, rw)
    await engine.poll_once()
    with pytest.raises(ExecutionError, match="read-only in the config"):
        engine.preview(trim_intent(Trim(PositionKey("ro", ETH), 0.5)))
    assert (await engine.submit(trim_intent(Trim(PositionKey("rw", ETH), 0.5)))).status is OrderStatus.FILLED


async def test_rules_never_act_on_stale_data():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")})
    engine = make(clock, venue)
    await engine.poll_once()
    clock.now += 5  # no poll since: STALE
    engine.publish()
    rule = Intent(id="kill:1", account="a", symbol=ETH, source=IntentSource.KILL_SWITCH, reason="stress",
                  fraction=0.3)
    with pytest.raises(ExecutionError, match="stale"):
        await engine.submit(rule)
    assert venue.sent == []


async def test_in_flight_orders_cap_the_next_trim():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "1")},
                      order_errors=[VenueTimeout("timeout", account="a")] * 10, land_despite_error=False)
    venue.fetch_order = _never_answers  # type: ignore[method-assign]
    engine = make(clock, venue)
    engine.executor.resolve_delays = (0.0,)
    await engine.poll_once()
    first = await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 0.6)))
    assert first.status is OrderStatus.UNKNOWN
    assert engine.journal.in_flight("a", ETH) == Decimal("0.6")
    second = engine.preview(trim_intent(Trim(PositionKey("a", ETH), 0.6)))
    assert second.cut == Decimal("0.4")  # never more than the position minus what is in flight


async def _never_answers(client_id, symbol):
    raise Unavailable("503", account="a")


async def test_same_intent_twice_is_one_order():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "4")})
    engine = make(clock, venue)
    await engine.poll_once()
    intent = Intent(id="playbook:step1", account="a", symbol=ETH, source=IntentSource.HOTKEY, reason="x",
                    fraction=0.25)
    await engine.submit(intent)
    again = await engine.submit(intent)
    assert again.message == "already done"
    assert len(venue.sent) == 1 and venue.positions[ETH].size == Decimal("3")


async def test_restart_reconciles_journal_before_acting(tmp_path):
    clock = Clock()
    path = tmp_path / "journal.sqlite"
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")},
                      order_errors=[VenueTimeout("timeout", account="a")], land_despite_error=True)
    venue_fetch = venue.fetch_order
    venue.fetch_order = _never_answers  # type: ignore[method-assign]
    first = make(clock, venue, journal=Journal(path))
    first.executor.resolve_delays = (0.0,)
    await first.poll_once()
    outcome = await first.submit(trim_intent(Trim(PositionKey("a", ETH), 0.5)))
    assert outcome.status is OrderStatus.UNKNOWN
    first.journal.close()
    # "restart": a new engine over the same journal; the venue answers look-ups again
    venue.fetch_order = venue_fetch  # type: ignore[method-assign]
    second = make(clock, venue, journal=Journal(path))
    await second.poll_once()
    row = second.journal.rows()[0]
    assert row.status is OrderStatus.FILLED and row.filled == Decimal("1")
    assert second.journal.in_flight("a", ETH) == 0
    assert (path.stat().st_mode & 0o777) == 0o600


def _journaled_before_a_crash(tmp_path, clock, amount: str, intent_id: str = "kill:1@0:a|ETH"):
    """A venue holding a 2 ETH long, and a journal file with one reduce-only order of `amount`
    written (and perhaps sent) by a process that then died: (venue, request, journal path)."""
    path = tmp_path / "journal.sqlite"
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")})
    request = OrderRequest(client_id=client_order_id(intent_id), account="a", symbol=ETH, side=Side.SHORT,
                           amount=Decimal(amount))
    first = Journal(path)
    first.record(request, intent_id=intent_id, source=IntentSource.KILL_SWITCH, reason="x", now=clock())
    first.close()
    return venue, request, path


async def test_restart_waits_for_an_order_still_on_its_way_before_calling_it_never_sent(tmp_path):
    # Journaled, sent, then the crash; the venue receives it only after the restart's first look-up.
    clock = Clock()
    venue, request, path = _journaled_before_a_crash(tmp_path, clock, "0.5")
    lookups = []

    async def lands_late(client_id, symbol):
        lookups.append(client_id)
        if len(lookups) == 1:
            await venue.place_order(request)  # it arrives now, after the venue said it had none
            return None
        return venue.orders.get(client_id)

    venue.fetch_order = lands_late  # type: ignore[method-assign]
    engine = make(clock, venue, journal=Journal(path))
    await engine.poll_once()
    # Unknown to the venue at the first look-up: still in flight, not "never reached the venue".
    row = engine.journal.get(request.client_id)
    assert row.status is OrderStatus.UNKNOWN and engine.journal.in_flight("a", ETH) == Decimal("0.5")
    clock.now += engine.settings.absent_grace
    await engine.resolve_pending()
    row = engine.journal.get(request.client_id)
    assert len(lookups) == 2
    assert row.status is OrderStatus.FILLED and row.filled == Decimal("0.5")
    assert venue.positions[ETH].size == Decimal("1.5")


async def test_an_order_the_venue_never_saw_is_declared_unsent_once_its_grace_has_passed(tmp_path):
    clock = Clock()
    venue, request, path = _journaled_before_a_crash(tmp_path, clock, "0.5")
    clock.now += 60  # long past any venue's receive window: no wait, one look-up
    engine = make(clock, venue, journal=Journal(path))
    await engine.poll_once()
    row = engine.journal.get(request.client_id)
    assert row.status is OrderStatus.CANCELED and row.detail == "never reached the venue"
    assert venue.sent == []


@pytest.mark.parametrize("size_now, resent", [("2", True), ("1", False)])
async def test_a_resumed_intent_resends_an_order_that_never_left_only_if_it_still_reduces(tmp_path, size_now, resent):
    # A restart cut the order off before it left; the resumed kill-switch intent sends it again
    # under its own id, unless the position shrank below it meanwhile (it would no longer only reduce).
    clock = Clock()
    venue, request, path = _journaled_before_a_crash(tmp_path, clock, "1.5")
    intent = Intent(id="kill:1@0:a|ETH", account="a", symbol=ETH, source=IntentSource.KILL_SWITCH,
                    reason="kill switch cut", amount=Decimal("1.5"))
    clock.now += 60
    engine = make(clock, venue, journal=Journal(path))
    await engine.poll_once()
    assert engine.journal.get(request.client_id).detail == "never reached the venue"
    venue.positions[ETH] = position("a", ETH, Side.LONG, size_now)
    await engine.poll_once()
    outcome = await engine.submit(intent)
    if resent:
        assert [o.client_id for o in venue.sent] == [request.client_id]
        assert outcome.status is OrderStatus.FILLED and venue.positions[ETH].size == Decimal("0.5")
    else:
        assert venue.sent == [] and "not re-sent" in outcome.message
        assert venue.positions[ETH].size == Decimal("1")
