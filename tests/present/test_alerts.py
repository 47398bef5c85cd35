"""The alert rules, the rate limiter and the terminal notification sequences."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.model.events import Event, EventKind, Severity
from cockpit.present.alerts import (
    Alert, RateLimiter, alert_for, osc9, osc777, sample_alert, sanitize, terminal_notification,
    tmux_passthrough,
)

T0 = 1_780_000_000.0


def ev(kind: EventKind, text: str = "something", severity: Severity = Severity.INFO, *, account: str = "",
       symbol: str = "", t: float = T0, **fields: str) -> Event:
    return Event(seq=1, time=t, kind=kind, text=text, severity=severity, account=account, symbol=symbol,
                 fields=tuple(fields.items()))


# -- the rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize("after,severity", [
    ("WARN", Severity.WARNING), ("REDUCING", Severity.CRITICAL), ("HALTED", Severity.CRITICAL),
    ("NORMAL", Severity.INFO),
])
def test_every_kill_switch_transition_alerts_with_its_state(after, severity):
    alert = alert_for(ev(EventKind.KILL, f"kill switch WARN → {after}: stress", before="WARN", after=after))
    assert alert is not None
    assert after in alert.title and alert.severity is severity
    assert alert.body == f"kill switch WARN → {after}: stress"
    assert alert.key == f"kill:{after}" and alert.time == T0


def test_a_reset_says_so_and_a_restored_latch_is_not_news():
    reset = alert_for(ev(EventKind.KILL, "kill switch reset", after="NORMAL", reset="yes"))
    assert reset is not None and "reset" in reset.title
    assert alert_for(ev(EventKind.KILL, "kill switch restored HALTED", after="HALTED", restored="yes")) is None


def test_down_alerts_only_while_holding_positions():
    holding = ev(EventKind.HEALTH, "bn: LIVE → DOWN — timeout", Severity.WARNING, account="bn",
                 health="DOWN", before="LIVE", holding="yes")
    alert = alert_for(holding)
    assert alert is not None and "bn" in alert.title and "DOWN" in alert.title
    assert alert.severity is Severity.CRITICAL and alert.key == "health:bn"
    flat = ev(EventKind.HEALTH, "bn: LIVE → DOWN", account="bn", health="DOWN", holding="no")
    stale = ev(EventKind.HEALTH, "bn: LIVE → STALE", account="bn", health="STALE", holding="yes")
    back = ev(EventKind.HEALTH, "bn: DOWN → LIVE", account="bn", health="LIVE", holding="yes")
    assert alert_for(flat) is None and alert_for(stale) is None and alert_for(back) is None


def test_liquidations_near_liquidation_and_a_stopping_guard_alert():
    liq = alert_for(ev(EventKind.LIQUIDATION, "hl BTC: LIQUIDATED", account="hl", symbol="BTC", liquidated="yes"))
    closed = alert_for(ev(EventKind.LIQUIDATION, "hl BTC: closed", account="hl", symbol="BTC", liquidated="no"))
    near = alert_for(ev(EventKind.NEAR_LIQ, "hl BTC: 2.0% from liquidation", account="hl", symbol="BTC"))
    guard = alert_for(ev(EventKind.GUARD, "guard stopping: SIGTERM", stopping="yes"))
    assert liq and "LIQUIDATED" in liq.title and liq.severity is Severity.CRITICAL
    assert closed and "closed outside" in closed.title and closed.key == liq.key
    assert near and "near liquidation" in near.title and near.key == "near-liq:hl:BTC"
    assert guard and guard.severity is Severity.CRITICAL and guard.key == "guard"


@pytest.mark.parametrize("event", [
    ev(EventKind.ORDER, "bn BTC: filled", status="filled", client_id="c1", source="hotkey"),
    ev(EventKind.ORDER, "bn BTC: rejected", Severity.WARNING, status="rejected"),
    ev(EventKind.TERMINAL, "terminal attached"),
    ev(EventKind.NOTICE, "recovered from risk evaluation failed"),
    ev(EventKind.WORKFLOW, "unwind run paused"),
    ev(EventKind.GUARD, "guard started", stopping="no"),
    ev(EventKind.KILL, "kill switch not reset"),
])
def test_noise_never_alerts(event):
    assert alert_for(event) is None


# -- the sanitiser -----------------------------------------------------------------------------

HOSTILE = [
    "\x1b]9;pwned\x07", "\x07", "\x1b\\", "\x9c", "\x9b31m", "\x9d777;notify;x;y\x9c",
    "line\nbreak\r\n", "\x00nul", "\x7f", "\u2028\u2029", "\u202egnp.exe", "\ud800",
]


@pytest.mark.parametrize("bad", HOSTILE)
def test_sanitize_removes_every_control_and_escape(bad):
    out = sanitize(f"kill switch HALTED {bad} end")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in out)
    assert "\u202e" not in out and "\u2028" not in out and "\ud800" not in out
    assert out.startswith("kill switch HALTED") and out.endswith("end")
    out.encode("utf-8")  # writable to a terminal


def test_sanitize_keeps_one_line_and_cuts_to_the_limit():
    assert sanitize("a\n\n  b\tc") == "a b c"
    assert sanitize("x" * 500, 10) == "x" * 9 + "…"
    assert sanitize("BTC −2.0% → HALTED ✓") == "BTC −2.0% → HALTED ✓"


_CONTROLS = st.characters(min_codepoint=0, max_codepoint=0x9F)
_ANY = st.text(st.one_of(st.characters(), _CONTROLS), max_size=200)


def _escape_free(text: str) -> bool:
    return not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)


@given(_ANY)
def test_sanitize_never_lets_a_control_character_through(text):
    assert _escape_free(sanitize(text))


@given(_ANY, _ANY)
def test_a_notification_ends_only_where_it_should(title, body):
    # Whatever the event said, each sequence holds exactly our own ESC and BEL: the terminal
    # cannot be made to end it early or to start another.
    alert = Alert(title=title, body=body, severity=Severity.CRITICAL, key="k")
    for seq in (osc9(alert), osc777(alert)):
        assert seq.startswith("\x1b]") and seq.endswith("\x07")
        assert _escape_free(seq[2:-1])
    seq = osc777(alert)
    assert seq.count(";") == 3  # 777 ; notify ; title ; body: no field can add one
    wrapped = terminal_notification(alert, tmux=True)
    assert wrapped.count("\x1bPtmux;") == 2 and wrapped.count("\x07") == 3


def test_an_event_with_hostile_text_becomes_a_safe_notification():
    hostile = "kill switch WARN → HALTED: \x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x9b1m\nrm -rf ~"
    alert = alert_for(ev(EventKind.KILL, hostile, after="HALTED"))
    assert alert is not None
    out = terminal_notification(alert)
    assert out.count("\x1b") == 2 and out.count("\x07") == 3
    assert "\x9b" not in out and "\n" not in out


# -- the sequences -----------------------------------------------------------------------------

def test_osc_sequences_and_tmux_passthrough_have_the_documented_shape():
    alert = Alert(title="cockpit: kill switch REDUCING", body="stress 3.1; cut 30%", severity=Severity.CRITICAL,
                  key="kill:REDUCING")
    assert osc9(alert) == "\x1b]9;cockpit: kill switch REDUCING: stress 3.1, cut 30%\x07"
    assert osc777(alert) == "\x1b]777;notify;cockpit: kill switch REDUCING;stress 3.1, cut 30%\x07"
    assert tmux_passthrough("\x1b]9;x\x07") == "\x1bPtmux;\x1b\x1b]9;x\x07\x1b\\"
    plain = terminal_notification(alert)
    assert plain == osc9(alert) + osc777(alert) + "\x07"
    wrapped = terminal_notification(alert, tmux=True)
    assert wrapped == tmux_passthrough(osc9(alert)) + tmux_passthrough(osc777(alert)) + "\x07"
    assert terminal_notification(alert, bell=False).endswith(osc777(alert))


def test_osc9_text_never_reads_as_a_conemu_command():
    alert = Alert(title="4;3", body="x", severity=Severity.INFO, key="k")
    assert not re.match(r"\x1b\]9;\d", osc9(alert))  # our alerts' titles start with "cockpit"
    assert sample_alert(T0).title.startswith("cockpit")


# -- the rate limiter --------------------------------------------------------------------------

def _a(key: str = "kill:HALTED", body: str = "b", t: float = T0) -> Alert:
    return Alert(title="t", body=body, severity=Severity.CRITICAL, key=key, time=t)


def test_repeats_within_the_window_are_held_and_counted_by_the_next_that_passes():
    limiter = RateLimiter(60, utc=True)
    assert limiter.admit(_a(body="first"), T0) == _a(body="first")
    assert limiter.admit(_a(body="2"), T0 + 10) is None
    assert limiter.admit(_a(body="3"), T0 + 20) is None
    assert limiter.admit(_a(body="4"), T0 + 59) is None
    passed = limiter.admit(_a(body="fifth"), T0 + 61)
    since = time.strftime("%H:%M:%S", time.gmtime(T0 + 10))
    assert passed is not None and passed.body == f"fifth (+3 more since {since})"
    # The window restarts with the one that passed: nothing held, nothing noted.
    assert limiter.admit(_a(body="6"), T0 + 130).body == "6"


def test_keys_are_limited_apart():
    limiter = RateLimiter(60)
    assert limiter.admit(_a("kill:WARN"), T0) is not None
    assert limiter.admit(_a("kill:HALTED"), T0 + 1) is not None  # a worse state is never held by a lesser one
    assert limiter.admit(_a("kill:WARN"), T0 + 2) is None


def test_due_lets_out_the_last_held_alert_once_its_window_passed():
    limiter = RateLimiter(60, utc=True)
    limiter.admit(_a(body="1"), T0)
    limiter.admit(_a(body="2"), T0 + 5)
    limiter.admit(_a(body="3"), T0 + 6)
    assert limiter.due(T0 + 59) == []
    (late,) = limiter.due(T0 + 60)
    assert late.body == f"3 (+1 more since {time.strftime('%H:%M:%S', time.gmtime(T0 + 5))})"
    assert limiter.due(T0 + 200) == []  # told once
    limiter.admit(_a(body="4"), T0 + 61)  # within the window restarted by `due`
    (only,) = limiter.due(T0 + 121)
    assert only.body == "4"  # one held, none besides it: no note


def test_a_zero_window_lets_everything_through():
    limiter = RateLimiter(0)
    assert all(limiter.admit(_a(body=str(i)), T0) is not None for i in range(5))


def test_the_note_keeps_the_body_within_its_limit():
    limiter = RateLimiter(60)
    limiter.admit(_a(), T0)
    limiter.admit(_a(), T0 + 1)
    passed = limiter.admit(_a(body="x" * 1000), T0 + 61)
    assert passed is not None and len(passed.body) <= 300 and passed.body.endswith(")")
