"""Alerts in the terminal: the engine's event becomes an OSC 9 and an OSC 777 notification, the bell
and a notification on screen; repeats are held back; hostile text cannot escape; the status line
says how many alert targets the engine has."""

from __future__ import annotations

from dataclasses import replace

from cockpit.model.events import EventKind, Severity
from cockpit.present.alerts import Alert
from cockpit.ui.alerts import TerminalAlerts
from cockpit.ui.widgets.status import status_line
from tests.ui.cockpit_app import first_frame, make_app

REDUCING = "kill switch WARN → REDUCING: funding stress 3.2 over 2.5"


def _reducing(engine, text: str = REDUCING):
    engine.emit(EventKind.KILL, text, severity=Severity.CRITICAL, before="WARN", after="REDUCING",
                cause="funding stress")


async def _capture(app, monkeypatch) -> list[str]:
    """What the app writes to the terminal from now on (the headless driver's writes)."""
    written: list[str] = []
    monkeypatch.setattr(app._driver, "write", written.append)
    return written


async def test_kill_switch_reducing_writes_the_notifications_and_the_bell(monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        written = await _capture(app, monkeypatch)
        _reducing(app.api.backend)
        await pilot.pause()
        out = "".join(written)
        assert f"\x1b]9;cockpit: kill switch REDUCING: {REDUCING}\x07" in out
        assert f"\x1b]777;notify;cockpit: kill switch REDUCING;{REDUCING}\x07" in out
        assert f"{REDUCING}\x07\x07" in out  # the bell, after the OSC 777
        (note,) = [n for n in app._notifications if n.title == "cockpit: kill switch REDUCING"]
        assert note.message == REDUCING and note.severity == "error" and not note.markup


async def test_what_the_first_frame_shows_is_not_told_again(monkeypatch):
    # The demo opens with a position near liquidation: its event comes with the first frame,
    # which shows it; no toast, no desktop notification (the engine's alerter told it).
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        written = await _capture(app, monkeypatch)
        events = []
        app.api.on_event(events.append)
        await first_frame(pilot)
        assert any(e.kind is EventKind.NEAR_LIQ for e in events)
        assert not app._notifications and not any("\x1b]9;" in w for w in written)


async def test_in_tmux_the_sequences_are_wrapped_for_passthrough(monkeypatch):
    monkeypatch.setenv("TMUX", "socket,1,0")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        written = await _capture(app, monkeypatch)
        _reducing(app.api.backend)
        await pilot.pause()
        out = "".join(written)
        assert "\x1bPtmux;\x1b\x1b]9;cockpit: kill switch REDUCING" in out
        assert "\x1bPtmux;\x1b\x1b]777;notify;" in out and out.count("\x1b\\") >= 2


async def test_orders_and_notices_are_not_alerts_and_repeats_are_held_back(monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        written = await _capture(app, monkeypatch)
        engine = app.api.backend
        engine.emit(EventKind.ORDER, "bn BTC: filled", status="filled")
        engine.notice("recovered")
        await pilot.pause()
        assert not any("\x1b]9;" in w for w in written)
        _reducing(engine)
        _reducing(engine)  # the same alert within the rate limit (the frozen clock does not move)
        await pilot.pause()
        assert sum(w.count("\x1b]9;") for w in written) == 1


async def test_hostile_event_text_cannot_escape_the_notification(monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        written = await _capture(app, monkeypatch)
        _reducing(app.api.backend, "kill switch \x1b]52;c;ZWNobyBwd24=\x07\x1b\\\x9d0;x\x9c\nHALT [b]x[/b]")
        await pilot.pause()
        out = "".join(w for w in written if "\x1b]9;" in w)
        assert out.count("\x1b") == 2 and "\x9d" not in out and "\x9c" not in out and "\n" not in out
        assert "\x1b]52" not in out  # the text's OSC 52 (clipboard) is left as harmless text


def test_tell_uses_the_alerts_own_time_for_the_rate_limit():
    class App:
        def __init__(self):
            self.told = []

        def notify(self, message, **kw):
            self.told.append(message)

    app, sent = App(), []
    alerts = TerminalAlerts(object(), rate_limit=60, env={})
    alert = Alert(title="cockpit: x", body="b", severity=Severity.WARNING, key="k", time=1000.0)
    write = lambda _app, seq: sent.append(seq) or True  # noqa: E731
    assert alerts.tell(app, alert, write) and not alerts.tell(app, replace(alert, time=1030.0), write)
    assert alerts.tell(app, replace(alert, time=1061.0, body="c"), write)
    assert app.told[-1].startswith("c (+1 more since") and len(sent) == 2


async def test_the_status_line_says_how_many_alert_targets_there_are():
    app = make_app()
    frame = await app.api.poll()
    assert "⚑" not in status_line(frame, {}, 120).plain
    two = replace(frame, alerts=2)
    assert " alerts ⚑2 " in status_line(two, {}, 120).plain
    narrow = status_line(two, {}, 80).plain
    assert " ⚑2 │" in narrow and narrow.index("⚑2") < 40  # before the accounts: never cut off at 80
