"""The status line: mode, trading or read-only, kill-switch state (and a failed risk evaluation),
how many alert targets are set, the privacy mask when it is on, each account's health (and its
dead-man's switch), time."""

from __future__ import annotations

from rich.text import Text

from cockpit.model import DeadManState, Frame, Health, Mode
from cockpit.redact import clip
from cockpit.present import format as fmt, privacy, unwind
from cockpit.present.deadman import LEVEL, dms_badge, dms_label

# The theme colour of each dead-man's switch level (`cockpit.present.deadman.LEVEL`).
_DMS_COLOR = {"ok": "health-live", "warn": "health-stale", "bad": "health-down"}

#: A DOWN account's reason is shown only when at least this many columns are left for it.
MIN_REASON = 16
NARROW = 110
"""Below this width the status line drops the scenario's name and shortens account names."""
_MASK_BADGE = " MASKED "  # the privacy mask is on (" MASK " on a narrow line)


def status_line(frame: Frame, colors: dict[str, str], width: int) -> Text:
    """The status line of `frame` for `width` columns, with each DOWN account's reason after it
    when there is room (wide terminals); otherwise the reason is in the notices."""
    layout = width  # the width the line is laid out for
    text = status_text(frame, colors, layout)
    if len(text.plain) > width and privacy.masked() and layout >= NARROW:
        # The mask's badge takes the room of the scenario's name and the long account names.
        layout = NARROW - 1
        text = status_text(frame, colors, layout)
    dms = None
    for dms in ("badge", "compact") if frame.dead_man else ():
        if len(text.plain) <= width:
            break
        # One dead-man's badge, then its shortest form, rather than lose accounts off the end.
        text = status_text(frame, colors, layout, dms=dms)
    names = None
    for names in (3, 2) if len(text.plain) > width else ():
        # Shorter account names rather than lose the clock off the end (80 columns, 6 accounts).
        text = status_text(frame, colors, layout, dms=dms, names=names)
        if len(text.plain) <= width:
            break
    down = [acc for acc in frame.book.accounts if acc.health is Health.DOWN and acc.error]
    if down and names is None:  # names cut to fit leave no room for reasons
        room = (width - len(text.plain)) // len(down) - 3  # " (" and ")" around each reason
        if room >= MIN_REASON:
            reasons = {acc.name: clip(privacy.private(acc.error), room) for acc in down}
            text = status_text(frame, colors, layout, reasons, dms=dms)
    return text


def trading_label(frame: Frame) -> tuple[bool, str]:
    """(read-only, label): READ-ONLY when orders are off on every account, else TRADING, saying
    how many accounts are read-only."""
    readonly = sum(acc.info.readonly for acc in frame.book.accounts)
    if frame.orders_off():
        return True, "READ-ONLY"
    return False, "TRADING" + (f" ({readonly} read-only)" if readonly else "")


def _kill_badges(text: Text, frame: Frame, colors: dict[str, str], narrow: bool) -> None:
    """The kill switch's state, then what makes the screen's figures old: a lost guard, a
    failed evaluation; whether alerts go out; and whether the privacy mask is on."""
    kill = frame.assessment.kill.status
    text.append(" ")
    text.append(f" {'' if narrow else 'KILL '}{kill.value} ", style=f"bold reverse {colors.get(f'kill-{kill.value.lower()}', '')}")
    if frame.run is not None:
        # A guided unwind is on (or over, not dismissed yet): the unwind key shows it.
        text.append(" ")
        text.append(f" {unwind.marker(frame.run, short=narrow)} ",
                    style=f"bold reverse {colors.get('kill-reducing', '')}")
    down = f"bold reverse {colors.get('health-down', '')}"
    if frame.lost is not None:
        # The guard went away: everything on screen is as of the moment it was lost.
        text.append(" ")
        text.append(" GUARD LOST " if not narrow else " LOST ", style=down)
    if frame.risk_error is not None:
        # The panes show the last good assessment: say so where the kill state is read.
        text.append(" ")
        text.append(" RISK FAILED " if not narrow else " RISK✗ ", style=down)
    if frame.alerts:
        # Alerts reach a phone or a chat: say so (and how many targets) where the kill state is.
        text.append(f" ⚑{frame.alerts}" if narrow else f" alerts ⚑{frame.alerts}", style="bold")
    if privacy.masked():  # amounts and sizes are hidden on this screen: say so where one looks first
        text.append(" ")
        text.append(" MASK " if narrow else _MASK_BADGE, style="bold reverse")


