"""Commands: what a terminal asks the engine to do, and what the engine answers.

A terminal never calls the engine's internals: it sends one of these typed values through
`EngineAPI.send` (or asks `EngineAPI.preview` what it would do). The engine validates every
command itself (read-only, the account's health, the position, the size): a terminal's own checks
are for showing a reason sooner, never for safety. Every value here is frozen and travels over the
guard's socket unchanged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
import typing
from typing import Union

from cockpit.model.enums import IntentSource, KillMode, LiqKind, OrderStatus, Side
from cockpit.model.ids import PositionKey
from cockpit.model.orders import Intent
from cockpit.model.unwind import RunMode, StepStyle, UnwindRun, UnwindTarget


@dataclass(frozen=True, slots=True)
class Trim:
    """Reduce the position `key` by `fraction` (0 < fraction ≤ 1) with one reduce-only order.

    Attributes:
        id: the terminal's id for this command. The engine derives the order's client id from
            it, so the same command sent twice (a retry after a lost answer) is one order.
        cap: the size the person confirmed in the preview: the engine never sends more, even
            if the position grew in between.
    """

    key: PositionKey
    fraction: float
    id: str = ""
    cap: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Close:
    """Close the position `key` with one reduce-only order (a `Trim` of the whole position)."""

    key: PositionKey
    id: str = ""
    cap: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AcceptKillCut:
    """Send the kill switch's proposed cut (advise mode: a person accepted it).

    Attributes:
        episode: the kill-switch episode the person saw; the engine refuses when the proposal on
            its side belongs to another episode (the screen was behind).
    """

    episode: str | None = None


@dataclass(frozen=True, slots=True)
class ResetKill:
    """A person's reset of the latched kill switch (refused while its cause has not cleared)."""


@dataclass(frozen=True, slots=True)
class SetKillMode:
    """Switch the kill switch between advising and sending its own cuts."""

    mode: KillMode


@dataclass(frozen=True, slots=True)
class StartUnwind:
    """Start a guided unwind to `target`: the engine freezes new risk, cancels the open orders that
    do not reduce risk, reconciles every account and plans; the run then waits (READY) for a
    person to confirm its first step, or to let it run (`ResumeRun`).

    `preview(StartUnwind)` answers the plan it would make now (an `UnwindRun` in READY that was
    never started), without freezing or cancelling anything.

    Attributes:
        style: MARKET, or LADDER (limit orders within `slippage_bound` of the mark, market for the
            rest after `ladder_timeout` seconds).
        trigger: who asked, for the report ("key", "palette", "kill switch").
    """

    target: UnwindTarget
    mode: RunMode = RunMode.STEP
    style: StepStyle = StepStyle.MARKET
    slippage_bound: float = 0.005
    ladder_timeout: float = 20.0
    trigger: str = "key"
    id: str = ""


@dataclass(frozen=True, slots=True)
class ConfirmStep:
    """Send step `seq` of run `run` (step mode: the person confirmed it)."""

    run: str
    seq: int


@dataclass(frozen=True, slots=True)
class ConfirmHedge:
    """Send the blind-venue hedge of step `seq` (its own confirmation: it is the one order that
    opens a position)."""

    run: str
    seq: int


@dataclass(frozen=True, slots=True)
class ResumeRun:
    """Let run `run` go on by itself (confirm once): from READY, WAITING or PAUSED to RUNNING."""

    run: str


@dataclass(frozen=True, slots=True)
class PauseRun:
    """Pause run `run`: no new order is sent; orders out are left to finish and resolve."""

    run: str


@dataclass(frozen=True, slots=True)
class SkipStep:
    """Skip step `seq` of run `run` (it is reported as skipped)."""

    run: str
    seq: int


@dataclass(frozen=True, slots=True)
class AbortRun:
    """End run `run` now: nothing more is sent, every step not over is skipped, and the run is
    verified and reported."""

    run: str


@dataclass(frozen=True, slots=True)
class DismissRun:
    """Take the finished run `run` off the screen (its report stays on disk)."""

    run: str


