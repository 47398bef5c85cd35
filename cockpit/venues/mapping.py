"""Pure mapping from ccxt's unified replies (and their raw ``info``) to cockpit's model.

No ccxt import, no I/O: every function takes the dicts ccxt returned. Venues fill ccxt's unified
fields unevenly (dYdX leaves mark, notional and leverage None; Binance's v3 positions have no
leverage; Paradex has no liquidation price), so a field is taken from the venue's own raw numbers
where it has them, computed from them where it can be, and left None (unknown) otherwise, never 0.
A reply that lacks what every reply of its kind must have raises `MalformedReply`.
"""

from __future__ import annotations

import hashlib
import re
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any, Callable, Iterable, Mapping

from cockpit.model import FundingQuote, MarginMode, Order, OrderStatus, Position, Side
from cockpit.model.errors import MalformedReply
from cockpit.venues.numbers import dec, dig, num, positive
from cockpit.venues.profiles import profile_for

__all__ = ["dec", "dig", "interval_hours", "map_funding", "map_order", "map_position", "num",
           "order_params", "positive", "rates_from_markets", "venue_client_id"]


def interval_hours(value: Any, default: float | None) -> float | None:
    """Hours of a funding interval given as ``'8h'``, minutes ``'480m'``, or bare milliseconds;
    `default` when it is not given (None: unknown)."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([hm]?)\s*", value)
        if match:
            amount = float(match.group(1))
            unit = match.group(2)
            hours = amount if unit == "h" else amount / 60 if unit == "m" else amount / 3_600_000
            return hours if hours > 0 else default
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value) / 3_600_000
    return default


# -- positions ------------------------------------------------------------------------------------

# An inverse position's size in coin is a quotient: 12 significant digits (far below a satoshi of
# any size worth showing) instead of Decimal's 28, which would only be noise on screen.
_INVERSE_SIZE = Context(prec=12, rounding=ROUND_HALF_EVEN)


def _margin_mode(venue: str, raw: Mapping[str, Any]) -> MarginMode:
    mode = raw.get("marginMode")
    if mode in ("cross", "isolated"):
        return MarginMode(mode)
    return profile_for(venue).margin_mode(raw)


def _mark(raw: Mapping[str, Any], symbol: str, marks: Mapping[str, float] | None
          ) -> Decimal | None:
    """The position's mark, else the venue's mark from its funding or market reply."""
    mark = positive(raw.get("markPrice"))
    if mark is None and marks and symbol in marks:
        mark = positive(marks[symbol])
    return mark


def _raw_margin(profile: Any, info: Any, raw: Mapping[str, Any], which: str,
                unified: str) -> float | None:
    """A margin from the venue's own raw numbers where its profile says they are, else ccxt's."""
    path = profile.raw_margins.get(which)
    value = num(dig(info, *path)) if path else None
    return value if value is not None else num(raw.get(unified))


def _margins(profile: Any, raw: Mapping[str, Any], market: Mapping[str, Any], value: float | None
             ) -> tuple[float | None, float | None]:
    """(initial, maintenance) margin of a position worth `value` (None: unknown)."""
    info = raw.get("info") or {}
    initial = _raw_margin(profile, info, raw, "initial", "initialMargin")
    maintenance = _raw_margin(profile, info, raw, "maintenance", "maintenanceMargin")
    if value is not None:
        # dYdX gives margin fractions per market, not per position: apply them to the value.
        imf = num(dig(market, "info", "initialMarginFraction"))
        mmf = num(dig(market, "info", "maintenanceMarginFraction"))
        initial = initial if initial is not None or imf is None else value * imf
        maintenance = maintenance if maintenance is not None or mmf is None else value * mmf
    return initial, maintenance


def _checked(account: str, venue: str, raw: Mapping[str, Any]
             ) -> tuple[str, Decimal, Decimal, str] | None:
    """(symbol, contracts, entry, side) of a position reply; None when closed (size 0)."""
    symbol = raw.get("symbol")
    contracts = dec(raw.get("contracts"))
    side = raw.get("side")
    entry = dec(raw.get("entryPrice"))
    if not isinstance(symbol, str) or contracts is None or entry is None:
        raise MalformedReply(f"{venue}: a position without symbol, size or entry price",
                             account=account)
    if contracts == 0:
        return None
    if side not in ("long", "short"):
        raise MalformedReply(f"{venue}: position {symbol} without a side", account=account)
    return symbol, contracts, entry, side


def map_position(account: str, venue: str, raw: Mapping[str, Any], *,
                 market: Mapping[str, Any] | None = None,
                 marks: Mapping[str, float] | None = None) -> Position | None:
    """One ccxt position as a `Position`; None for a zero-size (closed) entry."""
    checked = _checked(account, venue, raw)
    if checked is None:
        return None
    symbol, contracts, entry, side = checked
    market = market or {}
    profile = profile_for(venue)
    csize = dec(raw.get("contractSize")) or dec(market.get("contractSize")) or Decimal(1)
    size = abs(contracts) * csize
    notional = dec(raw.get("notional"))
    mark = _mark(raw, symbol, marks)
    inverse = market.get("inverse") is True
    if inverse:
        # A coin-margined contract is worth contractSize in USD (OKX BTC-USD-SWAP: $100), not
        # contractSize coins: the position holds contracts × contractSize / mark of the coin,
        # and its margins and PnL are counted in the coin (ccxt's parsePosition does the same).
        if mark is None:
            raise MalformedReply(f"{venue}: inverse position {symbol} without a mark price",
                                 account=account)
        size = _INVERSE_SIZE.divide(size, mark)
    elif mark is None and notional is not None and not profile.cost_notional:
        mark = abs(notional) / size  # Hyperliquid: positionValue / size
    value = float(size * mark) if mark is not None else None
    initial, maintenance = _margins(profile, raw, market, value)
    pnl = num(raw.get("unrealizedPnl"))
    if inverse:
        # Counted in the coin: in USD at mark, like every other amount of the account.
        usd = float(mark)
        initial, maintenance, pnl = (None if x is None else x * usd
                                     for x in (initial, maintenance, pnl))
    leverage = num(raw.get("leverage"))
    if leverage is None and initial and value is not None and profile.leverage_from_margin:
        # Binance v3 dropped leverage; its initial margin is notional / leverage.
        leverage = round(value / initial, 2)
    return Position(
        account=account, venue=venue, symbol=symbol, asset=_asset(symbol, market),
        side=Side(side), size=size, entry_price=entry, mark_price=mark,
        liquidation_price=positive(raw.get("liquidationPrice")), leverage=leverage,
        margin_mode=_margin_mode(venue, raw), unrealized_pnl=pnl,
        initial_margin=initial, maintenance_margin=maintenance,
        contracts=abs(contracts) if inverse else None,
    )


def order_params(venue: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The ccxt order params an order that reduces this position must carry.

    The venue's profile says which (OKX: the position's ``tdMode`` and ``posSide``).
    """
    return profile_for(venue).order_params(raw)


