"""Model values to JSON and back, exactly: the codec of every message that crosses a socket.

What travels (`encode`), and what it decodes to (`decode`):

* ``None``, ``bool``, ``int``, ``str`` as themselves; a finite ``float`` as a JSON number (its
  shortest repr, so it reads back bit for bit); NaN and ±infinity as ``{"$f": "nan"|"inf"|"-inf"}``,
  so the text is strict JSON any reader accepts (`dumps` refuses a bare NaN) and two encodings of
  the same value compare equal, NaN included (frame patches rely on that).
* ``Decimal`` as ``{"$d": "its exact text"}``: money never passes through a float.
* a registered str enum as ``{"$e": "ClassName", "v": value}``.
* a registered frozen dataclass or NamedTuple as ``{"$t": "ClassName", field: value, ...}`` with
  every field its constructor takes (a field with ``init=False``, `VenueSnapshot.seq`, is not
  sent: the receiver's constructor sets it).
* a tuple (or a list) as a JSON list, decoded as a tuple; a dict with str keys as
  ``{"$o": {...}}``, any other dict as ``{"$m": [[key, value], ...]}``.

Decoding is strict: an unknown class or enum, a missing or unexpected field, a field whose value
is not of its annotated type, an untagged object or a bad tag raises `MalformedReply` naming where
(``Frame.assessment.positions[3].size``) and what; nothing is ever read as a default.

Classes are known by name through one registry: `register` adds classes; the model's own are
registered at the bottom of this module, the one place a new model module's classes are added.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import types
import typing
from decimal import Decimal, InvalidOperation
from enum import Enum
from operator import attrgetter
from typing import Any, Callable

from cockpit.model.errors import MalformedReply

_NONE = type(None)
_PLAIN = {_NONE: "null", bool: "bool", int: "int", float: "float", str: "str"}
_SCALARS = frozenset({_NONE, bool, int, str})
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class _Bad(Exception):
    """A decoding failure on its way up: the reason, and the path gathered while unwinding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str] = []


# -- encoding ---------------------------------------------------------------------------------


def _same(value: Any) -> Any:
    return value


def _float(value: float) -> Any:
    if value - value == 0.0:  # finite (inf - inf and nan - nan are nan)
        return value
    return {"$f": "nan" if value != value else ("inf" if value > 0 else "-inf")}


def _decimal(value: Decimal) -> dict:
    return {"$d": str(value)}


def _sequence(value: tuple | list) -> list:
    return [encode(v) for v in value]


def _mapping(value: dict) -> dict:
    if all(type(k) is str for k in value):
        return {"$o": {k: encode(v) for k, v in value.items()}}
    return {"$m": [[encode(k), encode(v)] for k, v in value.items()]}


_ENCODERS: dict[type, Callable[[Any], Any]] = {
    _NONE: _same, bool: _same, int: _same, str: _same, float: _float, Decimal: _decimal,
    tuple: _sequence, list: _sequence, dict: _mapping,
}


def encode(value: Any) -> Any:
    """The JSON-ready form of `value` (see the module's table); TypeError for a value of a class
    that is not registered (a bug of the sender, not bad input)."""
    fn = _ENCODERS.get(type(value))
    if fn is not None:
        return fn(value)
    if isinstance(value, Enum):  # before str: the model's enums are str enums
        raise TypeError(f"cannot encode the enum {type(value).__name__}: register it with "
                        "cockpit.model.codec.register")
    if isinstance(value, float):  # numpy.float64 and other float subclasses travel as floats
        return _float(float(value))
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"cannot encode a {type(value).__name__}: register its class with "
                    "cockpit.model.codec.register")


# -- the registry -----------------------------------------------------------------------------


