"""The heartbeat of the accounts' exchange-side dead-man's switches.

An account opts in with ``dead_man`` in its config: ``always`` (armed once the account is
connected and reconciled, until a clean stop) or ``during-run`` (armed while a run with resting
orders is active: the unwind run calls `Engine.want_dead_man`). Each armed switch is refreshed at
a third of its window, so two refreshes can fail before it fires; a failed refresh is retried
sooner. If none succeeds in time the switch is EXPIRED: the venue has cancelled the account's
orders (not its positions), and the engine says so loudly, once.

The deadline is the engine's own clock when the arming request left plus the window: the venue
starts counting when it receives the request, so its deadline is never earlier than ours.

Where a venue limits how often its switch may fire (Hyperliquid: 10 a day, counted from 00:00
UTC), every firing is journaled (events of kind ``dead_man``), so a restart does not reset the
count; so is every arming and disarming, and a refresh at most every `REFRESH_NOTE` seconds, so a
switch left armed by an engine that died is counted as fired when the engine comes back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from cockpit.engine.loops import forever
from cockpit.model import DeadMan, DeadManMode, DeadManPolicy, DeadManState, DeadManStatus
from cockpit.model.deadman import CANCELS_ORDERS
from cockpit.model.events import EventKind, Severity
from cockpit.redact import clip

log = logging.getLogger("cockpit.engine.deadman")

REFRESH_FRACTION = 1 / 3  # refresh at a third of the window: two may fail before it fires
RETRY_AFTER = 5.0  # seconds after a failed arm or refresh (at most a sixth of the window)
EXPIRED_HOLD = 300.0  # an expiry stays on the frame this long, even once the switch is armed again
REFRESH_NOTE = 300.0  # journal a refresh at most this often (what a restart learns the deadline from)
KIND = "dead_man"  # the journal's event kind for arming, refreshing, disarming and firing
DAY = 86400.0


# What a recent expiry is shown over (not EXHAUSTED or UNSUPPORTED, which say more).
_HELD = (DeadManStatus.ARMED, DeadManStatus.FAILING, DeadManStatus.IDLE)


def utc_day(t: float) -> int:
    """The UTC day of POSIX time `t` (venues reset daily limits at 00:00 UTC)."""
    return int(t // DAY)


@dataclass
class _Switch:
    """One opted-in account's switch, as the heartbeat keeps it."""

    name: str
    policy: DeadManPolicy
    status: DeadManStatus = DeadManStatus.IDLE
    expires_at: float | None = None  # armed until (engine clock); None: not armed
    due: float = 0.0  # next arm or refresh
    detail: str = ""
    daily_limit: int | None = None
    venue_remaining: int | None = None  # what the venue said, where it says
    fired_at: float | None = None
    failing: str = ""  # the error of the run of failures now going on
    noted: float = 0.0  # last refresh journaled


