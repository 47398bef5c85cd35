"""The kill switch: a latched state machine NORMAL → WARN → REDUCING → HALTED.

Triggers (each a reading, a threshold and a re-entry level): funding stress, daily and peak
drawdown, the exposure-weighted volatility percentile, and an account STALE/DOWN for too long
while it holds positions. A trigger whose reading is not live (None) never moves the switch.

* NORMAL → WARN when any reading reaches `warn_fraction` of its threshold; WARN → NORMAL after
  `warn_clear_seconds` below that level (WARN is a heads-up, not latched).
* → REDUCING when any reading reaches its threshold. From here the switch is latched. It proposes
  one reduce-only intent per position of a LIVE account that cuts gross exposure by at least
  `cut_fraction`, in proportion (see `playbook.proportional_cut`). Each position is planned once
  per episode, so its intent id (``kill:<episode>:<account|symbol>``) and amount never change while
  the episode lasts: the executor dedups by id. Positions of accounts that are not LIVE are planned
  when their data is live again, never before.
* REDUCING → HALTED once the planned cut is done, measured in size at the marks of the plan (so a
  price move neither fakes nor hides progress), and only on live data.
* HALTED allows no new risk (`allows`); reduce-only exits stay allowed. Only `reset` leaves it, and
  only once the cause has cleared: the trigger that tripped the switch has been live and below its
  re-entry level for `dwell_seconds`, and no other trigger is at its threshold (a reset would
  trip again at once). Unrelated readings that merely wander (a volatility percentile) do not
  hold the latch.

Every transition is a `KillEvent` with its cause and the numbers behind it, for the journal.

The latch survives restarts: `latch()` is what the engine journals (status, cause, the episode and
its frozen plan, the episode counter) whenever it changes, and `restore` puts a journaled latch
back. A restored REDUCING episode plans only positions it has not planned, its intents keep their
ids, and its progress is measured against its original start sizes: a restart never cuts twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from cockpit.model import Intent, KillEvent, KillMode, KillLatch, KillState, KillStatus, PlannedCut, PositionKey

EVENTS_KEPT = 100
_LATCHED = (KillStatus.REDUCING, KillStatus.HALTED)


def tail_level(threshold: float, fraction: float) -> float:
    """The percentile that sits `fraction` of the way to a percentile `threshold`, measured in
    the width of the tail: 80 % of the way to the 95th is the 93.75th."""
    return 100.0 - (100.0 - threshold) / fraction


@dataclass(frozen=True, slots=True)
class Trigger:
    """One input of the kill switch. `value` is None when there is no live reading.

    `tail` marks a percentile reading (0-100): its distance to the threshold is measured in the
    width of the tail (`tail_level`), so WARN at 80 % of a 95th-percentile threshold means the
    93.75th percentile, not the 76th (which a calm market passes a quarter of the time).
    `unit` is how its numbers read in causes: "%" (fractions), "s" (seconds) or "" (plain).
    """

    name: str
    value: float | None
    threshold: float
    reentry: float
    label: str = ""
    unit: str = ""
    tail: bool = False

    @property
    def ratio(self) -> float | None:
        """The reading as a fraction of its threshold (None without a live reading)."""
        if self.value is None:
            return None
        if self.tail:
            return (100.0 - self.threshold) / max(100.0 - self.value, 1e-9)
        return self.value / self.threshold

    def level(self, fraction: float) -> float:
        """The reading at `fraction` of the threshold, on the trigger's own scale."""
        return tail_level(self.threshold, fraction) if self.tail else fraction * self.threshold

    def text(self, x: float) -> str:
        """A number of this trigger as it reads in a cause."""
        if self.unit == "%":
            return f"{x:.1%}"
        if self.unit == "s":
            return f"{x:.0f} s"
        return f"{x:.3g}"

    def cause(self, fraction: float = 1.0) -> str:
        """One line for the status and the journal: the reading against the level it reached."""
        line = f"{self.label or self.name} {self.text(self.value or 0.0)} ≥ {self.text(self.level(fraction))}"
        return line if fraction == 1.0 else f"{line} (WARN at {fraction:.0%} of {self.text(self.threshold)})"


