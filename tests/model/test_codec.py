"""The codec of every message that crosses the engine's socket: real frames and every registered
class come back exactly (same values, same types, NaN and -0.0 and a Decimal's exponent
included), and anything it could not have written is a `MalformedReply` saying where and what."""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from decimal import Decimal
from enum import Enum

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import (
    AccountInfo, Frame, Layer, MalformedReply, Order, OrderStatus, PositionKey, Side, VenueSnapshot, codec,
)
from tests.model.frames import big_frame, crash_frames, crash_run, demo_frames, same


def _round_trip(value: object) -> object:
    return codec.decode(codec.loads(codec.dumps(codec.encode(value))))


# -- real frames ------------------------------------------------------------------------------


@pytest.mark.parametrize("frames", [demo_frames, crash_frames], ids=["calm", "flash-crash"])
def test_demo_frames_come_back_exactly(frames):
    for frame in frames():
        back = _round_trip(frame)
        same(frame, back)
        assert codec.encode(back) == codec.encode(frame)  # and encode again to the same text


def test_the_crash_frames_carry_what_a_quiet_frame_does_not():
    # So the round trip above covers the kill switch's events, its proposal and the notices.
    last = crash_frames()[-1]
    assert last.assessment.kill.events and last.assessment.proposal and last.notices


def test_the_events_an_engine_tells_come_back_exactly():
    # Decoding checks each field against its annotation: what the engine really puts in an
    # event (not only what the annotation says) must pass.
    events = crash_run()[1]
    assert {e.kind.value for e in events} >= {"kill"}
    for event in events:
        same(event, _round_trip(event))


def test_a_500_position_frame_comes_back_exactly():
    frame = big_frame()
    assert len(frame.assessment.positions) == 500
    same(frame, _round_trip(frame))


def test_numpy_floats_travel_as_floats():
    back = _round_trip((np.float64(1.5), np.float64("nan")))
    assert type(back[0]) is float and back[0] == 1.5 and math.isnan(back[1])


def test_non_finite_floats_are_tagged_and_the_text_is_strict_json():
    encoded = codec.encode((math.nan, math.inf, -math.inf, -0.0))
    assert encoded == [{"$f": "nan"}, {"$f": "inf"}, {"$f": "-inf"}, -0.0]
    assert encoded == codec.encode((float("nan"), math.inf, -math.inf, -0.0))  # NaN encodes equal to NaN
    text = codec.dumps(encoded)
    assert b"NaN" not in text and b"Infinity" not in text
    with pytest.raises(ValueError):
        codec.dumps({"t": math.nan})  # a bare NaN was never encoded: refused, not written
    with pytest.raises(MalformedReply, match="NaN is not strict JSON"):
        codec.loads(b'{"t": NaN}')
    assert codec.decode(encoded)[0] is math.nan  # one NaN object: tuples of it compare equal


def test_the_snapshot_number_is_not_sent():
    snap = demo_frames()[0].book.accounts[0].snapshot
    encoded = codec.encode(snap)
    assert "seq" not in encoded
    back = codec.decode(encoded)
    assert isinstance(back, VenueSnapshot) and back.seq != snap.seq


def test_plain_values_lists_and_mappings():
    assert _round_trip([1, "a", None, True]) == (1, "a", None, True)  # a list travels as a tuple
    value = {"a": {PositionKey("x", "y"): Decimal("1.10")}, "b": {1: 2, (1, 2): "t"}}
    back = _round_trip(value)
    same(value | {"b": {1: 2, (1, 2): "t"}}, back)
    assert codec.encode({1: 2}) == {"$m": [[1, 2]]}
    assert type(_round_trip(True)) is bool and type(_round_trip(3)) is int and _round_trip(2**80) == 2**80
    assert _round_trip("\ud800 é ☃") == "\ud800 é ☃"


# -- every registered class -------------------------------------------------------------------


