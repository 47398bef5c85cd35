"""One failure never stops risk: listeners are isolated, a failed evaluation is loud, guard exits."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from cockpit.engine import Engine, EngineSettings
from cockpit.model import Assessment, Intent, IntentSource, KillMode, KillState, KillStatus, Side
from tests.engine.fakes import Clock, FakeVenue, NullRisk, account, position

ETH = "ETH/USDT:USDT"


class FlakyRisk(NullRisk):
    """Raises on the calls listed in `fail_on` (1-based); otherwise an assessment stamped with `now`."""

    def __init__(self, fail_on=(), error=MemoryError, proposed=()) -> None:
        super().__init__()
        self.fail_on = set(fail_on)
        self.error = error
        self.proposed = proposed

    def evaluate(self, book, instruments, now):
        self.calls += 1
        if self.calls in self.fail_on or "all" in self.fail_on:
            raise self.error()
        return Assessment(now=now, kill=KillState(status=KillStatus.REDUCING, mode=KillMode.AUTO,
                                                  proposed=self.proposed))


def _engine(clock, risk, **settings):
    venue = FakeVenue(account("a"), clock, positions={ETH: position("a", ETH, Side.LONG, "2")})
    return Engine([venue], risk=risk, clock=clock,
                  settings=EngineSettings(**settings) if settings else None), venue


async def test_a_raising_subscriber_or_listener_does_not_stop_the_others():
    clock = Clock()
    engine, _ = _engine(clock, NullRisk())
    frames, notices = [], []

    def broken(_):
        raise BrokenPipeError(32, "Broken pipe")

    engine.subscribe(broken)
    engine.subscribe(frames.append)
    engine.on_notice(broken)
    engine.on_notice(notices.append)
    await engine.poll_once()
    engine.notice("hello")
    second = engine.publish()
    assert [f.seq for f in frames] == [1, 2] and second.seq == 2
    assert notices == ["hello"]
    assert engine.risk.calls == 2  # risk evaluated on every frame despite the broken listeners


async def test_a_failed_evaluation_keeps_the_last_assessment_marked_and_says_so_once():
    clock = Clock()
    intent = Intent(id="kill:1:a|ETH", account="a", symbol=ETH, source=IntentSource.KILL_SWITCH,
                    reason="x", fraction=0.5)
    risk = FlakyRisk(fail_on={2, 3}, proposed=(intent,))
    engine, venue = _engine(clock, risk)
    engine._send_auto = lambda intents: sent.extend(intents)  # see what auto mode would send
    sent: list = []
    first = await engine.poll_once()
    assert first.risk_error is None and len(sent) == 1
    sent.clear()
    clock.now += 1
    failed = engine.publish()
    assert failed.risk_error == "risk evaluation failed: MemoryError"
    assert failed.assessment is first.assessment  # the last good one, kept on screen
    assert sent == []  # the kill switch does not act on a failed evaluation
    clock.now += 1
    engine.publish()
    failures = [n for n in engine.latest.notices if "risk evaluation failed" in n]
    assert failures == ["risk evaluation failed: MemoryError — showing the last assessment; "
                        "the kill switch is not acting"]  # once, not every frame
    clock.now += 1
    recovered = engine.publish()
    assert recovered.risk_error is None and recovered.assessment.now == clock.now
    assert recovered.notices[-1] == "recovered from risk evaluation failed: MemoryError"
    assert [e[2]["text"] for e in engine.journal.events("notice")][-2:] == [failures[0], recovered.notices[-1]]


async def test_accepting_a_proposal_is_refused_while_evaluation_fails():
    clock = Clock()
    intent = Intent(id="kill:1:a|ETH", account="a", symbol=ETH, source=IntentSource.KILL_SWITCH,
                    reason="x", fraction=0.5)
    engine, venue = _engine(clock, FlakyRisk(fail_on={2}, proposed=(intent,)))
    await engine.poll_once()
    engine.publish()
    assert await engine.accept_proposal() == []
    assert venue.sent == []
    assert engine.journal.events("notice")[-1][2]["text"].startswith("proposal not sent: risk evaluation failed")


async def test_the_publisher_keeps_publishing_after_evaluation_raises():
    venue = FakeVenue(account("a"), Clock(), positions={ETH: position("a", ETH, Side.LONG, "2")})
    venue.clock = time.time
    risk = FlakyRisk(fail_on={1, 2, 3})
    engine = Engine([venue], risk=risk, clock=time.time,
                    settings=EngineSettings(poll_interval=0.02, coalesce=0.0, min_frame_interval=0.01))
    frames = []
    engine.subscribe(frames.append)
    engine.start()
    for _ in range(500):  # until a good frame follows the failures (bounded, not timed)
        await asyncio.sleep(0.01)
        if any(f.risk_error is None for f in frames):
            break
    await engine.stop()
    assert frames[0].risk_error == "risk evaluation failed: MemoryError"
    assert frames[-1].risk_error is None and risk.calls >= 4


def test_status_line_shows_a_failed_evaluation():
    from cockpit.ui.widgets.status import status_text

    clock = Clock()
    engine, _ = _engine(clock, FlakyRisk(fail_on={2}))
    asyncio.run(engine.poll_once())
    good = status_text(engine.latest, {}, 200).plain
    bad = status_text(engine.publish(), {}, 200).plain
    assert "RISK FAILED" not in good and "RISK FAILED" in bad
    assert "RISK✗" in status_text(engine.latest, {}, 80).plain


_FAILING_GUARD = """
import sys
from cockpit import startup
from cockpit.engine.demo import demo_engine

