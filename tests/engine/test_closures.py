"""Positions that go without an order of ours are events: a notice, a journal entry, a guard line."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.engine import Engine
from cockpit.engine.bookstate import closures
from cockpit.engine.journal import Journal
from cockpit.model import Collateral, Position, PositionKey, Side, VenueSnapshot
from cockpit.model.commands import Trim, trim_intent
from tests.engine.fakes import Clock, FakeVenue, NullRisk, account, position

ETH = "ETH/USDT:USDT"
SOL = "SOL/USDT:USDT"


def make(clock, *venues, journal=None):
    return Engine(list(venues), risk=NullRisk(), clock=clock, journal=journal)


def closed(engine):
    return [(k, d) for _, k, d in engine.journal.events() if k in ("liquidation", "closed_outside")]


async def test_a_position_that_vanishes_without_our_order_is_one_event(tmp_path):
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={
        ETH: position("a", ETH, Side.LONG, "2", mark="100"), SOL: position("a", SOL, Side.SHORT, "10", mark="50")})
    engine = make(clock, venue, journal=Journal(tmp_path / "j.sqlite"))
    lines = []
    engine.on_notice(lines.append)
    await engine.poll_once()
    venue.positions[ETH] = replace(venue.positions[ETH], mark_price=Decimal("80"))  # entry 100
    clock.now += 1
    await engine.poll_once()
    del venue.positions[ETH]  # gone at the venue
    clock.now += 1
    await engine.poll_once()
    clock.now += 1
    await engine.poll_once()  # and it stays gone: still one event
    [(kind, detail)] = closed(engine)
    assert kind == "closed_outside"
    assert detail["symbol"] == ETH and detail["size"] == "2" and detail["side"] == "long"
    assert [line for line in lines if "closed outside the cockpit" in line] == [
        f"a {ETH}: long 2 closed outside the cockpit at 80 (no order of ours; liquidated or closed by hand)"
        " — est. P&L -$40"]


async def test_our_own_trims_and_closes_are_not_events():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")})
    engine = make(clock, venue)
    await engine.poll_once()
    await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 0.5)))
    clock.now += 1
    await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 1.0)))
    clock.now += 1
    await engine.poll_once()
    assert ETH not in venue.positions and closed(engine) == []


async def test_a_shrink_beyond_our_order_is_the_difference():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.SHORT, "4", mark="100")})
    engine = make(clock, venue)
    await engine.poll_once()
    venue.on_place = lambda req: venue.positions.update(  # the venue also cuts 1 on its own
        {ETH: position("a", ETH, Side.SHORT, str(venue.positions[ETH].size - 1))})
    await engine.submit(trim_intent(Trim(PositionKey("a", ETH), 0.5)))  # ours: 2
    [(kind, detail)] = closed(engine)
    assert kind == "closed_outside" and Decimal(detail["size"]) == 1


async def test_reconnecting_after_an_outage_is_not_an_event_but_a_loss_during_it_is():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={
        ETH: position("a", ETH, Side.LONG, "2"), SOL: position("a", SOL, Side.LONG, "3")})
    engine = make(clock, venue)
    await engine.poll_once()
    venue.down = True
    for _ in range(15):  # DOWN: no data at all for a while
        clock.now += 1
        await engine.poll_once()
    assert engine.latest.book.account("a").health.value == "DOWN"
    venue.down = False
    clock.now += 1
    await engine.poll_once()
    assert engine.latest.book.account("a").health.value == "LIVE"
    assert closed(engine) == []  # everything is still there: nothing to report
    venue.down = True
    del venue.positions[SOL]  # gone while we could not see
    for _ in range(15):
        clock.now += 1
        await engine.poll_once()
    venue.down = False
    clock.now += 1
    await engine.poll_once()
    clock.now += 1
    await engine.poll_once()
    assert [d["symbol"] for _, d in closed(engine)] == [SOL]


def test_the_first_snapshot_is_a_baseline_not_a_comparison():
    clock = Clock()
    venue = FakeVenue(account("a"), clock)
    engine = make(clock, venue)
    asyncio.run(engine.poll_once())
    assert closed(engine) == []


@pytest.mark.parametrize("scenario", ["flash-crash", "funding-squeeze", "venue-outage", "bridge-congestion"])
async def test_the_demo_bybit_sol_liquidation_is_reported_once_in_every_crisis(scenario, monkeypatch):
    from types import SimpleNamespace

    from cockpit.sim import build_demo

    async def no_wait(_seconds):
        await asyncio.sleep(0)

    # The scenarios' latency faults wait in wall time; here the clock is the test's.
    monkeypatch.setattr("cockpit.sim.venue.asyncio", SimpleNamespace(sleep=no_wait))

    clock = Clock(0.0)
    session = build_demo(seed=7, scenario=scenario, clock=clock)
    engine = Engine(session.venues, risk=NullRisk(), clock=clock, sim=session)
    lines = []
    engine.on_notice(lines.append)
    await engine.poll_once()
    for _ in range(180):  # 30 simulated minutes, a poll every 10 s
        clock.now += 10
        await engine.poll_once()
    liquidated = [d for k, d in closed(engine) if k == "liquidation" and d["account"] == "bybit"]
    assert [(d["symbol"], d["side"], d["size"]) for d in liquidated] == [(SOL, "long", "399.5")]
    assert liquidated[0]["pnl"] == pytest.approx(-5233, abs=1)
    assert [line for line in lines if "LIQUIDATED" in line and "bybit" in line] == [
        f"bybit {SOL}: LIQUIDATED long 399.5 at {liquidated[0]['price']:,.6g} — lost $5,233"]
    assert not [d for k, d in closed(engine) if k == "closed_outside"]  # every one reported by the venue
    assert engine.latest.book.position(PositionKey("bybit", SOL)) is None


@given(
    before=st.decimals(min_value=0, max_value=1000, places=2),
    after=st.decimals(min_value=0, max_value=1000, places=2),
    ours=st.decimals(min_value=0, max_value=1000, places=2),
    flipped=st.booleans(),
)
def test_only_a_shrink_beyond_our_own_orders_is_a_closure(before, after, ours, flipped):
    from cockpit.engine.bookstate import closures

    clock = Clock()
    venue = FakeVenue(account("a"), clock)
    if before > 0:
        venue.positions[ETH] = position("a", ETH, Side.LONG, str(before))
    previous = asyncio.run(venue.snapshot())
    venue.positions.clear()
    if after > 0:
        venue.positions[ETH] = position("a", ETH, Side.SHORT if flipped else Side.LONG, str(after))
    current = asyncio.run(venue.snapshot())
    found = closures(previous, current, {ETH: ours})
    left = after if not flipped else Decimal(0)  # a long that became a short is a long gone
    gone = before - left - ours
    assert [c.size for c in found] == ([gone] if gone > 0 else [])
    assert all(c.side is Side.LONG and not c.liquidated for c in found)


def test_an_inverse_position_whose_coin_size_moves_with_the_price_is_not_a_closure():
    """An inverse swap's size in coin is contracts × $100 / mark: a price rise shrinks it with
    nothing closed. Closures are counted in contracts, so only a real close shows (in coin)."""
    def snap(contracts: int, mark: int) -> VenueSnapshot:
        p = Position(account="a", venue="okx", symbol="BTC/USD:BTC", asset="BTC", side=Side.LONG,
                     size=Decimal(contracts * 100) / mark, entry_price=Decimal(50_000),
                     mark_price=Decimal(mark), contracts=Decimal(contracts))
        return VenueSnapshot(account=account("a"), fetched_at=0.0, positions=(p,), funding=(),
                             collateral=Collateral("a", account("a").layer, "BTC", 1.0, 0.0, 1.0),
                             marks=(("BTC/USD:BTC", float(mark)),))

    assert closures(snap(10, 50_000), snap(10, 55_000), {}) == []
    (c,) = closures(snap(10, 50_000), snap(6, 55_000), {})
    assert c.size == Decimal(4 * 100) / 50_000  # 4 contracts, in coin at the previous mark
    assert closures(snap(10, 50_000), snap(6, 55_000), {"BTC/USD:BTC": Decimal(4)}) == []


async def test_a_fill_journaled_while_a_snapshot_is_out_is_never_called_a_closure(tmp_path):
    # The venue answers with the position as it was; our order's fill is journaled while the
    # request is out; the next snapshot shows the smaller position: that is ours, not an event.
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2", mark="100")})
    engine = make(clock, venue, journal=Journal(tmp_path / "j.sqlite"))
    await engine.poll_once()
    answer = venue.snapshot

    async def snapshot_while_our_order_fills():
        before = await answer()  # the position as it was: 2
        intent = trim_intent(Trim(PositionKey("a", ETH), 0.5))
        await engine.executor.submit(intent, engine.latest.book)  # fills, journaled now
        return before

    venue.snapshot = snapshot_while_our_order_fills  # type: ignore[method-assign]
    clock.now += 1
    await engine._poll_step("a")
    venue.snapshot = answer  # type: ignore[method-assign]
    clock.now += 1
    await engine._poll_step("a")
    assert venue.positions[ETH].size == Decimal("1")
    assert closed(engine) == []