def _strategy(hint: typing.Any) -> st.SearchStrategy:
    """Values of annotation `hint`, registered classes built field by field from theirs."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_strategy(a) for a in typing.get_args(hint)))
    if hint is None or hint is type(None):
        return st.none()
    if hint is float:
        return st.floats()  # NaN, infinities and -0.0 included
    if hint is Decimal:
        return st.decimals(allow_nan=False, allow_infinity=False, places=None)
    if hint in (int, bool, str):
        return st.from_type(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(_strategy(args[0]), max_size=3).map(tuple)
        return st.tuples(*(_strategy(a) for a in args))
    if origin is dict:
        key, value = typing.get_args(hint)
        return st.dictionaries(_strategy(key), _strategy(value), max_size=3)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(list(hint))
    if isinstance(hint, type) and hint.__name__ in codec.registered():
        return st.deferred(lambda: _instances(hint))
    raise AssertionError(f"no strategy for {hint!r}: add one here")


def _instances(cls: type) -> st.SearchStrategy:
    hints = typing.get_type_hints(cls)
    if dataclasses.is_dataclass(cls):
        names = [f.name for f in dataclasses.fields(cls) if f.init]
    else:
        names = list(cls._fields)
    return st.builds(cls, **{n: _strategy(hints[n]) for n in names})


_CLASSES = sorted(name for name, cls in codec.registered().items() if not issubclass(cls, Enum))


@pytest.mark.parametrize("name", _CLASSES)
def test_every_registered_class_comes_back_exactly(name):
    cls = codec.registered()[name]
    limit = 2 if name in ("Frame", "Book", "Assessment", "AccountState", "VenueSnapshot") else 5

    @settings(max_examples=limit, database=None)
    @given(_instances(cls))
    def check(value):
        back = _round_trip(value)
        same(value, back)
        assert type(back) is cls

    check()


def test_every_registered_enum_member_comes_back():
    for cls in codec.registered().values():
        if issubclass(cls, Enum):
            for member in cls:
                assert _round_trip(member) is member


def test_the_model_registers_every_class_it_defines_that_can_travel():
    import importlib
    import pkgutil

    import cockpit.model as model

    travelling = codec.registered()
    for info in pkgutil.iter_modules(model.__path__):
        module = importlib.import_module(f"cockpit.model.{info.name}")
        for name, value in vars(module).items():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            frozen = dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen
            if frozen or issubclass(value, Enum) or (issubclass(value, tuple) and hasattr(value, "_fields")):
                assert travelling.get(name) is value, f"{module.__name__}.{name} is not registered in codec.py"


# -- registering ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CodecPing:
    """A command as the coordinator's will be: a frozen dataclass registered from outside."""

    account: str
    key: PositionKey
    amount: Decimal | None = None
    sides: tuple[Side, ...] = ()


@pytest.fixture
def own_registration():
    """A class a test registers leaves with the test: what travels is pinned per protocol version
    (`tests/engine/test_protocol_version.py`), whichever test ran first."""
    saved = dict(codec._CLASSES), dict(codec._ENCODERS)
    yield
    for live, kept in zip((codec._CLASSES, codec._ENCODERS), saved):
        live.clear()
        live.update(kept)


def test_a_registered_class_travels_and_registering_again_is_harmless(own_registration):
    codec.register(CodecPing)
    codec.register(CodecPing)
    ping = CodecPing("a", PositionKey("a", "BTC/USDT:USDT"), Decimal("0.10"), (Side.LONG,))
    same(ping, _round_trip(ping))


def test_register_refuses_what_cannot_travel():
    @dataclasses.dataclass
    class Loose:
        x: int

    with pytest.raises(TypeError, match="only frozen dataclasses"):
        codec.register(Loose)
    with pytest.raises(TypeError, match="not a frozen dataclass"):
        codec.register(dict)

    @dataclasses.dataclass(frozen=True)
    class Order:  # noqa: F811 - the clash is the point
        x: int

    with pytest.raises(ValueError, match="already travels under that name"):
        codec.register(Order)
    with pytest.raises(TypeError, match="cannot encode a Loose"):
        codec.encode(Loose(1))


# -- what it could not have written ------------------------------------------------------------


def _order(**changes):
    order = Order("c1", "acct", "BTC/USDT:USDT", Side.LONG, Decimal("1"), Decimal("0"), OrderStatus.OPEN)
    return codec.encode(order) | changes