class _Spec:
    """How one registered class is decoded: its fields in constructor order and their checks."""

    __slots__ = ("cls", "name", "_fields", "names", "index", "positional", "values")

    def __init__(self, cls: type, names: tuple[str, ...], positional: bool) -> None:
        self.cls = cls
        self.name = cls.__name__
        self.names = names
        self.index = {n: i for i, n in enumerate(names)}
        self.values = list if issubclass(cls, tuple) else (
            (lambda v: [getattr(v, n) for n in names]) if len(names) < 2 else (lambda v, get=attrgetter(*names): list(get(v))))
        self.positional = positional
        self._fields: tuple | None = None  # the checks, made when first needed (see `fields`)

    @property
    def fields(self) -> tuple:
        """(name, allowed, extra, text) per field: its annotation made a check (see `_check`)."""
        return self._fields if self._fields is not None else self.resolve()

    def resolve(self) -> tuple:
        """Make the fields' checks from the class's annotations (TypeError if they do not resolve).

        Done on first use: resolving the annotations of every class that travels costs an attached
        terminal 6-8 ms of its start, and its first frame holds about half of them.
        """
        try:
            hints = typing.get_type_hints(self.cls)
        except Exception as error:
            raise TypeError(f"cannot register {self.name}: its annotations do not resolve ({error})") from None
        self._fields = tuple((n, *_check(hints[n], f"{self.name}.{n}")) for n in self.names)
        return self._fields

    def decode(self, data: dict) -> Any:
        fields = self._fields if self._fields is not None else self.resolve()
        if len(data) != len(fields) + 1:
            self._wrong_fields(data)
        values = []
        append = values.append
        for name, allowed, extra, hint in fields:
            try:
                raw = data[name]
            except KeyError:
                self._wrong_fields(data)
            if type(raw) in _PLAIN:  # most fields: no call
                value = raw
            else:
                try:
                    value = _decode(raw)
                except _Bad as bad:
                    bad.path.insert(0, f".{name}")
                    raise
            if type(value) not in allowed and (extra is None or not extra(value)):
                bad = _Bad(f"expected {hint}, got {_describe(value)}")
                bad.path.insert(0, f".{name}")
                raise bad
            append(value)
        return self._make(values)

    def rebuild(self, value: Any, changes: dict[str, Any]) -> Any:
        """`value` with the decoded values in `changes` put in its fields, checked as `decode` checks."""
        values = self.values(value)
        for name, new in changes.items():
            i = self.index.get(name)
            if i is None:
                raise _Bad(f"{self.name} has no field {name!r}")
            _, allowed, extra, hint = self.fields[i]
            if type(new) not in allowed and (extra is None or not extra(new)):
                bad = _Bad(f"expected {hint}, got {_describe(new)}")
                bad.path.insert(0, f".{name}")
                raise bad
            values[i] = new
        return self._make(values)

    def _make(self, values: list) -> Any:
        try:
            if self.positional:
                return self.cls(*values)
            return self.cls(**dict(zip(self.names, values)))
        except (TypeError, ValueError, ArithmeticError) as error:  # its own checks refused it
            raise _Bad(f"{self.name} refused its fields: {error}") from None

    def _wrong_fields(self, data: dict) -> typing.NoReturn:
        missing = [n for n in self.names if n not in data]
        extra = sorted(k for k in data if k != "$t" and k not in self.names)
        if missing:
            raise _Bad(f"{self.name} lacks field {', '.join(map(repr, missing))}")
        raise _Bad(f"{self.name} has no field {', '.join(map(repr, extra))}")


_CLASSES: dict[str, _Spec] = {}
_ENUMS: dict[str, type[Enum]] = {}
_MEMBERS: dict[str, dict[Any, Enum]] = {}  # by enum name: its members by value (faster than calling it)


