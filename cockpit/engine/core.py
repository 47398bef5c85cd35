"""The engine: one poller per account, the book, evaluation on every change, frames to listeners.

    venues ──poll──▶ BookState ──freeze──▶ Book ──risk──▶ Assessment ──▶ Frame ──▶ subscribers
                                                                      intents ◀── UI / rules

Frames are published by one task that coalesces changes (several pollers finishing together make
one frame) and ticks once a second so that ages and health advance even when nothing arrives.

Failures stay local and loud: a subscriber or notice listener that raises is logged and skipped; an
evaluation that raises keeps the last assessment on a frame marked `risk_error` (the kill switch does
not act on it) and is a notice. A resolver task looks up, with backoff, every order whose outcome is
not known until it is. A position that goes between two good snapshots without an order of ours
(liquidated, or closed outside the cockpit) is a notice and a journal event.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Coroutine, Iterable, Mapping, Protocol

from cockpit.engine.backfill import Backfill, BackfillSettings
from cockpit.engine.bookstate import BookState, closures
from cockpit.engine.deadman import DeadManSwitches
from cockpit.engine.executor import ExecutionError, Executor, Outcome
from cockpit.engine.failures import FailureNotices
from cockpit.engine.funding import FundingMemory
from cockpit.engine.history import HistoryStore, history_path
from cockpit.engine.loops import forever
from cockpit.engine.plots import PlotWatch
from cockpit.engine.journal import ABSENT, Journal
from cockpit.engine.listeners import Listeners
from cockpit.engine.unwind import UnwindFlow
from cockpit.model import (
    Assessment,
    Book,
    DeadManPolicy,
    Frame,
    Health,
    Instrument,
    Intent,
    KillEvent,
    KillLatch,
    KillMode,
    KillStatus,
    Mode,
    OrderStatus,
    PositionKey,
    RateLimited,
    Side,
    VenueError,
    VenueSnapshot,
    VenueTimeout,
)
from cockpit.model.commands import TrimPreview, WatchPlots
from cockpit.model.plots import Plots
from cockpit.model.events import Event, EventKind, Severity
from cockpit.redact import scrub
from cockpit.risk.trim import trim_liquidation
from cockpit.venues.protocol import Venue

log = logging.getLogger("cockpit.engine")
RISK_FAILED = "risk evaluation failed"
# A venue's liquidation report is remembered (so it is told once) while the venue still sends it,
# and for this long after the newest one it sent: venues report only recent ones, and one that
# drops out of their window does not come back days later.
LIQ_MEMORY = 7 * 86400.0
LOGGED_KEPT = 256  # failure sites logged once; past this (listeners that come and go) start over


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
        poll_interval: seconds between polls of one account that needs watching closely: an
            order of ours open there, one of its positions near liquidation, or an unwind run
            going (see `Engine.poll_delay`).
        rest_interval: seconds between polls of an account holding positions when none of that
            holds (None: `poll_interval`). Real venues poll at rest every 2 s (`live_settings`).
        idle_interval: seconds between polls of an account holding no position and no order
            (None: `rest_interval`).
        stale_after: an account with no good snapshot for this long is STALE (3 × interval);
            an account polled less often gets the difference on top (see `BookState.expect`).
        down_after: ... and DOWN after this long.
        request_timeout: seconds before a venue call is given up (reads) or unknown (orders).
        backoff_base / backoff_cap: full-jitter backoff after failures, in seconds.
        coalesce: after a change, wait this long for the other accounts' polls of the same
            round, so one round makes one frame.
        min_frame_interval: frames are at most this often (the UI redraws once per frame).
        absent_grace: an order the venue does not know is declared absent (or re-sent under its
            own id, once) only after a second look-up at least this long after the first. It must
            exceed the venue's receive window (5 s on Binance and Bybit, and on the paper venue),
            after which an order still on its way when the cockpit died is refused by the venue:
            so after a restart an order is never called absent while it could still land.
        resolve_interval: how often the resolver looks for orders whose outcome is not known;
            each order is then looked up with its own backoff (`backoff_base`/`backoff_cap`).
        late_window: how long an order declared absent is still looked up, in case it lands late.
    """

    poll_interval: float = 1.0
    rest_interval: float | None = None
    idle_interval: float | None = None
    stale_after: float = 3.0
    down_after: float = 10.0
    request_timeout: float = 5.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    coalesce: float = 0.15
    min_frame_interval: float = 0.5
    absent_grace: float = 10.0
    resolve_interval: float = 0.5
    late_window: float = 3600.0


