"""The alert sender: engine events to targets, rate-limited, in the background, failures said once.

Fake targets for the engine's side; the real apprise (when installed) to a loopback HTTP server
for the sending itself. Nothing here reaches the network. Waits are on events with generous
limits, never on durations.
"""

from __future__ import annotations

import threading

import pytest

from cockpit import redact
from cockpit.engine import Engine
from cockpit.engine.alerts import (
    APPRISE_HINT, AlertFailed, Alerter, AlertsUnavailable, AppriseTarget, apprise_available,
)
from cockpit.model.events import EventKind, Severity
from cockpit.present.alerts import Alert, sample_alert
from tests.engine.fakes import Clock, FakeVenue, NullRisk, account
from tests.fixtures.receiver import receiver as loopback_receiver

WAIT = 10.0  # a limit for waits that end as soon as their event happens


class Recorder:
    """A target that keeps what it was sent, or fails while `failing` is set."""

    def __init__(self, name: str, failing: str = "") -> None:
        self.name = name
        self.failing = failing
        self.got: list[Alert] = []

    def send(self, alert: Alert) -> None:
        if self.failing:
            raise AlertFailed(self.failing)
        self.got.append(alert)


class Hanging:
    """A target whose send does not return until the test lets it."""

    def __init__(self, name: str = "stuck") -> None:
        self.name = name
        self.entered = threading.Event()
        self.release = threading.Event()

    def send(self, alert: Alert) -> None:
        self.entered.set()
        self.release.wait(WAIT)


@pytest.fixture
def engine():
    clock = Clock(1_780_000_000.0)
    return Engine([FakeVenue(account("bn"), clock)], risk=NullRisk(), clock=clock)


@pytest.fixture(autouse=True)
def _forget():
    yield
    redact.forget_secrets()


def halt(engine: Engine, after: str = "HALTED"):
    return engine.emit(EventKind.KILL, f"kill switch REDUCING → {after}: stress", severity=Severity.CRITICAL,
                       before="REDUCING", after=after, cause="stress")


def test_an_alerting_event_reaches_every_target_and_noise_none(engine):
    phone, chat = Recorder("phone"), Recorder("chat")
    alerter = Alerter([phone, chat])
    alerter.attach(engine)
    engine.emit(EventKind.ORDER, "bn BTC: filled", status="filled")
    engine.notice("something")
    halt(engine)
    assert alerter.drain(WAIT)
    for target in (phone, chat):
        (alert,) = target.got
        assert alert.title == "cockpit: kill switch HALTED" and alert.severity is Severity.CRITICAL
        assert alert.body == "kill switch REDUCING → HALTED: stress"
    alerter.close()


def test_the_frame_says_how_many_targets_there_are(engine):
    assert engine.publish().alerts == 0
    Alerter([Recorder("a"), Recorder("b")]).attach(engine)
    assert engine.publish().alerts == 2


def test_repeats_are_collapsed_and_the_last_is_told_when_its_window_passed(engine):
    phone = Recorder("phone")
    alerter = Alerter([phone], rate_limit=60)
    alerter.attach(engine)
    for _ in range(4):
        halt(engine)
    assert alerter.drain(WAIT)
    assert len(phone.got) == 1
    engine.clock.now += 61
    engine.publish()  # each frame lets out what the rate limit held and may now go
    assert alerter.drain(WAIT)
    assert len(phone.got) == 2 and "(+2 more since" in phone.got[1].body
    alerter.close()


def test_a_failing_target_is_said_once_per_failure_run_and_its_recovery_once(engine):
    phone, chat = Recorder("phone", failing="HTTP 401 from ntfy"), Recorder("chat")
    alerter = Alerter([phone, chat], rate_limit=0)
    alerter.attach(engine)
    for _ in range(3):
        halt(engine)
    assert alerter.drain(WAIT)
    engine.publish()
    failed = [n for n in engine.notices if "alert to phone failed" in n]
    assert failed == ["alert to phone failed: HTTP 401 from ntfy (said once until it works again)"]
    assert len(chat.got) == 3  # one failing target does not hold the others
    phone.failing = ""
    halt(engine)
    assert alerter.drain(WAIT)
    engine.publish()
    assert [n for n in engine.notices if "phone" in n][-1] == "alerts to phone work again"
    phone.failing = "again"
    halt(engine)
    assert alerter.drain(WAIT)
    engine.publish()
    assert sum("alert to phone failed" in n for n in engine.notices) == 2
    alerter.close()


def test_a_hanging_target_never_blocks_the_engine_nor_the_other_targets(engine):
    stuck, phone = Hanging(), Recorder("phone")
    alerter = Alerter([stuck, phone], rate_limit=0, timeout=0.2)
    alerter.attach(engine)
    try:
        halt(engine)  # returns at once although `stuck` will not answer
        assert stuck.entered.wait(WAIT)
        assert alerter.drain(WAIT)
        assert len(phone.got) == 1
        halt(engine, "NORMAL")  # while the first send still hangs: not a second thread on it
        assert alerter.drain(WAIT)
        engine.publish()
        said = [n for n in engine.notices if "stuck" in n]
        assert said == ["alert to stuck failed: no answer within 0.2 s (said once until it works again)"]
        assert len(phone.got) == 2
    finally:
        stuck.release.set()
        alerter.close()