def register(*classes: type, lazy: bool = False) -> None:
    """Make `classes` travel: frozen dataclasses, NamedTuples and str enums, known by class name.

    Registering a class twice is harmless; another class of a name already registered is a
    ValueError (two classes cannot share a name on the wire). A class of another kind, or whose
    annotations do not resolve (a name imported only under TYPE_CHECKING), is a TypeError; with
    `lazy`, annotations are resolved when a value of the class is first decoded (the model's own:
    `shape()`, pinned by a test, resolves them all).
    """
    for cls in classes:
        if not isinstance(cls, type):
            raise TypeError(f"cannot register {cls!r}: not a class")
        name = cls.__name__
        known = _CLASSES[name].cls if name in _CLASSES else _ENUMS.get(name)
        if known is cls:
            continue
        if known is not None:
            raise ValueError(f"cannot register {cls.__module__}.{name}: {known.__module__}.{name} "
                             "already travels under that name")
        if issubclass(cls, Enum):
            if not all(type(member.value) in (str, int) for member in cls):
                raise TypeError(f"cannot register {name}: only enums of str or int values travel")
            _ENUMS[name] = cls
            _MEMBERS[name] = {member.value: member for member in cls}
            _ENCODERS[cls] = _enum_encoder(name)
            continue
        spec = _spec_of(cls)
        if not lazy:
            spec.resolve()  # now: a class that cannot travel is refused at once, and not kept
        _CLASSES[name] = spec
        _ENCODERS[cls] = (_named_tuple_encoder if issubclass(cls, tuple) else _dataclass_encoder)(name, spec.names)


def _spec_of(cls: type) -> _Spec:
    name = cls.__name__
    is_named_tuple = issubclass(cls, tuple) and hasattr(cls, "_fields")
    if not is_named_tuple and not dataclasses.is_dataclass(cls):
        raise TypeError(f"cannot register {name}: not a frozen dataclass, a NamedTuple or an enum")
    if not is_named_tuple and not cls.__dataclass_params__.frozen:
        raise TypeError(f"cannot register {name}: only frozen dataclasses travel")
    if is_named_tuple:
        return _Spec(cls, tuple(cls._fields), positional=True)
    init = [f for f in dataclasses.fields(cls) if f.init]
    return _Spec(cls, tuple(f.name for f in init), positional=not any(f.kw_only for f in init))


def registered() -> dict[str, type]:
    """Every class that travels, by the name it travels under."""
    return {**{name: spec.cls for name, spec in _CLASSES.items()}, **_ENUMS}


def shape() -> str:
    """A digest of what travels: every registered class's name with its fields and their types,
    every enum's name with its values. It changes exactly when a message can change shape, so a
    test pins it beside the guard protocol's version (`cockpit.engine.protocol.VERSION`)."""
    lines = [f"{name}({', '.join(f'{n}: {hint}' for n, _a, _e, hint in spec.fields)})"
             for name, spec in sorted(_CLASSES.items())]
    lines += [f"{name}{{{', '.join(sorted(str(m.value) for m in cls))}}}" for name, cls in sorted(_ENUMS.items())]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _enum_encoder(name: str) -> Callable[[Enum], dict]:
    def encode_enum(value: Enum) -> dict:
        return {"$e": name, "v": value.value}
    return encode_enum


def _encode_fields(name: str, names: tuple[str, ...], values: Any) -> dict:
    out = {"$t": name}
    for field, value in zip(names, values):
        kind = type(value)
        if kind in _SCALARS or (kind is float and value - value == 0.0):  # most fields: no call
            out[field] = value
        else:
            out[field] = encode(value)
    return out


def _dataclass_encoder(name: str, names: tuple[str, ...]) -> Callable[[Any], dict]:
    get = attrgetter(*names) if len(names) > 1 else (lambda v: (getattr(v, names[0]),) if names else ())

    def encode_dataclass(value: Any) -> dict:
        return _encode_fields(name, names, get(value))
    return encode_dataclass


def _named_tuple_encoder(name: str, names: tuple[str, ...]) -> Callable[[tuple], dict]:
    def encode_named_tuple(value: tuple) -> dict:
        return _encode_fields(name, names, value)
    return encode_named_tuple


# -- field checks -----------------------------------------------------------------------------
# A field's annotation becomes (allowed, extra, text): the value passes when its exact type is in
# `allowed` (decoded values are exactly the builtin or registered class), else when `extra(value)`.
# `float` admits an int: JSON writes an integral float that came in as an int as an int.


