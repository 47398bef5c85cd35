"""What risk evaluation concludes about a book: the numbers every pane shows.

`cockpit.risk` produces an `Assessment`; the UI only formats it. Its rows (one per position,
asset, funding cell, account, playbook step, scenario) are plain `NamedTuple`s: immutable, and
as cheap to build as a tuple, since an evaluation builds hundreds of them several times a second.
Money figures are in the settle currency (USD-equivalent) as floats: they are analytics, never
order sizes. Unknown is None, never 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import NamedTuple

from cockpit.model.ids import PositionKey
from cockpit.model.enums import KillMode, Layer, LiqKind, Side
from cockpit.model.orders import Intent


def maint_used(margin_ratio: float | None) -> float | None:
    """Maintenance margin as a fraction of equity (1.0 = liquidation; rising is dangerous), from
    the margin ratio equity ÷ maintenance. None when unknown; infinite when equity is not positive.

    The one convention the screens show: a Binance user reads "margin ratio" as maintenance over
    equity, so the inverse (equity over maintenance, 38.5) read backwards as 3.85 % used.
    """
    if margin_ratio is None or margin_ratio != margin_ratio:
        return None
    return 1.0 / margin_ratio if margin_ratio > 0 else math.inf


class RescueStatus(str, Enum):
    """How other accounts' surplus meets one account's rescue need."""

    COVERED = "covered"  # in full: the sources and route say how, `rescue_seconds` how fast
    PARTIAL = "partial"  # only `rescue_amount` of `rescue_need`: it never completes
    UNCOVERED = "uncovered"  # nobody has surplus that can reach it
    NONE = "none"  # nothing to bring: no positions, so no buffer


class StepReason(str, Enum):
    """Why a playbook step is where it is; each code's number is on the step."""

    NEAR_LIQ = "near-liq"  # `liq_distance` from liquidation
    STRESS_LOSS = "stress-loss"  # loses `stress_loss` under the uniform shock `scenario`
    TAIL_LOSS = "tail-loss"  # loses `stress_loss` in the correlated tail
    FUNDING_BLEED = "funding-bleed"  # pays `funding_per_day` (negative) in funding
    GROSS_CUT = "gross-cut"  # none of the above: cut only to reach the gross target


class Cover(str, Enum):
    """Whose collateral covers a playbook step's cost (the step's account's `LayerCollateral`
    holds the numbers)."""

    OWN = "own"  # its own account's free collateral above its buffer
    RESCUE = "rescue"  # its account's rescue, covered in full
    PARTIAL = "partial"  # its account's rescue, which only partly covers the need
    UNCOVERED = "uncovered"  # neither


class PositionRisk(NamedTuple):
    """One row of the positions pane.

    Attributes:
        notional: |size| × mark; None when the mark is unknown.
        liq_price: the position's own liquidation price; None for cross positions without one.
        liq_distance: fraction the mark must move against the position to reach liquidation
            (position-level, or for cross the account-level move); None when unknown.
        liq_kind: "position" (its own price), "account" (cross: account-level move) or "unknown".
        liq_direction: which way the mark must go to liquidate: +1 a rise, −1 a fall, 0 unknown
            (or already there). A long's own price is below its mark (−1), but a cross long in an
            account that is net short dies on a rise of the whole account (+1).
        funding_apr: the APR of the symbol's funding from its own interval, signed as the venue
            quotes it (positive: longs pay).
        funding_per_day: what this position earns per day from funding: negative when it pays.
        flags: short tags: "over-limit", "near-liq", "stale", "hedged".
        limit_notional / over_by / trim_fraction: the tightest sizing limit, the notional above
            it, and the trim that brings the position back (0 when within limits).
    """

    key: PositionKey
    account: str
    venue: str
    layer: Layer
    symbol: str
    asset: str
    side: Side
    size: Decimal
    notional: float | None
    entry: float
    mark: float | None
    upnl: float | None
    leverage: float | None
    liq_price: float | None
    liq_distance: float | None
    liq_kind: LiqKind
    funding_apr: float | None
    funding_per_day: float | None
    flags: tuple[str, ...] = ()
    limit_notional: float | None = None
    over_by: float = 0.0
    trim_fraction: float = 0.0
    limit_reason: str = ""
    liq_direction: int = 0


