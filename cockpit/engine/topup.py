"""An unwind run's TOPUP steps: collateral moved into an account's perp margin within its venue.

The planner offers one where it saves the account sooner than a cut (`cockpit.risk.unwind`); a
person confirms it on its own (`ConfirmStep` on the step); then the flow (`cockpit.engine.unwind`)
hands it here:

* **Asked at start**: each account with a cut whose rescue from another layer is too slow is asked
  what it can top up (`TopUpVenue.top_up_available`), venues in parallel; a venue without one
  (`NotSupported`) is simply not offered one, a failure is said on the timeline. The step carries
  the venue's route and whether it keeps a client id on the transfer (`terms`).
* **Sent once**: the step is journaled SENDING (the run's transition) before the transfer leaves,
  under the client id ``unwind:<run>:<seq>:topup``. A step found SENDING (a restart) or whose
  answer was lost (`UnknownOutcome`, a timeout, a reply it cannot read) depends on its venue:
  - **keyed** (`UnwindStep.keyed`: Bybit's transferId, OKX's clientId, the simulator): looked up
    by the id and sent again under the same id only when the venue has none (the venue refuses a
    second transfer under it);
  - **not keyed** (Binance's universal transfer, Hyperliquid's usdClassTransfer): never sent
    again. Its venue can be searched only by amount and time, which proves nothing (its history
    lags; another transfer may have the same amount), so the step ends UNKNOWN, naming any
    candidate the search found, and the run pauses: a person checks the venue, then marks it
    arrived (`ConfirmStep`) or not (`SkipStep`).
  - **not keyed, but answered with the venue's own id** (`top_up_venue_id`: Binance's tranId):
    the id is journaled on the step (`UnwindStep.transfer_id`) before the wait for its arrival,
    and a restart that finds the step SENDING looks the transfer up by it, never by amount: found,
    it is followed to its arrival as before the restart; not in the venue's history after `TRIES`
    looks, the step is UNKNOWN as above, never sent again. Hyperliquid's answer names no transfer:
    nothing is kept there, and a restart leaves its step UNKNOWN.
  A look-up that cannot answer is never taken as "not sent": after `TRIES` the step is UNKNOWN.
* **Refused**: a definite refusal (`Rejected`, `NotSupported`, `AuthError`) of the send fails the
  step at once, with the venue's words; it is never retried. A refusal of a send *again* under the
  same id (a keyed venue whose history showed nothing yet) is no proof nothing moved: the venue may
  be refusing the second transfer under the id, so the step is UNKNOWN, as above.
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


def terms(venue: Any) -> dict[str, Any]:
    """What a TOPUP step carries of its venue (`UnwindStep.route`, `UnwindStep.keyed`); a venue
    that does not say counts as keeping no client id."""
    return {"route": str(getattr(venue, "top_up_route", "") or ""),
            "keyed": getattr(venue, "top_up_keyed", False) is True}


class _Open(Exception):
    """The top-up's outcome is open and may not be settled by sending it again: `why` it is open,
    and the candidate a search by amount and time found (`found`), if any."""

    def __init__(self, why: str, found: Transfer | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.found = found


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
        if resumed and step.transfer_id:  # its send was answered: found by the venue's id, never resent
            transfer = await _find_sent(flow, venue, step, cid)
        else:
            transfer = await _send_once(flow, venue, step, cid, look_first=resumed)
            _keep_venue_id(flow, venue, step, cid, transfer)
        transfer = await _arrival(flow, venue, step, cid, transfer)
    except (Rejected, NotSupported, AuthError) as error:
        _judge(flow, seq, None, f"refused: {error.reason}")
        return
    except _Open as open_:
        _unknown(flow, seq, open_)
        return
    _judge(flow, seq, transfer, "")


async def _send_once(flow: Any, venue: Any, step: UnwindStep, cid: str, *, look_first: bool) -> Transfer:
    """The transfer under `cid` (module doc): looked up first where it may have left already;
    sent again only on a keyed venue that has none. Refusals of the send propagate; an outcome
    that stays open raises `_Open`."""
    timeout = flow.engine.settings.request_timeout
    why, looked = "a restart found it sent, its answer never journaled", ""
    for _ in range(TRIES):
        if look_first:
            try:
                found = await _look(flow, venue, step, cid)
            except VenueError as error:  # not an answer: never resend on a guess
                looked = f"; the look-up failed ({error.reason})"
                await asyncio.sleep(POLL)
                continue
            if not step.keyed:
                raise _Open(why, found)  # found by amount and time at best: a candidate, not proof
            if found is not None:
                return found
        try:
            return await asyncio.wait_for(venue.top_up(step.amount, cid), timeout)
        except Rejected as error:
            if look_first:  # sent again under its id: the venue may be refusing a second transfer
                raise _Open(f"{why}; sent again under its id and refused ({error.reason}): the first "
                            f"may have arrived, its history lagging") from None
            raise
        except (NotSupported, AuthError):
            raise
        except (VenueError, asyncio.TimeoutError) as error:  # it may have left: look before any resend
            why = f"its answer was lost ({getattr(error, 'reason', 'no answer in time')})"
            look_first = True
            await asyncio.sleep(POLL)
    raise _Open(f"{why}{looked}; not learnt after {TRIES} tries")


def _keep_venue_id(flow: Any, venue: Any, step: UnwindStep, cid: str, transfer: Transfer) -> None:
    """Journal the venue's own id of the transfer on the step, before its arrival is awaited,
    where the venue finds the transfer by it (`top_up_venue_id`): a restart then looks up this
    very transfer (`_find_sent`). Nothing where the answer names no transfer (Hyperliquid's id is
    cockpit's own label of the send, which its history cannot match)."""
    if getattr(venue, "top_up_venue_id", False) is True and transfer.id:
        flow._update(flow.run, flow.run.step(step.seq), transfer_id=transfer.id,
                     detail=f"top-up {cid} sent: the venue's transfer {transfer.id}")


async def _find_sent(flow: Any, venue: Any, step: UnwindStep, cid: str) -> Transfer:
    """The top-up a restart found SENDING whose send the venue had answered with its own id
    (`UnwindStep.transfer_id`), looked up by that id (`TRIES` looks). It is never sent again: a
    history that does not show it, or a venue that cannot say, leaves it open (`_Open`)."""
    why = "not in its history"
    for attempt in range(TRIES):
        if attempt:
            await asyncio.sleep(POLL)
        try:
            found = await _look(flow, venue, step, cid)
        except VenueError as error:  # not an answer: look again, never resend
            why = f"the look-up failed ({error.reason})"
            continue
        if found is not None:
            return found
        why = "not in its history"
    raise _Open(f"a restart found it sent and answered with the venue's transfer {step.transfer_id}, "
                f"{why} after {TRIES} looks")


async def _look(flow: Any, venue: Any, step: UnwindStep, cid: str) -> Transfer | None:
    """`cid`'s transfer as the venue has it (by the venue's own id of it, once kept on the
    step); raises when the venue cannot say (so nothing is resent on a guess)."""
    venue_id = flow.run.step(step.seq).transfer_id or None
    try:
        return await asyncio.wait_for(venue.top_up_status(cid, step.amount, flow.run.started, venue_id=venue_id),
                                      flow.engine.settings.request_timeout)
    except asyncio.TimeoutError:
        raise VenueError("the top-up could not be looked up in time", account=step.key.account) from None


async def _arrival(flow: Any, venue: Any, step: UnwindStep, cid: str, transfer: Transfer) -> Transfer:
    """`transfer` once it landed or failed, or as it is after `WAIT` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + flow.top_up_wait
    while transfer.status not in (TransferStatus.DONE, TransferStatus.FAILED) and loop.time() < deadline:
        await asyncio.sleep(POLL)
        try:
            found = await _look(flow, venue, step, cid)
        except VenueError:
            continue  # a failed look is not an answer: look again
        if found is not None:
            transfer = found
    return transfer


def _unknown(flow: Any, seq: int, open_: _Open) -> None:
    """Step `seq`'s outcome is open: UNKNOWN (never sent again), what the venue's history showed,
    and the run paused for a person (`cockpit.present.unwind.top_up_check` says what to check)."""
    step = flow.run.step(seq)
    found = open_.found
    seen = ("" if step.transfer_id else  # looked for by the venue's id, not by amount
            "; nothing of that amount in its history yet" if found is None else
            f"; its history shows a transfer of {found.amount} {found.currency} ({found.id}, {found.status.value}) "
            f"that may be this one")
    keyed = "" if step.keyed else f"; {step.key.account}'s venue keeps no client id on it: never sent again"
    detail = f"outcome unknown: {open_.why}{keyed}{seen}"
    flow._update(flow.run, step, status=StepStatus.UNKNOWN, filled=Decimal(0), detail=detail)
    flow._event(f"step {seq} {StepStatus.UNKNOWN.value}: {detail}")
    flow.hold(f"paused: top-up step {seq}'s outcome is unknown: check {step.key.account} at its venue, "
              f"then mark it arrived or not")


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
