"""Funding over time: rate samples, payments booked by a venue, per-cell period figures and the
funding ledger the frame carries.

Signs: a rate is positive when longs pay shorts (as `FundingQuote.rate`); an amount of money is
what the account received, so a payment it made is negative. Money is exact (`Decimal`) where a
venue booked it; estimates (what the cockpit worked out from rates and notionals) are floats and
are named so.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import NamedTuple

HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.0
"""Funding accrues every day of the year: perps never close."""


def annualized(rate, interval_hours):
    """The APR of a funding `rate` paid every `interval_hours`: rate × (24 / interval_hours) × 365,
    always from the symbol's own interval. The one formula for every APR in the cockpit, on floats
    and numpy arrays alike (element by element); the callers decide what an unknown interval
    (None) reads as. An interval of 0 raises on floats, as any division by zero."""
    return rate * (HOURS_PER_DAY / interval_hours) * DAYS_PER_YEAR


def per_interval(apr, interval_hours):
    """The rate per interval of `apr` paid every `interval_hours`: `annualized` undone."""
    return apr * interval_hours / HOURS_PER_DAY / DAYS_PER_YEAR


def day_of(t: float) -> str:
    """The UTC day of `t` (POSIX seconds) as YYYY-MM-DD: the funding ledger's day (`LedgerLine.day`)."""
    return _time.strftime("%Y-%m-%d", _time.gmtime(t))


class FundingSample(NamedTuple):
    """One funding rate of one symbol at one time, as a venue published or settled it.

    `interval_hours` is the symbol's interval at that time (None: the venue did not say);
    `apr` is then unknown (NaN) rather than annualised over a guess.
    """

    time: float
    rate: float
    interval_hours: float | None = None
    predicted_rate: float | None = None

    @property
    def apr(self) -> float:
        """rate × (24 / interval) × 365; NaN when the interval is unknown."""
        if self.interval_hours is None or self.interval_hours <= 0:
            return float("nan")
        return annualized(self.rate, self.interval_hours)


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """One funding payment booked on an account (the venue's own record, or the simulator's).

    Attributes:
        id: the venue's id of the payment (unique per account), so a second read of the same
            history never books it twice.
        amount: received (+) or paid (−), in `currency`, exactly as the venue booked it.
        rate: the rate it was paid at, when the venue says.
        notional: the position's notional it was paid on, when the venue says (USD).
    """

    account: str
    venue: str
    symbol: str
    asset: str
    time: float
    amount: Decimal
    currency: str
    id: str
    rate: float | None = None
    notional: float | None = None


class Period(str, Enum):
    """The heatmap's period: the live rate, or figures over the last day or week."""

    NOW = "now"
    DAY = "1d"
    WEEK = "7d"


class CellStats(NamedTuple):
    """What the history says about one asset × venue cell (`cockpit.risk.periods`).

    Averages and shares are time-weighted (a sample holds until the next one), so sparse
    settled rates from a backfill and dense live samples count by the time they cover.
    None where the history does not cover any of the period.

    Attributes:
        avg_1d / avg_7d: the mean APR over the last day / week.
        positive_1d / positive_7d: the share of that period (0-1) the APR was above zero.
        median_1d / median_7d: the median APR over the period.
        stability: the robust spread of the APR over the week (1.4826 × its median absolute
            deviation, APR points): small when funding has been steady.
        covered: the seconds of the last week the history covers.
        interval_changes: the times within the week the symbol's interval changed.
    """

    asset: str
    venue: str
    avg_1d: float | None = None
    positive_1d: float | None = None
    avg_7d: float | None = None
    positive_7d: float | None = None
    median_1d: float | None = None
    median_7d: float | None = None
    stability: float | None = None
    covered: float = 0.0
    interval_changes: tuple[float, ...] = ()


class LedgerLine(NamedTuple):
    """Funding of one position (account, symbol) over one UTC day.

    `booked` is what the venue (or the simulator) booked, exact, summed; None when it booked
    nothing that day. `estimate` is what the cockpit's own sampled rates and notionals give
    for the same day (None when it did not watch the position that day). `disagrees` is set
    when both are known and differ by more than the ledger's tolerance (`cockpit.risk.ledger`).
    """

    day: str
    account: str
    venue: str
    symbol: str
    asset: str
    currency: str
    booked: Decimal | None
    payments: int
    estimate: float | None = None
    disagrees: bool = False


class AssetFunding(NamedTuple):
    """Funding per asset: booked over the ledger's window and the projection at current rates.

    `projected_per_day` is what the positions held now earn (+) or pay (−) per day at the
    current rates (USD; None when a rate or notional is unknown).
    """

    asset: str
    booked: Decimal
    projected_per_day: float | None


@dataclass(frozen=True, slots=True)
class FundingLedger:
    """Funding paid and earned: per position and day, per account, per asset.

    Attributes:
        since: the start of the window the lines cover.
        lines: the newest day first, then by account and symbol.
        per_account: (account, booked total) over the window.
        per_asset: booked total and projection per asset.
        sources: per account, where its lines come from: "venue" (its own funding history),
            "sim" (booked by the simulator) or "none" (the venue gives no history: estimate only).
        disagreements: how many lines have `disagrees` set.
    """

    since: float
    lines: tuple[LedgerLine, ...] = ()
    per_account: tuple[tuple[str, Decimal], ...] = ()
    per_asset: tuple[AssetFunding, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()
    disagreements: int = 0


__all__ = ["DAYS_PER_YEAR", "HOURS_PER_DAY", "AssetFunding", "CellStats", "FundingLedger", "FundingPayment",
           "FundingSample", "LedgerLine", "Period", "annualized", "day_of", "per_interval"]
