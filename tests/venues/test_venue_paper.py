"""The paper venue: the simulator served on a Unix socket, and its client speaking the venue protocol.

The server runs on its own thread and loop here (in the drill it is its own process); the client
must see exactly what the embedded simulator shows, carry orders and errors across unchanged, and
the server must carry out an order whose sender died before the answer."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import socket
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.model import (
    MalformedReply, OrderRequest, OrderStatus, Rejected, Side, Unavailable, UnknownOutcome, VenueSnapshot,
)
from cockpit.model.wire import decode, decode_error, dumps, encode, encode_error, loads
from cockpit.sim import build_demo
from cockpit.sim.paper import PaperServer
from cockpit.venues.paper import open_paper
from cockpit.venues.protocol import Venue

NOW = 1_780_000_000.0


class Served:
    """A PaperServer on a thread of its own, over a frozen-clock demo session."""

    def __init__(self, **options) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ckp"))  # short: a Unix socket path has ~100 bytes
        self.path = self.dir / "s"
        self.session = build_demo(seed=7, scenario="calm", clock=lambda: NOW)
        self.loop = asyncio.new_event_loop()
        self.server = PaperServer(self.session, clock=time.time, **options)
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.server.start(self.path))
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        started.wait(10)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def served():
    s = Served()
    yield s
    s.close()


def _request(venue, position, size, client_id="ck" + "a" * 24):
    """A reduce-only order against `position`."""
    return OrderRequest(client_id=client_id, account=venue.info.name, symbol=position.symbol,
                        side=position.side.opposite, amount=size)


async def test_the_paper_venue_shows_what_the_embedded_simulator_shows(served):
    session = open_paper(served.path)
    embedded = build_demo(seed=7, scenario="calm", clock=lambda: NOW)
    assert [v.info for v in session.venues] == [v.info for v in embedded.venues]
    assert session.scenario_name == "calm"
    for paper, sim in zip(session.venues, embedded.venues):
        assert isinstance(paper, Venue)
        await paper.connect()
        assert dict(paper.instruments()) == dict(sim.instruments())
        ours, theirs = await paper.snapshot(), await sim.snapshot()
        assert ours == dataclasses.replace(theirs, fetched_at=ours.fetched_at)
        await paper.close()
    assert session.sim_time() == embedded.sim_time()


async def test_orders_errors_and_the_received_log_cross_the_wire(served):
    venue = open_paper(served.path).venues[0]
    await venue.connect()
    snap = await venue.snapshot()
    long = next(p for p in snap.positions if p.side is Side.LONG)
    inst = venue.instruments()[long.symbol]
    request = _request(venue, long, inst.min_amount)
    order = await venue.place_order(request)
    assert order.status is OrderStatus.FILLED and order.filled == inst.min_amount
    assert await venue.fetch_order(request.client_id, long.symbol) == order
    assert await venue.fetch_order("ck" + "b" * 24, long.symbol) is None
    with pytest.raises(Rejected, match="duplicate|already"):
        await venue.place_order(request)  # the simulator refuses a client id it has seen
    log = await venue.received()
    assert [(e["client_id"], e["accepted"]) for e in log] == [(request.client_id, True), (request.client_id, False)]
    assert log[0]["filled"] == str(inst.min_amount)
    await venue.close()


async def test_an_order_past_the_receive_window_is_refused(served):
    venue = open_paper(served.path).venues[0]
    await venue.connect()
    snap = await venue.snapshot()
    pos = snap.positions[0]
    request = _request(venue, pos, venue.instruments()[pos.symbol].min_amount)
    reply = await served.server.handle(dumps({"id": 1, "op": "place_order", "account": venue.info.name,
                                              "args": {"request": encode(request), "sent_at": time.time() - 6}}))
    assert reply["error"]["kind"] == "Rejected" and "receive window" in reply["error"]["message"]
    assert await venue.fetch_order(request.client_id, pos.symbol) is None
    await venue.close()


async def test_an_order_whose_sender_died_still_lands_and_a_cut_off_request_does_not(served):
    venue = open_paper(served.path).venues[0]
    await venue.connect()
    pos = (await venue.snapshot()).positions[0]
    step = venue.instruments()[pos.symbol].min_amount
    landed, cut = _request(venue, pos, step, "ck" + "c" * 24), _request(venue, pos, step, "ck" + "d" * 24)
    for req in (landed, cut):
        full = dumps({"id": 9, "op": "place_order", "account": venue.info.name,
                      "args": {"request": encode(req), "sent_at": time.time()}})
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
            raw.connect(str(served.path))
            raw.sendall(full if req is landed else full[:-20])  # the second dies mid-request
    for _ in range(200):  # the server finishes what it received; poll until it has
        if await venue.fetch_order(landed.client_id, pos.symbol) is not None:
            break
        await asyncio.sleep(0.01)
    assert (await venue.fetch_order(landed.client_id, pos.symbol)).status is OrderStatus.FILLED
    assert await venue.fetch_order(cut.client_id, pos.symbol) is None
    await venue.close()


async def test_a_server_gone_mid_order_is_an_unknown_outcome_and_reads_are_unavailable(served):
    venue = open_paper(served.path).venues[0]
    await venue.connect()
    pos = (await venue.snapshot()).positions[0]
    served.close()
    with pytest.raises(UnknownOutcome):
        await asyncio.wait_for(venue.place_order(_request(venue, pos, Decimal("1"))), 10)
    with pytest.raises(Unavailable):
        await asyncio.wait_for(venue.snapshot(), 10)
    served.close = lambda: None  # already closed


async def test_a_connection_reset_hangs_up_unanswered_and_the_order_never_lands(served):
    from cockpit.sim.faults import Fault, FaultWindow

    venue = open_paper(served.path).venues[0]
    await venue.connect()
    pos = (await venue.snapshot()).positions[0]
    request = _request(venue, pos, venue.instruments()[pos.symbol].min_amount)
    world = served.session.world
    world.faults.add(FaultWindow(venue.info.name, Fault("reset"), world.t, world.t + 3600))
    with pytest.raises(UnknownOutcome, match="ConnectionResetError"):  # met on the wire, not told
        await asyncio.wait_for(venue.place_order(request), 10)
    with pytest.raises(Unavailable, match="ConnectionResetError"):
        await asyncio.wait_for(venue.snapshot(), 10)
    world.faults.windows.clear()
    assert await venue.fetch_order(request.client_id, pos.symbol) is None  # reset before the engine
    await venue.close()


def test_the_codec_round_trips_snapshots_orders_and_errors():
    session = build_demo(seed=3, scenario="funding-squeeze", clock=lambda: NOW)
    for venue in session.venues:
        snap = asyncio.run(venue.snapshot())
        back = decode(loads(dumps({"v": encode(snap)}))["v"])
        assert isinstance(back, VenueSnapshot) and back == snap
        assert "seq" not in encode(snap) and back.seq != snap.seq  # numbered where it is made, never sent
    error = UnknownOutcome("lost answer", account="okx", client_id="ck1", code="504")
    again = decode_error(loads(dumps(encode_error(error))))
    assert type(again) is UnknownOutcome and (again.account, again.client_id, again.code, str(again)) == (
        "okx", "ck1", "504", "lost answer")
    with pytest.raises(MalformedReply):
        decode({"$t": "Secret", "x": 1})
    with pytest.raises(MalformedReply):
        decode({"$t": "Order", "client_id": "x"})  # missing fields
    assert isinstance(decode_error({"kind": "SystemExit"}), MalformedReply)


def test_guard_without_a_paper_venue_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["guard", "--paper", str(tmp_path / "none.sock"), "--duration", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--paper" in err and "cockpit paper --socket" in err


@pytest.mark.parametrize("argv, names", [
    (["paper", "--socket", "/nonexistent-dir/s", "--duration", "1"], "--socket"),
    (["paper", "--socket", "/tmp/x.s", "--scenario", "nope", "--duration", "1"], "scenario"),
    (["guard", "--journal", "/proc/none/j.sqlite", "--duration", "1"], "--journal"),
])
def test_bad_paper_and_journal_flags_are_one_line_and_exit_2(argv, names, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and names in err and "Traceback" not in err


def test_a_snapshot_with_a_liquidation_crosses_the_wire():
    # The simulator reports its liquidations on the snapshot: the paper venue must carry them
    # (it once could not encode one, and the liquidated account went DOWN instead).
    from cockpit.model import LiquidationReport, Side
    import json

    from cockpit.model.wire import decode, encode

    report = LiquidationReport(account="bybit", symbol="SOL/USDT:USDT", side=Side.LONG,
                               size=Decimal("399.5"), price=130.946, time=180.0, loss=-5233.0)
    assert decode(json.loads(json.dumps(encode([report])))) == (report,)


async def test_the_books_depth_crosses_the_wire_as_the_embedded_simulator_tells_it(served):
    session = open_paper(served.path)
    embedded = build_demo(seed=7, scenario="calm", clock=lambda: NOW)
    paper, sim = session.venues[0], embedded.venues[0]
    await paper.connect()
    p = (await sim.snapshot()).positions[0]
    mark = float(p.mark_price)
    ours = await paper.depth(p.symbol, p.side.opposite, 0.005, mark)
    theirs = await sim.depth(p.symbol, p.side.opposite, 0.005, mark)
    assert ours > 0 and ours == pytest.approx(theirs, rel=0.05)  # the same book (marks move a little)
    with pytest.raises(Rejected):
        await paper.depth("NOPE/USDT:USDT", p.side.opposite, 0.005, mark)
    await paper.close()


async def test_a_top_up_crosses_the_wire_once_per_client_id(served):
    from cockpit.model import NotSupported, TransferStatus
    from cockpit.sim.demo import SPOT
    from cockpit.venues.protocol import TopUpVenue

    venues = {v.info.name: v for v in open_paper(served.path).venues}
    okx = venues["okx"]
    assert isinstance(okx, TopUpVenue)
    assert await okx.top_up_available() == SPOT["okx"]
    sent = await okx.top_up(Decimal("5000.50"), "unwind:r1:3:topup")
    assert sent.amount == Decimal("5000.50") and sent.status is not TransferStatus.FAILED
    assert (await okx.top_up(Decimal("5000.50"), "unwind:r1:3:topup")).id == sent.id
    assert (await okx.top_up_status("unwind:r1:3:topup", Decimal("5000.50"), NOW)).id == sent.id
    assert await okx.top_up_status("unwind:r1:4:topup", Decimal("1"), NOW) is None
    assert await okx.top_up_available() == pytest.approx(SPOT["okx"] - 5000.50)
    with pytest.raises(NotSupported):
        await venues["paradex"].top_up_available()
    for v in venues.values():
        await v.close()