@dataclass(frozen=True, slots=True)
class SetCarrySize:
    """Price the carry scanner at `notional` (USD per leg) from the next evaluation on.

    It changes what the scanner shows (`Assessment.carry`), for every attached terminal, and
    nothing else: the scanner sends no order, so a read-only engine accepts it too. The engine
    refuses a size that is not a finite number within `CARRY_SIZE_RANGE`.
    """

    notional: float


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Cancel one open order of `account`, by the client id the frame shows for it: one of ours
    (`Frame.working`) or one at the venue that is not ours (`VenueSnapshot.open_orders`: placed
    by hand or by another program).

    Cancelling only ever removes an order, so the engine allows it while the kill switch is
    HALTED and while a run freezes new risk. It refuses in read-only mode, for an order it does
    not know (already filled, cancelled or never placed), and for an order of an unwind step that
    is being sent: the run would send the rest at market at once (abort the run to stop it).
    """

    account: str
    client_id: str


@dataclass(frozen=True, slots=True)
class CancelAll:
    """Cancel every open order of `account` (ours and the venue's) that `CancelOrder` would
    cancel; the orders of an unwind step being sent are left to the run, and named."""

    account: str


@dataclass(frozen=True, slots=True)
class ExportLedger:
    """Write the funding payments booked since `since` (POSIX seconds; None: the ledger's own
    start) as CSV into ``exports/`` beside the engine's journal, for accounting. The answer names
    the file. It writes a file and sends nothing, so a read-only engine accepts it too; an engine
    without files (an in-memory journal) refuses it and points at `cockpit funding export`."""

    since: float | None = None


CARRY_SIZE_RANGE = (1_000.0, 1_000_000_000.0)
"""The sizes (USD per leg) the carry scanner can be priced at: from $1k to $1bn."""


@dataclass(frozen=True, slots=True)
class WatchPlots:
    """Say which plot series this terminal watches: while any terminal does, every frame carries
    them (`Frame.plots`, see `cockpit.model.plots`); when none does, frames carry none.

    A watch is a lease: it lapses `WATCH_LEASE` seconds after it was last sent, so a terminal
    that dies without a word costs nothing for long; a terminal renews it while its plots are
    on screen (and the guard drops an attached terminal's watches when it detaches). It changes
    nothing but what frames carry, so a read-only engine accepts it too.

    Attributes:
        watcher: the terminal's id for its watch (`new_command_id()`), the same on every renewal.
        cells: the funding cells, (asset, venue), whose history it watches (at most
            `cockpit.model.plots.MAX_CELLS`); the stress index and equity come with any watch.
        stop: end the watch now (the plots were closed).
    """

    watcher: str
    cells: tuple[tuple[str, str], ...] = ()
    stop: bool = False


WATCH_LEASE = 60.0
"""Seconds a `WatchPlots` holds without being sent again."""


def trim_intent(command: Trim | Close) -> Intent:
    """The intent a trim (or close) becomes. Its id comes from the command's id, so a command sent
    twice (a retry after a lost answer) is one order under one client id; a command without an id
    gets a fresh one."""
    fraction = 1.0 if isinstance(command, Close) else float(command.fraction)
    key = command.key
    return Intent(
        id=f"trim:{key}:{fraction}:{command.id or new_command_id()}",
        account=key.account,
        symbol=key.symbol,
        source=IntentSource.HOTKEY,
        reason="close" if fraction >= 1 else f"hotkey trim {fraction:.0%}",
        fraction=fraction,
    )


RunCommand = Union[StartUnwind, ConfirmStep, ConfirmHedge, ResumeRun, PauseRun, SkipStep, AbortRun, DismissRun]
"""The commands of a guided unwind run."""

Command = Union[Trim, Close, AcceptKillCut, ResetKill, SetKillMode, StartUnwind, ConfirmStep, ConfirmHedge,
                ResumeRun, PauseRun, SkipStep, AbortRun, DismissRun, SetCarrySize, CancelOrder, CancelAll, WatchPlots,
                ExportLedger]
"""Every command a terminal may send."""

#: Every command class, for a reader that must check what arrived (the guard's socket).
COMMANDS = typing.get_args(Command)

#: The commands that may send (or cancel) orders: refused by a read-only engine or terminal.
ORDER_COMMANDS = (Trim, Close, AcceptKillCut, StartUnwind, ConfirmStep, ConfirmHedge, ResumeRun, SkipStep,
                  AbortRun, CancelOrder, CancelAll)
#: What a read-only terminal (`cockpit --readonly` attached to a guard) may send: they change
#: what terminals are shown (the plots' series, the carry scanner's size: it informs only) or
#: write a file (the ledger's CSV). Everything else acts on the engine: orders, the kill switch,
#: a run.
LOOK_COMMANDS = (WatchPlots, SetCarrySize, ExportLedger)
#: The commands of a run.
RUN_COMMANDS = (StartUnwind, ConfirmStep, ConfirmHedge, ResumeRun, PauseRun, SkipStep, AbortRun, DismissRun)


@dataclass(frozen=True, slots=True)
class OrderResult:
    """What became of one order a command sent (or would have sent)."""

    account: str
    symbol: str
    client_id: str
    status: OrderStatus
    filled: Decimal
    message: str


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The engine's answer to a command.

    Attributes:
        ok: the command was carried out (its orders may still have been rejected by a venue:
            see `orders`).
        message: one line for the person: what happened, or why it was refused.
        orders: the orders it sent, with their outcome as known when it answered.
    """

    ok: bool
    message: str
    orders: tuple[OrderResult, ...] = ()


@dataclass(frozen=True, slots=True)
class TrimPreview:
    """The frozen values a trim's confirmation shows: what will be sent if the person confirms.

    Attributes:
        est_price / est_cost / notional: the order's estimated average price, its cost (taker
            fee plus impact) and its notional; None when no price of the symbol is known (the
            confirmation says so: an unknown cost is never shown as 0).
        mark: the price the estimate starts from (the position's mark, else the snapshot's or
            the risk engine's); None when none is known.
        liq_before / liq_after: the position's liquidation price now and after the trim, as risk
            computes it (`cockpit.risk.trim`); None when it has none (after a full close, or
            when no price move reaches it) or it is unknown (`liq_kind` UNKNOWN).
        liq_kind: POSITION (its own price) or ACCOUNT (cross margin: the price of this symbol
            at which the account-level move liquidates the whole cross account).
        liq_closer: after the trim liquidation is nearer the mark than now (cutting a leg
            that hedges the account, or a cost above the maintenance the cut frees).
        cross: the position is cross margin (else isolated).
    """

    intent: Intent
    account: str
    venue: str
    symbol: str
    side: Side
    size: Decimal
    cut: Decimal
    order_side: Side
    est_price: float | None
    est_cost: float | None
    after: Decimal
    notional: float | None
    asset: str  # the instrument's base asset, which the symbol's text need not spell
    unit: str = ""  # what size, cut and after count: "" base units (the asset), or "contracts"
    mark: float | None = None
    liq_before: float | None = None
    liq_after: float | None = None
    liq_kind: LiqKind = LiqKind.UNKNOWN
    liq_closer: bool = False
    cross: bool = True


@dataclass(frozen=True, slots=True)
class CutLine:
    """One order of the kill switch's proposed cut, as its confirmation lists it."""

    account: str
    symbol: str
    asset: str
    amount: Decimal | None
    fraction: float | None


@dataclass(frozen=True, slots=True)
class CutPreview:
    """What accepting the kill switch's cut would send now (the orders not sent yet)."""

    episode: str | None
    status: str
    cause: str
    cut_planned: float
    lines: tuple[CutLine, ...]


@dataclass(frozen=True, slots=True)
class Refused:
    """A command the engine will not carry out now, and why (one line for the person)."""

    reason: str


Preview = Union[TrimPreview, CutPreview, UnwindRun, Refused]
"""What `EngineAPI.preview` answers."""


def new_command_id() -> str:
    """A fresh id for a command: the seed of its orders' client ids (so a resend is one order)."""
    return secrets.token_hex(8)
