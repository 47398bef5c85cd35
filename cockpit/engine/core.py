"""The engine: one poller per account, the book, evaluation on every change, frames to listeners.

    venues ──poll──▶ BookState ──freeze──▶ Book ──risk──▶ Assessment ──▶ Frame ──▶ subscribers
                                                                      intents ◀── UI / rules

Frames are published by one task that coalesces changes (several pollers finishing together make
one frame) and ticks once a second so that ages and health advance even when nothing arrives.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable, Protocol

from cockpit.engine.bookstate import BookState
from cockpit.engine.executor import ExecutionError, Executor, Outcome, TrimPreview
from cockpit.engine.journal import Journal
from cockpit.model import (
    Assessment,
    Book,
    Frame,
    Health,
    Instrument,
    Intent,
    IntentSource,
    KillEvent,
    KillLatch,
    Mode,
    OrderStatus,
    RateLimited,
    VenueError,
    VenueTimeout,
)
from cockpit.venues.protocol import Venue

log = logging.getLogger("cockpit.engine")


class Evaluator(Protocol):
    """What the engine needs from risk (`cockpit.risk.RiskEngine` implements it)."""

    def evaluate(self, book: Book, instruments: dict[str, dict[str, Instrument]], now: float) -> Assessment:
        """Assess the book at `now`."""

    def reset_kill(self, now: float) -> bool:
        """A person's reset of the latched kill switch."""

    def kill_latch(self) -> KillLatch:
        """What of the kill switch must survive a restart; equal values mean nothing changed."""

    def restore_kill(self, latch: KillLatch) -> None:
        """Put back a journaled latch, before the first evaluation."""


@dataclass(frozen=True)
class EngineSettings:
    """How the engine polls and judges freshness.

    Attributes:
        poll_interval: seconds between polls of one account.
        stale_after: an account with no good snapshot for this long is STALE (3 × interval).
        down_after: ... and DOWN after this long.
        request_timeout: seconds before a venue call is given up (reads) or unknown (orders).
        backoff_base / backoff_cap: full-jitter backoff after failures, in seconds.
        coalesce: after a change, wait this long for the other accounts' polls of the same
            round, so one round makes one frame.
        min_frame_interval: frames are at most this often (the UI redraws once per frame).
        order_grace: after a restart, how long since a journaled order was last sent before one
            the venue does not know counts as never sent: a venue's receive window (5 s on
            Binance and Bybit, and on the paper venue) plus margin for the resends of an
            unknown outcome.
    """

    poll_interval: float = 1.0
    stale_after: float = 3.0
    down_after: float = 10.0
    request_timeout: float = 5.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    coalesce: float = 0.15
    min_frame_interval: float = 0.5
    order_grace: float = 10.0


class SimInfo(Protocol):
    """What a simulated session tells the frame (duck-typed: `cockpit.sim.SimSession`)."""

    speed: float
    scenario_name: str

    def sim_time(self) -> float:
        """The simulator's clock."""


