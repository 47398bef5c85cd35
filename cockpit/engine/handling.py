"""Commands in, results out: how the engine carries out what a terminal asks.

Every command is validated here, on the engine's side, whatever the terminal checked: read-only
(the engine's, or the terminal's own `--readonly`), the account's health, the position, the size.
A refusal is an answer (`Refused`, `CommandResult(ok=False)`), never an exception: it travels over
the guard's socket like any other answer.
"""

from __future__ import annotations

import math

from cockpit.engine import cancel
from cockpit.engine.core import Engine
from cockpit.engine.executor import ExecutionError, Outcome
from cockpit.model import Health, Intent, KillMode, KillStatus, OrderStatus
from cockpit.model.commands import (
    CARRY_SIZE_RANGE, LOOK_COMMANDS, ORDER_COMMANDS, RUN_COMMANDS, AcceptKillCut, CancelAll, CancelOrder,
    Close, Command, CommandResult, CutLine, CutPreview, ExportLedger, OrderResult, Preview, Refused,
    ResetKill, SetCarrySize, SetKillMode, StartUnwind, Trim, WatchPlots, trim_intent,
)

from cockpit.model.unwind import TargetKind  # noqa: E402  (with the commands it validates)

_SENT = (OrderStatus.FILLED, OrderStatus.OPEN, OrderStatus.PARTIAL)  # an order that reached the venue


def preview(engine: Engine, command: Command, *, readonly: str | None = None) -> Preview:
    """What `command` would do now: the frozen values its confirmation shows, or why not.

    `readonly` is the asking terminal's own reason to refuse orders (`cockpit --readonly`
    attached to a trading guard), if it has one.
    """
    refusal = _refusal(engine, command, readonly)
    if refusal is not None:
        return Refused(refusal)
    if isinstance(command, (Trim, Close)):
        try:
            return engine.preview(trim_intent(command))
        except ExecutionError as error:
            return Refused(str(error))
    if isinstance(command, AcceptKillCut):
        return _cut_preview(engine, command)
    if isinstance(command, StartUnwind):
        try:
            return engine.unwind.preview(command)
        except ExecutionError as error:
            return Refused(str(error))
    return Refused(f"{type(command).__name__} has nothing to preview: send it")


async def send(engine: Engine, command: Command, *, readonly: str | None = None) -> CommandResult:
    """Carry out `command` and answer what happened (never raises for a refusal)."""
    refusal = _refusal(engine, command, readonly)
    if refusal is not None:
        return CommandResult(False, refusal)
    if isinstance(command, (Trim, Close)):
        return await _trim(engine, command)
    if isinstance(command, AcceptKillCut):
        return await _accept(engine, command)
    if isinstance(command, ResetKill):
        return _reset(engine)
    if isinstance(command, SetKillMode):
        return _set_mode(engine, command.mode)
    if isinstance(command, RUN_COMMANDS):
        return await engine.unwind.send(command)
    if isinstance(command, SetCarrySize):
        return _set_carry_size(engine, command.notional)
    if isinstance(command, CancelOrder):
        return await cancel.cancel_order(engine, command)
    if isinstance(command, CancelAll):
        return await cancel.cancel_all(engine, command)
    if isinstance(command, WatchPlots):
        refusal = engine.watch_plots(command)
        return CommandResult(refusal is None, refusal or ("plots closed" if command.stop else "plots watched"))
    if isinstance(command, ExportLedger):
        return _export_ledger(engine, command)
    return CommandResult(False, f"unknown command {type(command).__name__}")


def _export_ledger(engine: Engine, command: ExportLedger) -> CommandResult:
    """Write the ledger's payments as CSV beside the journal (`cockpit.engine.export`)."""
    from cockpit.engine.export import export_beside

    ledger = engine.funding.ledger
    since = command.since if command.since is not None else (ledger.since if ledger is not None else None)
    if since is None or not math.isfinite(since):
        return CommandResult(False, "nothing to export yet: the ledger has no payments (give a date to "
                                    "cockpit funding export --since)")
    try:
        path, count = export_beside(engine.funding.history, engine.journal.path, since, engine.clock())
    except ValueError as error:
        return CommandResult(False, str(error))
    except OSError as error:
        return CommandResult(False, f"cannot write the export beside the journal: {error.strerror or error}")
    return CommandResult(True, f"{count} funding payments written to {path}")


# -- validation ---------------------------------------------------------------------------


def _refusal(engine: Engine, command: Command, readonly: str | None) -> str | None:
    """Why `command` is refused before anything is looked up, or None. A read-only terminal
    (`readonly`: why) may only look (`LOOK_COMMANDS`); a read-only engine or account refuses
    what would send an order."""
    if readonly is not None and not isinstance(command, LOOK_COMMANDS):
        return readonly
    if isinstance(command, ORDER_COMMANDS) or (
            isinstance(command, SetKillMode) and command.mode is KillMode.AUTO):
        account = command.account if isinstance(command, (CancelOrder, CancelAll)) else getattr(
            getattr(command, "key", None), "account", None)
        reason = engine.readonly_reason(account)
        if reason is not None:
            return reason
    if isinstance(command, StartUnwind) and not _valid_target(command):
        return ("an unwind's target must be flat, gross with a fraction above 0 and at most 1, or name "
                "an asset, account or layer")
    if isinstance(command, Trim) and not (isinstance(command.fraction, (int, float))
                                          and math.isfinite(command.fraction) and 0 < command.fraction <= 1):
        return f"a trim's fraction must be above 0 and at most 1, not {command.fraction!r}"
    if isinstance(command, (Trim, Close)) and command.cap is not None and not (
            command.cap.is_finite() and command.cap > 0):
        return f"a trim's confirmed size must be above 0, not {command.cap}"
    return None


