"""Cancelling open orders on a person's request (`CancelOrder`, `CancelAll`).

An order is found where the frame shows it: among our orders not done yet (the journal's rows in
flight) or among the venue's own open orders in the account's last snapshot (ours, or placed by
hand or by another program). Then:

* one of ours is cancelled through the executor (`Executor.cancel`: the venue's cancel, then a
  look-up by client id), so its journal row ends with what the venue says (a fill that raced the
  cancel included), and it is never re-sent;
* one that is not ours is cancelled through the account's venue adapter, by the id the snapshot
  shows for it; the request is written to the journal's events before it leaves.

Cancelling only removes orders, so it is allowed while the kill switch is HALTED and while an
unwind run freezes new risk. The one refusal beyond read-only and "no such order" is an order of
an unwind step that is being sent: the run waits on its rungs, and a rung cancelled under it would
make the run send what is left at market at once, the opposite of what a cancel asks for. Aborting
the run cancels its resting orders and sends nothing more.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from cockpit.engine.executor import Outcome
from cockpit.engine.journal import JournalRow
from cockpit.model import Order, OrderStatus, VenueError
from cockpit.model.commands import CancelAll, CancelOrder, CommandResult, OrderResult
from cockpit.model.events import EventKind, Severity
from cockpit.model.unwind import StepStatus


@dataclass(frozen=True)
class _Target:
    """An open order to cancel: our journal row, the venue's view of it, or both."""

    account: str
    client_id: str
    symbol: str
    row: JournalRow | None
    order: Order | None


def run_step(engine, intent_id: str) -> int | None:
    """The step of the unwind run in progress that owns the order of `intent_id` and is being
    sent now (its rungs are the run's to manage), or None."""
    run = engine.unwind.run
    prefix = f"unwind:{run.id}:" if run is not None else ""
    if run is None or run.state.over or not intent_id.startswith(prefix):
        return None
    try:
        seq = int(intent_id[len(prefix):].split(":")[0])
    except ValueError:
        return None
    step = run.step(seq)
    return seq if step is not None and step.status is StepStatus.SENDING else None


def _targets(engine, account: str, client_id: str | None = None) -> list[_Target]:
    """The account's open orders (only `client_id`'s, when given): ours first, then the venue's."""
    rows = [r for r in engine.journal.open_orders(account) if client_id is None or r.client_id == client_id]
    state = engine.book().account(account)
    orders = state.snapshot.open_orders if state is not None and state.snapshot is not None else ()
    at_venue = {o.client_id: o for o in orders if client_id is None or o.client_id == client_id}
    found = [_Target(account, r.client_id, r.symbol, r, at_venue.pop(r.client_id, None)) for r in rows]
    found += [_Target(account, o.client_id, o.symbol, None, o) for o in at_venue.values()]
    return found


def _refusal(engine, target: _Target) -> str | None:
    """Why this order is not cancelled now, or None."""
    if target.row is not None:
        seq = run_step(engine, target.row.intent_id)
        if seq is not None:
            return (f"{target.client_id} is unwind step {seq}'s order: the run manages it (cancelled under it, "
                    f"the rest would go at market at once); abort the run to cancel its resting orders")
    if engine.executor.busy(target.client_id):
        return f"{target.client_id} is being sent or looked up right now: try again in a moment"
    return None


async def cancel_order(engine, command: CancelOrder) -> CommandResult:
    """Carry out `CancelOrder` (validated here; read-only was refused before)."""
    reason = _account_refusal(engine, command.account)
    if reason is not None:
        return CommandResult(False, reason)
    found = _targets(engine, command.account, command.client_id)
    if not found:
        return CommandResult(False, f"{command.account}: no open order {command.client_id} — already filled, "
                                    f"cancelled or never placed")
    target = found[0]
    reason = _refusal(engine, target)
    if reason is not None:
        return CommandResult(False, reason)
    result = await _cancel(engine, target)
    await engine.refresh(command.account)
    done = result.status is OrderStatus.CANCELED
    return CommandResult(done, f"{command.account} {target.symbol}: {result.message}", (result,))


