"""Dead-man's switches in words: the status labels, the narrow badge, the ``?`` and
``cockpit status`` lines with the glossary."""

from __future__ import annotations

from cockpit.model import DeadManState, DeadManStatus as S
from cockpit.present.deadman import GLOSSARY, dms_badge, dms_label, dms_lines
from cockpit.present.status import status_report
from tests.model.frames import demo_frames

NOW = 1_000.0


def st(status, expires=None, account="bn", remaining=None, detail="cancels orders, not positions"):
    return DeadManState(account, status, expires, remaining, detail)


def test_labels():
    assert dms_label(st(S.ARMED, NOW + 41.2), NOW) == "DMS 42s"  # rounded up: 0s only when due
    assert dms_label(st(S.ARMED, NOW - 1), NOW) == "DMS 0s"
    assert dms_label(st(S.FAILING, NOW + 12), NOW) == "DMS 12s!"
    assert dms_label(st(S.FAILING), NOW) == "DMS failing"
    assert dms_label(st(S.EXPIRED, NOW - 5), NOW) == "DMS expired"
    assert dms_label(st(S.EXHAUSTED), NOW) == "DMS 0 left"
    assert dms_label(st(S.UNSUPPORTED), NOW) == "DMS n/a"
    assert dms_label(st(S.IDLE), NOW) == ""


def test_the_badge_tells_an_expiry_first_then_the_soonest_deadline():
    armed = [st(S.ARMED, NOW + 50, "a"), st(S.ARMED, NOW + 20, "b"), st(S.IDLE, None, "c")]
    assert dms_badge(armed, NOW) == ("DMS 20s", "ok")
    assert dms_badge(armed, NOW, compact=True) == ("DMS20s", "ok")
    failing = [*armed, st(S.FAILING, NOW + 30, "d")]
    assert dms_badge(failing, NOW) == ("DMS 20s!", "warn")
    expired = [*failing, st(S.EXPIRED, NOW - 1, "e"), st(S.EXPIRED, NOW - 2, "f")]
    assert dms_badge(expired, NOW) == ("DMS expired ×2", "bad")
    assert dms_badge(expired, NOW, compact=True) == ("DMS✗", "bad")
    assert dms_badge([st(S.IDLE), st(S.UNSUPPORTED)], NOW) is None


def test_lines_say_what_each_does_and_what_dms_means():
    import dataclasses

    frame = demo_frames()[0]
    assert dms_lines(frame) == []  # nobody opted in: nothing, not even the glossary
    frame = dataclasses.replace(frame, dead_man=(
        st(S.ARMED, frame.now + 30, "hl", 9, "cancels orders, not positions; all of the account's orders"),
        st(S.IDLE, None, "bn", None, "")))
    lines = dms_lines(frame)
    assert lines == ["hl: DMS 30s, 9 firings left today — cancels orders, not positions; all of the "
                     "account's orders", "bn: DMS idle (armed during a run)", GLOSSARY]
    assert "not positions" in GLOSSARY
    report = status_report({"where": "here", "mode": "LIVE"}, frame, [])
    assert f"  {GLOSSARY}" in report["lines"]
    assert report["dead_man"][0] == {"account": "hl", "status": "armed", "expires_at": frame.now + 30,
                                     "remaining_today": 9, "detail": lines[0].split(" — ")[1]}


def test_an_expiry_is_an_alert_and_arming_is_not():
    from cockpit.model.events import Event, EventKind, Severity
    from cockpit.present.alerts import alert_for

    expired = Event(seq=1, time=NOW, kind=EventKind.NOTICE, text="hl: dead-man's switch EXPIRED — ...",
                    severity=Severity.CRITICAL, account="hl", fields=(("dead_man", "expired"),))
    alert = alert_for(expired)
    assert alert is not None and alert.severity is Severity.CRITICAL and alert.key == "dead-man:hl"
    assert "hl dead-man's switch expired" in alert.title
    armed = Event(seq=2, time=NOW, kind=EventKind.NOTICE, text="hl: dead-man's switch armed", account="hl",
                  fields=(("dead_man", "armed"),))
    assert alert_for(armed) is None


def test_the_venues_and_engines_words_in_the_help_are_masked_under_the_privacy_mask():
    import dataclasses

    """The help lists why accounts are not LIVE (the venue's error) and what each dead-man's
    switch is doing (the engine's detail): their figures are masked as the status line's are."""
    from cockpit.model import Health
    from cockpit.present import privacy
    from cockpit.present.status import health_lines

    frame = demo_frames()[0]
    ailing = [dataclasses.replace(frame.book.accounts[0], health=Health.DOWN,
                                  error="margin call: equity 12345.67 below 20000")]
    frame = dataclasses.replace(frame, dead_man=(st(S.ARMED, detail="armed with 3 orders worth 45000"),))
    assert "12345.67" in health_lines(ailing) and "45000" in " ".join(dms_lines(frame))
    privacy.set_masked(True)
    try:
        health, switches = health_lines(ailing), " ".join(dms_lines(frame))
    finally:
        privacy.set_masked(False)
    assert "12345.67" not in health and "margin call" in health
    assert "45000" not in switches and "armed with" in switches