class DeadManSwitches:
    """Arms, refreshes and disarms the switches of the accounts that opted in.

    Args:
        venues: the engine's venues by account; one without `arm_dead_man` is unsupported.
        policies: each account's ``dead_man`` config; accounts that are off are left out.
        journal: where arming, refreshes, disarming and firings are recorded (events).
        clock: wall time.
        emit: the engine's `emit` (events for the screen, the guard's log and alerts).
        ready: whether an account is connected and reconciled (nothing is armed before).
        refused: why an account may send nothing (read-only), or None: such a switch is never
            armed (arming is a write), and says why.
        timeout: seconds one arm or disarm call may take.
    """

    def __init__(self, venues: Mapping[str, Any], policies: Mapping[str, DeadManPolicy], *, journal: Any,
                 clock: Callable[[], float] = time.time, emit: Callable[..., Any] | None = None,
                 ready: Callable[[str], bool] = lambda name: True,
                 refused: Callable[[str], str | None] = lambda name: None, timeout: float = 5.0) -> None:
        self._venues = venues
        self._journal = journal
        self._clock = clock
        self._emit = emit or (lambda *a, **k: None)
        self._ready = ready
        self._refused = refused
        self._timeout = timeout
        self._run = False
        self._stopping = False
        self._switches = {name: _Switch(name, policy) for name, policy in policies.items()
                          if policy.mode is not DeadManMode.OFF and name in venues}
        self._fired: dict[str, list[float]] = {name: [] for name in self._switches}
        self._restore()

    def __bool__(self) -> bool:
        return bool(self._switches)

    # -- what others ask --------------------------------------------------------------------

    def want(self, active: bool) -> None:
        """A run with resting orders started (True) or ended (False): ``during-run`` switches
        are armed, or disarmed, at the next beat."""
        self._run = bool(active)
        for s in self._switches.values():
            if s.policy.mode is DeadManMode.DURING_RUN:
                s.due = 0.0

    def states(self, now: float) -> tuple[DeadManState, ...]:
        """Each opted-in account's switch, for the frame. An expiry is shown for `EXPIRED_HOLD`
        seconds even when the switch was armed again at once (the venue answering again): its
        orders were cancelled, and a glance at the status line must tell."""
        return tuple(self._state(s, now) for s in self._switches.values())

    def _state(self, s: _Switch, now: float) -> DeadManState:
        status, until, detail = s.status, s.expires_at, s.detail
        if status is DeadManStatus.EXPIRED:
            until = s.fired_at
        elif status in _HELD and s.fired_at is not None and now - s.fired_at < EXPIRED_HOLD:
            status, until = DeadManStatus.EXPIRED, s.fired_at
            detail = (f"expired {now - s.fired_at:.0f} s ago: the venue cancelled this account's orders "
                      f"(positions stay open); now {s.status.value}")
        return DeadManState(account=s.name, status=status, expires_at=until,
                            remaining_today=self._remaining(s, now), detail=detail)

    def fired_today(self, name: str, now: float) -> int:
        """How many times account `name`'s switch fired on the UTC day of `now`."""
        return sum(1 for t in self._fired.get(name, ()) if utc_day(t) == utc_day(now))

    # -- the heartbeat ------------------------------------------------------------------------

    async def run(self, interval: float = 1.0) -> None:
        """Beat every `interval` seconds until cancelled."""
        await forever(self.beat, interval, log, "dead-man's switch heartbeat")

    async def beat(self) -> None:
        """One pass: note each switch whose deadline passed, arm or refresh those wanted and due,
        disarm those no longer wanted. The accounts' calls run together."""
        if self._stopping:
            return
        await asyncio.gather(*(self._beat_one(s) for s in self._switches.values()))

    async def disarm_all(self) -> None:
        """A clean stop: no switch is left armed, and none is armed again."""
        self._stopping = True
        await asyncio.gather(*(self._disarm(s, self._clock()) for s in self._switches.values()
                               if s.expires_at is not None))

    def _wanted(self, s: _Switch) -> bool:
        return s.policy.mode is DeadManMode.ALWAYS or (s.policy.mode is DeadManMode.DURING_RUN and self._run)

    async def _beat_one(self, s: _Switch) -> None:
        now = self._clock()
        if s.expires_at is not None and now >= s.expires_at:
            self._fire(s, s.expires_at, while_running=True)
        if s.status is DeadManStatus.UNSUPPORTED:
            return
        if not self._wanted(s):
            if s.expires_at is not None:
                await self._disarm(s, now)
            elif s.status not in (DeadManStatus.EXPIRED, DeadManStatus.FAILING):
                s.status, s.detail = DeadManStatus.IDLE, ""
            return
        if now < s.due or not self._ready(s.name):
            return
        why = self._refused(s.name)
        if why is not None:
            s.status, s.detail = DeadManStatus.UNSUPPORTED, f"not armed: {why}"
            return
        if self._remaining(s, now) == 0:
            s.status = DeadManStatus.EXHAUSTED
            s.detail = (f"fired {s.daily_limit} times today, the venue's daily limit: not armed "
                        "again until 00:00 UTC")
            s.due = (utc_day(now) + 1) * DAY
            return
        await self._arm(s, now)

    async def _arm(self, s: _Switch, now: float) -> None:
        venue = self._venues[s.name]
        arm = getattr(venue, "arm_dead_man", None)
        if arm is None:
            self._unsupported(s, "this venue adapter has no dead-man's switch")
            return
        seconds = s.policy.seconds
        try:
            async with asyncio.timeout(self._timeout):
                answer: DeadMan = await arm(seconds)
        except Exception as error:  # a venue error, a timeout or an adapter bug: the same to a switch
            self._failed(s, now, "refresh" if s.expires_at is not None else "arm", error)
            return
        if not answer.supported:
            self._unsupported(s, answer.note)
            return
        first = s.expires_at is None
        s.expires_at, s.due = now + seconds, now + seconds * REFRESH_FRACTION
        s.status, s.detail, s.failing = DeadManStatus.ARMED, answer.note or CANCELS_ORDERS, ""
        s.daily_limit, s.venue_remaining = answer.daily_limit, answer.remaining_today
        if first or now - s.noted >= REFRESH_NOTE:
            s.noted = now
            self._journal.event(KIND, now, account=s.name, action="armed" if first else "refreshed",
                                until=s.expires_at, seconds=seconds)
        if first:
            self._emit(EventKind.NOTICE, f"{s.name}: dead-man's switch armed ({seconds:g} s, refreshed every "
                       f"{seconds * REFRESH_FRACTION:g} s): {s.detail}", account=s.name, dead_man="armed")

    async def _disarm(self, s: _Switch, now: float) -> None:
        disarm = getattr(self._venues[s.name], "disarm_dead_man", None)
        try:
            if disarm is not None:
                async with asyncio.timeout(self._timeout):
                    await disarm()
        except Exception as error:
            # Still armed at the venue: it fires unless a retry gets through (noted once).
            self._failed(s, now, "disarm", error)
            return
        s.expires_at, s.status, s.detail, s.failing = None, DeadManStatus.IDLE, "", ""
        self._journal.event(KIND, now, account=s.name, action="disarmed")
        self._emit(EventKind.NOTICE, f"{s.name}: dead-man's switch disarmed", account=s.name, dead_man="disarmed")

    def _failed(self, s: _Switch, now: float, what: str, error: BaseException) -> None:
        reason = clip(" ".join(str(error).split()), 160) or type(error).__name__
        s.due = now + min(RETRY_AFTER, s.policy.seconds / 6)
        if s.expires_at is not None:
            s.status = DeadManStatus.FAILING
            s.detail = f"{what} failed: {reason}; the venue cancels the orders unless one succeeds"
        elif s.status is not DeadManStatus.EXPIRED:
            s.status, s.detail = DeadManStatus.FAILING, f"{what} failed: {reason}"
        if s.failing != reason:  # once per run of the same failure, not every retry
            s.failing = reason
            self._emit(EventKind.NOTICE, f"{s.name}: dead-man's switch {what} failed — {reason}",
                       severity=Severity.WARNING, account=s.name, dead_man="failing")

    def _unsupported(self, s: _Switch, why: str) -> None:
        s.status, s.detail, s.expires_at = DeadManStatus.UNSUPPORTED, why, None
        self._emit(EventKind.NOTICE, f"{s.name}: no dead-man's switch — {why}", severity=Severity.WARNING,
                   account=s.name, dead_man="unsupported")

    def _fire(self, s: _Switch, at: float, *, while_running: bool) -> None:
        """The deadline passed without a refresh: the venue cancels the account's orders."""
        s.expires_at, s.fired_at, s.status = None, at, DeadManStatus.EXPIRED
        s.detail = "expired: the venue cancelled this account's orders (positions stay open)"
        s.due = 0.0
        self._fired[s.name].append(at)
        self._journal.event(KIND, at, account=s.name, action="fired")
        when = "" if while_running else " while cockpit was stopped"
        self._emit(EventKind.NOTICE, f"{s.name}: dead-man's switch EXPIRED{when} — the venue cancels this "
                   "account's orders; positions stay open", severity=Severity.CRITICAL, account=s.name,
                   dead_man="expired")

    def _remaining(self, s: _Switch, now: float) -> int | None:
        if s.venue_remaining is not None:
            return s.venue_remaining
        if s.daily_limit is None:
            return None
        return max(0, s.daily_limit - self.fired_today(s.name, now))

    # -- after a restart ------------------------------------------------------------------------

    def _restore(self) -> None:
        """Put back the firings the journal holds, and the switches the last engine left armed.

        One whose last journaled deadline is still ahead is armed at the venue: the first beat
        refreshes it (or disarms it when it is not wanted). One whose deadline passed is counted
        as fired then (the venue cancelled the orders; refreshes are journaled at most every
        `REFRESH_NOTE` seconds, so it may have fired up to that much later, or, after a restart
        within that time, not yet: the count errs towards fewer firings left). Its daily limit is
        learned again at the first arming."""
        last: dict[str, tuple[str, dict]] = {}
        for when, _kind, detail in self._journal.events(KIND):
            name = detail.get("account")
            if name not in self._switches:
                continue
            if detail.get("action") == "fired":
                self._fired[name].append(when)
            last[name] = (str(detail.get("action")), detail)
        now = self._clock()
        for name, (action, detail) in last.items():
            until = detail.get("until")
            if action not in ("armed", "refreshed") or not isinstance(until, (int, float)):
                continue
            s = self._switches[name]
            if until > now:
                s.expires_at, s.status, s.noted = float(until), DeadManStatus.ARMED, now
                s.detail = f"left armed by the last run; {CANCELS_ORDERS}"
            else:
                self._fire(s, float(until), while_running=False)