async def cancel_all(engine, command: CancelAll) -> CommandResult:
    """Carry out `CancelAll`: every open order of the account `CancelOrder` would cancel."""
    reason = _account_refusal(engine, command.account)
    if reason is not None:
        return CommandResult(False, reason)
    found = _targets(engine, command.account)
    if not found:
        return CommandResult(False, f"{command.account}: no open orders to cancel")
    results, left = [], []
    for target in found:
        why = _refusal(engine, target)
        if why is not None:
            left.append(why)
            continue
        results.append(await _cancel(engine, target))
    await engine.refresh(command.account)
    cancelled = sum(1 for r in results if r.status is OrderStatus.CANCELED)
    message = f"{command.account}: {cancelled} of {len(found)} open orders cancelled"
    if left:
        message += f"; {len(left)} not: {left[0]}"
    return CommandResult(cancelled > 0, message, tuple(results))


def _account_refusal(engine, account: str) -> str | None:
    if account not in engine.venues:
        return f"no account named '{account}'"
    if account not in engine.executor.reconciled:
        return f"{account} is not connected yet: its orders cannot be cancelled until it is"
    return None


async def _cancel(engine, target: _Target) -> OrderResult:
    """Cancel one order and tell everyone what became of it (an ORDER event)."""
    engine.journal.event("cancel", engine.clock(), account=target.account, client_id=target.client_id,
                         symbol=target.symbol, ours=target.row is not None)
    if target.row is not None:
        result = await _cancel_ours(engine, target.row)
    else:
        result = await _cancel_theirs(engine, target)
    failed = result.status is not OrderStatus.CANCELED
    engine.emit(EventKind.ORDER, f"{target.account} {target.symbol}: cancel {target.client_id}: {result.message}",
                severity=Severity.WARNING if failed else Severity.INFO, account=target.account,
                symbol=target.symbol, client_id=target.client_id, status=result.status.value, cancel="yes",
                ours="yes" if target.row is not None else "no")
    return result


async def _cancel_ours(engine, row: JournalRow) -> OrderResult:
    """Our order: the venue's cancel, then its look-up, through the executor (the journal row
    ends as the venue has it)."""
    executor = engine.executor
    with executor.holding(row.client_id):
        outcome: Outcome | None = await executor.cancel(row)
    if outcome is None:
        return OrderResult(row.account, row.symbol, row.client_id, OrderStatus.UNKNOWN, row.filled,
                           "not known at the venue yet: nothing to cancel there; it is looked up until it is "
                           "known (counted as in flight until then)")
    message = {OrderStatus.CANCELED: f"cancelled ({outcome.filled} of {row.amount} had filled)",
               OrderStatus.FILLED: "already filled: nothing left to cancel"}.get(
        outcome.status, f"still {outcome.status.value} at the venue: the cancel did not take")
    return OrderResult(row.account, row.symbol, row.client_id, outcome.status, outcome.filled, message)


async def _cancel_theirs(engine, target: _Target) -> OrderResult:
    """An order at the venue that is not ours: cancelled through the account's adapter."""
    order = target.order
    assert order is not None
    venue = engine.venues[target.account]
    try:
        await asyncio.wait_for(venue.cancel_order(order.client_id, order.symbol), engine.settings.request_timeout)
    except VenueError as error:
        return OrderResult(target.account, order.symbol, order.client_id, order.status, order.filled,
                           f"not cancelled: {error.reason}")
    except asyncio.TimeoutError:
        return OrderResult(target.account, order.symbol, order.client_id, OrderStatus.UNKNOWN, order.filled,
                           "no answer in time: the next poll shows whether it is still open")
    return OrderResult(target.account, order.symbol, order.client_id, OrderStatus.CANCELED, order.filled,
                       f"cancelled (not ours: {order.filled} of {order.amount} had filled)")

