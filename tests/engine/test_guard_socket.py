"""The guard's socket, for real: a Unix socket served by an engine on its own thread, terminals
(`RemoteEngine`) attached over it, and hostile or broken clients that must not hurt the guard."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
from pathlib import Path

import pytest

from cockpit.engine.demo import demo_engine
from cockpit.engine.local import LocalEngine
from cockpit.engine.protocol import MAX_REQUEST, VERSION, ProtocolError, default_socket
from cockpit.engine.remote import NoGuard, RemoteEngine
from cockpit.engine.server import GuardRunning, GuardServer
from cockpit.model.commands import AbortRun, Close, Refused, StartUnwind, Trim, TrimPreview
from cockpit.model.unwind import TargetKind, UnwindRun, UnwindTarget
from cockpit.model.events import EventKind
from tests.waiting import until

FROZEN = 1_780_000_000.0


@pytest.fixture
def guard():
    """A demo engine serving the default socket (the test's own runtime directory)."""
    api = LocalEngine(demo_engine(seed=7, clock=lambda: FROZEN), serve=default_socket())
    api.start()
    yield api
    api.stop()


def _attach(**kwargs) -> RemoteEngine:
    remote = RemoteEngine(default_socket(), **kwargs)
    remote.attach()
    return remote


def _raw(path: Path | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5.0)
    sock.connect(str(path or default_socket()))
    return sock


def _lines(sock: socket.socket, n: int) -> list[dict]:
    """The next `n` messages on `sock`."""
    data = b""
    while data.count(b"\n") < n:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    return [json.loads(line) for line in data.split(b"\n")[:n]]


def _hello(sock: socket.socket, **extra) -> dict:
    sock.sendall(json.dumps({"t": "hello", "version": VERSION, **extra}).encode() + b"\n")
    return _lines(sock, 1)[0]


def test_a_terminal_attaches_and_sees_the_guards_frame(guard):
    remote = _attach()
    try:
        frame = remote.latest
        assert frame is not None and frame.assessment.positions
        assert frame.book == guard.latest.book or frame.seq <= guard.latest.seq
        assert "guard pid" in remote.where
    finally:
        remote.detach()


def test_two_terminals_see_a_trim_confirmed_in_one(guard):
    one, two = _attach(), _attach()
    try:
        key = max(one.latest.assessment.positions, key=lambda p: p.notional or 0).key
        before = two.latest.book.position(key).size

        async def trim():
            preview = await one.preview(Trim(key, 0.5, id="two-terminals"))
            assert isinstance(preview, TrimPreview)
            return await one.send(Trim(key, 0.5, id="two-terminals", cap=preview.cut))

        result = asyncio.run(trim())
        assert result.ok, result.message
        # The other terminal sees the smaller position, and the order's event.
        until(lambda: two.latest.book.position(key).size < before)
        until(lambda: any(e.kind is EventKind.ORDER for e in two.events))
        assert len(guard.engine.journal.rows()) == 1
    finally:
        one.detach()
        two.detach()


def test_a_read_only_terminal_can_look_but_not_act(guard):
    remote = _attach(readonly=True)
    try:
        key = remote.latest.assessment.positions[0].key
        assert remote.latest.readonly  # its status line says READ-ONLY
        assert isinstance(asyncio.run(remote.preview(Close(key))), Refused)
        assert not asyncio.run(remote.send(Close(key, id="ro"))).ok
    finally:
        remote.detach()
    # The guard refuses it too, whatever the client does: a raw read-only hello, then a send.
    with _raw() as sock:
        assert _hello(sock, readonly=True)["t"] == "welcome"
        sock.sendall(json.dumps({"t": "send", "id": 1, "command": _encoded(Close(key, id="raw"))}).encode() + b"\n")
        answer = _next(sock, "result")
        assert answer["result"]["ok"] is False and "read-only" in answer["result"]["message"]
    assert guard.engine.journal.rows() == []


def _encoded(value):
    from cockpit.model import codec

    return codec.encode(value)


def _next(sock: socket.socket, kind: str) -> dict:
    """The next message of type `kind` (frames, patches and events in between are skipped)."""
    buffer = b""
    while True:
        while b"\n" not in buffer:
            chunk = sock.recv(1 << 20)
            assert chunk, f"connection closed before a {kind}"
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        message = json.loads(line)
        if message["t"] == kind:
            return message


def test_the_journal_records_attach_and_detach(guard):
    remote = _attach()
    remote.detach()
    texts = lambda: [e[2]["text"] for e in guard.engine.journal.events("notice")]  # noqa: E731
    until(lambda: any("terminal detached" in t for t in texts()))
    assert any("terminal attached" in t for t in texts())


def test_the_socket_is_private(guard):
    path = default_socket()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_another_users_connection_is_refused(guard, monkeypatch):
    # The peer's user id comes from the kernel (SO_PEERCRED); here the guard is told it runs as
    # another user, so this test's own connection is the stranger's.
    import cockpit.engine.server as server

    real, path = os.getuid(), default_socket()
    with monkeypatch.context() as patch:
        patch.setattr(server.os, "getuid", lambda: real + 1)
        with _raw(path) as sock:
            answer = _lines(sock, 1)[0]
    assert answer == {"t": "error", "message": "refused: this guard serves its own user only"}
    remote = _attach()  # the guard serves its own user as before
    remote.detach()


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to connect as another user")
def test_a_real_other_user_cannot_connect(guard):
    pid = os.fork()
    if pid == 0:  # the child becomes "nobody" and tries
        try:
            os.setgid(65534)
            os.setuid(65534)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(str(default_socket()))
            os._exit(1)  # it should not have got in
        except PermissionError:
            os._exit(0)  # the socket's mode and directory keep it out
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_malformed_and_unknown_messages_are_answered_and_the_guard_carries_on(guard):
    with _raw() as sock:
        assert _hello(sock)["t"] == "welcome"
        for bad in (b"not json\n", b"[1, 2]\n", b'{"t": "launch", "id": 3}\n',
                    b'{"t": "send", "id": 4, "command": {"$t": "Nope"}}\n',
                    b'{"t": "send", "id": 5, "command": {"$t": "Trim"}}\n'):
            sock.sendall(bad)
            assert _next(sock, "error")["message"]
        # Still served: a proper request gets a proper answer.
        key = guard.latest.assessment.positions[0].key
        sock.sendall(json.dumps({"t": "preview", "id": 9, "command": _encoded(Close(key))}).encode() + b"\n")
        assert _next(sock, "result")["id"] == 9


def test_an_oversized_message_is_refused_and_only_that_terminal_is_closed(guard):
    with _raw() as sock:
        assert _hello(sock)["t"] == "welcome"
        sock.sendall(b'{"t": "send", "pad": "' + b"x" * (MAX_REQUEST * 2) + b'"}\n')
        assert "longer than" in _next(sock, "error")["message"]
    remote = _attach()
    remote.detach()


def test_another_protocol_version_gets_one_clear_line(guard):
    with _raw() as sock:
        sock.sendall(json.dumps({"t": "hello", "version": VERSION + 1}).encode() + b"\n")
        answer = _lines(sock, 1)[0]
    assert answer["t"] == "error" and f"speaks protocol {VERSION}" in answer["message"]


def test_a_second_guard_on_the_same_socket_is_refused(guard):
    async def second():
        await GuardServer(demo_engine(seed=7, clock=lambda: FROZEN), default_socket()).start()

    with pytest.raises(GuardRunning, match="already runs"):
        asyncio.run(second())


def test_a_socket_left_by_a_dead_guard_is_taken_over():
    path = default_socket()
    leftover = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leftover.bind(str(path))
    leftover.close()  # the file stays, nobody listens: a guard that was SIGKILLed
    api = LocalEngine(demo_engine(seed=7, clock=lambda: FROZEN), serve=path)
    api.start()
    try:
        remote = _attach()
        remote.detach()
    finally:
        api.stop()
    assert not path.exists()  # a clean stop removes its socket


def test_attaching_with_no_guard_is_one_line():
    with pytest.raises(NoGuard, match=r"no guard is running at .* \(start one: cockpit guard\)"):
        RemoteEngine(default_socket()).attach()


def test_a_terminal_survives_its_guard_and_reattaches_to_the_next():
    path = default_socket()
    first = LocalEngine(demo_engine(seed=7, clock=lambda: FROZEN), serve=path)
    first.start()
    remote = _attach()
    try:
        first.stop()
        until(lambda: remote.latest.lost is not None)
        assert "lost the guard" in remote.latest.lost
        second = LocalEngine(demo_engine(seed=7, clock=lambda: FROZEN), serve=path)
        second.start()
        try:
            until(lambda: remote.latest.lost is None)
            assert any("reattached" in e.text for e in remote.events)
        finally:
            second.stop()
    finally:
        remote.detach()


def test_not_a_guard_on_the_socket_is_a_protocol_error(tmp_path):
    path = Path(str(default_socket()))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    try:
        remote = RemoteEngine(path)
        import threading

        def speak():
            conn, _ = server.accept()
            conn.recv(1024)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            conn.close()

        threading.Thread(target=speak, daemon=True).start()
        with pytest.raises(ProtocolError, match="does not speak the guard's protocol"):
            remote.attach()
    finally:
        server.close()


def test_every_command_crosses_the_socket_a_guided_unwind_included(guard):
    remote = _attach()
    try:
        async def unwind():
            plan = await remote.preview(StartUnwind(UnwindTarget(TargetKind.FLAT)))
            assert isinstance(plan, UnwindRun) and plan.steps
            started = await remote.send(StartUnwind(UnwindTarget(TargetKind.FLAT), id="socket-run"))
            assert started.ok, started.message
            aborted = await remote.send(AbortRun("socket-run"))
            assert aborted.ok, aborted.message

        asyncio.run(unwind())
        until(lambda: remote.latest.run is not None and remote.latest.run.state.over, timeout=10)
        assert remote.latest.run.id == "socket-run" and not guard.engine.journal.rows()  # nothing sent
    finally:
        remote.detach()


def test_our_orders_in_flight_reach_an_attached_terminal_which_can_cancel_them(guard):
    """`Frame.working` crosses the socket (whole frame, then patches), and so does `CancelOrder`."""
    from decimal import Decimal

    from cockpit.model import Intent, IntentSource, OrderStatus, Side
    from cockpit.model.commands import CancelOrder

    remote = _attach()
    try:
        p = next(p for p in remote.latest.book.positions() if p.account == "binance" and p.side is Side.LONG)
        step = guard.engine.venues["binance"].instruments()[p.symbol].price_step
        limit = (Decimal(str(p.mark_price)) * 2 / step).to_integral_value() * step  # rests: far above
        intent = Intent(id="trim:socket:limit", account="binance", symbol=p.symbol, source=IntentSource.HOTKEY,
                        reason="hotkey trim 10%", fraction=0.1, limit=limit)
        placed = guard._thread.submit(lambda: guard.engine.submit(intent)).result(10)
        assert placed.status is OrderStatus.OPEN
        until(lambda: [w.client_id for w in remote.latest.working] == [placed.client_id])
        assert remote.latest.working[0].price == limit

        result = asyncio.run(remote.send(CancelOrder("binance", placed.client_id)))

        assert result.ok, result.message
        until(lambda: remote.latest.working == ())
        until(lambda: any(e.field("cancel") == "yes" for e in remote.events))
        assert guard.engine.journal.get(placed.client_id).status is OrderStatus.CANCELED
    finally:
        remote.detach()
