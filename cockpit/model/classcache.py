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
import threading
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
    # Per process and thread: a use that ends while the previous one's file is being written.
    spare = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        spare.write_bytes(marshal.dumps(codes))
        os.replace(spare, path)  # whole or not at all, even with two starts at once
    except OSError:
        with contextlib.suppress(OSError):
            spare.unlink()


class _Session:
    """The one use in effect: its file, the codes the file held, the texts this run wrote, and
    how many entrants (of any thread) are inside it."""

    __slots__ = ("path", "known", "used", "depth", "exec")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known = _load(path)
        self.used: dict[str, CodeType] = {}
        self.depth = 0
        self.exec = self._exec_compiled

    def _exec_compiled(self, source, globals=None, locals=None, /):
        # `dataclasses` calls exec(text, globals, namespace) for each method it writes, from any
        # thread that makes a dataclass while the patch is in (an engine's, a terminal's).
        if type(source) is str:
            code = self.known.get(source)
            if code is None:
                code = compile(source, "<string>", "exec")
            with _LOCK:
                self.used[source] = code
            return builtins.exec(code, globals, locals)
        return builtins.exec(source, globals, locals)


#: Guards `_session` and what it records: threads enter, leave and make dataclasses at once (a
#: terminal with its own engine starts the engine's thread inside `compiled_methods("terminal")`).
_LOCK = threading.Lock()
_session: _Session | None = None


@contextlib.contextmanager
def compiled_methods(name: str) -> Iterator[None]:
    """While inside, the dataclasses created reuse the compiled methods kept under `name` (the
    caller's: each keeps its own file); on the way out the file is rewritten if this run wrote a
    text it lacked (see `_kept`). A use begun while another is in effect, nested or from another
    thread, is the one in effect's: the patch of `dataclasses` is put in by the first entrant and
    taken out by the last to leave, whichever thread each is in, and leaving never raises."""
    import dataclasses

    global _session
    with _LOCK:
        session = _session
        if session is None and "exec" not in vars(dataclasses):  # (another's patch is left alone)
            session = _session = _Session(_path(name))
            dataclasses.exec = session.exec  # a module global shadows the builtin for its functions
        if session is not None:
            session.depth += 1
    try:
        yield
    finally:
        if session is not None:
            _leave(dataclasses, session)


def _leave(dataclasses, session: _Session) -> None:
    """One entrant leaves `session`; the last takes the patch out and saves what was new."""
    global _session
    with _LOCK:
        session.depth -= 1
        if session.depth:
            return
        _session = None
        if vars(dataclasses).get("exec") is session.exec:
            del dataclasses.exec
        new = session.used.keys() - session.known.keys()
        kept = _kept(session.known, session.used) if new else None
    if kept is not None:
        _save(session.path, kept)


#: How many times the texts of one run the file may hold before older texts are let go.
KEEP_FACTOR = 3


def _kept(known: dict[str, CodeType], used: dict[str, CodeType]) -> dict[str, CodeType]:
    """What the file keeps after a run that used texts it lacked: what it had and this run's, as
    two ways in under one name (a terminal of its own, one that attaches) use different classes
    and would otherwise rewrite each other's file on every start; only this run's once the file
    holds `KEEP_FACTOR` times as many (texts of classes changed since are then let go)."""
    merged = {**known, **used}
    return merged if len(merged) <= KEEP_FACTOR * len(used) else used