class Engine:
    """Polls every account, evaluates risk on every change and publishes frames.

    Args:
        venues: one per account.
        risk: the evaluator (default: `cockpit.risk.RiskEngine` with default settings).
        clock: wall time; tests and screenshots pass a frozen one.
        mode: SIM or LIVE, shown on the status line.
        readonly: disable every order path.
        journal: the order journal (default: in memory).
        sim: the simulated session, for sim time and speed on the frame.
    """

    def __init__(
        self,
        venues: Iterable[Venue],
        *,
        risk: Evaluator | None = None,
        settings: EngineSettings | None = None,
        clock: Callable[[], float] = time.time,
        mode: Mode = Mode.SIM,
        readonly: bool = False,
        journal: Journal | None = None,
        sim: SimInfo | None = None,
    ) -> None:
        self.venues: dict[str, Venue] = {v.info.name: v for v in venues}
        if risk is None:
            from cockpit.risk import RiskEngine

            risk = RiskEngine()
        self.risk = risk
        self.settings = settings or EngineSettings()
        self.clock = clock
        self.mode = mode
        self.readonly = readonly
        self.sim = sim
        self.journal = journal or Journal(":memory:")
        self.state = BookState(
            [v.info for v in self.venues.values()],
            stale_after=self.settings.stale_after,
            down_after=self.settings.down_after,
        )
        self.executor = Executor(
            self.venues, self.journal, clock=clock, readonly=readonly,
            request_timeout=self.settings.request_timeout, grace=self.settings.order_grace,
        )
        self.latest: Frame | None = None
        self._seq = 0
        self._subscribers: list[Callable[[Frame], None]] = []
        self._instruments: dict[str, dict[str, Instrument]] = {name: {} for name in self.venues}
        self._notices: deque[str] = deque(maxlen=8)
        self._notice_listeners: list[Callable[[str], None]] = []
        self._kill_seen: set[tuple] = set()
        self._health: dict[str, Health] = {}
        self._auto_sent: set[str] = set()
        self._auto_refused: dict[str, str] = {}
        self._tasks: list[asyncio.Task] = []
        self._dirty: asyncio.Event | None = None
        self._wake: dict[str, asyncio.Event] = {}
        self._rng = random.Random()
        self._latch = self._restore_latch()

    # -- listeners ------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Frame], None]) -> Callable[[], None]:
        """Call `callback(frame)` on every new frame; returns a function that unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def on_notice(self, callback: Callable[[str], None]) -> None:
        """Call `callback(text)` for every notice as it happens (frames carry only the last few)."""
        self._notice_listeners.append(callback)

    @property
    def notices(self) -> tuple[str, ...]:
        """The last few notices (those from before a listener subscribed, such as a restored
        kill switch, included)."""
        return tuple(self._notices)

    def notice(self, text: str) -> None:
        """Add a one-line message for the status area and the journal."""
        self._notices.append(text)
        self.journal.event("notice", self.clock(), text=text)
        for listener in self._notice_listeners:
            listener(text)

    # -- the kill switch's latch ------------------------------------------------------------

    def _restore_latch(self) -> KillLatch:
        """Put back the latch the journal holds: HALTED stays HALTED, and a cut that a restart
        interrupted resumes with its own intents (sent again, in auto mode, under the same
        ids: the executor's journal dedups them), never with a second plan."""
        latch = self.journal.load_latch()
        if latch is None:
            return KillLatch()
        self.risk.restore_kill(latch)
        if latch.episode is not None:
            self.notice(f"kill switch restored {latch.status.value} (episode {latch.episode}, "
                        f"{len(latch.plan)} positions planned): {latch.cause}")
        return latch

    def _persist_latch(self) -> None:
        """Journal the latch when it changed, before anyone (a listener, the auto cut, an
        accept) can act on its plan."""
        latch = self.risk.kill_latch()
        if latch != self._latch:
            self.journal.save_latch(latch, now=self.clock())
            self._latch = latch

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the pollers and the publisher in the running event loop."""
        self._dirty = asyncio.Event()
        for name in self.venues:
            self._wake[name] = asyncio.Event()
            self._tasks.append(asyncio.create_task(self._poll_account(name), name=f"poll:{name}"))
        self._tasks.append(asyncio.create_task(self._publisher(), name="publisher"))

    async def stop(self) -> None:
        """Cancel every task and close the venues."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for venue in self.venues.values():
            try:
                await venue.close()
            except Exception:  # closing must never raise past shutdown
                log.debug("close failed for %s", venue.info.name)

    async def poll_once(self) -> Frame:
        """Connect (if needed) and poll every account once, then publish one frame.

        For tests, screenshots and headless one-shots; `start()` runs the continuous pollers.
        """
        await asyncio.gather(*(self._poll_step(name) for name in self.venues))
        return self.publish()

    def kick(self, account: str) -> None:
        """Poll `account` now rather than at its next interval (after an order)."""
        if account in self._wake:
            self._wake[account].set()

    def _changed(self) -> None:
        if self._dirty is not None:
            self._dirty.set()

    # -- polling --------------------------------------------------------------------------

    async def _connect(self, name: str) -> bool:
        venue = self.venues[name]
        try:
            await asyncio.wait_for(venue.connect(), self.settings.request_timeout * 4)
            self._instruments[name] = dict(venue.instruments())
            await self.executor.reconcile(name)
        except (VenueError, ExecutionError, asyncio.TimeoutError) as error:
            self._fail(name, error if not isinstance(error, asyncio.TimeoutError) else VenueTimeout(
                "connect timed out", account=name))
            return False
        return True

    def _fail(self, name: str, error: Exception) -> None:
        if isinstance(error, ExecutionError):
            error = VenueError(str(error), account=name)
        self.state.fail(name, error, self.clock())

    async def _poll_step(self, name: str) -> float | None:
        """One poll (connecting first if needed). Returns the retry delay after a failure."""
        if name not in self.executor.reconciled and not await self._connect(name):
            return self.settings.backoff_base
        venue = self.venues[name]
        try:
            snapshot = await asyncio.wait_for(venue.snapshot(), self.settings.request_timeout)
        except RateLimited as error:
            self._fail(name, error)
            return max(error.retry_after or 0.0, self.settings.backoff_base)
        except VenueError as error:
            self._fail(name, error)
            return self.settings.backoff_base
        except asyncio.TimeoutError:
            self._fail(name, VenueTimeout("no answer in time", account=name))
            return self.settings.backoff_base
        self.state.update(snapshot)
        return None

    async def _poll_account(self, name: str) -> None:
        failures = 0
        while True:
            started = time.monotonic()
            try:
                retry = await self._poll_step(name)
            except Exception as error:  # an adapter bug must not kill the poller or the app
                log.exception("poller %s crashed", name)
                self._fail(name, VenueError(f"internal error: {type(error).__name__}", account=name))
                retry = self.settings.backoff_base
            self._changed()
            if retry is None:
                failures = 0
                delay = max(0.0, self.settings.poll_interval - (time.monotonic() - started))
            else:
                failures += 1
                ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** failures)
                delay = max(retry, self._rng.uniform(0, ceiling))  # full jitter, at least Retry-After
            wake = self._wake[name]
            try:
                await asyncio.wait_for(wake.wait(), delay)
            except asyncio.TimeoutError:
                pass
            wake.clear()

    async def _publisher(self) -> None:
        assert self._dirty is not None
        loop = asyncio.get_running_loop()
        # A once-a-second tick so that ages and health advance when nothing arrives.
        ticker = loop.call_later(1.0, self._tick)
        try:
            while True:
                await self._dirty.wait()
                await asyncio.sleep(self.settings.coalesce)
                self._dirty.clear()
                self.publish()
                await asyncio.sleep(max(0.0, self.settings.min_frame_interval - self.settings.coalesce))
        finally:
            ticker.cancel()

    def _tick(self) -> None:
        self._changed()
        asyncio.get_running_loop().call_later(1.0, self._tick)

    # -- frames ---------------------------------------------------------------------------

    def publish(self) -> Frame:
        """Evaluate the book now and hand the new frame to every subscriber."""
        now = self.clock()
        book = self.state.freeze(now)
        self._note_health(book)
        # Risk keeps histories and dwell times: on the simulator they run on simulated time, so a
        # one-hour crisis at speed 60 dwells ten simulated minutes, not ten wall minutes.
        assessment = self.risk.evaluate(book, self._instruments, self._risk_now(now))
        self._record_kill_events(assessment.kill.events)
        self._persist_latch()
        self._seq += 1
        frame = Frame(
            seq=self._seq,
            now=now,
            mode=self.mode,
            readonly=self.readonly,
            book=book,
            assessment=assessment,
            sim_time=self.sim.sim_time() if self.sim else None,
            speed=self.sim.speed if self.sim else 1.0,
            scenario=self.sim.scenario_name if self.sim else "",
            notices=tuple(self._notices),
        )
        self.latest = frame
        for callback in list(self._subscribers):
            callback(frame)
        if assessment.kill.mode == "auto" and assessment.kill.proposed:
            self._send_auto(assessment.kill.proposed)
        return frame

    def _risk_now(self, now: float) -> float:
        return self.sim.sim_time() if self.sim is not None else now

    def _note_health(self, book: Book) -> None:
        # Health changes with time as much as with polls, so transitions are found frame to frame.
        for acc in book.accounts:
            before = self._health.get(acc.name)
            if before is not None and before is not acc.health:
                why = f" — {acc.error}" if acc.error and acc.health is not Health.LIVE else ""
                self.notice(f"{acc.name}: {before.value} → {acc.health.value}{why}")
            self._health[acc.name] = acc.health

    def _record_kill_events(self, events: tuple[KillEvent, ...]) -> None:
        # The risk engine reports its recent history with every frame; journal each event once.
        for event in events:
            mark = (event.time, event.before, event.after, event.cause)
            if mark in self._kill_seen:
                continue
            self._kill_seen.add(mark)
            self.journal.event(
                "kill", event.time, before=event.before.value, after=event.after.value,
                cause=event.cause, numbers=dict(event.numbers),
            )
            self.notice(f"kill switch {event.before.value} → {event.after.value}: {event.cause}")

    def _send_auto(self, intents: tuple[Intent, ...]) -> None:
        for intent in intents:
            if intent.id not in self._auto_sent:
                self._auto_sent.add(intent.id)
                asyncio.ensure_future(self._submit_quietly(intent))

    async def _submit_quietly(self, intent: Intent) -> None:
        try:
            await self.submit(intent)
        except ExecutionError as error:
            # Refused before it was journaled (an account not yet reconciled or not LIVE, as
            # after a restart): the next frame tries again. Each reason is noticed once.
            self._auto_sent.discard(intent.id)
            if self._auto_refused.get(intent.id) != str(error):
                self._auto_refused[intent.id] = str(error)
                self.notice(f"{intent.symbol}: not sent — {error}")

    # -- intents --------------------------------------------------------------------------

    def _book(self) -> Book:
        return self.latest.book if self.latest else self.state.freeze(self.clock())

    def readonly_reason(self, account: str | None = None) -> str | None:
        """Why orders are disabled (globally, or for `account`), or None."""
        return self.executor.readonly_reason(account)

    def preview(self, intent: Intent) -> TrimPreview:
        """The frozen values to confirm before sending `intent` (ExecutionError if refused)."""
        return self.executor.preview(intent, self._book())

    async def submit(self, intent: Intent, *, cap: Decimal | None = None) -> Outcome:
        """Send `intent` as one reduce-only order; re-poll its account; note the outcome."""
        outcome = await self.executor.submit(intent, self._book(), cap=cap)
        self.notice(f"{intent.account} {intent.symbol}: {outcome.message}")
        if outcome.status is not OrderStatus.REJECTED:
            self.kick(intent.account)
            if not self._tasks:  # not running continuously (tests, one-shots): poll now
                await self._poll_step(intent.account)
                self.publish()
        return outcome

    async def accept_proposal(self) -> list[Outcome | ExecutionError]:
        """Send the kill switch's proposed cut (advise mode: the user pressed accept)."""
        frame = self.latest
        if frame is None:
            return []
        results: list[Outcome | ExecutionError] = []
        for intent in frame.assessment.kill.proposed:
            if intent.id in self._auto_sent:
                continue
            self._auto_sent.add(intent.id)
            try:
                results.append(await self.submit(intent))
            except ExecutionError as error:
                self.notice(f"{intent.symbol}: not sent — {error}")
                results.append(error)
        return results

    def reset_kill(self) -> bool:
        """A person's reset of the latched kill switch; False while its cause has not cleared."""
        done = self.risk.reset_kill(self._risk_now(self.clock()))
        self._persist_latch()  # a person's reset survives a restart too
        self.notice("kill switch reset" if done else "kill switch not reset: its cause has not cleared")
        self._changed()
        return done

    def hotkey_intent(self, key: str, fraction: float) -> Intent:
        """An intent to trim the position `key` ("account|symbol") by `fraction`, from a hotkey."""
        account, symbol = key.split("|", 1)
        return Intent(
            id=f"hotkey:{key}:{fraction}:{self.clock():.6f}:{self._seq}",
            account=account,
            symbol=symbol,
            source=IntentSource.HOTKEY,
            reason=f"hotkey trim {fraction:.0%}",
            fraction=fraction,
        )