class AssetExposure(NamedTuple):
    """Net and gross exposure of one asset across every account.

    `vol` is the asset's EWMA realized volatility (annualized) and `vol_percentile` its rank in
    its own history (0-100); both None until measured.
    """

    asset: str
    net: float
    gross: float
    long: float
    short: float
    legs: int
    hedged: bool
    vol: float | None = None
    vol_percentile: float | None = None


class FundingCell(NamedTuple):
    """One asset × venue cell of the funding heatmap.

    `deviation` is the cell's robust z against its own trailing median (see `cockpit.risk.funding`);
    `stale` is True when only accounts that are not LIVE quote it (it then counts for nothing).
    `interval_hours` is None when the venue did not say it: `apr` is then NaN (unknown) and the
    cell counts for nothing in the stress index either. `open_interest` is the venue's open
    interest in USD, to two significant figures (None: not told). `per_day` is what your
    positions in this cell earn per day at the current rate, to three significant figures
    (negative: they pay; None when you hold nothing there or it is unknown).
    """

    asset: str
    venue: str
    symbol: str
    apr: float
    rate: float
    interval_hours: float | None
    next_time: float | None = None
    predicted_rate: float | None = None
    held: Side | None = None
    history: tuple[float, ...] = ()
    deviation: float = 0.0
    stale: bool = False
    open_interest: float | None = None
    per_day: float | None = None


class CarryPair(NamedTuple):
    """One long-venue / short-venue pair of an asset in the carry scanner (`CarryScan`).

    The pair is long the perp on `long_venue` and short the same asset's perp on `short_venue`,
    `size` (the scan's) of notional on each leg. Rates follow `FundingQuote`: an APR is positive
    when longs pay, so the long leg earns ``−long_apr`` and the short leg ``+short_apr``. Every
    cost and APR is a fraction of one leg's notional.

    Attributes:
        gross_apr: what the pair earns per year from funding, before costs: short_apr − long_apr.
        fees: taker fees on both legs, entry and exit: 2 × (long fee + short fee).
        slippage: the cost model's slippage at the scan's size on both legs, entry and exit.
        net_apr: gross_apr less the entry and exit costs (fees + slippage) spread over the scan's
            holding horizon: gross − (fees + slippage) × 365 / horizon days. Never above gross.
        breakeven_days: days of gross carry that pay the entry and exit costs; None when the pair
            earns nothing (gross ≤ 0): it never breaks even.
        capacity_zero / capacity_half: the size per leg at which net APR falls to zero / to half
            of gross (0 when it is already there at any size, since fees alone exceed it).
        long_interval / short_interval: each leg's funding interval in hours.
        long_next / short_next: each leg's next payment time (None when the venue does not say).
        mismatch: the legs pay at different times (different intervals): between payments they
            do not offset, so entering or leaving at the wrong moment can cost one payment.
        timing: that one payment: the rate per interval of the leg with the longer interval
            (its absolute value, a fraction of notional; 0 when the intervals match).
        samples: history samples both legs have (their APR histories at the same sample times,
            or aligned at the newest when the times are not known).
        positive_share: share of those samples in which the spread (short APR − long APR) was
            positive; None with fewer than 2 samples (not enough history to say).
        spread_median / spread_min: the spread's median and minimum over them (None likewise).
        held: you hold this pair: a net long on `long_venue` and a net short on `short_venue`.
        pays_both: held, and both legs pay funding (the long's APR is positive and the short's
            negative): a warning, listed first.
        stale: a leg's quote comes only from accounts that are not LIVE.
    """

    asset: str
    long_venue: str
    short_venue: str
    long_symbol: str
    short_symbol: str
    long_apr: float
    short_apr: float
    gross_apr: float
    fees: float
    slippage: float
    net_apr: float
    breakeven_days: float | None
    capacity_zero: float
    capacity_half: float
    long_interval: float | None = None
    short_interval: float | None = None
    long_next: float | None = None
    short_next: float | None = None
    mismatch: bool = False
    timing: float = 0.0
    samples: int = 0
    positive_share: float | None = None
    spread_median: float | None = None
    spread_min: float | None = None
    held: bool = False
    pays_both: bool = False
    stale: bool = False