def failing(args, config):
    engine = demo_engine()

    def evaluate(*args, **kwargs):
        raise MemoryError()

    engine.risk.evaluate = evaluate
    return engine

startup.build_engine = failing
from cockpit import cli
sys.exit(cli.main(["guard", "--demo", "--duration", "120"]))
"""


def _guard(script: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)


def test_guard_exits_non_zero_with_one_line_when_evaluation_fails():
    proc = _guard(_FAILING_GUARD)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err.decode().splitlines() == [
        "cockpit guard: risk evaluation failed: MemoryError: stopping (check the [risk] settings)"]
    assert "risk evaluation failed: MemoryError" in out.decode()


_CHATTY_GUARD = """
import sys
from cockpit import startup
from cockpit.engine.demo import demo_engine

def chatty(args, config):
    engine = demo_engine(scenario="flash-crash", speed=60)
    engine.subscribe(lambda frame: engine.notice(f"frame {frame.seq}"))  # a line every frame
    return engine

startup.build_engine = chatty
from cockpit import cli
sys.exit(cli.main(["guard", "--demo", "--duration", "120"]))
"""


def test_guard_piped_into_head_ends_cleanly():
    # `cockpit guard ... | head -1`: the reader goes away after one line.
    proc = _guard(_CHATTY_GUARD)
    first = proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert b"the kill switch will advise" in first  # guard's first line says what it may do
    assert proc.returncode == 141
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()


def test_a_notice_is_scrubbed_before_the_screen_the_journal_and_guard_see_it():
    # Notices carry venue error text; one place scrubs them all (not each caller).
    from cockpit import redact

    key = "Zq7" + "x9Lp" * 15  # 63 characters, registered as a secret
    redact.register_secret(key)
    try:
        engine = Engine([], risk=NullRisk())
        heard: list[str] = []
        engine.on_notice(heard.append)
        engine.notice(f"binance: DOWN — auth refused for key {key}")
        journaled = engine.journal.events("notice")[-1][2]["text"]
        for text in (heard[0], engine.notices[-1], journaled):
            assert key[:8] not in text and key[-8:] not in text and "binance: DOWN" in text
    finally:
        redact.forget_secrets()


async def test_the_kill_switchs_own_send_in_flight_is_held_and_cancelled_by_stop_before_the_venues_close():
    """Auto mode sends its cut as a task of its own: the engine holds it (the loop holds tasks
    weakly) and `stop` cancels it and waits for it, before the venues are closed under it."""
    clock = Clock()
    intent = Intent(id="kill:1:a|ETH", account="a", symbol=ETH, source=IntentSource.KILL_SWITCH,
                    reason="x", fraction=0.5)
    engine, venue = _engine(clock, FlakyRisk(proposed=(intent,)))
    at_venue, released = asyncio.Event(), asyncio.Event()
    events: list[str] = []

    async def place_order(request):
        at_venue.set()
        try:
            await released.wait()  # the venue never answers before the stop
        except asyncio.CancelledError:
            events.append("send cancelled")
            raise

    async def close():
        events.append("venue closed")

    venue.place_order, venue.close = place_order, close
    await engine.poll_once()
    await asyncio.wait_for(at_venue.wait(), 5)
    (sending,) = engine._sending
    await engine.stop()
    assert sending.done() and events == ["send cancelled", "venue closed"]
    assert engine._sending == set()


async def test_a_cut_found_absent_is_sent_again_once_per_process_not_round_and_round():
    """Auto mode: a cut the venue turned out never to have received is armed again for the next
    frame (it must not wait for a restart), but once only: a cut found absent again may have
    landed late, and is the next start's to resume, not sent round and round."""
    from decimal import Decimal

    from cockpit.engine.executor import Outcome
    from cockpit.engine.journal import ABSENT
    from cockpit.model import OrderStatus

    clock = Clock()
    intent = Intent(id="kill:1:a|ETH", account="a", symbol=ETH, source=IntentSource.KILL_SWITCH,
                    reason="x", fraction=0.5)
    engine, _ = _engine(clock, NullRisk())
    submitted: list[str] = []

    async def submit(got, **_):
        submitted.append(got.id)
        return Outcome("c1", OrderStatus.CANCELED, Decimal(0), ABSENT)

    engine.submit = submit
    for expected_armed in (False, True, True):
        engine._auto_sent.add(intent.id)  # as `_send_auto` leaves it when it sends
        await engine._submit_quietly(intent)
        assert (intent.id in engine._auto_sent) is expected_armed
    assert submitted == [intent.id] * 3
