"""The engine's hot path reads the orders from SQLite only after one was written
(`cockpit.engine.journal`: what was read is kept until the next order write), and what it keeps
is what the file says, after a restart too."""

from __future__ import annotations

from decimal import Decimal

from cockpit.engine import Engine
from cockpit.engine.core import LIVE_SETTINGS
from cockpit.engine.journal import ABSENT, Journal
from cockpit.model import IntentSource, Order, OrderRequest, OrderStatus, Side
from tests.engine.fakes import Clock, FakeVenue, NullRisk, account, position

ETH = "ETH/USDT:USDT"


def _order(cid: str, account_: str = "a", amount: str = "1") -> OrderRequest:
    return OrderRequest(client_id=cid, account=account_, symbol=ETH, side=Side.SHORT, amount=Decimal(amount),
                        type="limit", price=Decimal("200"))


def _reads(journal: Journal) -> list[str]:
    """Every statement that reads the orders table from now on."""
    seen: list[str] = []
    journal._db.set_trace_callback(lambda sql: seen.append(sql) if "FROM orders" in sql else None)
    return seen


async def _round(engine: Engine) -> None:
    """What the engine does with the journal between two orders: a poll of every account and a
    frame, the poll cadence, a pass of the resolver."""
    await engine.poll_once()
    engine.poll_delay("a")
    await engine.resolve_pending()


async def test_frames_polls_and_the_resolver_read_the_orders_only_after_a_write():
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")})
    engine = Engine([venue], risk=NullRisk(), clock=clock, settings=LIVE_SETTINGS)
    await _round(engine)
    reads = _reads(engine.journal)
    for _ in range(5):
        clock.now += 1
        await _round(engine)
    assert reads == []  # nothing was written: nothing is read again

    engine.journal.record(_order("trim-1"), intent_id="i-1", source=IntentSource.HOTKEY, reason="t", now=clock())
    engine.journal.set_status("trim-1", OrderStatus.OPEN, now=clock(), detail="open")
    assert engine.poll_delay("a") == 1.0  # watched closely at once: its fill is awaited
    frame = await engine.poll_once()
    assert [w.client_id for w in frame.working] == ["trim-1"]
    assert reads  # the write is read, once
    reads.clear()
    for _ in range(3):  # polls and frames (a look-up of the order by the resolver writes its row)
        clock.now += 1
        await engine.poll_once()
        engine.poll_delay("a")
    assert reads == []

    engine.journal.set_status("trim-1", OrderStatus.FILLED, now=clock(), filled=Decimal(1), detail="filled")
    frame = engine.publish()
    assert frame.working == () and engine.poll_delay("a") == 2.0
    assert engine.journal.filled_total("a") == {ETH: Decimal(1)}


def test_what_is_kept_matches_the_file_after_every_write(tmp_path):
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    steps = [
        lambda j: j.record(_order("o1"), intent_id="i1", source=IntentSource.HOTKEY, reason="t", now=10.0),
        lambda j: j.record(_order("o2", "b", "3"), intent_id="i2", source=IntentSource.HOTKEY, reason="t", now=11.0),
        lambda j: j.set_status("o1", OrderStatus.PARTIAL, now=12.0, filled=Decimal("0.4"), detail="partial"),
        lambda j: j.set_status("o2", OrderStatus.CANCELED, now=13.0, filled=Decimal(0), detail=ABSENT),
        lambda j: j.record(_order("o1"), intent_id="i1", source=IntentSource.HOTKEY, reason="t", now=14.0),
        lambda j: j.set_status("o2", OrderStatus.INTENDED, now=15.0, detail="resumed"),
        lambda j: j.set_status("o1", OrderStatus.FILLED, now=16.0, filled=Decimal(1), detail="filled",
                               average=Decimal("199.5"), fee=0.1),
        lambda j: j.set_status("o2", OrderStatus.FILLED, now=17.0, filled=Decimal(3), detail="landed late"),
    ]
    for step in steps:
        before = (journal.open_orders(), journal.filled_total("a"), journal.declared_absent(0.0))
        step(journal)
        assert journal.open_orders() == list(journal._read_open()), before
        assert journal.open_orders("b") == [r for r in journal._read_open() if r.account == "b"]
        for name in ("a", "b"):
            assert journal.filled_total(name) == journal._read_filled(name)
        assert journal.declared_absent(0.0) == list(journal._read_absent(0.0))
        assert journal.declared_absent(13.5) == []  # a horizon past the row's time leaves it out
        assert journal.declared_absent(0.0) == list(journal._read_absent(0.0))  # and an earlier one reads again
    journal.close()


async def test_a_restarted_engine_reads_the_orders_in_flight_from_the_journal(tmp_path):
    path = tmp_path / "journal.sqlite"
    clock = Clock()
    journal = Journal(path)
    journal.record(_order("trim-1"), intent_id="i-1", source=IntentSource.HOTKEY, reason="t", now=clock())
    journal.set_status("trim-1", OrderStatus.PARTIAL, now=clock(), filled=Decimal("0.25"), detail="partial")
    journal.close()

    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")})
    venue.orders["trim-1"] = Order(client_id="trim-1", account="a", symbol=ETH, side=Side.SHORT, amount=Decimal(1),
                                   filled=Decimal("0.25"), status=OrderStatus.PARTIAL)  # still working there
    engine = Engine([venue], risk=NullRisk(), clock=clock, settings=LIVE_SETTINGS, journal=Journal(path))
    try:
        frame = await engine.poll_once()
        (working,) = frame.working
        assert (working.client_id, working.filled, working.status) == ("trim-1", Decimal("0.25"), OrderStatus.PARTIAL)
        assert engine.poll_delay("a") == 1.0
        assert engine.journal.filled_total("a") == {ETH: Decimal("0.25")}
        assert engine.journal.in_flight("a", ETH) == Decimal("0.75")
    finally:
        engine.journal.close()

