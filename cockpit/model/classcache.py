"""The compiled methods of the model's dataclasses, kept between runs as Python keeps bytecode.

`dataclasses` writes the methods of each class (``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, and a frozen class's ``__setattr__`` and ``__delattr__``) as source text and
compiles that text, on every start: about 0.7 ms a frozen class, some 30-40 ms for the model's
classes before an attached terminal can decode its first frame, and as much again for the other
dataclasses a terminal makes as it starts (Textual's among them: `cockpit.cli` starts a terminal
inside `compiled_methods("terminal")`). The text is the same from one
run to the next, so `compiled_methods` keeps the code compiled from each text in a file beside
the model's bytecode (``__pycache__``, one file per Python version and per caller): what runs is
exactly what `dataclasses` wrote and would have compiled; only the compiling is skipped. A text
not in the file is compiled as usual, and the file is rewritten with it added (see `_kept`). A file
that cannot be read, or a directory that cannot be written (or ``PYTHONDONTWRITEBYTECODE``), only
means the methods are compiled as usual. Standard library only.
"""

from __future__ import annotations

import builtins
import contextlib
import marshal
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Iterator

_CACHE = Path(__file__).with_name("__pycache__")


def _path(name: str) -> Path:
    return _CACHE / f"dataclass-methods-{name}.{sys.implementation.cache_tag}.marshal"


def _load(path: Path) -> dict[str, CodeType]:
    try:
        loaded = marshal.loads(path.read_bytes())
    except Exception:  # absent, unreadable or damaged: compile as usual
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, CodeType)}


def _save(path: Path, codes: dict[str, CodeType]) -> None:
    if sys.dont_write_bytecode:
        return
    spare = path.with_name(f"{path.name}.{os.getpid()}")
    try:
        spare.write_bytes(marshal.dumps(codes))
        os.replace(spare, path)  # whole or not at all, even with two starts at once
    except OSError:
        with contextlib.suppress(OSError):
            spare.unlink()


@contextlib.contextmanager
def compiled_methods(name: str) -> Iterator[None]:
    """While inside, the dataclasses created reuse the compiled methods kept under `name` (the
    caller's: each keeps its own file); on the way out the file is rewritten if this run wrote a
    text it lacked (see `_kept`). Nested use is the outer one's."""
    import dataclasses

    if "exec" in vars(dataclasses):  # already inside one
        yield
        return
    path = _path(name)
    known = _load(path)
    used: dict[str, CodeType] = {}

    def exec_compiled(source, globals=None, locals=None, /):
        # `dataclasses` calls exec(text, globals, namespace) for each method it writes.
        if type(source) is str:
            code = known.get(source)
            if code is None:
                code = compile(source, "<string>", "exec")
            used[source] = code
            return builtins.exec(code, globals, locals)
        return builtins.exec(source, globals, locals)

    dataclasses.exec = exec_compiled  # a module global shadows the builtin for its functions
    try:
        yield
    finally:
        del dataclasses.exec
        if used.keys() - known.keys():
            _save(path, _kept(known, used))


#: How many times the texts of one run the file may hold before older texts are let go.
KEEP_FACTOR = 3


def _kept(known: dict[str, CodeType], used: dict[str, CodeType]) -> dict[str, CodeType]:
    """What the file keeps after a run that used texts it lacked: what it had and this run's, as
    two ways in under one name (a terminal of its own, one that attaches) use different classes
    and would otherwise rewrite each other's file on every start; only this run's once the file
    holds `KEEP_FACTOR` times as many (texts of classes changed since are then let go)."""
    merged = {**known, **used}
    return merged if len(merged) <= KEEP_FACTOR * len(used) else used
