"""A kill switch's own (auto) cut, recorded as an unwind run, so a drill with ``--auto`` gets the
same report and scores as a guided run.

The drill prices the switch's cut with the unwind planner the moment the switch proposes it
(`UnwindFlow.preview`, target KILL_CUT: the same positions and amounts), before the engine sends
it; once the switch's orders have settled, each priced step gets what the orders on its position
filled, and the orders are tagged with the step they belong to, as a run's own orders are.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from cockpit.model.unwind import RunState, StepKind, StepStatus, UnwindRun


def record_auto_cut(engine: Any, priced: UnwindRun, rows: list, run_id: str) -> tuple[UnwindRun, list]:
    """(`priced` as the finished run `run_id` of the switch's orders `rows`, the rows tagged by step)."""
    from cockpit.risk.unwind import book_figures

    steps, tagged = [], []
    for step in priced.steps:
        if step.kind is not StepKind.CUT:
            continue  # a hedge or a bridge is the guided run's, never the switch's
        mine = [r for r in rows if (r.account, r.symbol) == (step.key.account, step.key.symbol)]
        filled = sum((r.filled for r in mine), Decimal(0))
        status = (StepStatus.DONE if filled >= step.amount else StepStatus.SHORT if filled > 0
                  else StepStatus.FAILED)
        detail = f"{filled} of {step.amount} filled by the kill switch's own orders" if mine else "the switch sent no order"
        steps.append(dataclasses.replace(step, status=status, filled=filled, detail=detail))
        tagged += [dataclasses.replace(r, intent_id=f"unwind:{run_id}:{step.seq}:0:{k}") for k, r in enumerate(mine)]
    frame = engine.latest
    done = sum(1 for s in steps if s.status is StepStatus.DONE)
    work = sum(1 for s in steps if s.kind is StepKind.CUT)
    events = [(priced.started, f"kill switch REDUCING: its cut priced by the planner ({work} positions); "
                               f"sent by the switch itself (auto)")]
    events += [(r.created, f"kill switch order {r.client_id} ({r.intent_id}) journaled") for r in rows]
    run = dataclasses.replace(
        priced, id=run_id, steps=tuple(steps), state=RunState.DONE, ended=engine.clock(), events=tuple(events),
        note=f"{done} of {work} positions cut as planned",
        after=book_figures(frame.book, frame.assessment, engine.instruments) if frame is not None else None)
    return run, sorted(tagged, key=lambda r: (r.created, r.client_id))
