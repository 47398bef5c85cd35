"""Real frames for the codec and patch tests: the demo engine over the simulator, stepped on a
fake clock, and the risk benchmark's 500-position book (tests may use the engine; the codec may not)."""

from __future__ import annotations

import asyncio
import dataclasses
import math
from decimal import Decimal
from functools import cache

from cockpit.model import Frame, Mode
from cockpit.model.events import Event

START = 1_780_000_000.0


@cache
def demo_run(scenario: str = "calm", *, polls: int = 6, step: float = 1.0,
             speed: float = 1.0) -> tuple[tuple[Frame, ...], tuple[Event, ...]]:
    """`polls` frames of the demo engine in `scenario`, its clock moved `step` seconds between
    them, and the events it told meanwhile."""
    from cockpit.engine.demo import demo_engine

    now = [START]
    engine = demo_engine(seed=7, scenario=scenario, speed=speed, clock=lambda: now[0])
    events: list[Event] = []
    engine.on_event(events.append)

    async def run() -> tuple[Frame, ...]:
        frames = []
        for _ in range(polls):
            frames.append(await engine.poll_once())
            now[0] += step
        return tuple(frames)

    return asyncio.run(run()), tuple(events)


def demo_frames(scenario: str = "calm", *, polls: int = 6, step: float = 1.0, speed: float = 1.0) -> tuple[Frame, ...]:
    """The frames of `demo_run`."""
    return demo_run(scenario, polls=polls, step=step, speed=speed)[0]


def crash_run() -> tuple[tuple[Frame, ...], tuple[Event, ...]]:
    """The flash crash at 60x: the kill switch warns, then reduces (events, a proposal, notices)."""
    return demo_run("flash-crash", polls=7, step=10.0, speed=60.0)


def crash_frames() -> tuple[Frame, ...]:
    """The frames of `crash_run`."""
    return crash_run()[0]


@cache
def big_frames(count: int = 2) -> tuple[Frame, ...]:
    """Frames of the risk benchmark's book (500 positions on 8 accounts, 300 symbols), one a
    second, each with fresh snapshots whose marks moved (as `bench/bench_pane.py` makes them)."""
    from cockpit.risk import RiskEngine
    from tests.risk.factory import RandomBook

    maker = RandomBook()
    engine = RiskEngine()
    frames = []
    for k in range(count):
        book = maker.book([maker.state(i, float(k)) for i in range(len(maker.names))], float(k))
        assessment = engine.evaluate(book, maker.instruments, 1000.0 + k)
        frames.append(Frame(seq=k + 1, now=1000.0 + k, mode=Mode.LIVE, readonly=True, book=book,
                            assessment=assessment))
    return tuple(frames)


def big_frame() -> Frame:
    """The first of `big_frames`."""
    return big_frames()[0]


def same(a: object, b: object, path: str = "value") -> None:
    """Assert `b` is `a` exactly: equal, of the same types all the way down, NaN where NaN is
    (a float subclass such as numpy's float64 counts as float: it travels as one)."""
    if isinstance(a, float) and isinstance(b, float):
        assert type(b) is float or type(b) is type(a), f"{path}: {type(b).__name__}"
        if math.isnan(a):  # a NaN's sign means nothing: it travels as NaN
            assert math.isnan(b), f"{path}: {a!r} != {b!r}"
        else:
            assert a == b and math.copysign(1.0, a) == math.copysign(1.0, b), f"{path}: {a!r} != {b!r}"
        return
    if isinstance(a, Decimal):
        assert type(b) is Decimal and str(a) == str(b), f"{path}: {a!r} != {b!r}"  # exponent too
        return
    assert type(a) is type(b), f"{path}: {type(a).__name__} became {type(b).__name__}"
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            if f.compare:
                same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, tuple):
        assert len(a) == len(b), f"{path}: {len(a)} items became {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{getattr(a, '_fields', ())[i] if hasattr(a, '_fields') else i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} became {list(b)}"
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"