def _check(hint: Any, where: str) -> tuple[frozenset, Callable[[Any], bool] | None, str]:
    if hint is Any or hint is object:
        return frozenset(), (lambda v: True), "anything"
    if hint is None or hint is _NONE:
        return frozenset({_NONE}), None, "null"
    if hint is float:
        return frozenset({float, int}), None, "float"
    if hint in (bool, int, str, Decimal):
        return frozenset({hint}), None, hint.__name__
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _check_union(hint, where)
    if origin is tuple:
        return _check_tuple(typing.get_args(hint), where)
    if origin is dict:
        key_ok, value_ok = (_element(*_check(a, where)[:2]) for a in typing.get_args(hint) or (Any, Any))
        return (frozenset(), (lambda v: type(v) is dict and all(key_ok(k) and value_ok(x) for k, x in v.items())),
                "dict")
    if origin is typing.Literal:
        choices = typing.get_args(hint)
        kinds = {type(c) for c in choices}
        return frozenset(), (lambda v: type(v) in kinds and v in choices), f"one of {choices}"
    if isinstance(hint, type):
        return frozenset({hint}), (lambda v: isinstance(v, hint)), hint.__name__
    raise TypeError(f"cannot register {where.split('.')[0]}: no check for the annotation {hint!r} of {where}")


def _check_union(hint: Any, where: str) -> tuple[frozenset, Callable[[Any], bool] | None, str]:
    parts = [_check(arg, where) for arg in typing.get_args(hint)]
    allowed = frozenset().union(*(p[0] for p in parts))
    extras = [p[1] for p in parts if p[1] is not None]
    extra = None if not extras else (extras[0] if len(extras) == 1 else (lambda v: any(e(v) for e in extras)))
    return allowed, extra, " | ".join(p[2] for p in parts)


def _check_tuple(args: tuple, where: str) -> tuple[frozenset, Callable[[Any], bool] | None, str]:
    if len(args) == 2 and args[1] is Ellipsis:
        allowed, extra, text = _check(args[0], where)
        ok = _element(allowed, extra)
        return frozenset(), (lambda v: type(v) is tuple and all(map(ok, v))), f"tuple[{text}, ...]"
    if args:
        oks = [_element(*_check(a, where)[:2]) for a in args]
        n = len(oks)
        return (frozenset(), (lambda v: type(v) is tuple and len(v) == n and all(o(e) for o, e in zip(oks, v))),
                f"tuple of {n}")
    return frozenset({tuple}), None, "tuple"


def _element(allowed: frozenset, extra: Callable[[Any], bool] | None) -> Callable[[Any], bool]:
    if extra is None:
        return lambda v: type(v) in allowed
    return lambda v: type(v) in allowed or extra(v)


def _describe(value: Any) -> str:
    return _PLAIN.get(type(value)) or type(value).__name__


# -- decoding ---------------------------------------------------------------------------------


def decode(data: Any, *, source: str = "wire") -> Any:
    """The value `encode` made of `data`.

    Raises `MalformedReply` ("{source}: cannot decode {where}: {what}") for anything `encode`
    could not have made: an unknown class or enum, a missing or unexpected field, a value not
    of its field's type, an untagged object, a bad tag, a non-JSON value. An empty `source`
    leaves out the "{source}: ".
    """
    lead = f"{source}: " if source else ""
    try:
        return _decode(data)
    except _Bad as bad:
        top = data.get("$t") if type(data) is dict else None
        where = (top if isinstance(top, str) else "value") + "".join(bad.path)
        raise MalformedReply(f"{lead}cannot decode {where}: {bad.reason}") from None
    except RecursionError:
        raise MalformedReply(f"{lead}cannot decode a value nested this deep") from None


def fields_of(value: Any) -> tuple[str, ...] | None:
    """The fields that travel of `value`, an instance of a registered class; None for any other."""
    spec = _CLASSES.get(type(value).__name__)
    return spec.names if spec is not None and spec.cls is type(value) else None


