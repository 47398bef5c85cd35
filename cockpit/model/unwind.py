"""The guided emergency unwind: its target, its plan's steps, and the run as the frame carries it.

A run is an engine workflow (`cockpit.engine.unwind`): freeze → cancel → reconcile → plan →
preview → execute (step by step, or running with pause and abort) → verify → report. Every value
here is frozen, journaled at every transition (the whole `UnwindRun`, through the model's exact
codec) and published on the frame, so a restarted engine resumes the same run at the same step with
the same intent ids, and every attached terminal sees the same run.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from cockpit.model.enums import OrderStatus, Side
from cockpit.model.ids import PositionKey


class TargetKind(str, Enum):
    """What a run cuts to."""

    FLAT = "flat"  # every position, whole
    GROSS = "gross"  # gross notional by `UnwindTarget.fraction`
    ASSET = "asset"  # every position in one asset, whole
    ACCOUNT = "account"  # every position of one account (a venue), whole
    LAYER = "layer"  # every position settling on one layer, whole
    KILL_CUT = "kill-cut"  # the kill switch's latched cut, by its planned sizes


@dataclass(frozen=True, slots=True)
class UnwindTarget:
    """A run's target: `kind`, with `fraction` (GROSS) or `name` (ASSET, ACCOUNT, LAYER)."""

    kind: TargetKind
    fraction: float = 1.0
    name: str = ""


class RunMode(str, Enum):
    """How steps are sent: each after its own confirmation, or all after one."""

    STEP = "step"
    RUNNING = "running"


class StepStyle(str, Enum):
    """How a step's orders are placed."""

    MARKET = "market"
    LADDER = "ladder"  # limit orders within a slippage bound; market for what is left at the timeout


class RunState(str, Enum):
    """Where a run is. READY: planned and previewed, nothing sent; WAITING: the next step (or a
    hedge) waits for a person's confirmation; VERIFYING: every step is over, positions are being
    checked against the plan; DONE / ABORTED: over, the report written."""

    READY = "ready"
    RUNNING = "running"
    WAITING = "waiting"
    PAUSED = "paused"
    VERIFYING = "verifying"
    DONE = "done"
    ABORTED = "aborted"

    @property
    def over(self) -> bool:
        """The run has ended (its report is written)."""
        return self in (RunState.DONE, RunState.ABORTED)


class StepKind(str, Enum):
    """What a step does."""

    CUT = "cut"  # reduce-only orders on one position
    HEDGE = "hedge"  # blind-venue branch: an offsetting order on a LIVE venue (opens; own confirmation)
    BRIDGE = "bridge"  # a cross-layer transfer: a checklist item a person carries out, never automated
    TOPUP = "topup"  # collateral moved into the account's perp margin within its venue (own confirmation)


class StepStatus(str, Enum):
    """Where a step is."""

    PENDING = "pending"
    OFFERED = "offered"  # a hedge (or a top-up) waiting for its own confirmation
    SENDING = "sending"  # orders journaled or out
    DONE = "done"  # reached its target
    SHORT = "short"  # over, but short of its target (reported, never hidden)
    FAILED = "failed"  # nothing done: refused, rejected after retries
    SKIPPED = "skipped"  # a person skipped it (or aborted the run before it)
    BLOCKED = "blocked"  # its account is not LIVE: it waits, named, until it is
    # A top-up sent whose outcome cockpit cannot learn, on a venue that keeps no client id on it:
    # never sent again; the run pauses until a person checks the venue and marks it (not over).
    UNKNOWN = "unknown"

    @property
    def over(self) -> bool:
        """Nothing more will be sent for this step."""
        return self in (StepStatus.DONE, StepStatus.SHORT, StepStatus.FAILED, StepStatus.SKIPPED)


class Why(str, Enum):
    """Why a step is where it is in the plan (each with its number on the step)."""

    RESCUE_TOO_SLOW = "rescue-too-slow"  # liquidation likely before collateral from another layer arrives
    NEAR_LIQ = "near-liq"  # closest to liquidation (time at current volatility)
    STRESS_LOSS = "stress-loss"  # largest loss under the worst stress shock
    FUNDING_BLEED = "funding-bleed"  # pays funding
    HEDGED_LEG = "hedged-leg"  # cut with the other legs of its asset, so net exposure stays bounded
    TARGET = "target"  # cut only to reach the target
    BLIND_HEDGE = "blind-hedge"  # offsets a position on a venue that cannot be reached
    BLIND_RETURNED = "blind-returned"  # the blind venue is back: its position and its hedge go together
    BRIDGE = "bridge"  # collateral to move by hand between layers
    TOPUP_FASTER = "topup-faster"  # a top-up within the venue lands in seconds: sooner than a cut saves it


@dataclass(frozen=True, slots=True)
class BookFigures:
    """The book as a plan step leaves it (or as it was, or is): what a person weighs a step by.

    `margin` is each account's margin ratio (equity ÷ maintenance; None: no positions or
    unknown) as `(account, ratio)`, in account order.
    """

    gross: float
    net: float
    worst_stress: float
    positions: int
    margin: tuple[tuple[str, float | None], ...] = ()


@dataclass(frozen=True, slots=True)
class RunOrder:
    """One order a run sent, as the journal knows it: the live list of the run's orders."""

    step: int
    client_id: str
    account: str
    symbol: str
    side: Side
    amount: Decimal
    status: OrderStatus
    filled: Decimal = Decimal(0)
    price: float | None = None  # average fill price, when the venue says
    est_price: float | None = None
    detail: str = ""
    time: float = 0.0


