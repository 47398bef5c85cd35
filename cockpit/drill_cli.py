"""`cockpit drill SCENARIO`: a fire drill, headless, on the simulator: the way to rehearse an unwind.

The drill runs the scenario (its market moving `--speed` times faster than the wall clock, its
journal in memory) with the engine's pollers, risk and kill switch as `cockpit guard` runs them,
and lets the kill switch act:

* by default the switch advises, and when it reaches REDUCING the drill does what the trader
  would: it starts a guided unwind run to the switch's cut and lets it run (confirmed once);
* with ``--target flat|gross:N|kill-cut`` the run starts at once, to that target;
* with ``--auto`` the switch sends its own cut when it reaches REDUCING (as `cockpit guard --auto`);
  the drill prices that cut as the planner would the moment the switch proposes it, and reports
  what the switch's orders did against it.

A blind-venue hedge the run offers is confirmed automatically, in a drill only (the run's
timeline says so). When the run is over its report is written where every report goes
(`cockpit report last` prints it) and the drill prints the scores: loss against the plan's
estimate, time to reach the target, slippage, steps that failed. A run still going after the
drill's horizon (an hour of simulated time) is aborted, verified and reported.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
import secrets
import sys
from pathlib import Path
from typing import Any, TextIO

from cockpit.usage import UsageError

#: Simulated seconds the drill waits for the kill switch, then for the run, before giving up.
HORIZON = 3600.0
#: Wall seconds between looks at the run (to confirm an offered hedge, to see it end).
LOOK = 0.05
#: --auto: the switch's orders count as settled when none has changed for this many wall seconds.
QUIET = 3.0


def parse_target(text: str):
    """``flat``, ``gross:N`` (cut gross by N%, 0 < N ≤ 100) or ``kill-cut`` as an `UnwindTarget`."""
    from cockpit.model.unwind import TargetKind, UnwindTarget

    if text == "flat":
        return UnwindTarget(TargetKind.FLAT)
    if text == "kill-cut":
        return UnwindTarget(TargetKind.KILL_CUT)
    kind, _, number = text.partition(":")
    if kind == "gross":
        try:
            value = float(number)
        except ValueError:
            value = -1.0
        if 0 < value <= 100:
            return UnwindTarget(TargetKind.GROSS, fraction=value / 100)
    raise ValueError(f"--target must be flat, gross:N (N a percentage above 0 and at most 100) or "
                     f"kill-cut, got {text!r}")


def run_drill(args: "DrillArgs", *, out: TextIO | None = None, folder: Path | None = None) -> int:
    """Run `cockpit drill` from its checked arguments; the exit code (0: a report was written,
    1: the kill switch never reached REDUCING, so there was nothing to run)."""
    from cockpit.engine.demo import demo_engine
    from cockpit.engine.journal import Journal
    from cockpit.reports import Reporter
    from cockpit.sim import ScenarioError, load_scenario
    from cockpit.startup import reports_dir

    out = out or sys.stdout
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as error:
        raise UsageError(f"{error} (see: cockpit scenarios)") from None
    reporter = Reporter(folder if folder is not None else reports_dir())
    engine = demo_engine(seed=args.seed, scenario=scenario, speed=args.speed, journal=Journal(":memory:"),
                         reporter=reporter)
    reporter.attach(engine)
    drill = Drill(engine, reporter, args, out)
    return asyncio.run(drill.run())


class Drill:
    """One drill: wait for the trigger, run (or watch) the cut, report, score."""

    def __init__(self, engine: Any, reporter: Any, args, out: TextIO) -> None:
        from cockpit.model import KillMode

        self.engine = engine
        self.reporter = reporter
        self.args = args
        self.out = out
        self.name = Path(args.scenario).stem if str(args.scenario).endswith(".toml") else args.scenario
        self.run_id = f"drill-{self.name}-{args.seed}-{secrets.token_hex(2)}"  # two drills never share a name
        self.horizon = HORIZON / args.speed  # wall seconds
        self.priced = None  # --auto: the switch's cut as the planner priced it when proposed
        self.tripped: asyncio.Event | None = None
        engine.risk.set_kill_mode(KillMode.AUTO if args.auto else KillMode.ADVISE)

    def say(self, text: str) -> None:
        """One line of the drill's own output."""
        self.out.write(f"drill: {text}\n")
        self.out.flush()

    async def run(self) -> int:
        """The whole drill (module doc); the exit code."""
        self.tripped = asyncio.Event()
        unsubscribe = self.engine.subscribe(self._watch)
        self.engine.start()
        mode = "auto: the kill switch sends its own cut" if self.args.auto else "advise"
        self.say(f"{self.name}, seed {self.args.seed}, speed {self.args.speed:g}×, kill switch {mode}")
        try:
            if self.args.target is not None and not self.args.auto:
                await self._first_frame()
                report = await self._unwind(parse_target(self.args.target),
                                            f"drill {self.name}: target {self.args.target} at once")
            else:
                if not await self._wait_for_trip():
                    self.say(f"the kill switch never reached REDUCING within {HORIZON / 60:.0f} simulated "
                             f"minutes: nothing to unwind, no report")
                    return 1
                report = await (self._record_auto() if self.args.auto else self._unwind(
                    self._kill_target(), f"drill {self.name}: kill switch REDUCING ({self._cause()})"))
        finally:
            unsubscribe()
            await self.engine.stop()
        return self._score(report)

    # -- waiting ---------------------------------------------------------------------------

    def _watch(self, frame) -> None:
        from cockpit.model import KillStatus
        from cockpit.model.commands import StartUnwind
        from cockpit.model.unwind import RunMode, TargetKind, UnwindTarget

        kill = frame.assessment.kill
        if kill.status in (KillStatus.REDUCING, KillStatus.HALTED) and not self.tripped.is_set():
            if self.args.auto and kill.proposed and frame.risk_error is None:
                # Called before the engine sends the auto cut: the plan prices it as it stands.
                self.priced = self.engine.unwind.preview(StartUnwind(
                    UnwindTarget(TargetKind.KILL_CUT), mode=RunMode.RUNNING, id=self.run_id,
                    trigger=f"drill {self.name}: kill switch REDUCING, auto cut ({self._cause(frame)})"))
            self.tripped.set()

    async def _first_frame(self) -> None:
        while self.engine.latest is None:
            await asyncio.sleep(LOOK)

    async def _wait_for_trip(self) -> bool:
        try:
            await asyncio.wait_for(self.tripped.wait(), self.horizon)
        except asyncio.TimeoutError:
            return False
        self.say(f"kill switch REDUCING at {self._sim_minutes()} ({self._cause()})")
        return True

    def _cause(self, frame=None) -> str:
        frame = frame or self.engine.latest
        events = frame.assessment.kill.events if frame is not None else ()
        return events[-1].cause if events else "no cause given"

    def _sim_minutes(self) -> str:
        sim = self.engine.sim
        seconds = sim.sim_time() - sim.world.start if sim is not None else 0.0
        return f"+{seconds / 60:.1f} simulated minutes"

    def _kill_target(self):
        from cockpit.model.unwind import TargetKind, UnwindTarget

        return parse_target(self.args.target) if self.args.target else UnwindTarget(TargetKind.KILL_CUT)

    # -- the run -----------------------------------------------------------------------------

    async def _unwind(self, target, trigger: str) -> str:
        from cockpit.engine.handling import send
        from cockpit.model.commands import AbortRun, ConfirmHedge, ConfirmStep, ResumeRun, StartUnwind
        from cockpit.model.unwind import RunMode, StepKind, StepStatus

        started = await send(self.engine, StartUnwind(target, mode=RunMode.RUNNING, trigger=trigger, id=self.run_id))
        self.say(f"run {self.run_id}: {started.message}")
        if not started.ok:
            return ""
        await send(self.engine, ResumeRun(self.run_id))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.horizon
        while not self.engine.unwind.run.state.over:
            run = self.engine.unwind.run
            for step in run.steps:
                if step.status is StepStatus.OFFERED:
                    # The run's timeline (and so the report) says who confirmed it: the drill. A
                    # hedge has its own command; a top-up is confirmed as its own step.
                    kind = step.kind.value
                    self.engine.unwind._event(f"{kind} step {step.seq} confirmed automatically by the drill "
                                              f"(only a drill does this; a real run waits for a person)")
                    command = ConfirmHedge if step.kind is StepKind.HEDGE else ConfirmStep
                    result = await send(self.engine, command(run.id, step.seq))
                    self.say(f"{kind} step {step.seq} confirmed automatically (in a drill only): {result.message}")
            if loop.time() > deadline and not run.aborted:
                self.say("the run did not finish within the drill's horizon: aborted")
                await send(self.engine, AbortRun(run.id))
            await asyncio.sleep(LOOK)
        run = self.engine.unwind.run
        self.say(f"run {run.id} {run.state.value}: {run.note}")
        return run.report

    async def _record_auto(self) -> str:
        """--auto: wait for the switch's own cut to settle, then report it against its pricing."""
        from cockpit.drill_record import record_auto_cut

        if self.priced is None:
            self.say("the switch reached REDUCING without a cut to send (nothing proposed, or risk failed)")
            return ""
        rows = await self._settled_kill_rows()
        run, rows = record_auto_cut(self.engine, self.priced, rows, self.run_id)
        self.say(f"the kill switch's cut: {len(rows)} orders, {run.note}")
        return self.reporter(run, rows)

    def _kill_rows(self) -> list:
        from cockpit.model import IntentSource

        return [r for r in self.engine.journal.rows() if r.source is IntentSource.KILL_SWITCH]

    async def _settled_kill_rows(self) -> list:
        """The switch's orders once every one is over and the switch is HALTED (its cut done), or
        none has changed for `QUIET` seconds (a cut that stays short), or at the horizon."""
        from cockpit.model import KillStatus

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.horizon
        last, since = None, loop.time()
        while loop.time() < deadline:
            rows = self._kill_rows()
            seen = [(r.client_id, r.status, r.filled) for r in rows]
            if seen != last:
                last, since = seen, loop.time()
            settled = rows and all(not r.status.in_flight for r in rows)
            halted = self.engine.latest.assessment.kill.status is KillStatus.HALTED
            if settled and (halted or loop.time() - since > QUIET):
                return rows
            await asyncio.sleep(LOOK)
        return self._kill_rows()

    # -- the scores ----------------------------------------------------------------------------

    def _score(self, report: str) -> int:
        from cockpit.present.report import scores_text

        if not report:
            self.say("no report was written")
            return 1
        data = json.loads(Path(report).with_suffix(".json").read_text(encoding="utf-8"))
        self.say(f"report: {report}")
        self.out.write("scores:\n" + "".join(f"  {line}\n" for line in scores_text(data).splitlines()))
        return 0


@dataclass(frozen=True)
class DrillArgs:
    """A drill's checked arguments (`cockpit drill`)."""

    scenario: str
    seed: int = 7
    speed: float = 60.0
    auto: bool = False
    target: str | None = None  # flat | gross:N | kill-cut (checked by `parse_target`)
