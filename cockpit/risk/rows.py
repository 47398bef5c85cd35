"""Fast builders for the frozen rows of an `Assessment`.

A frozen dataclass's generated ``__init__`` sets every field through ``object.__setattr__``, looked
up again for each field of each row. `evaluate` builds hundreds of rows several times a second, and
that lookup was the largest single cost of an evaluation. `builder(cls)` returns a function with
the same positional signature that stores each field through its slot descriptor, bound once: the
object is the same (``builder(C)(*args) == C(*args)``; `tests/risk/test_rows.py` checks it) and is
built about twice as fast. Only for slotted dataclasses without ``__post_init__``; every field
must be passed.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Callable, TypeVar

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """A positional constructor of the slotted dataclass `cls` that skips the frozen __init__."""
    if hasattr(cls, "__post_init__") or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: builder needs a slotted dataclass without __post_init__")
    names = [f.name for f in fields(cls)]
    scope = {"_new": object.__new__, "_cls": cls}
    scope.update({f"_set{i}": cls.__dict__[n].__set__ for i, n in enumerate(names)})
    body = "".join(f"    _set{i}(_obj, {n})\n" for i, n in enumerate(names))
    source = f"def build({', '.join(names)}):\n    _obj = _new(_cls)\n{body}    return _obj\n"
    exec(source, scope)  # the same technique dataclasses uses to generate __init__
    build = scope["build"]
    build.__doc__ = f"Build a {cls.__name__} from its fields, in order."
    return build