class DepthSource(str, Enum):
    """Where the carry scanner's slippage comes from."""

    MODEL = "model"  # the cost model's square-root impact at its reference depth (`cockpit.risk.orders`)
    VENUE = "venue"  # the venues' own book depth


@dataclass(frozen=True, slots=True)
class CarryScan:
    """The carry scanner: per asset, the best long-venue / short-venue pair at `size`, and the
    pairs you hold; the warnings (held pairs that pay funding on both legs) first, then by net
    APR, best first. It informs only: nothing is ever sent from it.

    Attributes:
        size: notional per leg (USD) the costs and net APRs are at.
        horizon_days: the holding period the entry and exit costs are spread over in `net_apr`.
        depth: where slippage comes from (`DepthSource`).
        pairs: the ranked pairs (`CarryPair`).
        sample_seconds: the spacing of the history samples the pairs' stability is measured
            over (0: not known).
    """

    size: float
    horizon_days: float
    depth: DepthSource = DepthSource.MODEL
    pairs: tuple[CarryPair, ...] = ()
    sample_seconds: float = 0.0


class LayerCollateral(NamedTuple):
    """One account's collateral line in the collateral pane, with its buffer and rescue time.

    Attributes:
        margin_ratio: equity ÷ maintenance (below 1: liquidated); None when maintenance is
            unknown. Screens show its inverse, `maint_used` (100% = liquidation), never this.
        buffer_target: free collateral this account should keep for fast exits.
        shortfall: how far free collateral is below the target (0 when above).
        rescue_seconds: typical time until other accounts' surplus covers `rescue_need` (None
            unless it is covered in full).
        rescue_sources / rescue_route: when covered, the accounts whose surplus is brought and
            the route of the slowest of them (`cockpit.model.layers.Trip.label`); empty otherwise.
        leverage: effective leverage (gross after cross-margin offsets / equity); None when
            equity is not positive.
        liq_move: the uniform price move (signed fraction) that takes the account's margin ratio
            to 1; None when maintenance is unknown or no move reaches it.
        rescue_status: covered in full, partly, not at all, or nothing to bring (`RescueStatus`).
        rescue_need: what a rescue must bring: the shortfall, or a whole buffer when there is none.
        rescue_amount: what other live accounts can bring of it (their surplus over their own
            buffers), at most `rescue_need`.
        rescue_congested_seconds: `rescue_seconds` under congestion (`cockpit.model.layers`).
        danger: the margin is close enough to liquidation to be shown as a warning (a margin
            ratio of at most `cockpit.risk.collateral.DANGER_RATIO`).
    """

    account: str
    venue: str
    layer: Layer
    currency: str
    equity: float
    used: float
    free: float
    withdrawable: float | None
    in_flight: float
    margin_ratio: float | None
    buffer_target: float
    shortfall: float
    rescue_seconds: float | None
    rescue_route: str
    stale: bool = False
    leverage: float | None = None
    liq_move: float | None = None
    rescue_status: RescueStatus = RescueStatus.NONE
    rescue_need: float = 0.0
    rescue_amount: float = 0.0
    rescue_congested_seconds: float | None = None
    rescue_sources: tuple[str, ...] = ()
    danger: bool = False

    @property
    def maint_used(self) -> float | None:
        """Maintenance ÷ equity (1.0 = liquidation); None when maintenance is unknown."""
        return maint_used(self.margin_ratio)