@dataclass(frozen=True, slots=True)
class UnwindStep:
    """One step of a plan: one position's cut (or a hedge, or a bridge to carry out by hand).

    Attributes:
        seq: the step's number in the plan (1-based); the run's intent ids carry it.
        group: steps with the same non-empty group go together (the legs of one asset, or a blind
            position with its hedge): none is sent before the others are reached.
        amount: the order size (the instrument's order unit), rounded down to its step; for a
            CUT reduce-only and at most the position; for a HEDGE at most the blind position.
        slices: how many orders the amount is sent in (the participation limit of `depth`).
        est_price / est_cost: estimated average price and cost (fees + slippage at depth); None
            when no price is known (never 0).
        liq_before / liq_after: the position's liquidation price now and after the step.
        time_to_liq: seconds to liquidation at current volatility (None: unknown or none).
        rescue_seconds: the fastest rescue of its account from another layer (None: none).
        after: the book after this step and every step before it.
        attempt: increases when a rejected step is replanned: the next orders' ids change with it,
            a retry of the same attempt reuses them (never two orders for one id).
        hedges: for a HEDGE, the blind position it offsets.
        bridge_seconds / bridge_amount: for a BRIDGE, how long it takes and what it brings (USD);
            for a TOPUP, how long the transfer takes (its USD is `amount`, the currency `unit`).
        route / keyed: for a TOPUP, how it moves at its venue (the venue's own words, "" where
            unknown) and whether the venue keeps cockpit's client id on it (a resend under the id
            is the same transfer); without one a transfer whose answer is lost is never resent.
        transfer_id: for a TOPUP, the venue's own id of the transfer (Binance's tranId), kept
            once the send answered with it where the venue's history is looked up by it: a
            restart finds this very transfer by it. "" until then, and always where the venue's
            answer names no transfer (Hyperliquid).
        filled: what the step's orders have filled so far.
    """

    seq: int
    kind: StepKind
    key: PositionKey
    venue: str
    layer: str
    asset: str
    side: Side  # the position's side (a HEDGE: the side of the position it opens)
    size: Decimal  # the position's size when planned
    amount: Decimal
    notional: float | None
    why: tuple[Why, ...]
    style: StepStyle = StepStyle.MARKET
    slices: int = 1
    group: str = ""
    est_price: float | None = None
    est_cost: float | None = None
    liq_before: float | None = None
    liq_after: float | None = None
    time_to_liq: float | None = None
    rescue_seconds: float | None = None
    after: BookFigures | None = None
    status: StepStatus = StepStatus.PENDING
    attempt: int = 0
    filled: Decimal = Decimal(0)
    detail: str = ""
    hedges: PositionKey | None = None
    unit: str = ""
    bridge_seconds: float | None = None
    bridge_amount: float = 0.0
    depth: float | None = None  # USD the venue's book held within the slippage bound (None: not asked)
    route: str = ""
    keyed: bool = False
    transfer_id: str = ""

    @property
    def order_side(self) -> Side:
        """The side of the step's orders: against the position (a cut), with it (a hedge)."""
        return self.side if self.kind is StepKind.HEDGE else self.side.opposite


#: `BlindAccount.health` of an account that came back during the run.
BACK = "back"


@dataclass(frozen=True, slots=True)
class BlindAccount:
    """An account that is STALE or DOWN while it holds risk: named, never silently skipped.
    `health` is what it was when the run planned, or `BACK` once it came back during the run
    (and what the run owed it was cut)."""

    account: str
    health: str
    positions: int
    gross: float | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class UnwindRun:
    """A guided unwind as the frame carries it, and as the journal keeps it.

    Attributes:
        id: the run's id; every intent id of the run starts with `unwind:<id>:`.
        trigger: who started it and why ("key", "palette", "kill switch episode …", "drill …").
        net_bound: the largest |net| exposure (USD) any step may leave the book with: |net| at
            the start plus `net_slack` of the starting gross (documented in the README).
        cancelled: open orders the run cancelled because they did not reduce risk (client ids).
        held: positions kept although the target covers them, each with the blind position it
            offsets, as (held, blind): cutting it would leave the blind one naked, so it stays
            until the blind venue returns and then goes with it.
        started / ended: wall times; `elapsed` is what the screen counts.
        report: where the incident report was written (Markdown; the JSON sits beside it).
        note: the last thing the run did or waits for, in one line.
    """

    id: str
    target: UnwindTarget
    mode: RunMode
    state: RunState
    trigger: str
    started: float
    steps: tuple[UnwindStep, ...] = ()
    orders: tuple[RunOrder, ...] = ()
    blind: tuple[BlindAccount, ...] = ()
    held: tuple[tuple[PositionKey, PositionKey], ...] = ()
    cancelled: tuple[str, ...] = ()
    before: BookFigures | None = None
    after: BookFigures | None = None
    net_bound: float = 0.0
    ended: float | None = None
    report: str = ""
    note: str = ""
    style: StepStyle = StepStyle.MARKET
    slippage_bound: float = 0.005
    ladder_timeout: float = 20.0
    events: tuple[tuple[float, str], ...] = ()  # the run's timeline, oldest first (the report's)
    aborted: bool = False  # a person aborted it (it ends ABORTED once verified)

    def elapsed(self, now: float) -> float:
        """Seconds since the run started (until it ended)."""
        return (self.ended if self.ended is not None else now) - self.started

    @property
    def progress(self) -> tuple[int, int]:
        """(steps over, steps in the plan), counting cut and hedge steps."""
        work = [s for s in self.steps if s.kind is not StepKind.BRIDGE]
        return sum(1 for s in work if s.status.over), len(work)

    def step(self, seq: int) -> UnwindStep | None:
        """The step numbered `seq`, if any."""
        return next((s for s in self.steps if s.seq == seq), None)
