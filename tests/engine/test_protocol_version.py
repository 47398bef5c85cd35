"""The guard protocol's version follows what travels, and a terminal of another version is refused
in one clear line at the handshake (never a decode traceback in the middle of a frame)."""

from __future__ import annotations

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

SHAPES = {2: "a8020af4c3486fc3"}
"""The wire's shape (`codec.shape`) each protocol version speaks. Version 1 was shipped before the
frame carried `plots` and `working` and before WatchPlots, CancelOrder and CancelAll travelled."""


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