def _asset(symbol: str, market: Mapping[str, Any] | None) -> str:
    base = (market or {}).get("base")
    return base if isinstance(base, str) and base else symbol.split("/", 1)[0]


# -- funding --------------------------------------------------------------------------------------

def map_funding(venue: str, rates: Mapping[str, Mapping[str, Any]], *,
                markets: Mapping[str, Mapping[str, Any]], default_hours: float | None,
                intervals: Mapping[str, Any] | None = None,
                wanted: Callable[[str, str], bool] = lambda symbol, asset: True,
                ) -> tuple[FundingQuote, ...]:
    """Funding quotes from ccxt's ``fetch_funding_rates`` reply (symbol -> FundingRate).

    The interval of each symbol is its own: from `intervals` (Binance's fundingInfo), else the
    rate's ``interval``, else `default_hours` (Binance lists only symbols that differ from 8h),
    else None: unknown (OKX without ``nextFundingTime``), kept so the cell shows, never a
    guessed 8h. Left out: a symbol not in `markets` (the venue listed it after our market list
    was read: it would be a row named by the venue's raw id). Linear quotes come first, so the one
    asset × venue cell that shows a single quote shows the USDT-margined one, not the inverse.
    """
    quotes = []
    for symbol, raw in sorted(rates.items(), key=lambda kv: (
            (markets.get(kv[0]) or {}).get("linear") is not True, kv[0])):
        if not isinstance(raw, Mapping):
            raise MalformedReply(f"{venue}: a funding entry that is not an object")
        rate = num(raw.get("fundingRate"))
        market = markets.get(symbol)
        if market is None:
            continue
        asset = _asset(symbol, market)
        if rate is None or not wanted(symbol, asset):
            continue
        given = (intervals or {}).get(symbol) or raw.get("interval")
        hours = interval_hours(given, default_hours)
        next_ms = num(raw.get("fundingTimestamp")) or num(raw.get("nextFundingTimestamp"))
        quotes.append(FundingQuote(
            venue=venue, symbol=symbol, asset=asset, rate=rate,
            interval_hours=hours,
            next_time=next_ms / 1000 if next_ms else None,
            predicted_rate=num(raw.get("nextFundingRate")),
            mark_price=num(raw.get("markPrice")),
            open_interest=num(dig(raw, "info", "openInterest")),
        ))
    return tuple(quotes)


