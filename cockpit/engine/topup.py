"""An unwind run's TOPUP steps: collateral moved into an account's perp margin within its venue.

The planner offers one where it saves the account sooner than a cut (`cockpit.risk.unwind`); a
person confirms it on its own (`ConfirmStep` on the step); then the flow (`cockpit.engine.unwind`)
hands it here:

* **Asked at start**: each account with a cut whose rescue from another layer is too slow is asked
  what it can top up (`TopUpVenue.top_up_available`), venues in parallel; a venue without one
  (`NotSupported`) is simply not offered one, a failure is said on the timeline.
* **Sent once**: the step is journaled SENDING (the run's transition) before the transfer leaves,
  under the client id ``unwind:<run>:<seq>:topup``. A step found SENDING (a restart, or an answer
  lost on the way: `UnknownOutcome`, a timeout) is first looked up (`top_up_status`) and sent
  again only when the venue never received it: where the venue dedupes the id that resend is the
  same transfer, where it does not the look-up is what keeps it from moving twice.
* **Done when it arrived**: its status is polled until the venue says it landed (DONE, with what
  arrived as the step's fill), failed (FAILED), or `wait` passes (SHORT: it may still land, said).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from cockpit.model import NotSupported, Transfer, TransferStatus, VenueError
from cockpit.model.errors import AuthError, Rejected
from cockpit.model.unwind import StepKind, StepStatus, UnwindRun, UnwindStep, Why

#: Seconds a sent top-up is given to land before the step is judged (internal transfers: seconds).
WAIT = 60.0
#: Seconds between looks at a top-up on its way.
POLL = 0.5
#: Sends (each after a look-up that found nothing) before a step gives up.
TRIES = 3


def top_up_id(run_id: str, seq: int) -> str:
    """The client id of run `run_id`'s top-up step `seq`: the same across restarts."""
    return f"unwind:{run_id}:{seq}:topup"


async def available(flow: Any, run: UnwindRun) -> dict[str, float]:
    """USD each account the plan cuts because its rescue is too slow can top up within its
    venue (module doc); accounts whose venue has none are left out."""
    engine = flow.engine
    accounts = sorted({s.key.account for s in run.steps
                       if s.kind is StepKind.CUT and Why.RESCUE_TOO_SLOW in s.why})

    async def one(name: str) -> tuple[str, float | None]:
        venue = engine.venues.get(name)
        if not hasattr(venue, "top_up_available"):
            return name, None
        try:
            return name, await asyncio.wait_for(venue.top_up_available(), engine.settings.request_timeout)
        except NotSupported:
            return name, None
        except Exception as error:  # no top-up offered; the timeline says why
            flow._event(f"{name}: what it can top up within its venue is not known "
                        f"({getattr(error, 'reason', type(error).__name__)}): no top-up offered")
            return name, None

    found = await asyncio.gather(*(one(a) for a in accounts))
    return {name: value for name, value in found if value}


def retire(flow: Any) -> None:
    """Skip each top-up still offered whose account has no cut left: too late to matter."""
    run = flow.run
    for step in run.steps:
        if step.kind is StepKind.TOPUP and step.status is StepStatus.OFFERED and not any(
                s.kind is StepKind.CUT and s.key.account == step.key.account and not s.status.over
                for s in run.steps):
            flow._update(flow.run, step, status=StepStatus.SKIPPED,
                         detail="never confirmed; its account's cuts are over")


