"""Fast builders for the frozen rows of an `Assessment`.

A frozen dataclass's generated ``__init__`` sets every field through ``object.__setattr__``, looked
up again for each field of each row. `evaluate` builds hundreds of rows several times a second, and
that was the largest single cost of an evaluation. `builder(cls)` returns a function with the same
positional signature that fills a *draft*: an instance of a plain class with exactly `cls`'s slots,
so each field is one ordinary attribute store (which the interpreter specializes to a direct slot
write); then it turns the draft into a `cls` by assigning ``__class__``, which CPython allows
between classes of the same slot layout. The object is the same (``builder(C)(*args) == C(*args)``,
of type `C`, frozen; `tests/risk/test_rows.py` checks it) and is built about six times as fast as
by the constructor. Only for slotted dataclasses straight on `object`, without ``__post_init__``;
every field must be passed.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Callable, TypeVar

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """A positional constructor of the slotted dataclass `cls` that skips the frozen __init__."""
    if hasattr(cls, "__post_init__") or "__slots__" not in cls.__dict__ or cls.__bases__ != (object,):
        raise TypeError(f"{cls.__name__}: builder needs a slotted dataclass on object without __post_init__")
    names = [f.name for f in fields(cls)]
    draft = type(f"_{cls.__name__}Draft", (), {"__slots__": tuple(cls.__slots__)})
    try:  # the layouts must match, or CPython refuses the __class__ assignment
        object.__new__(draft).__class__ = cls
    except TypeError as e:
        raise TypeError(f"{cls.__name__}: builder cannot build it ({e})") from None
    scope = {"_new": object.__new__, "_draft": draft, "_cls": cls}
    body = "".join(f"    _obj.{n} = {n}\n" for n in names)
    source = (f"def build({', '.join(names)}):\n    _obj = _new(_draft)\n{body}"
              "    _obj.__class__ = _cls\n    return _obj\n")
    exec(source, scope)  # the same technique dataclasses uses to generate __init__
    build = scope["build"]
    build.__doc__ = f"Build a {cls.__name__} from its fields, in order."
    return build
