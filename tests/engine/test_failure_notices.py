"""A source the engine calls on every frame that fails is told once per run of failures, however
many frames it fails and whatever each failure says, and once when it works again
(`cockpit.engine.failures`)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.engine import Engine
from cockpit.engine.failures import FailureNotices
from cockpit.model import IntentSource, OrderRequest, Side
from tests.engine.fakes import Clock, FakeVenue, NullRisk, account, position

ETH = "ETH/USDT:USDT"
N = 6


def test_a_run_of_failures_is_told_once_and_its_end_once():
    told, logged = [], []
    notices = FailureNotices(told.append, lambda what, error: logged.append(what))
    for i in range(N):  # each failure says something else (a row count, a path): still one notice
        notices.failed("reading x failed", OSError(f"disk I/O error at page {i}"), "x is stale")
    assert told == ["reading x failed: OSError: disk I/O error at page 0 — x is stale"]
    assert notices.failing("reading x failed") and len(logged) == N
    notices.worked("reading x failed")
    notices.worked("reading x failed")
    assert told[1:] == ["recovered from reading x failed: OSError: disk I/O error at page 0"]
    assert not notices.failing("reading x failed")
    notices.failed("reading x failed", OSError("again"), "x is stale")  # a new run is news again
    assert told[2:] == ["reading x failed: OSError: again — x is stale"]


class Broken:
    """Raises a different error on every call while `on`."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped
        self.on = True
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.on:
            raise OSError(f"database disk image is malformed (call {self.calls})")
        return self.wrapped(*args, **kwargs)


# source, what breaks in it, the notice's first words
SOURCES = [
    ("open orders", lambda e: (e.journal, "open_orders"), "reading the open orders failed: OSError"),
    ("funding history", lambda e: (e.funding, "observe"), "recording funding history failed: OSError"),
    ("plot series", lambda e: (e.plots, "plots"), "reading the plot series failed: OSError"),
]


@pytest.mark.parametrize("source, target, words", SOURCES, ids=[s[0] for s in SOURCES])
async def test_a_failing_source_is_told_once_over_many_frames_then_its_recovery_once(source, target, words):
    clock = Clock()
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")})
    engine = Engine([venue], risk=NullRisk(), clock=clock)
    await engine.poll_once()
    owner, name = target(engine)
    broken = Broken(getattr(owner, name))
    setattr(owner, name, broken)
    for i in range(N):
        clock.now += 1
        # A write each frame: the open orders are read again only after one (`Journal.version`).
        engine.journal.record(OrderRequest(client_id=f"c{i}", account="a", symbol=ETH, side=Side.SHORT,
                                           amount=Decimal("0.01")),
                              intent_id=f"i{i}", source=IntentSource.HOTKEY, reason="t", now=clock())
        engine.publish()
    assert broken.calls >= N  # it failed on every frame
    told = [t for _, _, e in engine.journal.events("notice") for t in [e["text"]] if words.split(":")[0] in t]
    assert len(told) == 1 and told[0].startswith(words) and "(call 1)" in told[0]
    assert not any(t.startswith("recovered") for t in told)

    broken.on = False
    for _ in range(3):
        clock.now += 1
        frame = engine.publish()
    told = [e["text"] for _, _, e in engine.journal.events("notice") if words.split(":")[0] in e["text"]]
    assert len(told) == 2 and told[1] == "recovered from " + told[0].split(" — ")[0]
    assert told[1] in frame.notices
    if source == "open orders":
        assert len(frame.working) == N  # read again, whole
