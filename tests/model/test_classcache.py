"""The dataclasses' compiled methods kept between runs (`cockpit.model.classcache`)."""

from __future__ import annotations

import dataclasses
import sys

import pytest

from cockpit.model import classcache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The cache in a directory of the test's, written as when bytecode is written; the texts
    compiled are counted."""
    monkeypatch.setattr(classcache, "_CACHE", tmp_path)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    compiled: list[str] = []

    def counting(source, *args):
        compiled.append(source)
        return compile(source, *args)

    monkeypatch.setattr(classcache, "compile", counting, raising=False)
    return tmp_path, compiled


def _point():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Point:
        x: int
        y: int = 0

    return Point


def test_the_second_run_compiles_nothing_and_makes_the_same_class(cache):
    folder, compiled = cache
    with classcache.compiled_methods("t"):
        first = _point()
    assert compiled and list(folder.glob("dataclass-methods-t.*.marshal"))
    compiled.clear()
    with classcache.compiled_methods("t"):
        second = _point()
    assert compiled == []
    p = second(1, 2)
    assert p == second(1, 2) and p != second(1, 3) and hash(p) == hash(second(1, 2))
    assert repr(p) == repr(first(1, 2)).replace(first.__qualname__, second.__qualname__)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 5  # type: ignore[misc]
    assert "exec" not in vars(dataclasses)  # the builtin again outside


def test_a_damaged_file_is_compiled_again_and_replaced(cache):
    folder, compiled = cache
    with classcache.compiled_methods("t"):
        _point()
    (path,) = folder.glob("dataclass-methods-t.*.marshal")
    path.write_bytes(b"\x00not marshal")
    compiled.clear()
    with classcache.compiled_methods("t"):
        cls = _point()
    assert compiled and cls(3).y == 0
    assert classcache._load(path)  # rewritten whole


def test_nothing_is_written_without_bytecode(cache, monkeypatch):
    folder, _ = cache
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    with classcache.compiled_methods("t"):
        _point()
    assert not list(folder.iterdir())


def _line():
    @dataclasses.dataclass(frozen=True)
    class Line:
        a: str
        b: str
        c: float = 0.0

    return Line


def test_two_ways_in_under_one_name_keep_each_others_methods(cache):
    """A terminal of its own and one that attaches make different classes under the same name:
    each start after the first compiles nothing, whichever ran last."""
    folder, compiled = cache
    with classcache.compiled_methods("t"):
        _point()
    with classcache.compiled_methods("t"):
        _line()
    compiled.clear()
    for make in (_point, _line, _point):
        with classcache.compiled_methods("t"):
            make()
    assert compiled == []


def test_texts_no_run_uses_any_more_are_let_go(cache, monkeypatch):
    folder, compiled = cache
    monkeypatch.setattr(classcache, "KEEP_FACTOR", 1)
    with classcache.compiled_methods("t"):
        _point()
    with classcache.compiled_methods("t"):
        _line()  # the file would hold more than this run's texts: only these are kept
    (path,) = folder.glob("dataclass-methods-t.*.marshal")
    compiled.clear()
    with classcache.compiled_methods("t"):
        _line()
    assert compiled == []
    with classcache.compiled_methods("t"):
        _point()
    assert compiled  # let go, so compiled again


def test_two_threads_entering_and_leaving_interleaved_share_one_patch(cache):
    """One thread enters, a second enters, the first leaves while the second is still inside (a
    terminal's engine thread making dataclasses inside `compiled_methods("terminal")`): the patch
    stays in until the last leaves, the second's texts are kept too, and neither exit raises."""
    import threading

    folder, compiled = cache
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, object] = {}
    errors: list[BaseException] = []

    def first():
        try:
            with classcache.compiled_methods("t"):
                first_in.set()
                assert second_in.wait(10)
                _point()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(error)
        finally:
            first_out.set()

    def second():
        try:
            assert first_in.wait(10)
            with classcache.compiled_methods("t"):
                second_in.set()
                assert first_out.wait(10)
                seen["patched after the first left"] = "exec" in vars(dataclasses)
                _line()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert seen == {"patched after the first left": True}
    assert "exec" not in vars(dataclasses)  # taken out by the last to leave
    compiled.clear()
    with classcache.compiled_methods("t"):
        _point()
        _line()
    assert compiled == []  # both threads' texts were kept


def test_two_threads_entering_at_once_leave_without_raising(cache, monkeypatch):
    """Both threads enter at the same moment (each past the check for a use in effect before the
    other put its patch in, where the code allows it): the first to leave must not take the patch
    out from under the other, and the other's leaving must not raise."""
    import threading

    arrived: list[str] = []
    both = threading.Event()
    path = classcache._path

    def slow_path(name):  # where a use begins: wait a little for the other thread to begin too
        arrived.append(name)
        if len(arrived) == 2:
            both.set()
        both.wait(1.0)
        return path(name)

    monkeypatch.setattr(classcache, "_path", slow_path)
    first_out = threading.Event()
    both_in = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []
    inside: list[bool] = []

    def enter(leaves_first: bool):
        try:
            with classcache.compiled_methods("t"):
                both_in.wait()
                if not leaves_first:
                    assert first_out.wait(10)
                    inside.append("exec" in vars(dataclasses))
                    _line()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(error)
        finally:
            if leaves_first:
                first_out.set()

    threads = [threading.Thread(target=enter, args=(first,)) for first in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == [] and inside == [True]
    assert "exec" not in vars(dataclasses)
