"""The guided unwind run: an engine workflow, journaled at every transition.

    start ─▶ freeze ─▶ read afresh ─▶ cancel ─▶ reconcile ─▶ plan ─▶ READY ─▶ RUNNING ⇄ PAUSED / WAITING
                                                                       └──────────▶ VERIFYING ─▶ DONE (report)
                                                                abort at any time ─▶ VERIFYING ─▶ ABORTED (report)

* **Freeze**: while a run is not over the engine refuses every command that could add risk; the
  only order that may open a position is the run's own blind-venue hedge, after its own
  confirmation.
* **Cancel**: open orders at the venues that do not reduce risk (not reduce-only) are cancelled.
* **Reconcile**: every LIVE account's journaled orders are looked up and the account polled afresh
  before planning; accounts that are not LIVE while holding risk are named (`UnwindRun.blind`).
* **Plan** (`cockpit.risk.unwind.plan_unwind`) and preview: every step priced, with the book after.
* **Execute**: step by step (each `ConfirmStep`) or running (`ResumeRun`; `PauseRun`, `SkipStep`,
  `AbortRun` at any time). Venues run in parallel, steps within a venue in plan order. A leg of
  a group (hedged legs of one asset; a blind position with its hedge) goes as soon as it is first
  on its venue when its cut alone keeps the book's net within the run's bound (judged from the
  plan's notionals, counting every step out as done); otherwise the legs of its group go
  together, once each is first on its venue. Each order
  of a step has the intent id ``unwind:<run>:<step>:<attempt>:<slice>``: after a crash the same
  step is resumed under the same ids, and the executor's journal makes a resend the same order.
  A rejected step is replanned once from the position as it is now, under the next attempt's ids.
* **Top-ups** (TOPUP steps, `cockpit.engine.topup`): offered like a hedge, each sent only after
  its own `ConfirmStep`, at once (the cuts never wait for it), journaled before it leaves and
  looked up, never resent blind, after a restart (by the venue's own id of it, journaled once
  its send answered, on a venue that keeps no client id: Binance). One whose outcome stays
  unknown on a venue that keeps no client id on it is never sent again: it is UNKNOWN and the run
  pauses until a person marks it arrived (`ConfirmStep`) or not (`SkipStep`); the run cannot end
  before.
* **Verify**: every account polled again; each step's position compared with the plan; what is
  short, and orders left open, are reported, not hidden.
* **Report**: the run and its orders go to the reporter (`cockpit.reports`): Markdown and JSON.

The whole `UnwindRun` is written to the journal before each transition takes effect, and the
frame carries it, so every attached terminal sees the same run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Callable

from cockpit.engine import topup
from cockpit.engine.executor import ExecutionError
from cockpit.model import TERMINAL, Health, Intent, IntentSource, OrderStatus, PositionKey
from cockpit.model.commands import (
    AbortRun, CommandResult, ConfirmHedge, ConfirmStep, DismissRun, PauseRun, ResumeRun, SkipStep, StartUnwind,
)
from cockpit.model.events import EventKind, Severity
from cockpit.model.unwind import (
    BACK, RunMode, RunOrder, RunState, StepKind, StepStatus, StepStyle, TargetKind, UnwindRun, UnwindStep, Why,
)
from cockpit.risk.orders import estimate_cost
from cockpit.risk.unwind import PlanSettings, book_figures, plan_unwind, slices

from cockpit.engine.journal import JournalRow

log = logging.getLogger("cockpit.engine.unwind")

#: How long a step waits for its orders to end (fill, cancel, reject) before it is judged.
ORDER_WAIT = 15.0
#: Attempts per step: a ladder (or market), then market for what is left, then once more from the
#: position as it is (a rejection, a book that could not fill it all).
ATTEMPTS = 3
#: Timeline entries kept on the run (the report's); the oldest go first past this.
TIMELINE = 400

#: Steps offered, each sent only after its own confirmation.
_OFFERED = (StepKind.HEDGE, StepKind.TOPUP)
#: Targets that take every position they cover whole (GROSS and KILL_CUT take a share).
_WHOLE = (TargetKind.FLAT, TargetKind.ASSET, TargetKind.ACCOUNT, TargetKind.LAYER)

Reporter = Callable[[UnwindRun, list[JournalRow]], str]
"""Writes a finished run's report; returns where (shown on the run)."""