def rebuild(value: Any, changes: dict[str, Any], *, source: str = "wire") -> Any:
    """`value` (an instance of a registered class) with the fields named in `changes` set to their
    (decoded) values, made by its constructor: what decoding its encoding so changed would give.

    Raises `MalformedReply` for a value of no registered class, a field it does not have, or a
    value not of its field's type (as `decode` does).
    """
    lead = f"{source}: " if source else ""
    spec = _CLASSES.get(type(value).__name__)
    if spec is None or spec.cls is not type(value):
        raise MalformedReply(f"{lead}cannot rebuild a {type(value).__name__}: not a registered class")
    try:
        return spec.rebuild(value, changes)
    except _Bad as bad:
        raise MalformedReply(f"{lead}cannot decode {spec.name}{''.join(bad.path)}: {bad.reason}") from None


def _decode(data: Any) -> Any:
    kind = type(data)
    if kind is dict:
        return _decode_object(data)
    if kind is list:
        try:
            return tuple(map(_decode, data))
        except _Bad:
            for i, item in enumerate(data):  # find the failing item, for the path
                try:
                    _decode(item)
                except _Bad as bad:
                    bad.path.insert(0, f"[{i}]")
                    raise
            raise
    if kind in _PLAIN:
        return data
    raise _Bad(f"a {kind.__name__} is not JSON")


def _decode_object(data: dict) -> Any:
    name = data.get("$t")
    if name is not None:
        spec = _CLASSES.get(name) if type(name) is str else None
        if spec is None:
            raise _Bad(f"unknown class {name!r}")
        return spec.decode(data)
    for key in data:
        tagged = _TAGGED.get(key)
        if tagged is not None:
            return tagged(data)
    raise _Bad(f"an object without a tag: {_short(data)}")


def _decode_decimal(data: dict) -> Decimal:
    text = data["$d"]
    if len(data) != 1 or type(text) is not str:
        raise _Bad(f"a decimal is {{\"$d\": text}}, not {_short(data)}")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise _Bad(f"not a decimal: {text[:40]!r}") from None


def _decode_enum(data: dict) -> Enum:
    enum = _ENUMS.get(data["$e"]) if type(data["$e"]) is str else None
    if enum is None:
        raise _Bad(f"unknown enum {data['$e']!r}")
    if len(data) != 2 or "v" not in data:
        raise _Bad(f"an enum is {{\"$e\": name, \"v\": value}}, not {_short(data)}")
    value = data["v"]
    member = _MEMBERS[enum.__name__].get(value) if type(value) in (str, int) else None
    if member is None:
        raise _Bad(f"{value!r} is not a {enum.__name__}")
    return member


def _decode_float(data: dict) -> float:
    if len(data) != 1 or data["$f"] not in _NON_FINITE:
        raise _Bad(f"a non-finite float is {{\"$f\": \"nan\"|\"inf\"|\"-inf\"}}, not {_short(data)}")
    return _NON_FINITE[data["$f"]]


def _decode_str_mapping(data: dict) -> dict:
    inner = data["$o"]
    if len(data) != 1 or type(inner) is not dict:
        raise _Bad(f"a mapping is {{\"$o\": {{...}}}}, not {_short(data)}")
    out = {}
    for key, value in inner.items():
        try:
            out[key] = _decode(value)
        except _Bad as bad:
            bad.path.insert(0, f"[{key!r}]")
            raise
    return out


def _decode_mapping(data: dict) -> dict:
    pairs = data["$m"]
    if len(data) != 1 or type(pairs) is not list or not all(type(p) is list and len(p) == 2 for p in pairs):
        raise _Bad(f"a mapping is {{\"$m\": [[key, value], ...]}}, not {_short(data)}")
    try:
        return {_decode(k): _decode(v) for k, v in pairs}
    except TypeError:
        raise _Bad("a mapping key that cannot be a key") from None


