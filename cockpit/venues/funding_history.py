"""Past funding from ccxt: settled rates (``fetchFundingRateHistory``) and this account's own
payments (``fetchFundingHistory``), mapped into the model's values.

A settled-rate history carries no interval: it is read from the spacing of the payments, snapped
to the intervals venues use (1, 2, 4, 8, 12, 16, 24 h) when within 5 %, so an interval change (8 h
to 4 h in a squeeze) shows in the history; a single sample takes the venue's default interval,
else stays unknown. Payments keep their amount exact and signed as received (the profile says
how the venue signs it: Bybit books a paid funding as a positive fee).
"""

from __future__ import annotations

from typing import Any, Mapping

from cockpit.model.errors import MalformedReply
from cockpit.model.funding import FundingPayment, FundingSample
from cockpit.venues.numbers import dec, num

INTERVALS = (1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0)


def snap_interval(hours: float | None) -> float | None:
    """`hours` as the venue interval it is within 5 % of; None when it is none of them."""
    if hours is None or hours <= 0:
        return None
    for h in INTERVALS:
        if abs(hours - h) <= 0.05 * h:
            return h
    return None


def _entries(raw: Any, venue: str, what: str) -> list[Mapping[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(e, Mapping) for e in raw):
        raise MalformedReply(f"{venue}: a {what} reply that is not a list of entries")
    return list(raw)


def map_rate_history(venue: str, raw: Any, *, default_hours: float | None) -> tuple[FundingSample, ...]:
    """Settled rates from a ``fetch_funding_rate_history`` reply, oldest first."""
    points = []
    for entry in _entries(raw, venue, "funding-rate history"):
        rate, ts = num(entry.get("fundingRate")), num(entry.get("timestamp"))
        if rate is None or ts is None:
            raise MalformedReply(f"{venue}: a funding-rate history entry without fundingRate or timestamp")
        points.append((ts / 1000.0, rate))
    points.sort()
    times = [t for t, _ in points]
    out = []
    for i, (t, rate) in enumerate(points):
        gap = times[i] - times[i - 1] if i > 0 else (times[1] - times[0] if len(times) > 1 else None)
        hours = snap_interval(gap / 3600.0) if gap is not None else None
        out.append(FundingSample(t, rate, hours if hours is not None else default_hours))
    return tuple(out)


def map_payments(account: str, venue: str, raw: Any, *, markets: Mapping[str, Any], profile: Any
                 ) -> tuple[FundingPayment, ...]:
    """Payments from a ``fetch_funding_history`` reply, oldest first; an entry whose amount or
    time cannot be read is a `MalformedReply`, never a payment of 0."""
    out = []
    for entry in _entries(raw, venue, "funding history"):
        symbol = entry.get("symbol")
        amount_raw, notional = profile.funding_payment(entry)
        amount, ts = dec(amount_raw), num(entry.get("timestamp"))
        if not isinstance(symbol, str) or amount is None or ts is None:
            raise MalformedReply(f"{venue}: a funding history entry without symbol, amount or timestamp")
        market = markets.get(symbol) or {}
        asset = market.get("base") or symbol.split("/")[0]
        ident = entry.get("id")
        out.append(FundingPayment(
            account=account, venue=venue, symbol=symbol, asset=str(asset), time=ts / 1000.0, amount=amount,
            currency=str(entry.get("code") or market.get("settle") or ""),
            id=str(ident) if ident not in (None, "") else f"{symbol}@{int(ts)}",
            rate=num(entry.get("rate")), notional=notional))
    out.sort(key=lambda p: (p.time, p.id))
    return tuple(out)


def since_ms(since: float) -> int:
    """POSIX seconds as ccxt's milliseconds."""
    return int(since * 1000)


__all__ = ["INTERVALS", "map_payments", "map_rate_history", "since_ms", "snap_interval"]