class UnwindFlow:
    """The engine's guided unwind runs: at most one not over at a time (module doc).

    Args:
        engine: the `cockpit.engine.core.Engine` it drives (its book, executor, journal and
            events), through its public names only (`changed`, `instruments`/`instrument`,
            `spawn` for the driver, so the engine's stop cancels it); not imported here, since
            the engine builds its flow (no import cycle).
        reporter: writes the report of a finished run and returns its path.
        order_wait: how long a step waits for its orders to end.
    """

    def __init__(self, engine: Any, *, reporter: Reporter | None = None, order_wait: float = ORDER_WAIT,
                 top_up_wait: float = topup.WAIT) -> None:
        self.engine = engine
        self.reporter = reporter
        self.order_wait = order_wait
        self.top_up_wait = top_up_wait
        self.run: UnwindRun | None = engine.journal.last_run()
        self._allowed: set[int] = set()  # step mode: steps a person confirmed
        self._active: dict[int, asyncio.Task] = {}
        self._wake = asyncio.Event()
        self._driver: asyncio.Task | None = None
        self._log: list[tuple[float, str]] = []  # timeline lines not yet on the journaled run
        if self.run is not None and not self.run.state.over:
            self._note(f"run {self.run.id} restored at {self.run.state.value}: resuming after reconciliation")

    # -- what the engine asks -------------------------------------------------------------

    @property
    def active(self) -> bool:
        """A run is not over: new risk is frozen."""
        return self.run is not None and not self.run.state.over

    def start(self) -> None:
        """Start the driver (the engine is starting): a restored run resumes its steps."""
        if self.active:
            self._kick()

    def on_frame(self) -> None:
        """A new frame: a blind account may be back, a blocked step may go."""
        if self.active:
            self._returns()
            self._wake.set()

    # -- commands -------------------------------------------------------------------------

    def preview(self, command: StartUnwind) -> UnwindRun:
        """The plan `command` would make now, never started (nothing frozen or cancelled)."""
        return self._planned(command, self.engine.latest, run_id="preview")

    async def send(self, command) -> CommandResult:
        """Carry out one of the run's commands."""
        if isinstance(command, StartUnwind):
            return await self._start(command)
        run = self.run
        if run is None or getattr(command, "run", None) != run.id:
            return CommandResult(False, "no such run: it ended, or another terminal started a new one")
        if isinstance(command, DismissRun):
            if not run.state.over:
                return CommandResult(False, "the run is not over: abort it first")
            self.engine.journal.save_run(run, now=self.engine.clock(), dismissed=True)
            self.run = None
            self.engine.changed()
            return CommandResult(True, "run dismissed; its report stays on disk")
        if run.state.over:
            return CommandResult(False, f"the run is {run.state.value}")
        handler = {ConfirmStep: self._confirm, ConfirmHedge: self._hedge, ResumeRun: self._resume,
                   PauseRun: self._pause, SkipStep: self._skip, AbortRun: self._abort}[type(command)]
        return handler(command)

    # -- start: freeze, cancel, reconcile, plan ------------------------------------------------

    async def _start(self, command: StartUnwind) -> CommandResult:
        if self.active:
            assert self.run is not None
            return CommandResult(False, f"a run is already {self.run.state.value} (run {self.run.id}): "
                                        f"finish or abort it first")
        engine = self.engine
        run_id = command.id or secrets.token_hex(4)
        last = engine.journal.last_run(shown=False)
        if last is not None and last.id == run_id:
            return CommandResult(False, f"run {run_id} was already started")
        self._log = []
        self._event(f"run {run_id} started by {command.trigger}: target {_target_text(command)}; new risk frozen")
        # The frame can be seconds old (an account holding nothing is polled every 10 s): read
        # every account afresh, once, first, so an order placed by hand a moment ago is cancelled
        # too; that read serves the plan. Only an account where an order was cancelled is read
        # again (a fill racing its cancel moved its position).
        await engine.poll_fresh(list(engine.venues))
        engine.publish()
        cancelled = await self._cancel_risky()
        await self._reconcile({account for account, _ in cancelled})
        frame = engine.latest
        if frame is None:
            return CommandResult(False, "no data yet: cannot plan")
        run = self._planned(command, frame, run_id=run_id)
        # Both asked of the venues at once: a run starts in an emergency.
        depth, top_ups = await asyncio.gather(self._depths(run), topup.available(self, run))
        if depth or top_ups:
            run = self._planned(command, frame, run_id=run_id, depth=depth, top_up=top_ups)
        run = dataclasses.replace(run, cancelled=tuple(client_id for _, client_id in cancelled))
        if command.target.kind is TargetKind.KILL_CUT:
            # The run carries out the switch's cut: the switch must never send it a second time
            # (auto mode, or an accept), under its own ids.
            engine.take_proposal(self._kill_intents(frame))
        self._allowed.clear()
        self._log.append((engine.clock(), self._plan_line(run)))
        self._save(run)
        engine.emit(EventKind.WORKFLOW, f"unwind: {self._plan_line(run)}", run=run.id)
        engine.changed()
        return CommandResult(True, f"unwind planned: {len(run.steps)} steps; confirm the first, or let it run")

    def _planned(self, command: StartUnwind, frame, *, run_id: str, depth=None, top_up=None) -> UnwindRun:
        engine = self.engine
        now = engine.clock()
        if frame is None:
            raise ExecutionError("no data yet")
        in_flight = {}
        for row in engine.journal.open_orders():
            key = PositionKey(row.account, row.symbol)
            in_flight[key] = in_flight.get(key, Decimal(0)) + row.amount - row.filled
        kill_cut = None
        if command.target.kind is TargetKind.KILL_CUT:
            kill_cut = {i.key: i.amount for i in self._kill_intents(frame)}
        settings = PlanSettings(slippage_bound=command.slippage_bound, style=command.style, depth=depth, top_up=top_up)
        plan = plan_unwind(frame.book, frame.assessment, engine.instruments, command.target, settings=settings,
                           in_flight=in_flight, kill_cut=kill_cut)
        steps = tuple(dataclasses.replace(s, status=StepStatus.OFFERED) if s.kind in _OFFERED else s
                      for s in plan.steps)
        # A top-up carries its venue's route and whether the venue keeps a client id on it: what
        # its confirmation says, and whether it may ever be sent again (`cockpit.engine.topup`).
        steps = tuple(dataclasses.replace(s, **topup.terms(engine.venues.get(s.key.account)))
                      if s.kind is StepKind.TOPUP else s for s in steps)
        note = "planned: confirm a step, or let it run"
        if plan.bound_exceeded:
            note = "the target itself leaves net exposure above its bound: see the steps' net"
        return UnwindRun(
            id=run_id, target=command.target, mode=command.mode, state=RunState.READY, trigger=command.trigger,
            started=now, steps=steps, blind=plan.blind, held=plan.held, before=plan.before,
            net_bound=plan.net_bound, note=note, style=command.style, slippage_bound=command.slippage_bound,
            ladder_timeout=command.ladder_timeout)

    async def _depths(self, run: UnwindRun) -> dict[PositionKey, float]:
        """Each planned cut's book depth within the slippage bound, asked of its venue at once
        (venues in parallel; one that cannot tell, or fails, keeps the cost model's)."""
        engine = self.engine

        async def one(step: UnwindStep) -> tuple[PositionKey, float | None]:
            venue = engine.venues.get(step.key.account)
            if not hasattr(venue, "depth") or step.est_price is None:
                return step.key, None
            try:
                value = await asyncio.wait_for(
                    venue.depth(step.key.symbol, step.order_side, run.slippage_bound, step.est_price),
                    engine.settings.request_timeout)
            except Exception as error:  # the cost model's depth stands in; the timeline says why
                self._event(f"{step.key}: the venue's book depth is not known "
                            f"({getattr(error, 'reason', type(error).__name__)}): sliced by the cost model")
                return step.key, None
            return step.key, value

        cuts = [s for s in run.steps if s.kind is StepKind.CUT]
        found = await asyncio.gather(*(one(s) for s in cuts))
        return {key: value for key, value in found if value is not None}

    def _kill_intents(self, frame) -> list:
        """The kill switch's proposed cuts not sent yet (the run's KILL_CUT target)."""
        return [i for i in frame.assessment.kill.proposed if i.amount is not None and not self.engine.already_sent(i)]

    async def _cancel_risky(self) -> list[tuple[str, str]]:
        """Cancel every open order at a LIVE venue that does not reduce risk; (account, client id)
        of each cancelled."""
        engine = self.engine
        frame = engine.latest
        cancelled = []
        if frame is None:
            return []
        for acc in frame.book.accounts:
            if acc.health is not Health.LIVE or acc.snapshot is None:
                continue
            for order in acc.snapshot.open_orders:
                if order.reduce_only:
                    continue
                try:
                    await asyncio.wait_for(engine.venues[acc.name].cancel_order(order.client_id, order.symbol),
                                           engine.settings.request_timeout)
                except Exception as error:  # named in the timeline; the run goes on
                    self._event(f"{acc.name} {order.symbol}: could not cancel {order.client_id}: "
                                f"{getattr(error, 'reason', type(error).__name__)}")
                    continue
                cancelled.append((acc.name, order.client_id))
                self._event(f"{acc.name} {order.symbol}: cancelled open order {order.client_id} "
                            f"({order.side.value} {order.amount}: it did not reduce risk)")
        return cancelled

    async def _reconcile(self, again: set[str]) -> None:
        """Look up every journaled order and poll the accounts `again` afresh, then publish."""
        engine = self.engine
        await engine.poll_fresh(again)
        for name in engine.venues:
            try:
                await engine.executor.reconcile(name)
            except ExecutionError as error:
                self._event(f"{name}: not reconciled: {error}")
        engine.publish()
        for acc in engine.latest.book.accounts if engine.latest else ():
            if acc.health is not Health.LIVE and acc.snapshot is not None and acc.snapshot.positions:
                self._event(f"{acc.name} is {acc.health.value} holding {len(acc.snapshot.positions)} positions: "
                            f"it cannot be cut until it is back ({acc.error or 'no data'})")

    # -- commands on a run ----------------------------------------------------------------------

    def _run_step(self, seq: int) -> tuple[UnwindRun, UnwindStep | None]:
        """The current run (a command reaches here only for it) and its step `seq`, if any."""
        run = self.run
        assert run is not None
        return run, run.step(seq)

    def _confirm(self, command: ConfirmStep) -> CommandResult:
        run, step = self._run_step(command.seq)
        if step is None:
            return CommandResult(False, f"no step {command.seq}")
        if step.kind is StepKind.HEDGE:
            return CommandResult(False, "a hedge has its own confirmation")
        if step.kind is StepKind.TOPUP:
            return self._top_up(run, step)
        if step.kind is StepKind.BRIDGE:
            self._update(run, step, status=StepStatus.DONE, detail="ticked off by a person")
            return CommandResult(True, f"step {step.seq}: bridge ticked off")
        if step.status is not StepStatus.PENDING and step.status is not StepStatus.BLOCKED:
            return CommandResult(False, f"step {step.seq} is {step.status.value}")
        group = self._group(run, step)
        self._allowed |= {s.seq for s in group}
        state = RunState.RUNNING
        self._save(dataclasses.replace(self.run, mode=RunMode.STEP, state=state,
                                       note=f"sending step {', '.join(str(s.seq) for s in group)}"))
        self._event(f"step {', '.join(str(s.seq) for s in group)} confirmed")
        self._kick()
        return CommandResult(True, f"step {step.seq} sent" + (" with its group" if len(group) > 1 else ""))

    def _hedge(self, command: ConfirmHedge) -> CommandResult:
        run, step = self._run_step(command.seq)
        if step is None or step.kind is not StepKind.HEDGE:
            return CommandResult(False, f"step {command.seq} is not a hedge")
        if step.status is not StepStatus.OFFERED:
            return CommandResult(False, f"the hedge is {step.status.value}")
        self._accept_offered(run, step)
        self._event(f"hedge step {step.seq} confirmed: {step.side.value} {step.amount} {step.key.symbol} on "
                    f"{step.key.account}, for {step.hedges}")
        self._kick()
        return CommandResult(True, f"hedge sent: {step.side.value} {step.amount} {step.key.symbol} on {step.key.account}")

    def _accept_offered(self, run: UnwindRun, step: UnwindStep) -> None:
        """An offered step (a hedge, a top-up) a person confirmed: it may go, and a run that was
        not running runs for it (step by step, unless it was paused in running mode)."""
        self._update(run, step, status=StepStatus.PENDING, detail="confirmed by a person")
        self._allowed.add(step.seq)
        if self.run.state in (RunState.READY, RunState.WAITING, RunState.PAUSED):
            mode = RunMode.STEP if self.run.state is not RunState.PAUSED else self.run.mode
            self._save(dataclasses.replace(self.run, state=RunState.RUNNING, mode=mode))

    def _top_up(self, run: UnwindRun, step: UnwindStep) -> CommandResult:
        """A person confirms an offered top-up: it is sent at once (alone: no cut waits for it).
        On a top-up whose outcome is unknown it says the person found it arrived at the venue."""
        if step.status is StepStatus.UNKNOWN:
            return self._marked(step, arrived=True)
        if step.status is not StepStatus.OFFERED:
            return CommandResult(False, f"the top-up is {step.status.value}")
        self._accept_offered(run, step)
        self._event(f"top-up step {step.seq} confirmed: {step.amount} {step.unit} into {step.key.account}'s perp margin")
        self._kick()
        return CommandResult(True, f"top-up sent: {step.amount} {step.unit} into {step.key.account}")

    def _resume(self, _command: ResumeRun) -> CommandResult:
        run = self.run
        assert run is not None
        if run.state is RunState.RUNNING and run.mode is RunMode.RUNNING:
            return CommandResult(False, "the run is already running")
        self._save(dataclasses.replace(run, state=RunState.RUNNING, mode=RunMode.RUNNING, note="running"))
        self._event("run running (confirmed once)" if run.state is RunState.READY else "run resumed")
        self._kick()
        return CommandResult(True, "running: pause or abort at any time")

    def _marked(self, step: UnwindStep, *, arrived: bool) -> CommandResult:
        """A person checked the venue for a top-up whose outcome was unknown: it arrived (DONE,
        its amount as the fill) or not (SKIPPED). Either way it is never sent again; a run paused
        for it says it may go on."""
        what = "marked arrived" if arrived else "marked not arrived"
        changes = (dict(status=StepStatus.DONE, filled=step.amount) if arrived
                   else dict(status=StepStatus.SKIPPED))
        self._update(self.run, step, detail=f"{what} by a person (checked at the venue): never sent again", **changes)
        self._event(f"top-up step {step.seq} {what} by a person; it is never sent again")
        if self.run.state is RunState.PAUSED:
            self._save(dataclasses.replace(self.run, note=f"paused: top-up step {step.seq} {what}; resume the "
                                                          f"run, or confirm the next step"))
        self._kick()
        return CommandResult(True, f"top-up step {step.seq} {what}; it is never sent again")

    def hold(self, note: str) -> None:
        """Pause the run for a person (`note` says why): nothing new is sent until it is resumed
        or a step confirmed; orders already out finish."""
        self._allowed.clear()
        self._save(dataclasses.replace(self.run, state=RunState.PAUSED, note=note))

    def _pause(self, _command: PauseRun) -> CommandResult:
        run = self.run
        assert run is not None
        if run.state is RunState.PAUSED:
            return CommandResult(False, "the run is already paused")
        self._allowed.clear()
        self._save(dataclasses.replace(run, state=RunState.PAUSED,
                                       note="paused: orders out finish; nothing new is sent"))
        self._event("run paused")
        return CommandResult(True, "paused: orders already out finish; nothing new is sent")

    def _skip(self, command: SkipStep) -> CommandResult:
        run, step = self._run_step(command.seq)
        if step is None:
            return CommandResult(False, f"no step {command.seq}")
        if step.status.over or step.status is StepStatus.SENDING:
            return CommandResult(False, f"step {step.seq} is {step.status.value}: too late to skip")
        if step.status is StepStatus.UNKNOWN:  # the person found it never arrived
            return self._marked(step, arrived=False)
        self._update(run, step, status=StepStatus.SKIPPED, detail="skipped by a person")
        self._event(f"step {step.seq} skipped")
        self._kick()
        return CommandResult(True, f"step {step.seq} skipped")

    def _abort(self, _command: AbortRun) -> CommandResult:
        run = self.run
        assert run is not None
        # A step out, or a top-up whose outcome is unknown, is not skipped: it may have happened.
        steps = tuple(s if s.status.over or s.status in (StepStatus.SENDING, StepStatus.UNKNOWN)
                      else dataclasses.replace(s, status=StepStatus.SKIPPED, detail="run aborted")
                      for s in run.steps)
        self._allowed.clear()
        self._save(dataclasses.replace(run, steps=steps, state=RunState.VERIFYING, aborted=True,
                                       note="aborted: verifying"))
        self._event("run aborted by a person: nothing more is sent")
        self._kick()
        return CommandResult(True, "aborted: nothing more is sent; verifying and writing the report")

    # -- the driver -------------------------------------------------------------------------

    def _kick(self) -> None:
        self._wake.set()
        if self._driver is None or self._driver.done():
            self._driver = self.engine.spawn(self._drive(), name="unwind-driver")

    async def _drive(self) -> None:
        try:
            while self.active:
                self._wake.clear()
                topup.retire(self)
                self._launch()
                if self._finished():
                    await self._verify()
                    return
                self._wait_note()
                waiters = [asyncio.ensure_future(self._wake.wait())]
                await asyncio.wait(waiters + list(self._active.values()), timeout=1.0,
                                   return_when=asyncio.FIRST_COMPLETED)
                for w in waiters:
                    w.cancel()
        except asyncio.CancelledError:
            for task in self._active.values():
                task.cancel()
            raise
        except Exception as error:  # a bug must not leave the run silently stuck
            log.exception("unwind driver failed")
            self._note(f"unwind run stopped: {type(error).__name__}: {error} — abort it, or restart the engine")

    def _launch(self) -> None:
        """Start every step that may go now (module doc): per venue the first step not over, in
        plan order; a group only when each of its legs is first on its venue and every one of
        their accounts is LIVE and reconciled; a confirmed hedge at once; in step mode only what a
        person confirmed (or a step a restart found half sent)."""
        run = self.run
        assert run is not None
        if run.state is not RunState.RUNNING:
            return
        heads = _heads(run)
        ready = [s for s in run.steps if s.kind in _OFFERED and s.status in (StepStatus.PENDING, StepStatus.SENDING)]
        net = self._net_if_sent(run)
        for step in heads.values():
            if run.mode is RunMode.STEP and step.seq not in self._allowed and step.status is not StepStatus.SENDING:
                continue
            move = _net_move(step)
            if step.group and self._alone(run, step, net, move):
                # A leg whose cut alone keeps the net within its bound need not wait for its group.
                ready.append(step)
                net += move
                continue
            group = self._group_ready(run, step)
            net += sum(_net_move(s) or 0.0 for s in group if s.seq not in self._active)
            ready += group
        for s in ready:
            if s.seq not in self._active and self._can_send(s.key.account):
                self._active[s.seq] = asyncio.ensure_future(self._execute(s.seq))

    def _alone(self, run: UnwindRun, step: UnwindStep, net: float, move: float | None) -> bool:
        """Whether `step` may go without its group: its venue takes orders and its cut alone
        leaves the net within the run's bound."""
        return (move is not None and step.seq not in self._active and abs(net + move) <= run.net_bound + 1e-6
                and self._can_send(step.key.account))

    def _net_if_sent(self, run: UnwindRun) -> float:
        """The book's net once every step over (by what it filled) and every step out now (whole)
        has done its part, from the plan's own figures: what a leg that goes alone is judged by."""
        net = run.before.net if run.before is not None else 0.0
        for step in run.steps:
            move = _net_move(step)
            if move is None:
                continue
            if step.seq in self._active or step.status is StepStatus.SENDING:
                net += move
            elif step.status.over and step.amount > 0:
                net += move * float(step.filled / step.amount)
        return net

    def _group_ready(self, run: UnwindRun, step: UnwindStep) -> list[UnwindStep]:
        """The legs of `step`'s group when all may go now; else none (those whose venue cannot
        take orders, or whose group waits for one that cannot, are marked BLOCKED, named)."""
        group = [s for s in self._group(run, step) if s.kind is StepKind.CUT and not s.status.over]
        members = {s.seq for s in group}
        if any(_behind(run, s, members) for s in group):
            return []  # a leg of its group is still behind another step on its venue
        waiting = sorted({s.key.account for s in group if not self._can_send(s.key.account)})
        if not waiting:
            return group
        why = f"waiting for {', '.join(waiting)}" + (" (a leg of its group)" if len(group) > 1 else "")
        for s in group:
            if s.status not in (StepStatus.BLOCKED, StepStatus.SENDING):
                self._update(self.run, s, status=StepStatus.BLOCKED, detail=why)
        return []

    def _can_send(self, account: str) -> bool:
        frame = self.engine.latest
        state = frame.book.account(account) if frame is not None else None
        return (state is not None and state.health is Health.LIVE
                and account in self.engine.executor.reconciled)

    def _finished(self) -> bool:
        run = self.run
        assert run is not None
        if self._active:
            return False
        if run.state is RunState.VERIFYING:
            return True  # aborted: a top-up left UNKNOWN is reported as such
        if any(s.kind is not StepKind.BRIDGE and not s.status.over for s in run.steps):
            return False
        return not self._awaiting_return(run)

    def _awaiting_return(self, run: UnwindRun) -> bool:
        """A blind account has not come back while the run owes it something: a hedge in place
        to close, or positions (its own, or legs held for them) the target takes whole."""
        return any(self._owed(run, b.account) for b in run.blind if not self._returned(run, b.account))

    @staticmethod
    def _returned(run: UnwindRun, account: str) -> bool:
        return any(s.group == f"return:{account}" for s in run.steps)

    def _owed(self, run: UnwindRun, account: str) -> bool:
        hedged = any(s.kind is StepKind.HEDGE and s.hedges and s.hedges.account == account and s.filled > 0
                     for s in run.steps)
        return hedged or run.target.kind is TargetKind.FLAT or (
            run.target.kind in _WHOLE and any(blind.account == account for _, blind in run.held))

    def _wait_note(self) -> None:
        run = self.run
        assert run is not None
        if self._active or run.state is not RunState.RUNNING:
            return
        blocked = sorted({s.key.account for s in run.steps if s.status is StepStatus.BLOCKED})
        offered = [s.seq for s in run.steps if s.status is StepStatus.OFFERED]
        unknown = [s.seq for s in run.steps if s.status is StepStatus.UNKNOWN]
        if run.mode is RunMode.STEP:
            note, state = "waiting: confirm the next step, or let it run", RunState.WAITING
        elif blocked:
            note, state = f"waiting for {', '.join(blocked)} to come back (its steps are blocked)", RunState.RUNNING
        elif unknown:
            note, state = (f"waiting: top-up step {unknown[0]}'s outcome is unknown: check its venue, then mark "
                           f"it arrived or not", RunState.RUNNING)
        elif offered:
            kind = run.step(offered[0]).kind.value
            note, state = f"waiting: {kind} step {offered[0]} needs its own confirmation, or skip it", RunState.RUNNING
        elif self._awaiting_return(run):
            note, state = "hedge in place: waiting for the blind venue to return", RunState.RUNNING
        else:
            return
        if (run.note, run.state) != (note, state):
            self._save(dataclasses.replace(run, note=note, state=state))

    # -- one step ---------------------------------------------------------------------------

    async def _execute(self, seq: int) -> None:
        try:
            await self._send_step(seq)
        except Exception as error:
            log.exception("unwind step %s failed", seq)
            step = self.run.step(seq) if self.run else None
            if step is not None:
                self._update(self.run, step, status=StepStatus.FAILED, detail=f"internal error: {type(error).__name__}")
        finally:
            self._active.pop(seq, None)
            self._wake.set()

    async def _send_step(self, seq: int) -> None:
        """Send step `seq`'s orders attempt by attempt (module doc): a ladder first when the step
        is one, then market; an attempt that leaves the step short (a rejection, a market order
        the book could not fill, a ladder that timed out) is followed by the next, from the
        position as it is then, under the next attempt's ids. A top-up is a transfer, no order."""
        if self.run.step(seq).kind is StepKind.TOPUP:
            await topup.send(self, seq)
            return
        self._update(self.run, self.run.step(seq), status=StepStatus.SENDING, detail="sending")
        while True:
            refused, why = await self._send_attempt(seq)
            self._sync_filled(seq)  # also when refused: a resumed slice may have filled while we were down
            step = self.run.step(seq)
            if refused and not self._can_send(step.key.account):
                self._update(self.run, step, status=StepStatus.BLOCKED, detail=f"waiting: {refused}")
                return
            if refused:
                closed = "no open position" in refused and step.kind is StepKind.CUT
                status = StepStatus.DONE if closed else (StepStatus.SHORT if step.filled > 0 else StepStatus.FAILED)
                self._update(self.run, step, status=status,
                             detail="the position is already closed" if closed else f"not sent: {refused}")
                self._event(f"step {seq} {status.value}: {self.run.step(seq).detail}")
                return
            if not why or step.filled >= step.amount or step.attempt + 1 >= ATTEMPTS or self.run.aborted:
                break
            self._update(self.run, step, attempt=step.attempt + 1, detail=f"{why}: the rest goes at market "
                                                                           f"(attempt {step.attempt + 2})")
            self._event(f"step {seq}: {why}; {step.amount - step.filled} left, sent again from the position now")
        step = self.run.step(seq)
        if step.filled >= step.amount:
            status, detail = StepStatus.DONE, f"done: {step.filled} filled"
        else:
            status = StepStatus.SHORT if step.filled > 0 else StepStatus.FAILED
            detail = f"{step.filled} of {step.amount} filled" + (f" ({step.detail})" if step.attempt else "")
        self._update(self.run, step, status=status, detail=detail)
        self._event(f"step {seq} {status.value}: {step.key.account} {step.key.symbol} {step.filled} of {step.amount}")

    def _rows(self, run_id: str, seq: int) -> list[JournalRow]:
        prefix = f"unwind:{run_id}:{seq}:"
        return [r for r in self.engine.journal.run_orders(run_id) if r.intent_id.startswith(prefix)]

    def _sync_filled(self, seq: int) -> None:
        """The step's fill is what the journal holds for its orders (never counted twice, also
        across a restart)."""
        filled = sum((r.filled for r in self._rows(self.run.id, seq)), Decimal(0))
        if filled != self.run.step(seq).filled:
            self._update(self.run, self.run.step(seq), journal=False, filled=filled)

    async def _send_attempt(self, seq: int) -> tuple[str, str]:
        """One attempt's slices, each under its own intent id: (why it was refused, why it fell
        short). Its sizes depend only on what earlier attempts filled (all over by now), so a
        restart recomputes the same orders under the same ids."""
        run = self.run
        step = run.step(seq)
        ins = self.engine.instrument(step.key.account, step.key.symbol)
        parts = self._parts(step, ins)
        if not parts:
            return "", ""
        ladder = step.style is StepStyle.LADDER and step.attempt == 0 and step.kind is StepKind.CUT and ins
        limits = self._rungs(step, ins, len(parts)) if ladder else [None] * len(parts)
        ids = []
        for k, (part, limit) in enumerate(zip(parts, limits)):
            if self.run.aborted:
                break  # an aborted run sends no further slice
            intent = Intent(id=f"unwind:{run.id}:{seq}:{step.attempt}:{k}", account=step.key.account,
                            symbol=step.key.symbol, source=IntentSource.PLAYBOOK, reason=_reason(run, step),
                            amount=part, limit=limit)
            try:
                outcome = await self.engine.submit(intent, hedge=step.side if step.kind is StepKind.HEDGE else None)
            except ExecutionError as error:
                return str(error), ""
            ids.append(outcome.client_id)
            if limit is None:
                row = await self._settled(outcome.client_id)
                self._sync_filled(seq)
                if row is not None and row.status is OrderStatus.REJECTED:
                    return "", "an order was rejected"
        if ladder and ids:
            await self._ladder_wait(seq, ids, run.ladder_timeout)
        self._sync_filled(seq)
        step = self.run.step(seq)
        if step.filled < step.amount:
            return "", "the ladder timed out" if ladder else "the book did not fill it all"
        return "", ""

    def _parts(self, step: UnwindStep, ins) -> list[Decimal]:
        """The slices of this attempt: what earlier attempts (all over) left, split by the
        participation limit; none when nothing is left."""
        earlier = sum((r.filled for r in self._rows(self.run.id, step.seq)
                       if int(r.intent_id.split(":")[3]) < step.attempt), Decimal(0))
        wanted = step.amount - earlier
        if wanted <= 0:
            return []
        if ins is None:
            return [wanted]
        notional = step.notional * float(wanted / step.amount) if step.notional else None
        return slices(wanted, notional, ins, PlanSettings(slippage_bound=self.run.slippage_bound), step.depth)

    def _rungs(self, step: UnwindStep, ins, n: int) -> list[Decimal]:
        """Limit prices of a ladder of `n` rungs, from near the mark out to the slippage bound,
        each on the tick and rounded towards the mark (never past the bound)."""
        frame = self.engine.latest
        mark = step.est_price
        row = next((r for r in frame.assessment.positions if r.key == step.key), None) if frame else None
        if row is not None and row.mark:
            mark = row.mark
        if not mark:
            return [None] * n
        sign = float(step.order_side.sign)  # buying: limits above the mark; selling: below
        out = []
        for k in range(n):
            raw = Decimal(repr(mark * (1 + sign * self.run.slippage_bound * (k + 1) / n)))
            ticks = raw / ins.price_step
            rounded = (ticks.to_integral_value(rounding=ROUND_FLOOR if sign > 0 else ROUND_CEILING)) * ins.price_step
            out.append(rounded)
        return out

    async def _ladder_wait(self, seq: int, ids: list[str], timeout: float) -> None:
        """Let the ladder's rungs rest (the venues' dead-man's switches armed meanwhile) until they
        are all over or `timeout` passes; then cancel what rests and learn what it filled."""
        engine = self.engine
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        engine.want_dead_man(True)
        try:
            while loop.time() < deadline and not self.run.aborted:
                rows = [engine.journal.get(cid) for cid in ids]
                open_rows = [r for r in rows if r is not None and r.status not in TERMINAL]
                if not open_rows:
                    return
                for row in open_rows:
                    if not engine.executor.busy(row.client_id):
                        with engine.executor.holding(row.client_id):
                            await engine.executor.check(row, engine.latest.book if engine.latest else None)
                self._sync_filled(seq)
                await asyncio.sleep(0.25)
            for cid in ids:
                row = engine.journal.get(cid)
                while row is not None and row.status not in TERMINAL:
                    with engine.executor.holding(cid):
                        await engine.executor.cancel(row)
                    row = engine.journal.get(cid)
                    if row is not None and row.status not in TERMINAL:
                        await asyncio.sleep(0.5)  # unknown after the cancel: keep looking, never send past it
        finally:
            if not any(s.status is StepStatus.SENDING and s.style is StepStyle.LADDER and s.seq != seq
                       for s in self.run.steps):
                engine.want_dead_man(False)

    async def _settled(self, client_id: str):
        """The journal row of `client_id` once it is terminal (or after `order_wait`)."""
        journal = self.engine.journal
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.order_wait
        while True:
            row = journal.get(client_id)
            if row is None or row.status in TERMINAL or loop.time() >= deadline:
                return row
            await asyncio.sleep(0.05)

    # -- blind venue returns ------------------------------------------------------------------

    def _returns(self) -> None:
        """Each blind account that is LIVE again: its positions the run owes a cut, the legs held
        for them and the hedges sent for them are cut together, as one group. A hedge still
        waiting for its confirmation is no longer needed: it is skipped."""
        run = self.run
        frame = self.engine.latest
        if run is None or frame is None or run.state.over or run.aborted:
            return
        for blind in run.blind:
            state = frame.book.account(blind.account)
            if self._returned(run, blind.account) or state is None or state.health is not Health.LIVE:
                continue
            for s in run.steps:
                if s.kind is StepKind.HEDGE and s.hedges and s.hedges.account == blind.account \
                        and s.status is StepStatus.OFFERED:
                    self._update(self.run, s, status=StepStatus.SKIPPED,
                                 detail=f"{blind.account} came back before it was confirmed")
            new = self._return_steps(self.run, blind.account, frame.book)
            back = tuple(dataclasses.replace(b, health=BACK) if b.account == blind.account else b
                         for b in self.run.blind)
            self._save(dataclasses.replace(self.run, steps=self.run.steps + tuple(new), blind=back))
            if self.run.mode is RunMode.STEP:
                self._allowed |= {s.seq for s in new}
            self._event(f"{blind.account} is back: " + (
                f"steps {', '.join(str(s.seq) for s in new)} cut its positions, the legs held for them and "
                f"their hedges together" if new else "nothing of it is left to cut"))
            run = self.run
        self._wake.set()

    def _return_steps(self, run: UnwindRun, account: str, book) -> list[UnwindStep]:
        """The cuts owed once `account` is back (module doc): whole when the target takes them
        whole; else each hedge closed by what it filled and the blind position cut by as much
        (the net stays where it was). One group, so they go together."""
        group = f"return:{account}"
        whole = run.target.kind in _WHOLE
        hedges = [s for s in run.steps if s.kind is StepKind.HEDGE and s.hedges and s.hedges.account == account
                  and s.filled > 0]
        amounts = self._owed_amounts(run, account, book, hedges, whole)
        out = []
        for key, amount in amounts.items():
            position = book.position(key)
            if position is None:
                continue
            size = position.order_size
            cut = size if amount is None else min(amount, size)
            if cut <= 0:
                continue
            out.append(self._cut_now(position, cut, len(run.steps) + len(out) + 1, group))
        return out

    @staticmethod
    def _owed_amounts(run: UnwindRun, account: str, book, hedges: list[UnwindStep],
                      whole: bool) -> dict[PositionKey, Decimal | None]:
        """What to cut of each position once `account` is back (None: the whole position)."""
        amounts: dict[PositionKey, Decimal | None] = {}
        if whole:
            state = book.account(account)
            layer = state.info.layer.value if state is not None else ""
            covered = [p.key for p in book.positions() if p.account == account and _covers(run.target, p, layer)]
            held = [h for h, blind in run.held if blind.account == account]
            return dict.fromkeys(covered + held + [h.key for h in hedges])
        for h in hedges:
            for key in (h.hedges, h.key):
                amounts[key] = (amounts.get(key) or Decimal(0)) + h.filled
        return amounts

    def _cut_now(self, position, cut: Decimal, seq: int, group: str) -> UnwindStep:
        """A step cutting `cut` of `position` as the book has it now, priced like a plan's (at
        risk's mark, as the planner prices: some venues, dYdX's among them, send positions
        without a mark)."""
        frame = self.engine.latest
        risk = next((r for r in frame.assessment.positions if r.key == position.key), None) if frame else None
        mark = risk.mark if risk is not None and risk.mark is not None else (
            float(position.mark_price) if position.mark_price is not None else None)
        ins = self.engine.instrument(position.account, position.symbol)
        price, cost = estimate_cost(cut, mark, ins, position.side.opposite) if ins else (None, None)
        return UnwindStep(
            seq=seq, kind=StepKind.CUT, key=position.key, venue=position.venue, layer="", asset=position.asset,
            side=position.side, size=position.order_size, amount=cut,
            notional=None if mark is None or ins is None else float(cut) * ins.unit_value(mark),
            why=(Why.BLIND_RETURNED,), group=group, est_price=price, est_cost=cost)

    # -- verify and report ----------------------------------------------------------------------

    async def _verify(self) -> None:
        """Poll every account, compare the positions with the plan, write the report."""
        engine = self.engine
        self._save(dataclasses.replace(self.run, state=RunState.VERIFYING, note="verifying: polling every account"))
        await engine.poll_fresh(engine.venues)
        frame = engine.publish()
        for step in self.run.steps:  # orders resolved after their step ended (a restart) count too
            # Bridges and top-ups send no order: a top-up's fill is what the transfer moved
            # (`cockpit.engine.topup`), which the journal's order rows would reset to nothing.
            if step.kind not in (StepKind.BRIDGE, StepKind.TOPUP):
                self._sync_filled(step.seq)
        run = self.run
        problems = self._differences(run, frame.book)
        short = [s for s in run.steps if s.status in (StepStatus.SHORT, StepStatus.FAILED, StepStatus.UNKNOWN)]
        for step in short:
            self._event(f"step {step.seq} did not reach its target: {step.detail}")
        for line in problems:
            self._event(f"verify: {line}")
        state = RunState.ABORTED if run.aborted else RunState.DONE
        over, total = run.progress
        done = sum(1 for s in run.steps if s.status is StepStatus.DONE and s.kind is not StepKind.BRIDGE)
        note = (f"{state.value}: {done} of {total} steps done"
                + (f", {len(short)} short of target" if short else "")
                + (f"; {len(problems)} differences from the plan" if problems else "; positions match the plan"))
        self._event(note)
        run = dataclasses.replace(self.run, state=state, ended=engine.clock(), note=note, orders=self._orders(self.run),
                                  after=book_figures(frame.book, frame.assessment, engine.instruments),
                                  events=tuple(self._timeline(self.run)))
        if self.reporter is not None:
            try:
                run = dataclasses.replace(run, report=self.reporter(run, engine.journal.run_orders(run.id)))
            except Exception as error:  # the run is over either way; the journal keeps it all
                log.exception("writing the unwind report failed")
                self._note(f"the report could not be written: {type(error).__name__}: {error}")
        self._save(run)
        engine.emit(EventKind.WORKFLOW, f"unwind run {run.id} {state.value}: {note}"
                    + (f" — report: {run.report}" if run.report else ""),
                    severity=Severity.WARNING if short or problems else Severity.INFO, run=run.id, state=state.value)

    def _differences(self, run: UnwindRun, book) -> list[str]:
        """Where the book differs from what the run's steps did: positions left above what the
        filled orders leave, and the run's orders still not terminal."""
        out = []
        for step in run.steps:
            if step.kind is not StepKind.CUT:
                continue
            position = book.position(step.key)
            left = position.order_size if position is not None else Decimal(0)
            if left > max(step.size - step.filled, Decimal(0)):
                out.append(f"{step.key}: {left} left where the plan leaves {step.size - step.amount}")
        for row in self.engine.journal.run_orders(run.id):
            if row.status not in TERMINAL:
                out.append(f"order {row.client_id} ({row.account} {row.symbol}) still {row.status.value}")
        return out

    # -- bookkeeping --------------------------------------------------------------------------

    def _group(self, run: UnwindRun, step: UnwindStep) -> list[UnwindStep]:
        if not step.group:
            return [step]
        return [s for s in run.steps if s.group == step.group and s.kind is StepKind.CUT
                or s.seq == step.seq]

    def _update(self, run: UnwindRun, step: UnwindStep, *, journal: bool = True, **changes) -> None:
        """Change one step. A transition is journaled before it takes effect; a step's fill
        (`journal=False`) is not: the journal's order rows are its source (`_sync_filled`)."""
        current = self.run if self.run is not None else run
        steps = tuple(dataclasses.replace(s, **changes) if s.seq == step.seq else s for s in current.steps)
        if journal:
            self._save(dataclasses.replace(current, steps=steps))
        else:
            self.run = dataclasses.replace(current, steps=steps)
            self.engine.changed()

    def frame_run(self) -> UnwindRun | None:
        """The run as a frame shows it: with its orders as the journal has them now and the
        timeline's newest lines (journaled with the run's next transition)."""
        run = self.run
        if run is None:
            return None
        if run.state.over:
            return run
        return dataclasses.replace(run, orders=self._orders(run), events=(tuple(run.events) + tuple(self._log))[-TIMELINE:])

    def _orders(self, run: UnwindRun) -> tuple[RunOrder, ...]:
        estimates = {s.seq: s.est_price for s in run.steps}
        out = []
        for row in self.engine.journal.run_orders(run.id):
            seq = int(row.intent_id.split(":")[2])
            out.append(RunOrder(step=seq, client_id=row.client_id, account=row.account, symbol=row.symbol,
                                side=row.side, amount=row.amount, status=row.status, filled=row.filled,
                                price=float(row.average) if row.average is not None else None,
                                est_price=estimates.get(seq), detail=row.detail, time=row.created))
        return tuple(out)

    def _save(self, run: UnwindRun) -> None:
        """Journal `run`, then make it the current one (journaled before it takes effect)."""
        run = dataclasses.replace(run, events=tuple(self._timeline(run)))
        self.engine.journal.save_run(run, now=self.engine.clock())
        self.run = run
        self.engine.changed()

    def _timeline(self, run: UnwindRun) -> list[tuple[float, str]]:
        pending, self._log = self._log, []
        return (list(run.events) + pending)[-TIMELINE:]

    def _event(self, text: str) -> None:
        """A line of the run's timeline, and an event for every terminal and the guard's log (the
        event is journaled at once; the line goes with the run's next transition)."""
        self._log.append((self.engine.clock(), text))
        self.engine.changed()
        self.engine.emit(EventKind.WORKFLOW, f"unwind: {text}", run=self.run.id if self.active else "")

    def _note(self, text: str) -> None:
        self.engine.notice(text)

    def _plan_line(self, run: UnwindRun) -> str:
        cuts = [s for s in run.steps if s.kind is StepKind.CUT]
        hedges = [s for s in run.steps if s.kind is StepKind.HEDGE]
        top_ups = [s for s in run.steps if s.kind is StepKind.TOPUP]
        parts = [f"plan: {len(cuts)} cuts"]
        if hedges:
            parts.append(f"{len(hedges)} hedges offered for blind positions")
        if top_ups:
            parts.append(f"{len(top_ups)} top-ups within a venue offered ("
                         + ", ".join(s.key.account for s in top_ups) + ")")
        if run.blind:
            parts.append("blind: " + ", ".join(f"{b.account} ({b.health})" for b in run.blind))
        if run.cancelled:
            parts.append(f"{len(run.cancelled)} risk-adding orders cancelled")
        return "; ".join(parts)