@pytest.mark.parametrize("data, message", [
    ({"$t": "Secret", "x": 1}, r"cannot decode Secret: unknown class 'Secret'"),
    (_order(amount=None) | {"$t": "Order"}, r"Order\.amount: expected Decimal, got null"),
    ({k: v for k, v in _order().items() if k != "filled"}, r"cannot decode Order: Order lacks field 'filled'"),
    (_order(colour="red"), r"Order has no field 'colour'"),
    (_order(amount={"$d": 5}), r"Order\.amount: a decimal is .*not"),
    (_order(amount={"$d": "lots"}), r"Order\.amount: not a decimal: 'lots'"),
    (_order(amount="1"), r"Order\.amount: expected Decimal, got str"),
    (_order(client_id=7), r"Order\.client_id: expected str, got int"),
    (_order(reduce_only=1), r"Order\.reduce_only: expected bool, got int"),
    (_order(fee="0"), r"Order\.fee: expected float, got str"),
    (_order(side={"$e": "Side", "v": "sideways"}), r"Order\.side: 'sideways' is not a Side"),
    (_order(side={"$e": "Mood", "v": "up"}), r"Order\.side: unknown enum 'Mood'"),
    (_order(side="long"), r"Order\.side: expected Side, got str"),
    (_order(price={"price": 1}), r"Order\.price: an object without a tag"),
    (_order(fee={"$f": "huge"}), r"Order\.fee: a non-finite float is"),
    ({"$o": []}, r"cannot decode value: a mapping is"),
    ([1, {"$t": "Nope"}], r"cannot decode value\[1\]: unknown class 'Nope'"),
])
def test_what_encode_could_not_have_made_is_malformed_and_says_where(data, message):
    with pytest.raises(MalformedReply, match=message):
        codec.decode(data)


def test_a_bad_row_deep_in_a_frame_is_named_by_its_path():
    encoded = codec.encode(demo_frames()[0])
    encoded["assessment"]["positions"][3]["size"] = 1.5
    with pytest.raises(MalformedReply, match=r"^wire: cannot decode Frame\.assessment\.positions\[3\]\.size: "
                                             r"expected Decimal, got float$"):
        codec.decode(encoded)
    encoded["assessment"]["positions"][3]["size"] = {"$d": "1.5"}
    del encoded["book"]["accounts"][1]["info"]["layer"]
    with pytest.raises(MalformedReply, match=r"Frame\.book\.accounts\[1\]\.info: AccountInfo lacks field 'layer'"):
        codec.decode(encoded)


def test_a_constructor_that_refuses_its_fields_is_malformed():
    with pytest.raises(MalformedReply, match="PositionKey refused its fields|lacks field"):
        codec.decode({"$t": "PositionKey", "account": "a"})


@pytest.mark.parametrize("line", [b'{"a": 1', b"\xff\xfe", b"", b'{"a": Infinity}'])
def test_lines_that_are_not_strict_json_are_malformed(line):
    with pytest.raises(MalformedReply, match="wire: not JSON"):
        codec.loads(line)


def test_the_paper_venue_keeps_its_prefix():
    from cockpit.model import wire

    with pytest.raises(MalformedReply, match="^paper venue: cannot decode Secret"):
        wire.decode({"$t": "Secret"})
    info = AccountInfo("a", "binance", Layer.CEX)
    assert wire.decode(json.loads(json.dumps(wire.encode(info)))) == info


def test_annotations_that_do_not_resolve_are_refused_at_once_or_at_first_decode_when_lazy(own_registration):
    @dataclasses.dataclass(frozen=True)
    class Dangling:
        x: "NoSuchName"  # noqa: F821 - the unresolvable annotation is the point

    with pytest.raises(TypeError, match="Dangling: its annotations do not resolve"):
        codec.register(Dangling)
    assert "Dangling" not in codec.registered()
    codec.register(Dangling, lazy=True)  # the model's own way: resolved when first needed
    with pytest.raises(TypeError, match="Dangling: its annotations do not resolve"):
        codec.decode({"$t": "Dangling", "x": 1})