_TAGGED: dict[str, Callable[[dict], Any]] = {
    "$d": _decode_decimal, "$e": _decode_enum, "$f": _decode_float, "$o": _decode_str_mapping,
    "$m": _decode_mapping,
}


def _short(data: Any) -> str:
    text = json.dumps(data, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."


# -- lines ------------------------------------------------------------------------------------


def dumps(message: Any) -> bytes:
    """One encoded message as one line of strict JSON (ASCII, newline-terminated); ValueError for a
    bare NaN or infinity (`encode` tags them, so one here was not encoded).

    ASCII, with escapes, so that any str travels (a lone surrogate has no UTF-8)."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def _no_constant(name: str) -> typing.NoReturn:
    raise ValueError(f"{name} is not strict JSON")


def loads(line: bytes | str, *, source: str = "wire") -> Any:
    """One line back to the JSON value `dumps` wrote; `MalformedReply` when it is not strict JSON."""
    try:
        return json.loads(line, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise MalformedReply(f"{source}: not JSON ({error}): {line[:60]!r}") from None


# -- the model's classes: the one place a model module's travelling classes are registered ----


def _register_model() -> None:
    from cockpit.model.classcache import compiled_methods

    with compiled_methods("codec"):  # the dataclasses' methods compiled once (see `classcache`)
        from cockpit.model import (
            assessment, book, commands, deadman, enums, events, frame, funding, ids, layers, market, orders, plots,
            unwind,
        )

    register(
        enums.Layer, enums.Side, enums.MarginMode, enums.Health, enums.TransferStatus, enums.IntentSource,
        enums.OrderStatus, enums.KillMode, enums.LiqKind, frame.Mode,
        assessment.RescueStatus, assessment.StepReason, assessment.Cover, assessment.KillStatus, assessment.DepthSource,
        ids.PositionKey,
        market.Instrument, market.FundingQuote, market.Position, market.Transfer, market.Collateral,
        market.AccountInfo, market.LiquidationReport, market.VenueSnapshot,
        orders.Intent, orders.OrderRequest, orders.Order, orders.Fill, orders.TransferRequest, orders.WorkingOrder,
        layers.Route, layers.Trip,
        book.AccountState, book.Book,
        assessment.PositionRisk, assessment.AssetExposure, assessment.FundingCell, assessment.LayerCollateral,
        assessment.PlaybookStep, assessment.StressRow, assessment.KillEvent, assessment.PlannedCut,
        assessment.ProposedCut, assessment.KillLatch, assessment.KillState, assessment.CarryPair, assessment.CarryScan,
        assessment.Assessment,
        frame.Frame,
        commands.Trim, commands.Close, commands.AcceptKillCut, commands.ResetKill, commands.SetKillMode,
        commands.OrderResult, commands.CommandResult, commands.TrimPreview, commands.CutLine, commands.CutPreview,
        commands.Refused, commands.StartUnwind, commands.ConfirmStep, commands.ConfirmHedge, commands.ResumeRun,
        commands.PauseRun, commands.SkipStep, commands.AbortRun, commands.DismissRun, commands.SetCarrySize,
        commands.CancelOrder, commands.CancelAll,
        commands.WatchPlots, commands.ExportLedger,
        unwind.TargetKind, unwind.RunMode, unwind.StepStyle, unwind.RunState, unwind.StepKind, unwind.StepStatus,
        unwind.Why, unwind.UnwindTarget, unwind.BookFigures, unwind.RunOrder, unwind.UnwindStep,
        unwind.BlindAccount, unwind.UnwindRun,
        events.EventKind, events.Severity, events.Event,
        deadman.DeadManMode, deadman.DeadManStatus, deadman.DeadMan, deadman.DeadManState, deadman.DeadManPolicy,
        funding.FundingSample, funding.FundingPayment, funding.Period, funding.CellStats, funding.LedgerLine,
        funding.AssetFunding, funding.FundingLedger,
        plots.Series, plots.FundingHistory, plots.Driver, plots.StressHistory, plots.EquityHistory, plots.Plots,
        lazy=True,
    )


_register_model()