def _heads(run: UnwindRun) -> dict[str, UnwindStep]:
    """Per account, its first cut step not over, in plan order."""
    heads: dict[str, UnwindStep] = {}
    for step in run.steps:
        if step.kind is StepKind.CUT and not step.status.over:
            heads.setdefault(step.key.account, step)
    return heads


def _net_move(step: UnwindStep) -> float | None:
    """How `step` moves the book's net (USD) when done: a cut towards zero, a hedge against its
    blind position; None when its notional is unknown (then it waits for its group)."""
    if step.notional is None or step.kind is StepKind.BRIDGE:
        return None
    sign = float(step.side.sign)
    return sign * step.notional if step.kind is StepKind.HEDGE else -sign * step.notional


def _covers(target, position, layer: str) -> bool:
    """Whether a whole-kind target takes `position` (its account settles on `layer`)."""
    if target.kind is TargetKind.ASSET:
        return position.asset == target.name
    if target.kind is TargetKind.ACCOUNT:
        return position.account == target.name
    if target.kind is TargetKind.LAYER:
        return layer == target.name
    return True  # FLAT


def _behind(run: UnwindRun, leg: UnwindStep, members: set[int]) -> bool:
    """Whether a cut not of `leg`'s group (`members`) and not over comes before it on its venue.
    Not "`leg` is first on its venue": the cuts owed to a blind account that is back are one group
    on that one account, and only one of them can be first (the group would wait forever)."""
    return any(s.kind is StepKind.CUT and not s.status.over and s.key.account == leg.key.account
               and s.seq < leg.seq and s.seq not in members for s in run.steps)


def _reason(run: UnwindRun, step: UnwindStep) -> str:
    if step.kind is StepKind.HEDGE and step.hedges is not None:
        blind = step.hedges
        return f"hedge for {blind.account} {step.asset} {step.side.opposite.value} (unwind {run.id})"
    return f"unwind {run.id} step {step.seq}"


def _target_text(command: StartUnwind) -> str:
    t = command.target
    if t.kind is TargetKind.GROSS:
        return f"gross −{t.fraction:.0%}"
    return f"{t.kind.value} {t.name}".strip()
