"""Builders of books for the risk tests and the risk benchmark: small hand-made books, and
`RandomBook`, a large random one (`bench/bench_risk.py` measures on it), both made of the same
`position`, `quote` and `account` pieces."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

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
             mm=None, isolated: bool = False, leverage: float | None = None) -> Position:
    """A position in `asset` on `venue` (symbol ASSET/USDT:USDT)."""
    return Position(
        account=account, venue=venue, symbol=f"{asset}/USDT:USDT", asset=asset,
        side=Side.LONG if side == "long" else Side.SHORT, size=D(size),
        entry_price=D(entry if entry is not None else mark),
        mark_price=None if mark is None else D(mark),
        liquidation_price=None if liq is None else D(liq),
        margin_mode=MarginMode.ISOLATED if isolated else MarginMode.CROSS,
        maintenance_margin=mm, leverage=leverage,
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


class RandomBook:
    """A random book: 8 accounts on 4 venues, 300 symbols (150 assets × 2 venues), 500 positions
    by default; `state(i, t)` is a fresh snapshot of account `i` with marks jittered around the
    base prices."""

    VENUES = ("binance", "bybit", "hyperliquid", "paradex")

    def __init__(self, seed: int = 7, positions: int = 500, accounts: int = 8, assets: int = 150) -> None:
        rng = self.rng = np.random.default_rng(seed)
        self.prices = np.exp(rng.uniform(np.log(0.05), np.log(60_000), assets))
        self.assets = [f"A{i:03d}" for i in range(assets)]
        # Each asset trades on two of the four venues: 300 symbols, 75 per venue.
        self.listed = {v: [a for a in range(assets) if a % 4 in (k, (k + 1) % 4)] for k, v in enumerate(self.VENUES)}
        self.names = [(f"acct{i}", self.VENUES[i % 4]) for i in range(accounts)]
        per = [positions // accounts + (1 if i < positions % accounts else 0) for i in range(accounts)]
        self.held = [rng.choice(self.listed[venue], size=n, replace=False) for (_, venue), n in zip(self.names, per)]
        self.sides = [["long" if k == 0 else "short" for k in rng.integers(0, 2, n)] for n in per]
        self.sizes = [[round(float(x), 3) for x in rng.uniform(1_000, 50_000, n) / self.prices[h]]
                      for n, h in zip(per, self.held)]
        self.instruments = {
            name: {f"{self.assets[a]}/USDT:USDT": Instrument(venue=venue, symbol=f"{self.assets[a]}/USDT:USDT",
                                                             asset=self.assets[a])
                   for a in self.listed[venue]}
            for name, venue in self.names}

    def state(self, i: int, t: float) -> AccountState:
        """Account `i` LIVE with a fresh snapshot fetched at `t` (every third position with a
        liquidation price of its own)."""
        name, venue = self.names[i]
        marks = self.prices * (1 + self.rng.normal(0, 0.001, self.prices.shape[0]))
        positions = [
            position(name, venue, self.assets[a], side, size, round(marks[a], 6), entry=round(self.prices[a], 4),
                     liq=round(marks[a] * (0.6 if side == "long" else 1.4), 6) if k % 3 == 0 else None,
                     leverage=3.0)
            for k, (a, side, size) in enumerate(zip(self.held[i], self.sides[i], self.sizes[i]))]
        funding = [quote(venue, self.assets[a], float(self.rng.normal(0.0001, 0.00005)), (1.0, 4.0, 8.0)[a % 3],
                         oi=float(1e6 / self.prices[a]), mark=float(marks[a]))
                   for a in self.listed[venue]]
        gross = sum(float(p.size * p.mark_price) for p in positions)
        return account(name, venue, positions, equity=gross / 3, maintenance=gross / 50,
                       free=gross / 3 - gross / 10, funding=funding, fetched_at=t)

    @staticmethod
    def book(states: list[AccountState], t: float) -> Book:
        """A book of these accounts at `t`."""
        return Book(now=t, accounts=tuple(states))
