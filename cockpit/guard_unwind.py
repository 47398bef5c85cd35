"""`cockpit guard --unwind flat|gross:N [--unwind-id ID]`: a guided unwind run started headless.

The guard waits until every account is reconciled, then starts the run in RUNNING mode (confirmed
once, by the flag) unless the journal already holds a run that is not over: a restarted guard
resumes that run (the engine does so by itself), it never starts a second one. A run the flag
started that a crash left READY (planned, not yet let run) is let run. With the same
``--unwind-id`` the engine refuses a second start of a run that is over.

For crash drills and scripted emergencies; a person uses the Unwind playbook pane.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Callable

#: How a run started by the flag names its trigger (the report's), and how a restart knows it.
TRIGGER = "guard --unwind"


def unwind_target(text: str):
    """`flat`, or `gross:N` (cut gross exposure by N percent, 0 < N <= 100), as an `UnwindTarget`."""
    from cockpit.model.unwind import TargetKind, UnwindTarget

    kind, _, value = text.partition(":")
    if kind == "flat" and not value:
        return UnwindTarget(TargetKind.FLAT)
    if kind == "gross":
        try:
            percent = float(value)
        except ValueError:
            percent = float("nan")
        if 0 < percent <= 100:
            return UnwindTarget(TargetKind.GROSS, fraction=percent / 100)
    raise argparse.ArgumentTypeError(f"--unwind must be flat or gross:N with N a percentage above 0 and at "
                                     f"most 100 (e.g. gross:30), got {text!r}")


def unwind_id(text: str) -> str:
    """A run id: letters, digits, '-' and '_', at most 32 (it is part of every intent id)."""
    if not (0 < len(text) <= 32 and all(c.isalnum() or c in "-_" for c in text)):
        raise argparse.ArgumentTypeError(f"--unwind-id must be 1 to 32 letters, digits, '-' or '_', got {text!r}")
    return text


def add_flags(guard: argparse.ArgumentParser) -> None:
    """The guard's two unwind flags."""
    guard.add_argument("--unwind", type=unwind_target, metavar="flat|gross:N",
                       help="once every account is reconciled, start a guided unwind run to this target and "
                            "let it run (a run not over in the journal is resumed instead)")
    guard.add_argument("--unwind-id", type=unwind_id, metavar="ID",
                       help="the run's id (default: a random one); a run with this id is never started twice")


async def start_when_reconciled(engine, target, run_id: str | None, say: Callable[[str], None],
                                poll: float = 0.1) -> None:
    """Start (or let run) the flag's run once every account is reconciled (module doc)."""
    from cockpit.engine.handling import send
    from cockpit.model.commands import ResumeRun, StartUnwind
    from cockpit.model.unwind import RunMode, RunState

    while not (engine.latest is not None and set(engine.venues) <= engine.executor.reconciled):
        await asyncio.sleep(poll)
    run = engine.unwind.run
    if run is None or run.state.over:
        result = await send(engine, StartUnwind(target, mode=RunMode.RUNNING, trigger=TRIGGER, id=run_id or ""))
        say(f"--unwind: {result.message}")
        run = engine.unwind.run if result.ok else None
    elif run.state is not RunState.READY or run.trigger != TRIGGER:
        say(f"--unwind: run {run.id} is {run.state.value} in the journal: it goes on from there, "
            f"no second run is started")
        return
    if run is not None and run.state is RunState.READY:
        result = await send(engine, ResumeRun(run.id))
        say(f"--unwind: run {run.id}: {result.message}")