def _valid_target(command: StartUnwind) -> bool:
    target = command.target
    if target.kind is TargetKind.GROSS:
        f = target.fraction
        return isinstance(f, (int, float)) and math.isfinite(f) and 0 < f <= 1
    if target.kind in (TargetKind.ASSET, TargetKind.ACCOUNT, TargetKind.LAYER):
        return bool(target.name)
    return 0 < command.slippage_bound < 0.2 if math.isfinite(command.slippage_bound) else False


# -- trims --------------------------------------------------------------------------------


async def _trim(engine: Engine, command: Trim | Close) -> CommandResult:
    intent = trim_intent(command)
    try:
        outcome = await engine.submit(intent, cap=command.cap)
    except ExecutionError as error:
        return CommandResult(False, f"not sent: {error}")
    result = _order_result(intent, outcome)
    return CommandResult(outcome.status in _SENT, f"{intent.symbol}: {outcome.message}", (result,))


def _order_result(intent: Intent, outcome: Outcome) -> OrderResult:
    return OrderResult(intent.account, intent.symbol, outcome.client_id, outcome.status, outcome.filled,
                       outcome.message)


# -- the kill switch ----------------------------------------------------------------------


def _unsent(engine: Engine):
    frame = engine.latest
    if frame is None:
        return ()
    return tuple(c for c in frame.assessment.proposal if not engine.already_sent(c.intent))


def _cut_preview(engine: Engine, command: AcceptKillCut) -> Preview:
    frame = engine.latest
    if frame is None:
        return Refused("The kill switch proposes nothing: no data yet")
    kill = frame.assessment.kill
    episode = engine.risk.kill_latch().episode
    if command.episode is not None and command.episode != episode:
        return Refused("the kill switch's episode changed since this screen drew it: look again")
    unsent = _unsent(engine)
    if not unsent:
        return Refused(no_cut_reason(frame))
    lines = tuple(
        CutLine(c.intent.account, c.intent.symbol, c.position.asset if c.position is not None else c.intent.symbol,
                c.intent.amount, c.fraction)
        for c in unsent)
    return CutPreview(episode, kill.status.value, kill.cause, kill.cut_planned, lines)


async def _accept(engine: Engine, command: AcceptKillCut) -> CommandResult:
    check = _cut_preview(engine, command)
    if isinstance(check, Refused):
        return CommandResult(False, check.reason)
    intents = [c.intent for c in _unsent(engine)]  # what accept_proposal sends, in its order
    results = await engine.accept_proposal()
    rows = tuple(_order_result(intent, r) for intent, r in zip(intents, results) if isinstance(r, Outcome))
    sent = sum(1 for r in results if not isinstance(r, ExecutionError))
    return CommandResult(sent > 0, f"Kill switch cut: {sent} of {len(results)} orders sent", rows)


def _reset(engine: Engine) -> CommandResult:
    kill = engine.risk.kill
    if not kill.latched:
        extra = " (WARN clears by itself)" if kill.status is KillStatus.WARN else ""
        return CommandResult(False, f"Kill switch is {kill.status.value}: nothing to reset{extra}")
    if engine.reset_kill():
        return CommandResult(True, "Kill switch reset to NORMAL")
    return CommandResult(False, "Kill switch stays latched: its cause has not cleared yet")


def _set_mode(engine: Engine, mode: KillMode) -> CommandResult:
    engine.risk.set_kill_mode(mode)
    engine.notice(f"kill switch mode: {mode.value}")
    return CommandResult(True, f"Kill switch now {'sends its own cuts' if mode is KillMode.AUTO else 'advises'}")


def _set_carry_size(engine: Engine, notional: object) -> CommandResult:
    """Price the carry scanner at `notional` per leg (it informs only: allowed read-only too)."""
    lo, hi = CARRY_SIZE_RANGE
    if not (isinstance(notional, (int, float)) and not isinstance(notional, bool) and math.isfinite(notional)
            and lo <= notional <= hi):
        return CommandResult(False, f"carry size: must be a number of USD from {lo:,.0f} to {hi:,.0f}, "
                                    f"not {notional!r}")
    if not engine.set_carry_size(float(notional)):
        return CommandResult(False, "carry size: this engine has no carry scanner")
    return CommandResult(True, f"Carry scanner priced at {notional:,.0f} USD per leg")


def no_cut_reason(frame) -> str:
    """Why the kill switch has no cut to accept now, in words a person can act on."""
    kill, book = frame.assessment.kill, frame.book
    if kill.status is not KillStatus.REDUCING:
        return f"Kill switch is {kill.status.value}: it proposes a cut only when REDUCING"
    if kill.proposed:
        how = "by the engine (auto mode)" if kill.mode is KillMode.AUTO else "already"
        return f"REDUCING: its cut was sent {how}; waiting for the fills"
    not_live = [acc.name for acc in book.accounts if acc.health is not Health.LIVE]
    holding = {acc.name for acc in book.accounts if acc.snapshot and acc.snapshot.positions}
    if holding and holding <= set(not_live):
        return (f"REDUCING proposes nothing: every account holding positions is not LIVE "
                f"({', '.join(sorted(holding))}); the cut waits for their live data")
    if not holding:
        return "REDUCING proposes nothing: nothing to cut (no open positions)"
    return "REDUCING proposes nothing now" + (f"; not LIVE: {', '.join(not_live)}" if not_live else "")

