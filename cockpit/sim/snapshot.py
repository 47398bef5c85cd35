"""One account's snapshot, shaped the way its real venue reports it.

Fields a real venue leaves empty are None here too (ccxt notes §2): Binance's v3 position risk has
no leverage; Hyperliquid has no per-position maintenance margin; the dYdX indexer gives size, side,
entry and uPnL only; Paradex cross positions have no liquidation price. Collateral always carries
maintenance, so `Collateral.margin_ratio` works, and the transfers in flight.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

from cockpit.model import Collateral, FundingQuote, MarginMode, Position, Side, VenueSnapshot
from cockpit.model.steps import on_step
from cockpit.sim.accounts import Account
from cockpit.sim.book import TIERS
from cockpit.sim.margin import cross_liq_price, isolated_liq_price
from cockpit.sim.world import World

# Open interest at the touch-depth scale: a tier-1 market on Binance holds about $8bn.
OI_PER_DEPTH = 25_000.0


def to_price(value: float, step: Decimal) -> Decimal:
    """A float price as a Decimal on the tick grid."""
    return on_step(value, step, ROUND_HALF_EVEN)


def positions(world: World, acc: Account) -> tuple[Position, ...]:
    """The account's positions with the fields its venue reports."""
    arr = world.ledger.rebuild()
    marks, chk = world.ledger.evaluate()
    fields = acc.spec.position_fields
    slack = float(chk.cross_equity[acc.index] - chk.cross_maint[acc.index])
    out = []
    for i in np.nonzero(arr.account == acc.index)[0]:
        symbol = arr.keys[i][1]
        pos = acc.positions[symbol]
        inst = acc.instruments[symbol]
        size, mark = float(pos.size), float(marks[i])
        rate, amount = float(chk.rate[i]), float(chk.amount[i])
        if pos.isolated:
            liq = isolated_liq_price(size, float(pos.entry), pos.margin, rate, amount)
            initial = pos.margin
        else:
            liq = cross_liq_price(size, mark, rate, slack)
            initial = float(chk.notional[i]) / pos.leverage
        has_liq = "liquidation" in fields or pos.isolated
        out.append(Position(
            account=acc.name, venue=acc.spec.id, symbol=symbol, asset=inst.asset,
            side=Side.LONG if size > 0 else Side.SHORT, size=abs(pos.size), entry_price=pos.entry,
            mark_price=to_price(mark, inst.price_step) if "mark" in fields else None,
            liquidation_price=to_price(liq, inst.price_step) if has_liq and liq else None,
            leverage=pos.leverage if "leverage" in fields else None,
            margin_mode=MarginMode.ISOLATED if pos.isolated else MarginMode.CROSS,
            unrealized_pnl=round(float(chk.upnl[i]), 2),
            initial_margin=round(initial, 2) if "initial" in fields else None,
            maintenance_margin=round(float(chk.maint[i]), 2) if "maintenance" in fields else None,
        ))
    return tuple(out)


def funding(world: World, acc: Account) -> tuple[FundingQuote, ...]:
    """Every listed symbol's funding on the account's venue: the one bulk call."""
    v = acc.venue
    fm = world.funding
    rates, predicted = fm.rates()[v], fm.predicted()[v]
    marks = world.marks(v)
    depth = acc.spec.depth * world.liquidity[v]
    quotes = []
    for symbol, a in acc.assets.items():
        tier = world.assets[a].tier
        oi = OI_PER_DEPTH * TIERS[tier][0] * depth[a] * (1.0 + 20.0 * abs(float(fm.premium[v, a])))
        quotes.append(FundingQuote(
            venue=acc.spec.id, symbol=symbol, asset=world.assets[a].name,
            rate=float(rates[a]), interval_hours=float(fm.interval[v, a]),
            next_time=float(fm.next_time[v, a]), predicted_rate=float(predicted[a]),
            mark_price=float(marks[a]), open_interest=round(oi / float(marks[a]), 3),
        ))
    return tuple(quotes)


def collateral(world: World, acc: Account) -> Collateral:
    """The account's collateral, with maintenance and transfers in flight."""
    f = world.ledger.figures(acc)
    return Collateral(
        account=acc.name, layer=acc.info.layer, currency=acc.spec.settle,
        equity=round(f.equity, 2), used=round(f.used, 2), free=round(f.free, 2),
        withdrawable=round(f.withdrawable, 2), maintenance=round(f.maintenance, 2),
        in_flight=world.transfers.of(acc.name),
    )


def snapshot(world: World, acc: Account, fetched_at: float) -> VenueSnapshot:
    """Everything one poll of `acc` returns, at the world's current time."""
    marks = world.marks(acc.venue)
    return VenueSnapshot(
        account=acc.info, fetched_at=fetched_at, positions=positions(world, acc),
        collateral=collateral(world, acc), funding=funding(world, acc),
        marks=tuple((symbol, float(marks[a])) for symbol, a in acc.assets.items()),
        open_orders=world.exchange.open_orders(acc), venue_time=world.t,
        liquidations=tuple(world.liquidations.get(acc.name, ())),
    )