def rates_from_markets(markets: Iterable[Mapping[str, Any]], now: float
                       ) -> dict[str, dict[str, Any]]:
    """dYdX has no funding call: its market list carries ``nextFundingRate`` (hourly) and the
    oracle price, for all markets in one reply. Shaped like ccxt's FundingRate dicts; dYdX pays
    at the top of every hour, so the next payment is the next hour after `now` (seconds)."""
    next_ms = (int(now // 3600) + 1) * 3_600_000
    out: dict[str, dict[str, Any]] = {}
    for market in markets:
        info = market.get("info") or {}
        if market.get("swap") and isinstance(market.get("symbol"), str):
            out[market["symbol"]] = {
                "fundingRate": info.get("nextFundingRate"), "markPrice": info.get("oraclePrice"),
                "interval": "1h", "fundingTimestamp": next_ms,
                "info": {"openInterest": info.get("openInterest")},
            }
    return out


# -- orders ---------------------------------------------------------------------------------------

_STATUS = {"closed": OrderStatus.FILLED, "filled": OrderStatus.FILLED,
           "canceled": OrderStatus.CANCELED, "cancelled": OrderStatus.CANCELED,
           "expired": OrderStatus.CANCELED, "rejected": OrderStatus.REJECTED}


def _order_status(raw: Mapping[str, Any], amount: Decimal, filled: Decimal) -> OrderStatus:
    """The status ccxt reports, or the one the fill says when it reports none."""
    status_text = str(raw.get("status") or "").lower()
    status = _STATUS.get(status_text)
    if status is not None:
        return status
    if status_text in ("", "none") and amount > 0 and filled >= amount:
        return OrderStatus.FILLED
    return OrderStatus.PARTIAL if filled > 0 else OrderStatus.OPEN


def _order_type(raw: Mapping[str, Any], fb: Mapping[str, Any]) -> str:
    """The order's type; a reply that leaves it out is a limit order when it has a price."""
    return str(raw.get("type") or fb.get("type") or ("limit" if raw.get("price") else "market")
               ).lower()


def map_order(account: str, raw: Mapping[str, Any], *, client_id: str,
              contract_size: Decimal = Decimal(1), fallback: Mapping[str, Any] | None = None
              ) -> Order:
    """One ccxt order as an `Order`; amounts in base units (contracts × contract size).

    `fallback` supplies what a terse reply leaves out (Hyperliquid's order ack has no symbol,
    side or type): the request's own values.
    """
    fb = fallback or {}
    amount = dec(raw.get("amount"))
    amount = amount * contract_size if amount is not None else dec(fb.get("amount"))
    filled = (dec(raw.get("filled")) or Decimal(0)) * contract_size
    if amount is None:
        raise MalformedReply("an order without an amount", account=account)
    side = raw.get("side") or fb.get("side")
    ts = num(raw.get("timestamp"))
    reduce_only = raw.get("reduceOnly")
    if reduce_only is None:
        # A venue order whose reduce-only flag is not reported does not count as reducing.
        reduce_only = fb.get("reduce_only", False)
    return Order(
        client_id=client_id, account=account, symbol=raw.get("symbol") or fb.get("symbol", ""),
        side=Side.LONG if side in ("buy", Side.LONG) else Side.SHORT,
        amount=amount, filled=filled, status=_order_status(raw, amount, filled),
        reduce_only=bool(reduce_only), type=_order_type(raw, fb),
        price=positive(raw.get("price")), average=positive(raw.get("average")),
        fee=num(dig(raw, "fee", "cost")) or 0.0,
        venue_id=str(raw["id"]) if raw.get("id") is not None else None,
        timestamp=ts / 1000 if ts else None,
    )


def venue_client_id(kind: str, client_id: str) -> str:
    """The client order id sent to a venue for cockpit's `client_id`: itself when the venue
    accepts it as is, else a deterministic hash in the venue's format (same id, same hash)."""
    digest = hashlib.sha256(client_id.encode()).hexdigest()
    if kind == "hex128":
        return client_id if re.fullmatch(r"0x[0-9a-f]{32}", client_id) else "0x" + digest[:32]
    if kind == "uint32":
        if client_id.isdigit() and int(client_id) < 2**32:
            return client_id
        return str(int(digest[:8], 16))
    if kind == "alnum32":
        return client_id if re.fullmatch(r"[A-Za-z0-9]{1,32}", client_id) else digest[:32]
    return client_id if re.fullmatch(r"[A-Za-z0-9._:/-]{1,36}", client_id) else "ck" + digest[:34]