@dataclass(slots=True)
class Episode:
    """One REDUCING episode: the frozen plan per position and the sizes it started from."""

    id: str
    since: float
    intents: dict[PositionKey, Intent] = field(default_factory=dict)
    # size, value of one unit, cut; in the order unit (an inverse swap's contracts, whose worth
    # does not move with the price), so progress is measured in what was sent
    start: dict[PositionKey, tuple[float, float, float]] = field(default_factory=dict)
    accounts: set[str] = field(default_factory=set)

    def planned(self) -> float:
        """Fraction of the episode's starting gross that its intents cut (at plan marks)."""
        gross = sum(size * mark for size, mark, _ in self.start.values())
        return 0.0 if gross <= 0 else sum(cut * mark for _, mark, cut in self.start.values()) / gross

    def done(self, sizes: dict[PositionKey, float]) -> float:
        """Fraction of the starting gross already cut, given current sizes (absent = closed)."""
        gross = sum(size * mark for size, mark, _ in self.start.values())
        if gross <= 0:
            return 0.0
        cut = sum(max(0.0, size - sizes.get(key, 0.0)) * mark
                  for key, (size, mark, _) in self.start.items())
        return cut / gross


Planner = Callable[[Episode], None]
"""Adds intents to an episode for live positions it has not planned yet."""
Sizes = Callable[[set[str]], "dict[PositionKey, float] | None"]
"""Current sizes of live positions by key, or None when an account of the set is not LIVE."""


def allows(status: KillStatus, reduce_only: bool) -> bool:
    """Whether an order may be sent in `status`: REDUCING and HALTED allow only reduce-only."""
    return reduce_only or status not in _LATCHED


