"""`cockpit status`: a guard's state in a few lines of text, and the same as data for scripts."""

from __future__ import annotations

import time
from typing import Any, Iterable

from cockpit.model.events import Event
from cockpit.model.frame import Frame
from cockpit.present import format as fmt
from cockpit.present.deadman import dms_lines
from cockpit.present.privacy import never_masked, private


def health_lines(accounts) -> str:
    """One line per health and reason, naming its accounts: "a, b are DOWN: <reason>"; the
    reason is the venue's words, so its figures are masked under the privacy mask."""
    groups: dict[tuple[str, str], list[str]] = {}
    for acc in accounts:
        groups.setdefault((acc.health.value, private(acc.error) if acc.error else "no fresh data yet"), []).append(acc.name)
    return "\n".join(f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} {health}: {why}"
                     for (health, why), names in groups.items())


@never_masked  # `cockpit status` prints it: never the screen's privacy mask
def status_report(welcome: dict, frame: Frame | None, events: Iterable[Event]) -> dict[str, Any]:
    """What `cockpit status` prints: ``lines`` for people, the rest (guard, kill, accounts,
    book, last_event) for `--json`."""
    events = [e for e in events if e.seq > 0]  # the guard's own, not this terminal's
    last = events[-1] if events else None
    report: dict[str, Any] = {
        "guard": {"pid": welcome.get("pid"), "where": welcome.get("where"), "mode": welcome.get("mode"),
                  "readonly": welcome.get("readonly")},
        "last_event": None if last is None else {"time": last.time, "kind": last.kind.value, "text": last.text},
    }
    lines = [f"guard: running, {welcome.get('where', '?')} · {welcome.get('mode', '?')} · "
             f"{'read-only' if welcome.get('readonly') else 'trading'}"]
    if frame is None:
        lines.append("no frame yet: the guard is still connecting to its accounts")
    else:
        kill = frame.assessment.kill
        report["kill"] = {"status": kill.status.value, "mode": kill.mode.value, "cause": kill.cause,
                          "since": kill.since, "latched": kill.latched}
        since = f" since {fmt.clock(kill.since, utc=False)}" if kill.since else ""
        cause = f": {kill.cause}" if kill.cause else ""
        lines.append(f"kill switch: {kill.status.value} ({kill.mode.value}){since}{cause}")
        report["alerts"] = frame.alerts
        lines.append(f"alerts: {frame.alerts} target{'s' if frame.alerts != 1 else ''}" if frame.alerts
                     else "alerts: none configured (cockpit alerts add NAME)")
        report["accounts"] = [{"name": acc.name, "health": acc.health.value, "age": acc.age, "error": acc.error,
                               "positions": len(acc.snapshot.positions) if acc.snapshot else None}
                              for acc in frame.book.accounts]
        for acc in frame.book.accounts:
            held = f"{len(acc.snapshot.positions)} positions" if acc.snapshot else "no data"
            why = f" — {acc.error}" if acc.error and acc.health.value != "LIVE" else ""
            lines.append(f"  {acc.name:<14} {acc.health.value:<5} {fmt.age(acc.age):>5}  {held}{why}")
        report["dead_man"] = [{"account": s.account, "status": s.status.value, "expires_at": s.expires_at,
                               "remaining_today": s.remaining_today, "detail": s.detail}
                              for s in frame.dead_man]
        lines.extend(f"  {line}" for line in dms_lines(frame))
        a = frame.assessment
        report["book"] = {"equity": a.equity, "gross": a.gross, "net": a.net, "positions": len(a.positions),
                          "funding_per_day": a.funding_per_day}
        lines.append(f"book (USD): {len(a.positions)} positions · equity {fmt.money(a.equity)} · gross "
                     f"{fmt.money(a.gross)} · net {fmt.money(a.net, signed=True)} · funding "
                     f"{fmt.money(a.funding_per_day, signed=True)}/day")
    if last is not None:
        lines.append(f"last event: {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(last.time))} {last.text}")
    report["lines"] = lines
    return report