def test_a_full_queue_drops_alerts_and_says_so_once():
    stuck = Hanging()
    alerter = Alerter([stuck], rate_limit=0, timeout=WAIT, backlog=1)
    try:
        alerter.offer(sample_alert(0))
        assert stuck.entered.wait(WAIT)  # the worker holds the first; the queue holds one more
        for _ in range(5):
            alerter.offer(sample_alert(0))
        assert alerter.take_notices() == ["alerts are being dropped: the targets are not keeping up"]
    finally:
        stuck.release.set()
        alerter.close()


def test_send_now_reports_each_target():
    results = Alerter([Recorder("ok"), Recorder("bad", failing="refused")]).send_now(sample_alert(0))
    assert results == {"ok": None, "bad": "refused"}


def test_a_target_that_raises_anything_else_is_a_failure_with_its_kind():
    class Broken:
        name = "broken"

        def send(self, alert):
            raise KeyError("oops")

    assert Alerter([Broken()]).send_now(sample_alert(0)) == {"broken": "KeyError: 'oops'"}


def test_no_targets_start_nothing(engine):
    alerter = Alerter([])
    alerter.attach(engine)
    halt(engine)
    assert alerter._worker is None
    alerter.close()


# -- apprise ---------------------------------------------------------------------------------------

TOKEN = "hook-Zq8vN3kP1sT6"


@pytest.fixture
def receiver():
    """A loopback HTTP server that records what apprise's json:// posts to it."""
    with loopback_receiver() as served:
        yield served


needs_apprise = pytest.mark.skipif(not apprise_available(), reason="apprise is not installed")


@needs_apprise
def test_apprise_delivers_to_a_local_server_through_the_alerter(engine, receiver):
    port, got = receiver
    alerter = Alerter([AppriseTarget("hook", f"json://127.0.0.1:{port}/{TOKEN}")])
    alerter.attach(engine)
    halt(engine)
    assert alerter.drain(WAIT)
    ((path, payload),) = got
    assert path == f"/{TOKEN}"
    assert payload["title"] == "cockpit: kill switch HALTED"
    assert payload["message"] == "kill switch REDUCING → HALTED: stress"
    assert payload["type"] == "failure"
    alerter.close()


@needs_apprise
def test_apprise_failures_name_the_reason_and_never_the_url(engine, receiver):
    port, _got = receiver
    target = AppriseTarget("hook", f"json://127.0.0.1:{port}/fail-{TOKEN}")
    assert TOKEN not in repr(target) and "127.0.0.1" not in repr(target)
    results = Alerter([target]).send_now(sample_alert(0))
    assert "500" in results["hook"] or "server error" in results["hook"].lower()
    assert TOKEN not in results["hook"]
    # The URL's secret part is registered: whatever prints it later shows it masked.
    assert TOKEN not in redact.scrub(f"posting to json://127.0.0.1:{port}/fail-{TOKEN} failed")
    assert "127.0.0.1" in redact.scrub("127.0.0.1")  # but not the host: it is no secret


@needs_apprise
def test_a_url_apprise_does_not_know_is_refused_without_showing_it():
    with pytest.raises(AlertsUnavailable) as caught:
        AppriseTarget("phone", f"nosuchservice://{TOKEN}")
    assert TOKEN not in str(caught.value) and "cockpit alerts add phone" in str(caught.value)


def test_without_apprise_a_target_is_one_line_naming_the_install(monkeypatch):
    monkeypatch.setattr("cockpit.engine.alerts.apprise_available", lambda: False)
    with pytest.raises(AlertsUnavailable) as caught:
        AppriseTarget("phone", f"ntfys://{TOKEN}")
    assert str(caught.value) == APPRISE_HINT and 'pip install "cockpit[alerts]"' in APPRISE_HINT


# -- the URL's secret parts ------------------------------------------------------------------------

@pytest.mark.parametrize("url,secret,shown", [
    ("ntfys://mytopicSecret123", "mytopicSecret123", "ntfys://"),
    ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654321", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
     "tgram://"),
    ("mailto://alice:Pa%24sw0rd-9@mail.example.com", "Pa$sw0rd-9", "mail.example.com"),
    ("pover://userkey123456@apptoken98765", "apptoken98765", "pover://"),
    ("json://127.0.0.1:8000/hook-XYZ12345?priority=default&token=AbC123xyz9", "AbC123xyz9", "127.0.0.1:8000"),
])
def test_the_secret_parts_of_a_url_are_scrubbed_and_its_host_and_scheme_are_not(url, secret, shown):
    redact.register_url(url)
    assert secret not in redact.scrub(f"failed: {url} / {secret}")
    assert shown in redact.scrub(f"failed: {shown}")
    assert "default" in redact.scrub("keymap default")  # an option word is not a secret
    assert "https://example.org" in redact.scrub("see https://example.org")


@needs_apprise
def test_apprise_logs_nothing_of_its_own_to_the_process(receiver, caplog):
    # Its lines would reach stderr (the last-resort handler) in the middle of the guard's output
    # or the terminal's screen; the reason is on its result, told once as a notice.
    port, _got = receiver
    caplog.set_level("DEBUG")
    results = Alerter([AppriseTarget("hook", f"json://127.0.0.1:{port}/fail-{TOKEN}")]).send_now(sample_alert(0))
    assert results["hook"]
    assert not [r for r in caplog.records if r.name.startswith("apprise")]
