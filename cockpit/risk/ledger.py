"""The funding ledger: payments the venues booked, per position and UTC day, against the
cockpit's own estimate of the same payments.

The estimate of one payment is what the cockpit expected at its settlement time from what it
watched: ``−side × rate × notional`` with the symbol's last quoted rate and the position's notional
just before the payment (the engine books one per position whenever a quote's next payment time
passes while the position is held). A venue's booked payment and an estimate are the same payment
when they are of the same account and symbol and at most `MATCH` seconds apart; a line disagrees
when the matched payments' booked sum and estimated sum differ by more than
``max(ABS_TOLERANCE, REL_TOLERANCE × the larger of the two)``. Payments the cockpit did not watch
(before it started, while it was stopped) have no estimate and are never called a disagreement.

Pure: no I/O and no clock; times are arguments.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Iterable, Sequence

from cockpit.model import PositionRisk
from cockpit.model.funding import AssetFunding, FundingLedger, FundingPayment, LedgerLine, day_of

MATCH = 300.0  # seconds between a booked payment and the cockpit's estimate of it
ABS_TOLERANCE = 0.05  # USD
REL_TOLERANCE = 0.10

Estimate = tuple[str, str, str, str, float, float, float, float]  # account, venue, symbol, asset, time, amount, rate, notional


def match(booked: Sequence[FundingPayment], estimates: Sequence[Estimate]) -> list[tuple[FundingPayment, Estimate | None]]:
    """Each booked payment with the cockpit's estimate of it (same account and symbol, at most
    `MATCH` seconds apart, each estimate used once), or None where the cockpit did not watch it."""
    pool: dict[tuple[str, str], list[Estimate]] = defaultdict(list)
    for e in estimates:
        pool[(e[0], e[2])].append(e)
    out = []
    for p in booked:
        candidates = pool.get((p.account, p.symbol), [])
        found = next((e for e in candidates if abs(e[4] - p.time) <= MATCH), None)
        if found is not None:
            candidates.remove(found)
        out.append((p, found))
    return out


def _matched(booked: Sequence[FundingPayment], estimates: Sequence[Estimate]) -> tuple[Decimal, float, int]:
    """(booked sum, estimated sum, pairs) over the payments that have an estimate."""
    pairs = [(p, e) for p, e in match(booked, estimates) if e is not None]
    return sum((p.amount for p, _ in pairs), Decimal(0)), sum(e[5] for _, e in pairs), len(pairs)


def disagree(booked: Decimal, estimate: float) -> bool:
    """True when a booked sum and the estimate of the same payments differ beyond tolerance."""
    b = float(booked)
    return abs(b - estimate) > max(ABS_TOLERANCE, REL_TOLERANCE * max(abs(b), abs(estimate)))


def ledger_lines(payments: Iterable[FundingPayment], estimates: Iterable[Estimate]) -> list[LedgerLine]:
    """One line per (UTC day, account, symbol) with a payment booked or estimated; newest day
    first, then by account and symbol."""
    booked: dict[tuple, list[FundingPayment]] = defaultdict(list)
    est: dict[tuple, list[Estimate]] = defaultdict(list)
    names: dict[tuple, tuple[str, str, str]] = {}
    for p in payments:
        key = (day_of(p.time), p.account, p.symbol)
        booked[key].append(p)
        names[key] = (p.venue, p.asset, p.currency)
    for e in estimates:
        key = (day_of(e[4]), e[0], e[2])
        est[key].append(e)
        names.setdefault(key, (e[1], e[3], "USD"))
    lines = []
    for key in sorted(names, key=lambda k: (_neg_day(k[0]), k[1], k[2])):
        venue, asset, currency = names[key]
        mine, guess = booked.get(key, []), est.get(key, [])
        total = sum((p.amount for p in mine), Decimal(0)) if mine else None
        b_sum, e_sum, pairs = _matched(mine, guess)
        lines.append(LedgerLine(
            day=key[0], account=key[1], venue=venue, symbol=key[2], asset=asset, currency=currency,
            booked=total, payments=len(mine), estimate=sum(e[5] for e in guess) if guess else None,
            disagrees=pairs > 0 and disagree(b_sum, e_sum)))
    return lines


def _neg_day(day: str) -> tuple:
    """Sort key putting the newest day first."""
    return tuple(-int(part) for part in day.split("-"))


def build_ledger(since: float, payments: Sequence[FundingPayment], estimates: Sequence[Estimate],
                 positions: Iterable[PositionRisk], sources: dict[str, str]) -> FundingLedger:
    """The ledger over payments and estimates from `since`, with each asset's projection per
    day at current rates (the positions' own `funding_per_day`)."""
    lines = ledger_lines(payments, estimates)
    per_account: dict[str, Decimal] = defaultdict(Decimal)
    per_asset: dict[str, Decimal] = defaultdict(Decimal)
    for p in payments:
        per_account[p.account] += p.amount
        per_asset[p.asset] += p.amount
    projected: dict[str, float | None] = {}
    for row in positions:
        known = row.funding_per_day
        before = projected.get(row.asset, 0.0)
        projected[row.asset] = None if known is None or before is None else before + known
    assets = sorted(set(per_asset) | set(projected))
    return FundingLedger(
        since=since, lines=tuple(lines),
        per_account=tuple(sorted(per_account.items())),
        per_asset=tuple(AssetFunding(a, per_asset.get(a, Decimal(0)), projected.get(a, 0.0)) for a in assets),
        sources=tuple(sorted(sources.items())),
        disagreements=sum(1 for line in lines if line.disagrees),
    )


__all__ = ["ABS_TOLERANCE", "MATCH", "REL_TOLERANCE", "build_ledger", "day_of", "disagree", "ledger_lines", "match"]