class PlaybookStep(NamedTuple):
    """One step of the standing unwind plan: which position, how much, why, at what cost.

    `notional`, `est_price` and `est_cost` are None when the position's mark is unknown.
    `reasons` says why it is where it is (`StepReason`, most urgent first) with the numbers
    behind the codes: `liq_distance` (NaN when unknown), `stress_loss` in `scenario` (negative:
    a loss), `funding_per_day` (negative: paid). `cover` says whose collateral pays its cost.
    """

    order: int
    key: PositionKey
    account: str
    symbol: str
    side: Side
    cut_size: Decimal
    cut_fraction: float
    notional: float | None
    reasons: tuple[StepReason, ...]
    est_price: float | None
    est_cost: float | None
    cover: Cover = Cover.UNCOVERED
    liq_distance: float = math.nan
    stress_loss: float = 0.0
    scenario: str = ""
    funding_per_day: float = 0.0


class StressRow(NamedTuple):
    """The book under one shock scenario.

    `margin_ratios` is every account's margin ratio after the shock, (account, ratio or None
    when its maintenance is unknown or it holds no cross position), in account order: its cross
    side's, since isolated positions have margin of their own (`cockpit.risk.stress`). `tail`
    marks the correlated tail scenario (each asset moves by its own β); the others are uniform.
    """

    name: str
    shock: float
    pnl: float
    min_margin_ratio: float | None
    liquidated_positions: tuple[PositionKey, ...] = ()
    liquidated_accounts: tuple[str, ...] = ()
    margin_ratios: tuple[tuple[str, float | None], ...] = ()
    tail: bool = False

    @property
    def max_maint_used(self) -> float | None:
        """The highest maintenance ÷ equity of any account after the shock (1.0 = liquidation)."""
        return maint_used(self.min_margin_ratio)


class KillStatus(str, Enum):
    """The graded kill switch: NORMAL → WARN → REDUCING → HALTED (latched)."""

    NORMAL = "NORMAL"
    WARN = "WARN"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


@dataclass(frozen=True, slots=True)
class KillEvent:
    """A transition of the kill switch, with its cause and the numbers behind it."""

    time: float
    before: KillStatus
    after: KillStatus
    cause: str
    numbers: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class PlannedCut:
    """One position of a kill-switch episode's frozen plan.

    Attributes:
        key: the position (written "account|symbol" in the journal).
        size / mark: its size and mark when the episode planned it; the episode's progress is
            measured against these, never against what is left after a restart.
        cut: the planned reduction, in size.
        intent: the reduce-only intent that carries it out (None when it rounds to nothing);
            its id never changes, so the executor's journal dedups it across restarts.
    """

    key: PositionKey
    size: float
    mark: float
    cut: float
    intent: Intent | None = None


@dataclass(frozen=True, slots=True)
class ProposedCut:
    """One intent of the kill switch's proposal, measured against its position.

    Attributes:
        intent: the proposed reduce-only intent (`KillState.proposed`).
        position: its position's row; None when the position is not in the book any more.
        fraction: the share of the position it cuts (its amount over the position's size, or
            the intent's own fraction); None when neither is known.
        notional: what it cuts at the mark; None when the mark or the amount is unknown.
    """

    intent: Intent
    position: PositionRisk | None
    fraction: float | None
    notional: float | None

    @property
    def key(self) -> PositionKey:
        """The position it cuts."""
        return self.intent.key


@dataclass(frozen=True, slots=True)
class KillLatch:
    """What of the kill switch survives a restart: written to the journal at every transition
    and whenever its episode plans a position, before any of the plan's orders can be sent.

    Attributes:
        episodes: how many episodes have started, ever (episode ids never repeat).
        episode / episode_since: the current episode's id and start (None: no episode).
        plan: the episode's frozen plan, in the order it proposes its intents.
    """

    status: KillStatus = KillStatus.NORMAL
    cause: str = ""
    cause_trigger: str = ""
    since: float | None = None
    episodes: int = 0
    episode: str | None = None
    episode_since: float | None = None
    plan: tuple[PlannedCut, ...] = ()


