"""Small builders for hand-made books in the risk tests."""

from __future__ import annotations

from decimal import Decimal

from cockpit.model import (
    AccountInfo,
    AccountState,
    Book,
    Collateral,
    FundingQuote,
    Health,
    Instrument,
    Layer,
    MarginMode,
    Position,
    Side,
    VenueSnapshot,
)

VENUE_LAYER = {"binance": Layer.CEX, "bybit": Layer.CEX, "hyperliquid": Layer.HYPERLIQUID,
               "dydx": Layer.DYDX, "paradex": Layer.STARKNET}


def D(x) -> Decimal:
    """Decimal from a number's text (so 0.1 stays 0.1)."""
    return Decimal(str(x))


def position(account: str, venue: str, asset: str, side: str, size, mark, *, entry=None, liq=None,
             mm=None, isolated: bool = False) -> Position:
    """A position in `asset` on `venue` (symbol ASSET/USDT:USDT)."""
    return Position(
        account=account, venue=venue, symbol=f"{asset}/USDT:USDT", asset=asset,
        side=Side.LONG if side == "long" else Side.SHORT, size=D(size),
        entry_price=D(entry if entry is not None else mark),
        mark_price=None if mark is None else D(mark),
        liquidation_price=None if liq is None else D(liq),
        margin_mode=MarginMode.ISOLATED if isolated else MarginMode.CROSS,
        maintenance_margin=mm,
    )


def quote(venue: str, asset: str, rate: float, interval: float | None = 8.0, *, oi=None, mark=None) -> FundingQuote:
    """A funding quote of ASSET/USDT:USDT on `venue`."""
    return FundingQuote(venue=venue, symbol=f"{asset}/USDT:USDT", asset=asset, rate=rate,
                        interval_hours=interval, open_interest=oi, mark_price=mark)


def account(name: str, venue: str, positions=(), *, equity: float = 100_000.0, maintenance=None,
            free=None, funding=(), health: Health = Health.LIVE, age: float = 0.5,
            fetched_at: float = 0.0, readonly: bool = False, layer: Layer | None = None) -> AccountState:
    """An account with one snapshot."""
    info = AccountInfo(name=name, venue=venue, layer=layer or VENUE_LAYER.get(venue, Layer.CEX),
                       readonly=readonly)
    used = sum(float(p.size * p.mark_price) for p in positions if p.mark_price is not None) / 10
    collateral = Collateral(account=name, layer=info.layer, currency="USDT", equity=equity, used=used,
                            free=equity - used if free is None else free, maintenance=maintenance)
    snap = VenueSnapshot(account=info, fetched_at=fetched_at, positions=tuple(positions),
                         collateral=collateral, funding=tuple(funding))
    return AccountState(info=info, snapshot=snap, health=health, age=age)


def book(now: float, *accounts: AccountState) -> Book:
    """A book of `accounts` at `now`."""
    return Book(now=now, accounts=tuple(accounts))


def instruments_for(b: Book, step="0.001", minimum="0.001", fee: float = 0.0005) -> dict:
    """Instruments for every position and quote in `b`, with one step and minimum."""
    out: dict[str, dict[str, Instrument]] = {}
    for a in b.accounts:
        table = out.setdefault(a.info.name, {})
        if a.snapshot is None:
            continue
        for item in (*a.snapshot.positions, *a.snapshot.funding):
            table[item.symbol] = Instrument(venue=a.info.venue, symbol=item.symbol, asset=item.asset,
                                            amount_step=D(step), min_amount=D(minimum), taker_fee=fee)
    return out