#: Real venues (`cockpit guard` and `cockpit` on the config's accounts): an account at rest is
#: polled every 2 s (positions, balances, the marks of what it holds), one holding nothing every
#: 10 s, and one the engine watches closely every second (`Engine.poll_delay`); the book is
#: evaluated (a frame) at most once a second, on any change. Each poll is one request per kind of
#: data (2-5 per account): at 1 s, six accounts made 21 requests a second.
LIVE_SETTINGS = EngineSettings(rest_interval=2.0, idle_interval=10.0, min_frame_interval=1.0)


class SimInfo(Protocol):
    """What a simulated session tells the frame (duck-typed: `cockpit.sim.SimSession`)."""

    speed: float
    scenario_name: str

    def sim_time(self) -> float:
        """The simulator's clock."""


# How long a stop may take before it is cancelled once more (see `Engine.stop`): pollers end
# within a loop turn of their cancel, and closing a venue is a local call, so half a second is ample.
STOP_GRACE = 0.5


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
        reporter: writes a finished unwind run's report (`cockpit.reports.write_report`).
        dead_man: each account's dead-man's switch policy (``dead_man`` in its config; see
            `cockpit.engine.deadman`); accounts not named are off.
        history: the funding, stress and equity history (default: `history_path` beside the
            journal, in memory for an in-memory journal; see `cockpit.engine.history`).
        backfill: how the venues' funding histories are read in the background
            (`cockpit.engine.backfill`).
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
        reporter: Callable | None = None,
        dead_man: Mapping[str, DeadManPolicy] | None = None,
        history: HistoryStore | None = None,
        backfill: BackfillSettings | None = None,
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
        self.alerts = 0  # alert targets, for the status line (set by `cockpit.engine.alerts.Alerter`)
        self.state = BookState(
            [v.info for v in self.venues.values()],
            stale_after=self.settings.stale_after,
            down_after=self.settings.down_after,
        )
        self.executor = Executor(
            self.venues, self.journal, clock=clock, readonly=readonly,
            request_timeout=self.settings.request_timeout, absent_grace=self.settings.absent_grace,
        )
        self.latest: Frame | None = None
        self._working_kept: tuple[int, tuple] | None = None  # (journal version, Frame.working)
        self._seq = 0
        self._subscribers: Listeners[Frame] = Listeners(
            lambda callback, error: self._log_once(f"frame subscriber {callback!r} failed", error))
        self._instruments: dict[str, dict[str, Instrument]] = {name: {} for name in self.venues}
        self._notices: deque[str] = deque(maxlen=8)
        self._event_listeners: Listeners[Event] = Listeners(
            lambda callback, error: self._log_once(f"event listener {callback!r} failed", error))
        self._event_seq = 0
        self._near_liq: set[PositionKey] = set()  # positions flagged near-liq in the last frame
        self._kill_seen: set[tuple] = set()
        self._health: dict[str, Health] = {}
        self._auto_sent: set[str] = set()
        self._auto_rearmed: set[str] = set()  # cuts sent again once after being found absent (below)
        self._auto_refused: dict[str, str] = {}
        self._tasks: list[asyncio.Task] = []
        # The kill switch's own sends in flight (auto mode): held here, as the loop keeps only a
        # weak reference to a task, and cancelled by `stop` before the venues close.
        self._sending: set[asyncio.Task] = set()
        self._dirty: asyncio.Event | None = None
        self._wake: dict[str, asyncio.Event] = {}
        self._rng = random.Random()
        # Per source called every frame (evaluation, publishing, ...): each run of failures told once.
        self.failures = FailureNotices(self.notice, self._log_once)
        self._logged: set[tuple[str, type]] = set()
        self._lookups: dict[str, tuple[float, int]] = {}  # client id -> (next look-up, attempts)
        self._filled_seen: dict[str, dict[str, Decimal]] = {}  # our fills per symbol at the last snapshot
        # Per account: venue liquidation reports already told, as (account, symbol, time).
        self._liq_seen: dict[str, set[tuple[str, str, float]]] = {}
        self._latch = self._restore_latch()
        self.funding = FundingMemory(history or HistoryStore(history_path(self.journal.path)), clock=self.clock)
        try:
            self.funding.restore(self.risk, self._risk_now(clock()))
        except Exception as error:  # a damaged history must not stop the engine: it starts cold
            self._log_once("restoring the funding history failed", error)
        self.backfill = Backfill(self, backfill)
        self.plots = PlotWatch(self.funding.history, lambda: getattr(self.risk, "settings", None))
        self.dead_man = DeadManSwitches(
            self.venues, dead_man or {}, journal=self.journal, clock=clock, emit=self.emit,
            ready=lambda name: name in self.executor.reconciled, refused=self.readonly_reason,
            timeout=self.settings.request_timeout)
        self.unwind = UnwindFlow(self, reporter=reporter)

    # -- listeners ------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Frame], None]) -> Callable[[], None]:
        """Call `callback(frame)` on every new frame; returns a function that unsubscribes."""
        return self._subscribers.add(callback)

    def on_notice(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call `callback(text)` with the line of every event as it happens (frames carry only
        the last few); returns a function that unsubscribes."""
        return self.on_event(lambda event: callback(event.text))

    @property
    def notices(self) -> tuple[str, ...]:
        """The last few notices (those from before a listener subscribed, such as a restored
        kill switch, included)."""
        return tuple(self._notices)

    def on_event(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call `callback(event)` for every event as it happens; returns a function that
        unsubscribes."""
        return self._event_listeners.add(callback)

    def notice(self, text: str) -> None:
        """Add a one-line message for the status area and the journal (an event of kind NOTICE)."""
        self.emit(EventKind.NOTICE, text)

    def emit(self, kind: EventKind, text: str, *, severity: Severity = Severity.INFO, account: str = "",
             symbol: str = "", **fields: object) -> Event:
        """Tell everyone that something happened: the frame's notices, the journal and the event
        listeners (the typed `Event`; notice listeners get its line).

        A listener that raises is logged and skipped: one broken listener (a closed pipe under
        `cockpit guard`, a terminal gone) must never silence the others or stop the engine.
        """
        # Every notice reaches the screen, the journal and guard's output: scrubbed once, here.
        text = scrub(text)
        self._event_seq += 1
        event = Event(seq=self._event_seq, time=self.clock(), kind=kind, text=text, severity=severity,
                      account=account, symbol=symbol,
                      fields=tuple((k, scrub(v)) for k, v in fields.items() if v is not None))
        self._notices.append(text)
        try:
            self.journal.event("notice", event.time, text=text, event=kind.value, severity=severity.value)
        except Exception:  # a full disk must not stop the notice reaching the screen
            log.exception("could not journal notice %r", text)
        self._event_listeners.call(event)
        return event

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
            self.emit(EventKind.KILL, f"kill switch restored {latch.status.value} (episode {latch.episode}, "
                      f"{len(latch.plan)} positions planned): {latch.cause}", severity=Severity.WARNING,
                      after=latch.status.value, episode=latch.episode, restored="yes")
        return latch

    def _persist_latch(self) -> None:
        """Journal the latch when it changed, before anyone (a listener, the auto cut, an
        accept) can act on its plan."""
        latch = self.risk.kill_latch()
        if latch != self._latch:
            self.journal.save_latch(latch, now=self.clock())
            if latch.episode != self._latch.episode:
                self._forget_sent(latch)
            self._latch = latch

    def _forget_sent(self, latch: KillLatch) -> None:
        """A new episode (or none): forget the cuts sent for the ones before. Their intents are
        never proposed again (an episode's intent ids carry its id), so remembering them would
        only grow with every episode of a long run."""
        current = {row.intent.id for row in latch.plan if row.intent is not None}
        self._auto_sent &= current
        self._auto_refused = {k: v for k, v in self._auto_refused.items() if k in current}

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the pollers and the publisher in the running event loop."""
        self._dirty = asyncio.Event()
        for name in self.venues:
            self._wake[name] = asyncio.Event()
            self.spawn(self._poll_account(name), name=f"poll:{name}")
        self.spawn(self._publisher(), name="publisher")
        self.spawn(self._resolver(), name="resolver")
        self.unwind.start()
        self.spawn(self._backfill_after_first_frame(), name="funding-backfill")
        if self.dead_man:
            self.spawn(self.dead_man.run(), name="dead-man")

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task:
        """Run `coro` as one of the engine's own tasks (a workflow's driver, a poller): `stop`
        cancels it with the others and waits for it. Call it on the engine's loop."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.append(task)
        return task

    async def _backfill_after_first_frame(self) -> None:
        """The venues' funding histories, once the first frame is out (it never waits for them)."""
        while self.latest is None:
            await asyncio.sleep(0.1)
        await self.backfill.run()

    async def stop(self) -> None:
        """Cancel every task and close the venues, cancelling again while the stop hangs.

        On Python 3.11 `asyncio.wait_for` loses a cancellation that lands just as its inner call
        completes (bpo-42130), so a poller can survive the first cancel and the gather then waits
        forever; `cockpit guard --duration 1e-9` hit that on every run. A second cancel reaches
        the poller at its next await, and a fresh attempt then closes the venues.

        First, a clean stop disarms every dead-man's switch it armed (each call within the
        request time limit), so the venues do not cancel the orders of a cockpit that meant to stop.
        """
        await self.dead_man.disarm_all()
        while True:
            stopping = asyncio.ensure_future(self._stop_once())
            done, _pending = await asyncio.wait({stopping}, timeout=STOP_GRACE)
            if done:
                stopping.result()
                return
            stopping.cancel()  # cancels the gather, and through it every poller once more
            await asyncio.wait({stopping})

    async def _stop_once(self) -> None:
        tasks = [*self._tasks, *self._sending]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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

    async def poll_fresh(self, names: Iterable[str]) -> None:
        """Poll each account of `names` now, at once, reading everything afresh: a venue that
        reuses its slow-moving replies for a while (funding, open orders: see
        `cockpit.venues.ccxt_adapter`) reads them again. Failures are the accounts' own (their
        health says so); this never raises for them."""
        names = list(names)
        for name in names:
            refresh = getattr(self.venues[name], "refresh", None)
            if refresh is not None:
                refresh()
        await asyncio.gather(*(self._poll_step(name) for name in names), return_exceptions=True)

    def kick(self, account: str) -> None:
        """Poll `account` now rather than at its next interval (after an order)."""
        if account in self._wake:
            self._wake[account].set()

    def changed(self) -> None:
        """Something the frame shows changed (a workflow's step, a setting): the publisher makes
        the next frame soon, coalesced with other changes. Before `start` it does nothing (tests
        and one-shots publish themselves)."""
        if self._dirty is not None:
            self._dirty.set()

    @property
    def instruments(self) -> Mapping[str, Mapping[str, Instrument]]:
        """Every account's instruments by symbol, as its venue listed them at its last connect
        (empty until then). Read only: the engine replaces an account's on reconnect."""
        return self._instruments

    def instrument(self, account: str, symbol: str) -> Instrument | None:
        """The instrument `symbol` of `account` (None while the account has not connected, or
        its venue does not list it)."""
        return self._instruments.get(account, {}).get(symbol)

    # -- polling --------------------------------------------------------------------------

    async def _connect(self, name: str) -> bool:
        venue = self.venues[name]
        try:
            async with asyncio.timeout(self.settings.request_timeout * 4):
                await venue.connect()
            self._instruments[name] = dict(venue.instruments())
            before = self.journal.open_orders(name)
            try:
                await self.executor.reconcile(name)
            finally:  # what it resolved before a failed look-up is news too
                self._note_orders(before)
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
        # Our fills as the request leaves: one journaled while it is out may or may not show in
        # its answer, so the next comparison counts it as explained (see `_watch_closures`).
        filled_before = self.journal.filled_total(name)
        try:
            async with asyncio.timeout(self.settings.request_timeout):
                snapshot = await venue.snapshot()
        except RateLimited as error:
            self._fail(name, error)
            return max(error.retry_after or 0.0, self.settings.backoff_base)
        except VenueError as error:
            self._fail(name, error)
            return self.settings.backoff_base
        except asyncio.TimeoutError:
            self._fail(name, VenueTimeout("no answer in time", account=name))
            return self.settings.backoff_base
        previous = self.state.snapshot(name)
        self.state.update(snapshot)
        try:
            self._watch_closures(name, previous, snapshot, filled_before)
        except Exception as error:  # the snapshot is good: a journal error must not fail the poll
            self._log_once("checking for closed positions failed", error)
        return None

    def _watch_closures(self, name: str, previous: VenueSnapshot | None, snapshot: VenueSnapshot,
                        filled_before: dict[str, Decimal]) -> None:
        """Report each position that went between two good snapshots with no order of ours.

        Compared with the last *good* snapshot, so an outage in between hides nothing and shows
        nothing that is not so; the first snapshot of a run is only the baseline.
        """
        # Explained: every fill from before the previous request left to after this answer came.
        # Wider than the exact window on purpose: a fill that raced a request errs towards silence.
        filled = self.journal.filled_total(name)
        before = self._filled_seen.get(name)
        self._filled_seen[name] = filled_before
        reports = self._new_liquidations(name, snapshot)
        if previous is None or before is None:
            return
        # Our fills since the last snapshot, what may still fill, and what may yet land late.
        explained = {sym: filled[sym] - before.get(sym, Decimal(0)) for sym in filled}
        for row in self.journal.open_orders(name):
            explained[row.symbol] = explained.get(row.symbol, Decimal(0)) + row.amount - row.filled
        for row in self.journal.declared_absent(self.clock() - self.settings.late_window, name):
            explained[row.symbol] = explained.get(row.symbol, Decimal(0)) + row.amount
        for c in closures(previous, snapshot, explained, reports):
            at = f" at {c.price:,.6g}" if c.price is not None else ""
            if c.liquidated:
                loss = f" — lost ${-c.pnl:,.0f}" if c.pnl is not None else ""
                text = f"{c.account} {c.symbol}: LIQUIDATED {c.side.value} {c.size}{at}{loss}"
            else:
                pnl = f" — est. P&L {'-' if c.pnl < 0 else '+'}${abs(c.pnl):,.0f}" if c.pnl is not None else ""
                text = (f"{c.account} {c.symbol}: {c.side.value} {c.size} closed outside the cockpit{at} "
                        f"(no order of ours; liquidated or closed by hand){pnl}")
            self.journal.event(
                "liquidation" if c.liquidated else "closed_outside", self.clock(), account=c.account,
                symbol=c.symbol, side=c.side.value, size=str(c.size), price=c.price, pnl=c.pnl,
            )
            self.emit(EventKind.LIQUIDATION, text, severity=Severity.CRITICAL, account=c.account, symbol=c.symbol,
                      liquidated="yes" if c.liquidated else "no")

    def _new_liquidations(self, name: str, snapshot: VenueSnapshot) -> list:
        """The reports of `snapshot` not told before; what is remembered stays bounded (see
        `LIQ_MEMORY`): what the venue still sends, and what is younger than that."""
        seen = self._liq_seen.get(name, set())
        reported = {(r.account, r.symbol, r.time): r for r in snapshot.liquidations}
        new = [r for k, r in reported.items() if k not in seen]
        if new or len(seen) > len(reported):
            seen = seen | reported.keys()
            horizon = max(k[2] for k in seen) - LIQ_MEMORY
            seen = {k for k in seen if k in reported or k[2] >= horizon}
        self._liq_seen[name] = seen
        return new

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
            self.changed()
            if retry is None:
                failures = 0
                interval = self.poll_delay(name)
                self.state.expect(name, interval - self.settings.poll_interval)
                delay = max(0.0, interval - (time.monotonic() - started))
            else:
                failures += 1
                ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** failures)
                delay = max(retry, self._rng.uniform(0, ceiling))  # full jitter, at least Retry-After
            wake = self._wake[name]
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that lands
                # as its inner call completes (bpo-42130), and the poller would outlive stop().
                async with asyncio.timeout(delay):
                    await wake.wait()
            except TimeoutError:
                pass
            wake.clear()

    def poll_delay(self, name: str) -> float:
        """Seconds from one poll of `name` to the next: `poll_interval` while the account needs
        watching closely (`_watched`), else `rest_interval` when it holds positions and
        `idle_interval` when it holds nothing and has no order open."""
        s = self.settings
        rest = s.poll_interval if s.rest_interval is None else s.rest_interval
        idle = rest if s.idle_interval is None else s.idle_interval
        if rest <= s.poll_interval and idle <= s.poll_interval:
            return s.poll_interval
        snapshot = self.state.snapshot(name)
        if snapshot is None or self._watched(name):
            return s.poll_interval
        return rest if snapshot.positions or snapshot.open_orders else idle

    def _watched(self, name: str) -> bool:
        """The account needs its marks and fills every second: an order of ours is open there
        (the kill switch's cut, a trim, an unwind step: its fills are awaited), one of its
        positions is near liquidation, or an unwind run is going. Nothing else is: the kill
        switch's triggers read funding, which moves over minutes, and equity and marks, read
        every 2 s at rest; an order resting there that is not ours (a take-profit) is re-read
        with every poll (`cockpit.venues.ccxt_adapter`) but does not need one a second."""
        if self.unwind.active or any(key.account == name for key in self._near_liq):
            return True
        return bool(self.journal.open_orders(name))

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
                # The publisher must outlive any one bad frame.
                self.failures.call("publishing failed", "the screen is not updating", self.publish, lambda: None)
                await asyncio.sleep(max(0.0, self.settings.min_frame_interval - self.settings.coalesce))
        finally:
            ticker.cancel()

    def _tick(self) -> None:
        self.changed()
        asyncio.get_running_loop().call_later(1.0, self._tick)

    # -- orders whose outcome is not known ---------------------------------------------------

    async def resolve_pending(self) -> None:
        """Look up every order whose outcome is open and due; each has its own backoff.

        Orders not terminal (unknown, intended, open, partial) are looked up until they are, and
        orders declared absent for `late_window` in case they land late. A change is a notice.
        """
        now = self.clock()
        rows = self.journal.open_orders() + self.journal.declared_absent(now - self.settings.late_window)
        watched = {row.client_id for row in rows}
        self._lookups = {cid: due for cid, due in self._lookups.items() if cid in watched}
        self.executor.forget(watched)
        for row in rows:
            cid = row.client_id
            if row.account not in self.executor.reconciled or self.executor.busy(cid):
                continue
            due, attempts = self._lookups.get(cid, (now, 0))
            if now < due:
                continue
            with self.executor.holding(cid):  # a submit of the same intent now waits its turn
                if row.status is OrderStatus.CANCELED:
                    await self.executor.check_late(row)
                else:
                    await self.executor.check(row, self.book())
            if self._note_orders([row]):
                self._lookups.pop(cid, None)
            else:
                # Exponential backoff with jitter: a venue that cannot answer is not hammered.
                ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** attempts)
                self._lookups[cid] = (self.clock() + self._rng.uniform(ceiling / 2, ceiling), attempts + 1)

    def _note_orders(self, before: list) -> bool:
        """Notice each of `before`'s rows whose journal row has changed since; True if any did."""
        changed = False
        for old in before:
            row = self.journal.get(old.client_id)
            if row is None or (row.status, row.detail, row.filled) == (old.status, old.detail, old.filled):
                continue
            changed = True
            self.emit(EventKind.ORDER, f"{row.account} {row.symbol}: order {row.client_id}: "
                                       f"{row.detail or row.status.value}",
                      account=row.account, symbol=row.symbol, client_id=row.client_id, status=row.status.value)
            self.kick(row.account)
            self.changed()
        return changed

    async def _resolver(self) -> None:
        await forever(self.resolve_pending, self.settings.resolve_interval, log, "order resolver")

    # -- dead-man's switches --------------------------------------------------------------

    def want_dead_man(self, active: bool) -> None:
        """A run with resting orders started (True) or ended (False): arm (or disarm) the
        dead-man's switch of every account configured ``dead_man = "during-run"``, at the next
        beat of the heartbeat (`cockpit.engine.deadman`)."""
        self.dead_man.want(active)
        self.changed()

    # -- frames ---------------------------------------------------------------------------

    def publish(self) -> Frame:
        """Evaluate the book now and hand the new frame to every subscriber."""
        now = self.clock()
        book = self.state.freeze(now)
        self._note_health(book)
        # Risk keeps histories and dwell times: on the simulator they run on simulated time, so a
        # one-hour crisis at speed 60 dwells ten simulated minutes, not ten wall minutes.
        risk_error: str | None = None
        try:
            assessment = self.risk.evaluate(book, self._instruments, self._risk_now(now))
        except Exception as error:
            # Keep showing the last assessment, marked as failed; the kill switch neither trips
            # nor acts on a failure (its state is the last one evaluated).
            risk_error = self.failures.failed(
                RISK_FAILED, error, "showing the last assessment; the kill switch is not acting")
            assessment = self.latest.assessment if self.latest is not None else Assessment(now=now)
        else:
            self.failures.worked(RISK_FAILED)
            self._record_kill_events(assessment.kill.events)
            self._persist_latch()
            self._observe_funding(book, assessment, now)
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
            risk_error=risk_error,
            alerts=self.alerts,
            run=self.unwind.frame_run(),
            dead_man=self.dead_man.states(now),
            funding_stats=self.funding.stats,
            ledger=self.funding.ledger,
            working=self._working(),
            plots=self._plots(now),
        )
        self.latest = frame
        if risk_error is None:
            self._note_near_liq(assessment)
        self._subscribers.call(frame)  # one bad subscriber never starves the others or risk
        self.unwind.on_frame()
        if risk_error is None and assessment.kill.mode is KillMode.AUTO and assessment.kill.proposed:
            self._send_auto(assessment.kill.proposed)
        return frame

    def _working(self) -> tuple:
        """Our orders not done yet, from the journal, for the frame (`Frame.working`): made again
        only when an order row was written since the last frame. A journal that cannot be read
        leaves this frame with the last ones (noticed once, and once more when it reads again)
        rather than stopping it."""
        version = self.journal.version
        if self._working_kept is not None and self._working_kept[0] == version:
            return self._working_kept[1]

        def read() -> tuple:
            working = tuple(row.working() for row in self.journal.open_orders())
            self._working_kept = (version, working)
            return working

        return self.failures.call("reading the open orders failed", "the orders view may be incomplete", read,
                                  lambda: self.latest.working if self.latest is not None else ())

    def _observe_funding(self, book: Book, assessment: Assessment, now: float) -> None:
        """Record the assessment in the history (a full disk or a bug there never stops a
        frame: it is noticed once, the frame goes out without the new figures, and the recovery
        is noticed once)."""
        self.failures.call("recording funding history failed", "history is not being kept",
                           lambda: self.funding.observe(self._risk_now(now), book, assessment, self.risk),
                           lambda: None)

    def _plots(self, now: float) -> Plots | None:
        """The watched plot series (a failure there never stops a frame: noticed once, the frame
        goes out without them, and the recovery is noticed once)."""
        return self.failures.call("reading the plot series failed", "the plots are not updating",
                                  lambda: self.plots.plots(self._risk_now(now)), lambda: None)

    def watch_plots(self, command: WatchPlots) -> str | None:
        """Take, renew or end a terminal's plot watch (`cockpit.engine.plots`); why not, or None.
        A new watch is in the next frame, published now."""
        refusal = self.plots.watch(command)
        if refusal is None:
            self.changed()
        return refusal

    def _log_once(self, what: str, error: Exception) -> None:
        # A listener that fails fails on every frame: its traceback is logged once, not twice a second.
        key = (what, type(error))
        if key not in self._logged:
            if len(self._logged) >= LOGGED_KEPT:  # bounded: at worst a trace is logged again
                self._logged.clear()
            self._logged.add(key)
            log.error(what, exc_info=error)

    def risk_now(self) -> float:
        """Now on the risk engine's clock (simulated time on the simulator)."""
        return self._risk_now(self.clock())

    def _risk_now(self, now: float) -> float:
        return self.sim.sim_time() if self.sim is not None else now

    def _note_health(self, book: Book) -> None:
        # Health changes with time as much as with polls, so transitions are found frame to frame.
        for acc in book.accounts:
            before = self._health.get(acc.name)
            # First seen DOWN (keys refused at the first connect) is news too: say why.
            if before is not acc.health and (before is not None or acc.health is Health.DOWN):
                before_text = "" if before is None else f"{before.value} → "
                why = f" — {acc.error}" if acc.error and acc.health is not Health.LIVE else ""
                holding = bool(acc.snapshot and acc.snapshot.positions)
                self.emit(EventKind.HEALTH, f"{acc.name}: {before_text}{acc.health.value}{why}",
                          severity=Severity.INFO if acc.health is Health.LIVE else Severity.WARNING,
                          account=acc.name, health=acc.health.value, before=before.value if before else "",
                          holding="yes" if holding else "no")
            self._health[acc.name] = acc.health

    def _note_near_liq(self, assessment: Assessment) -> None:
        # A position is news when it comes within the near-liquidation distance, not while it stays.
        near = {p.key: p for p in assessment.positions if "near-liq" in p.flags}
        for key in near.keys() - self._near_liq:
            p = near[key]
            distance = f"{p.liq_distance:.1%}" if p.liq_distance is not None else "?"
            self.emit(EventKind.NEAR_LIQ, f"{key.account} {key.symbol}: {distance} from liquidation",
                      severity=Severity.CRITICAL, account=key.account, symbol=key.symbol, distance=distance)
            self.kick(key.account)  # watched closely from now (`poll_delay`)
        self._near_liq = set(near)

    def _record_kill_events(self, events: tuple[KillEvent, ...]) -> None:
        # The risk engine reports its recent history with every frame; journal each event once.
        # Only what it still reports is remembered: an event that left its window never returns.
        current = set()
        for event in events:
            mark = (event.time, event.before, event.after, event.cause)
            current.add(mark)
            if mark in self._kill_seen:
                continue
            self._kill_seen.add(mark)
            self.journal.event(
                "kill", event.time, before=event.before.value, after=event.after.value,
                cause=event.cause, numbers=dict(event.numbers),
            )
            severity = {KillStatus.NORMAL: Severity.INFO, KillStatus.WARN: Severity.WARNING}.get(
                event.after, Severity.CRITICAL)
            self.emit(EventKind.KILL, f"kill switch {event.before.value} → {event.after.value}: {event.cause}",
                      severity=severity, before=event.before.value, after=event.after.value, cause=event.cause)
        self._kill_seen &= current

    def _send_auto(self, intents: tuple[Intent, ...]) -> None:
        for intent in intents:
            if intent.id not in self._auto_sent:
                self._auto_sent.add(intent.id)
                task = asyncio.ensure_future(self._submit_quietly(intent))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)

    async def _submit_quietly(self, intent: Intent) -> None:
        try:
            outcome = await self.submit(intent)
        except ExecutionError as error:
            # Refused before it was journaled (an account not yet reconciled or not LIVE, as
            # after a restart): the next frame tries again. Each reason is noticed once.
            self._auto_sent.discard(intent.id)
            if self._auto_refused.get(intent.id) != str(error):
                self._auto_refused[intent.id] = str(error)
                self.notice(f"{intent.symbol}: not sent — {error}")
        except Exception as error:  # nobody awaits this task: say so rather than lose it
            self._log_once("sending a kill-switch cut failed", error)
            self.notice(f"{intent.symbol}: send failed — {type(error).__name__}")
        else:
            if outcome.status is OrderStatus.CANCELED and not outcome.filled and outcome.message == ABSENT:
                # Sent before a restart and found never to have reached the venue: the next frame
                # sends it again, as the next restart would (`Executor.submit` resumes such a row
                # under its id while it still only reduces the position). Kept in `_auto_sent`, the
                # cut would wait for a restart that may never come. Once per cut in a process: a
                # second absence is the venue's to explain (a cut that landed late must not be
                # sent round and round); the next start resumes it as before.
                if intent.id not in self._auto_rearmed:
                    self._auto_rearmed.add(intent.id)
                    self._auto_sent.discard(intent.id)

    # -- intents --------------------------------------------------------------------------

    def book(self) -> Book:
        """The book orders are judged against: the last frame's, or the accounts frozen now
        before the first frame."""
        return self.latest.book if self.latest else self.state.freeze(self.clock())

    def readonly_reason(self, account: str | None = None) -> str | None:
        """Why orders are disabled (globally, or for `account`), or None."""
        return self.executor.readonly_reason(account)

    def preview(self, intent: Intent) -> TrimPreview:
        """The frozen values to confirm before sending `intent` (ExecutionError if refused).

        A position whose snapshot carries no mark is priced at the risk engine's, from the last
        frame (it also reads the funding quotes). Risk adds the position's liquidation price
        before and after; if that fails the trim is still offered, with the price unknown.
        """
        book = self.book()
        preview = self.executor.preview(intent, book, mark=self._risk_mark(intent.key))
        fraction = 1.0 if preview.after <= 0 else float(preview.cut / preview.size)
        try:
            liq = trim_liquidation(book, self._instruments, intent.key, fraction, preview.est_cost or 0.0)
        except Exception as error:  # a bug in risk must never stand between a person and a trim
            self._log_once("trim liquidation failed", error)
            return preview
        return dataclasses.replace(preview, liq_before=liq.before, liq_after=liq.after, liq_kind=liq.kind,
                                   liq_closer=liq.closer)

    def _risk_mark(self, key: PositionKey) -> float | None:
        """The mark the last assessment shows for the position `key`, if any."""
        frame = self.latest
        if frame is None:
            return None
        return next((row.mark for row in frame.assessment.positions if row.key == key), None)

    async def submit(self, intent: Intent, *, cap: Decimal | None = None, hedge: Side | None = None) -> Outcome:
        """Send `intent` as one reduce-only order (or, with `hedge`, an unwind run's blind-venue
        hedge on that side); re-poll its account; note the outcome."""
        outcome = await self.executor.submit(intent, self.book(), cap=cap, hedge=hedge)
        self.emit(EventKind.ORDER, f"{intent.account} {intent.symbol}: {outcome.message}",
                  severity=Severity.WARNING if outcome.status is OrderStatus.REJECTED else Severity.INFO,
                  account=intent.account, symbol=intent.symbol, client_id=outcome.client_id,
                  status=outcome.status.value, source=intent.source.value)
        if outcome.status is not OrderStatus.REJECTED:
            await self.refresh(intent.account)
        return outcome

    async def refresh(self, account: str) -> None:
        """Poll `account` now (after an order or a cancel), so the next frame shows its effect;
        when the engine is not running continuously (tests, one-shots), poll and publish here."""
        self.kick(account)
        if not self._tasks:
            await self._poll_step(account)
            self.publish()

    async def accept_proposal(self) -> list[Outcome | ExecutionError]:
        """Send the kill switch's proposed cut (advise mode: the user pressed accept)."""
        frame = self.latest
        if frame is None:
            return []
        if frame.risk_error is not None:
            # The proposal on screen is from the last good evaluation: never act on it blind.
            self.notice(f"proposal not sent: {frame.risk_error}")
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

    def take_proposal(self, intents) -> None:
        """An unwind run carries out these intents of the kill switch's proposal (its KILL_CUT
        target): the switch never sends them itself, in auto mode or on an accept."""
        self._auto_sent |= {intent.id for intent in intents}

    def already_sent(self, intent: Intent) -> bool:
        """True once `intent` of the kill switch's proposal was sent (accepted, or auto mode)."""
        return intent.id in self._auto_sent

    def set_carry_size(self, notional: float) -> bool:
        """Price the carry scanner at `notional` per leg from the next frame on (validated by the
        caller); False when the evaluator has no scanner."""
        setter = getattr(self.risk, "set_carry_size", None)
        if setter is None:
            return False
        setter(notional)
        self.changed()
        return True

    def reset_kill(self) -> bool:
        """A person's reset of the latched kill switch; False while its cause has not cleared."""
        done = self.risk.reset_kill(self._risk_now(self.clock()))
        self._persist_latch()  # a person's reset survives a restart too
        self.emit(EventKind.KILL if done else EventKind.NOTICE,
                  "kill switch reset" if done else "kill switch not reset: its cause has not cleared",
                  **({"after": KillStatus.NORMAL.value, "reset": "yes"} if done else {}))
        self.changed()
        return done
