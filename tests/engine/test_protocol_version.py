"""The guard protocol's version follows what travels, and a terminal of another version is refused
in one clear line at the handshake (never a decode traceback in the middle of a frame)."""

from __future__ import annotations

import time

import pytest

from cockpit import guard_cli
from cockpit.cli import UsageError, parse_args
from cockpit.engine import remote as remote_module
from cockpit.engine.demo import demo_engine
from cockpit.engine.local import LocalEngine
from cockpit.engine.protocol import VERSION, ProtocolError, default_socket
from cockpit.engine.remote import RemoteEngine
from cockpit.model import codec

FROZEN = 1_780_000_000.0

SHAPES = {2: "a8020af4c3486fc3", 3: "ff246e7c595a0dec", 4: "4a12288084b031b8", 5: "79f1f9e2f9ab837f",
          6: "4153552e71496115"}
"""The wire's shape (`codec.shape`) each protocol version speaks. Version 1 was shipped before the
frame carried `plots` and `working` and before WatchPlots, CancelOrder and CancelAll travelled;
version 3 added ExportLedger (the funding ledger written as CSV beside the journal); version 4 a
top-up step's route and client-id fact (`UnwindStep.route`, `keyed`) and its UNKNOWN status;
version 5 made `WorkingOrder` an `Order` with what it adds (it gained the order's `average`, `fee`,
`venue_id` and `timestamp`); version 6 a top-up step's venue transfer id (`UnwindStep.transfer_id`,
kept so a restart finds the transfer by it)."""


def test_what_travels_has_the_shape_its_protocol_version_names():
    """A class that travels changed (a field, its type, a new command or enum value): a terminal
    of the old shape would fail to decode the guard's frames. Bump `protocol.VERSION` and pin the
    new shape here under it."""
    assert codec.shape() == SHAPES.get(VERSION), (
        f"what travels changed shape ({codec.shape()}): bump cockpit.engine.protocol.VERSION "
        f"(now {VERSION}) and add {{{VERSION + 1}: {codec.shape()!r}}} to SHAPES")


def test_the_shape_changes_when_a_field_does(monkeypatch):
    from typing import NamedTuple

    before = codec.shape()

    class ShapeProbe(NamedTuple):
        """A class that travels only in this test."""

        a: int

    monkeypatch.setattr(codec, "_CLASSES", dict(codec._CLASSES))
    codec.register(ShapeProbe)
    assert codec.shape() != before


@pytest.fixture
def guard():
    api = LocalEngine(demo_engine(seed=7, clock=lambda: FROZEN), serve=default_socket())
    api.start()
    yield api
    api.stop()


def test_a_terminal_of_the_previous_version_is_refused_in_one_line(guard, monkeypatch):
    monkeypatch.setattr(remote_module, "VERSION", VERSION - 1)
    remote = RemoteEngine(default_socket())
    with pytest.raises(ProtocolError) as refused:
        remote.attach()
    text = str(refused.value)
    assert "\n" not in text
    assert f"this guard speaks protocol {VERSION}, the terminal {VERSION - 1}" in text
    assert "run the same cockpit version on both" in text


def test_cockpit_attach_says_it_as_a_usage_error(guard, monkeypatch):
    monkeypatch.setattr(remote_module, "VERSION", VERSION + 1)
    with pytest.raises(UsageError, match=f"speaks protocol {VERSION}, the terminal {VERSION + 1}"):
        guard_cli.attach(parse_args(["attach"]))
    assert guard.latest is not None  # the guard carries on


def test_a_guard_restarted_at_another_version_is_named_once_while_the_terminal_waits(monkeypatch):
    """Attached, then the guard is replaced by one of another version: the terminal keeps its last
    frame and says once why it cannot reattach (before, "reattaching" went on without a reason)."""
    from cockpit.engine import server as server_module
    from tests.waiting import until

    first = LocalEngine(demo_engine(seed=7, clock=lambda: FROZEN), serve=default_socket())
    first.start()
    remote = RemoteEngine(default_socket())
    remote.attach()
    try:
        first.stop()
        monkeypatch.setattr(server_module, "VERSION", VERSION + 1)
        second = LocalEngine(demo_engine(seed=7, clock=lambda: FROZEN), serve=default_socket())
        second.start()
        try:
            def told():
                return [e.text for e in remote.events if e.text.startswith("cannot reattach")]

            until(told, timeout=20, what="the refusal to be told")
            time.sleep(2.5)  # a few more tries (RETRY = 1 s) are not told again
            assert told() == [f"cannot reattach: guard at {default_socket()}: this guard speaks protocol "
                              f"{VERSION + 1}, the terminal {VERSION}: run the same cockpit version on both "
                              f"(pip install -U cockpit), then restart the guard"]
            assert remote.latest is not None  # the last frame stays on screen
        finally:
            second.stop()
    finally:
        remote.detach()


def test_every_command_a_terminal_may_send_travels():
    """A command in `Command` that the codec does not know would reach the guard as an error, not
    as the command: each one must be registered (and so in the shape above)."""
    import typing

    from cockpit.model.commands import Command

    registered = codec.registered()
    missing = [cls.__name__ for cls in typing.get_args(Command) if cls.__name__ not in registered]
    assert missing == []