def _dead_man_badge(text: Text, frame: Frame, colors: dict[str, str], dms: str) -> dict[str, DeadManState]:
    """The one dead-man's badge (`dms` ``badge`` or ``compact``), or, for ``each``, the switches
    to show after their accounts (by account)."""
    if dms == "each":
        return {s.account: s for s in frame.dead_man}
    badge = dms_badge(frame.dead_man, frame.now, compact=dms == "compact")
    if badge is not None:  # no room for one per account: the first expired, or the soonest
        text.append(" ")
        style = "bold reverse" if badge[1] == "bad" else "bold"
        text.append(f" {badge[0]} ", style=f"{style} {colors.get(_DMS_COLOR[badge[1]], '')}")
    return {}


def _dead_man_label(text: Text, switch: DeadManState, now: float, colors: dict[str, str]) -> None:
    """An account's "DMS 42s" / "DMS expired" after its health (nothing while idle)."""
    label = dms_label(switch, now)
    if label:
        text.append(f" {label}", style=f"bold {colors.get(_DMS_COLOR[LEVEL[switch.status]], '')}")


def _account(text: Text, acc, colors: dict[str, str], length: int | None, *, gap: str, age: bool,
             reason: str | None) -> None:
    """One account's health: its name cut to `length` letters after `gap`, its dot, and when it
    is not LIVE its health, data age and `reason`; a LIVE one's data age when `age`."""
    color = colors.get(f"health-{acc.health.value.lower()}", "")
    dot = {Health.LIVE: "●", Health.STALE: "◐", Health.DOWN: "○"}[acc.health]
    text.append(f"{gap}{acc.info.name[:length]}")
    text.append(dot, style=f"bold {color}")
    if acc.health is not Health.LIVE:
        text.append(acc.health.value + (f" {fmt.age(acc.age)}" if acc.age is not None else ""), style=f"bold {color}")
        if reason:
            text.append(f" ({reason})", style=color)
    elif age:
        text.append(fmt.age(acc.age), style="dim")


def status_text(frame: Frame, colors: dict[str, str], width: int,
                reasons: dict[str, str] | None = None, *, dms: str | None = None,
                names: int | None = None) -> Text:
    """The status line of `frame`, abbreviated to fit `width` columns; `reasons` (account →
    text) follow those accounts. The dead-man's switches (`dms`): ``each`` after its account
    (the default from 110 columns), ``badge``: one badge (the default below), ``compact``: the
    badge in its shortest form. `names` cuts account names to that many letters (by default
    as the width allows: 4 under 110 columns, 7 under 160)."""
    narrow = width < NARROW  # below this: no scenario name, 4-letter account names
    medium = width < 160  # below this: 7-letter account names, no age for LIVE accounts
    text = Text(no_wrap=True, overflow="ellipsis")
    if frame.mode is Mode.SIM:
        badge = " SIM" + (f" ×{frame.speed:g}" if frame.speed != 1 else "") + " "
        text.append(badge, style=f"bold reverse {colors.get('sim-badge', '')}")
        if frame.scenario and not narrow:
            text.append(f" {frame.scenario}")
    else:
        text.append(" LIVE ", style="bold reverse")
    text.append(" ")
    readonly, label = trading_label(frame)
    if readonly:
        text.append(f" {label} ", style=f"bold reverse {colors.get('readonly-badge', '')}")
    else:
        text.append(f" {label} ", style="bold")
    _kill_badges(text, frame, colors, narrow)
    switches = _dead_man_badge(text, frame, colors, dms or ("badge" if narrow else "each"))
    text.append(" │")
    length = names or (4 if narrow else 7 if medium else None)
    for acc in frame.book.accounts:
        _account(text, acc, colors, length, gap=" " if names else "  ", age=not medium,
                 reason=(reasons or {}).get(acc.name))
        if acc.name in switches:
            _dead_man_label(text, switches[acc.name], frame.now, colors)
    text.append(" │ ")
    if frame.sim_time is not None:
        text.append(f"sim {fmt.sim_clock(frame.sim_time)} ", style="bold")
    if not narrow or frame.sim_time is None:
        text.append(fmt.clock(frame.now) + " UTC", style="dim")
    return text