@dataclass(frozen=True, slots=True)
class KillState:
    """Where the kill switch stands and what it proposes.

    Attributes:
        latched: it will not step down by itself; a person must reset it.
        can_reset: the cause has cleared (below re-entry for the dwell time).
        proposed: in `advise` mode, the intents it asks the user to accept.
        levels: every trigger as (name, reading or None when not live, threshold), for the
            distance-to-threshold display.
        ratios: each trigger's reading as a fraction of its threshold, in `levels` order (None
            when not live): WARN from `warn_fraction` (the setting), REDUCING from 1. A
            percentile trigger measures this in its tail, so use these rather than reading /
            threshold.
        cut_target / cut_planned: the configured cut and what the proposed intents achieve,
            as fractions of the gross they apply to.
        clear_since: while latched, since when its cause has been below re-entry (None: not
            cleared, or not latched).
    """

    status: KillStatus = KillStatus.NORMAL
    cause: str = ""
    since: float | None = None
    latched: bool = False
    can_reset: bool = False
    mode: KillMode = KillMode.ADVISE
    proposed: tuple[Intent, ...] = ()
    events: tuple[KillEvent, ...] = ()
    levels: tuple[tuple[str, float | None, float], ...] = ()
    ratios: tuple[float | None, ...] = ()
    cut_target: float = 0.0
    cut_planned: float = 0.0
    clear_since: float | None = None
    warn_fraction: float = 0.8


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything risk evaluation says about one book at `now`.

    Attributes:
        funding_stress: the funding stress index (0-100); None when no live quote measures it.
        funding_stress_history: the index sampled over time, oldest first; None where it was
            unknown (no live quote), never 0.
        equity / gross / net: book totals over the accounts that reported; `unreachable` names
            the accounts that never did (their figures are unknown, so these totals are partial).
            `equity` counts the money in transit between accounts (`in_transit`, each transfer
            once), which no account's own equity shows yet: the collateral pane's sum of the
            accounts' equity is `equity - in_transit`.
        gross_leverage: gross notional ÷ equity, before any offset.
        effective_leverage: the accounts' gross after cross-margin offsets (|net| per asset within
            a cross account, isolated positions at full size) ÷ equity; None when equity is not
            positive.
        partial: accounts that are not LIVE (their figures are last-known).
        proposal: the kill switch's proposed intents (`kill.proposed`) with the share of each
            position they cut, in the same order.
        carry: the carry scanner at the engine's carry size (None: not computed).
        near_liq_distance: the distance to liquidation under which a position is flagged
            "near-liq" (the risk setting), so the flag can say how near against what.
    """

    now: float
    positions: tuple[PositionRisk, ...] = ()
    exposures: tuple[AssetExposure, ...] = ()
    assets: tuple[str, ...] = ()
    venues: tuple[str, ...] = ()
    funding: tuple[FundingCell, ...] = ()
    collateral: tuple[LayerCollateral, ...] = ()
    playbook: tuple[PlaybookStep, ...] = ()
    stress: tuple[StressRow, ...] = ()
    funding_stress: float | None = None
    funding_stress_threshold: float = 60.0
    funding_stress_drivers: tuple[str, ...] = ()
    funding_stress_history: tuple[float | None, ...] = ()
    equity: float = 0.0
    gross: float = 0.0
    net: float = 0.0
    gross_leverage: float = 0.0
    funding_per_day: float = 0.0
    drawdown_daily: float = 0.0
    drawdown_peak: float = 0.0
    kill: KillState = field(default_factory=KillState)
    partial: tuple[str, ...] = ()
    effective_leverage: float | None = None
    unreachable: tuple[str, ...] = ()
    proposal: tuple[ProposedCut, ...] = ()
    in_transit: float = 0.0
    carry: CarryScan | None = None
    near_liq_distance: float = 0.10

    @property
    def funding_stress_warn(self) -> float:
        """The index from which the kill switch warns: its `warn_fraction` of the threshold."""
        return self.kill.warn_fraction * self.funding_stress_threshold

    def cell(self, asset: str, venue: str) -> FundingCell | None:
        """The heatmap cell for `asset` on `venue`, if quoted."""
        for c in self.funding:
            if c.asset == asset and c.venue == venue:
                return c
        return None