class KillSwitch:
    """The latched state machine (module doc). `step` once per evaluation; `reset` by a person."""

    def __init__(self, settings) -> None:
        self.s = settings
        self.mode = KillMode(settings.kill_mode)
        self.status = KillStatus.NORMAL
        self.cause = ""
        self.cause_trigger = ""
        self.since: float | None = None
        self.episode: Episode | None = None
        self.clear_since: float | None = None
        self.warn_below_since: float | None = None
        self.triggers: tuple[Trigger, ...] = ()
        self._events: list[KillEvent] = []
        self._events_tuple: tuple[KillEvent, ...] = ()
        self._episodes = 0
        self._last_now: float | None = None
        self._latch: KillLatch | None = None  # cached until the next change

    # -- transitions ---------------------------------------------------------------------------

    def _move(self, now: float, after: KillStatus, cause: str, extra: tuple = ()) -> None:
        numbers = tuple((t.name, float(t.value)) for t in self.triggers if t.value is not None)
        numbers += tuple((f"{t.name} threshold", float(t.threshold)) for t in self.triggers)
        self._events.append(KillEvent(now, self.status, after, cause, numbers + extra))
        del self._events[:-EVENTS_KEPT]
        self._events_tuple = tuple(self._events)
        self.status, self.cause, self.since = after, cause, now
        self._latch = None

    def step(self, now: float, triggers: tuple[Trigger, ...], plan: Planner, sizes: Sizes) -> None:
        """Advance on this evaluation's readings."""
        self.triggers = triggers
        self._last_now = now
        self._watch_clearance(now, triggers)
        if self.status in (KillStatus.NORMAL, KillStatus.WARN):
            self._step_open(now, triggers)
        if self.status is KillStatus.REDUCING and self.episode is not None:
            self._step_reducing(now, self.episode, plan, sizes)

    def _watch_clearance(self, now: float, triggers: tuple[Trigger, ...]) -> None:
        """Since when the cause is below re-entry and every other trigger below its threshold."""
        cleared = all(
            (t.value is not None and t.value < t.reentry) if t.name == self.cause_trigger
            else (t.ratio is None or t.ratio < 1.0)
            for t in triggers)
        self.clear_since = (self.clear_since if self.clear_since is not None else now) if cleared else None

    def _step_open(self, now: float, triggers: tuple[Trigger, ...]) -> None:
        """NORMAL or WARN: the hottest trigger starts a cut, raises WARN, or lets WARN clear."""
        ratios = [(t.ratio, t) for t in triggers if t.ratio is not None]
        hot, top = max(ratios, key=lambda rt: rt[0], default=(0.0, None))
        if top is not None and hot >= 1.0:
            self._episodes += 1
            self.episode = Episode(id=f"{self._episodes}@{now:.0f}", since=now)
            self.cause_trigger = top.name
            self.clear_since = None  # the dwell starts when the cause clears, not before
            self._move(now, KillStatus.REDUCING, top.cause(),
                       (("cut_target", self.s.cut_fraction),))
        elif top is not None and hot >= self.s.warn_fraction:
            self.warn_below_since = None
            if self.status is KillStatus.NORMAL:
                self._move(now, KillStatus.WARN, top.cause(self.s.warn_fraction))
        elif self.status is KillStatus.WARN:
            if self.warn_below_since is None:
                self.warn_below_since = now
            if now - self.warn_below_since >= self.s.warn_clear_seconds:
                self._move(now, KillStatus.NORMAL, "every trigger below the WARN level")

    def _step_reducing(self, now: float, episode: Episode, plan: Planner, sizes: Sizes) -> None:
        """REDUCING: (re)plan the episode's cut, and HALT once it is done."""
        planned = len(episode.start)
        plan(episode)
        if len(episode.start) != planned:
            self._latch = None
        current = sizes(episode.accounts)
        if current is not None and episode.start:
            planned, done = episode.planned(), episode.done(current)
            if (planned > 0 and done >= planned - 1e-9) or done >= self.s.cut_fraction:
                self._move(now, KillStatus.HALTED, f"cut done: {done:.1%} of gross",
                           (("cut_planned", planned), ("cut_done", done)))

    @property
    def can_reset(self) -> bool:
        """Latched, and the cause live and below re-entry for the dwell time (module doc)."""
        return (self.status in _LATCHED and self.clear_since is not None and self._last_now is not None
                and self._last_now - self.clear_since >= self.s.dwell_seconds)

    def reset(self, now: float) -> bool:
        """A person's reset: back to NORMAL when `can_reset`, else nothing (False)."""
        # Judged on the last evaluation's readings: time alone, without fresh data, clears nothing.
        if not self.can_reset:
            return False
        self._move(now, KillStatus.NORMAL, f"reset by a person: {self.cause_trigger} has cleared")
        self.episode = None
        self.cause_trigger = ""
        self.warn_below_since = None
        self._latch = None
        return True

    def latch(self) -> KillLatch:
        """What must survive a restart (module doc); the same object until something changes."""
        if self._latch is None:
            ep = self.episode
            plan = () if ep is None else tuple(
                PlannedCut(key, size, mark, cut, ep.intents.get(key))
                for key, (size, mark, cut) in ep.start.items())
            self._latch = KillLatch(
                status=self.status, cause=self.cause, cause_trigger=self.cause_trigger, since=self.since,
                episodes=self._episodes, episode=None if ep is None else ep.id,
                episode_since=None if ep is None else ep.since, plan=plan)
        return self._latch

    def restore(self, latch: KillLatch) -> None:
        """Put back a journaled latch (at start, before the first step). The mode is not part of
        it: after a restart the switch runs in the mode its settings (the flags) say."""
        self.status, self.cause, self.since = latch.status, latch.cause, latch.since
        self.cause_trigger = latch.cause_trigger
        self._episodes = latch.episodes
        self.episode = None
        if latch.episode is not None:
            ep = Episode(id=latch.episode, since=latch.episode_since or 0.0)
            for row in latch.plan:
                ep.start[row.key] = (row.size, row.mark, row.cut)
                ep.accounts.add(row.key.account)
                if row.intent is not None:
                    ep.intents[row.key] = row.intent
            self.episode = ep
        # The dwell before a reset starts again: readings from before the restart are not live.
        self.clear_since = None
        self.warn_below_since = None
        self._latch = latch

    def set_mode(self, mode: KillMode | str) -> None:
        """ADVISE (propose and ask) or AUTO (the engine sends the proposal itself); its text
        ('advise', 'auto') is taken too, as the config writes it."""
        try:
            self.mode = KillMode(mode)
        except ValueError:
            raise ValueError(f"kill mode must be 'advise' or 'auto', got {mode!r}") from None

    def state(self) -> KillState:
        """The frozen view the panes show."""
        proposed = ()
        if self.status is KillStatus.REDUCING and self.episode is not None:
            proposed = tuple(self.episode.intents.values())
        episode = self.episode
        return KillState(
            status=self.status,
            cause=self.cause,
            since=self.since,
            latched=self.status in _LATCHED,
            can_reset=self.can_reset,
            mode=self.mode,
            proposed=proposed,
            events=self._events_tuple,
            levels=tuple((t.name, t.value, t.threshold) for t in self.triggers),
            ratios=tuple(t.ratio for t in self.triggers),
            cut_target=self.s.cut_fraction,
            cut_planned=episode.planned() if episode is not None else 0.0,
            clear_since=self.clear_since if self.status in _LATCHED else None,
            warn_fraction=self.s.warn_fraction,
        )