async def send(flow: Any, seq: int) -> None:
    """Carry out TOPUP step `seq` (module doc)."""
    run = flow.run
    step = run.step(seq)
    venue = flow.engine.venues.get(step.key.account)
    cid = top_up_id(run.id, seq)
    if not hasattr(venue, "top_up"):
        flow._update(run, step, status=StepStatus.FAILED, detail=f"{step.key.account} cannot top up within its venue")
        return
    resumed = step.status is StepStatus.SENDING
    flow._update(run, step, status=StepStatus.SENDING, detail=f"top-up {cid} sent")
    flow._event(f"step {seq}: top-up of {step.amount} {step.unit} into {step.key.account}'s perp margin "
                + ("looked up after a restart" if resumed else "sent") + f" ({cid})")
    try:
        transfer = await _send_once(flow, venue, step, cid, look_first=resumed)
        transfer = await _arrival(flow, venue, step, cid, transfer)
    except (Rejected, NotSupported, AuthError) as error:
        _judge(flow, seq, None, f"refused: {error.reason}")
        return
    except VenueError as error:
        _judge(flow, seq, None, str(error))
        return
    _judge(flow, seq, transfer, "")


async def _send_once(flow: Any, venue: Any, step: UnwindStep, cid: str, *, look_first: bool) -> Transfer:
    """The transfer under `cid`: looked up first where it may have left already, sent only when
    the venue never received it. Refusals (`Rejected`, `NotSupported`, `AuthError`) propagate."""
    timeout = flow.engine.settings.request_timeout
    for _ in range(TRIES):
        if look_first:
            try:
                found = await _look(venue, step, cid, flow.run.started, timeout)
            except (Rejected, NotSupported, AuthError):
                raise
            except VenueError:  # not an answer: never resend on a guess
                await asyncio.sleep(POLL)
                continue
            if found is not None:
                return found
        try:
            return await asyncio.wait_for(venue.top_up(step.amount, cid), timeout)
        except (Rejected, NotSupported, AuthError):
            raise
        except (VenueError, asyncio.TimeoutError):  # it may have left: look before any resend
            look_first = True
            await asyncio.sleep(POLL)
    raise VenueError(f"the top-up's outcome could not be learned after {TRIES} tries: look at "
                     f"{step.key.account} before moving anything by hand", account=step.key.account)


async def _look(venue: Any, step: UnwindStep, cid: str, since: float, timeout: float) -> Transfer | None:
    """`cid`'s transfer as the venue has it; raises when the venue cannot say (so nothing is
    resent on a guess)."""
    try:
        return await asyncio.wait_for(venue.top_up_status(cid, step.amount, since), timeout)
    except asyncio.TimeoutError:
        raise VenueError("the top-up could not be looked up in time", account=step.key.account) from None


async def _arrival(flow: Any, venue: Any, step: UnwindStep, cid: str, transfer: Transfer) -> Transfer:
    """`transfer` once it landed or failed, or as it is after `WAIT` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + flow.top_up_wait
    timeout = flow.engine.settings.request_timeout
    while transfer.status not in (TransferStatus.DONE, TransferStatus.FAILED) and loop.time() < deadline:
        await asyncio.sleep(POLL)
        try:
            found = await _look(venue, step, cid, flow.run.started, timeout)
        except VenueError:
            continue  # a failed look is not an answer: look again
        if found is not None:
            transfer = found
    return transfer


def _judge(flow: Any, seq: int, transfer: Transfer | None, refused: str) -> None:
    step = flow.run.step(seq)
    if transfer is not None and transfer.status is TransferStatus.DONE:
        status, filled = StepStatus.DONE, transfer.amount
        detail = f"arrived: {transfer.amount} {step.unit} in the perp margin"
    elif transfer is not None and transfer.status is TransferStatus.FAILED:
        status, filled, detail = StepStatus.FAILED, Decimal(0), "the venue says the top-up failed"
    elif transfer is not None:
        status, filled = StepStatus.SHORT, Decimal(0)
        detail = (f"not arrived after {flow.top_up_wait:g} s (still {transfer.status.value}): it may land later; "
                  f"look at {step.key.account}")
    else:
        status, filled, detail = StepStatus.FAILED, Decimal(0), refused
    flow._update(flow.run, step, status=status, filled=filled, detail=detail)
    flow._event(f"step {seq} {status.value}: {detail}")
