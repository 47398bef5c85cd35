"""The demo: six accounts on four layers holding a book that looks like a real trader's.

Longs and shorts; hedged legs across venues (long ETH on Hyperliquid against short ETH on Binance,
long BTC on Binance against short BTC on dYdX and OKX); an isolated SOL long on Bybit about 6.5%
from its liquidation price; a Paradex account on Starknet (hours from rescue) thin on free
collateral; a dYdX cross account whose positions have no liquidation price of their own; and a
deposit on its way to Paradex.
"""

from __future__ import annotations

import dataclasses
import time
from decimal import Decimal
from pathlib import Path
from typing import Callable

from cockpit.model import Layer, OrderRequest, Side, TransferRequest
from cockpit.model.steps import on_step
from cockpit.sim.margin import maintenance
from cockpit.sim.scenario import Scenario, load_scenario
from cockpit.sim.session import SimSession
from cockpit.sim.snapshot import to_price
from cockpit.sim.universe import ACCOUNTS, ASSETS, VENUES
from cockpit.sim.world import World

DEFAULT_ASSETS = 16

# Wallet balance per account, in its settle currency.
WALLETS = {"binance": 310_000.0, "bybit": 64_000.0, "okx": 45_000.0, "hyperliquid": 140_000.0,
           "dydx": 78_000.0, "paradex": 24_000.0}

# Spot (or funding) wallet per account, in its settle currency: what a top-up within the venue can
# move into the perp margin in seconds. Bybit, the account closest to liquidation (its isolated SOL
# and the thinnest cross margin ratio), holds more than its whole buffer (its rescue need, about
# 16,000), so a top-up alone restores it; dYdX and Paradex have no such wallet. The unwind offers a
# top-up only for cross positions near liquidation that no rescue from another layer reaches in
# time; here Binance's and Hyperliquid's spare margin covers any account's rescue, and no cross
# account is near, so the calm demo never offers one: the `margin-call` scenario (lean perp
# margins, the reserves in these wallets) does.
SPOT = {"binance": 25_000.0, "bybit": 20_000.0, "okx": 8_000.0, "hyperliquid": 12_000.0}

# (account, asset, signed USD notional, entry vs mark, leverage). The entry offset makes PnL:
# +0.02 on a long means it was bought 2% above today's price (a loss).
BOOK: tuple[tuple[str, str, float, float, float], ...] = (
    ("binance", "ETH", -192_000, -0.012, 10), ("binance", "BTC", 170_000, -0.018, 10),
    ("binance", "SOL", -63_000, -0.02, 10), ("binance", "LINK", 45_000, 0.03, 10),
    ("binance", "DOGE", -34_000, 0.015, 10),
    ("bybit", "XRP", 44_000, -0.01, 8), ("bybit", "AVAX", -44_000, -0.01, 8),
    ("bybit", "WIF", 19_500, 0.06, 5),
    ("okx", "BTC", -60_000, 0.004, 10), ("okx", "AVAX", 18_000, -0.02, 10),
    ("okx", "ARB", -15_000, 0.01, 10),
    ("hyperliquid", "ETH", 192_000, -0.008, 10), ("hyperliquid", "SUI", -43_000, -0.03, 10),
    ("hyperliquid", "PEPE", 30_000, 0.04, 5), ("hyperliquid", "ARB", -36_000, 0.02, 10),
    ("dydx", "BTC", -102_000, 0.006, 10), ("dydx", "ETH", 32_000, -0.015, 10),
    ("dydx", "OP", -32_000, -0.01, 10),
    ("paradex", "BTC", 51_000, 0.01, 5), ("paradex", "ETH", -48_000, -0.005, 5),
)
# The isolated position close to liquidation: (account, asset, USD notional, entry vs mark,
# distance from mark to liquidation).
NEAR_LIQ = ("bybit", "SOL", 56_000.0, 0.02, 0.065)
DEPOSIT = ("paradex", 3_000, Layer.ARBITRUM)  # on its way when the session starts
# Orders the trader left resting on the venues' own sites (not the cockpit's), for the open-orders
# view of a fresh start: (account, asset, client id, side, share of the position, price vs mark,
# reduce-only). A take-profit on the BTC long, 8% up; a bid adding to the AVAX long 6% down (it
# adds risk: a guided unwind cancels it first).
RESTING = (
    ("binance", "BTC", "web_tp_btc", Side.SHORT, 0.3, 0.08, True),
    ("okx", "AVAX", "web_add_avax", Side.LONG, 0.5, -0.06, False),
)


def _scenario(scenario: str | Path | Scenario | None) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario("calm" if scenario is None else scenario)


def _size(notional: float, mark: float, step: Decimal) -> Decimal:
    return on_step(abs(notional) / mark, step)


def seed_book(world: World) -> None:
    """Give the world's accounts the demo's wallets (perp and spot; a scenario's `[accounts.NAME]`
    where it sets them), positions and a deposit in flight."""
    ledger = world.ledger
    names = {a.name for a in world.assets}
    setup = {a.name: a for a in world.scenario.accounts}
    for acc in ledger.accounts:
        own = setup.get(acc.name)
        wallet, spot = (own.wallet, own.spot) if own is not None else (None, None)
        ledger.wallet[acc.index] = WALLETS.get(acc.name, 50_000.0) if wallet is None else wallet
        ledger.spot[acc.index] = SPOT.get(acc.name, 0.0) if spot is None else spot
    for name, asset, notional, offset, leverage in BOOK:
        if name not in ledger.by_name or asset not in names:
            continue
        acc = ledger.by_name[name]
        symbol = acc.spec.symbol(asset)
        if symbol not in acc.instruments:
            continue
        inst = acc.instruments[symbol]
        mark = world.mark(acc.venue, acc.assets[symbol])
        size = _size(notional, mark, inst.amount_step) * (1 if notional > 0 else -1)
        ledger.open(acc, symbol, size, to_price(mark * (1 + offset), inst.price_step),
                    leverage=leverage)
    name, asset, notional, offset, distance = NEAR_LIQ
    if name in ledger.by_name and asset in names:
        acc = ledger.by_name[name]
        symbol = acc.spec.symbol(asset)
        inst = acc.instruments[symbol]
        mark = world.mark(acc.venue, acc.assets[symbol])
        size = _size(notional, mark, inst.amount_step)
        entry = to_price(mark * (1 + offset), inst.price_step)
        liq = mark * (1 - distance)
        tier = world.assets[acc.assets[symbol]].tier
        _, rate, amount = maintenance(float(size) * liq, tier, acc.spec.maint_scale)
        # margin + s (liq - entry) = s liq rate - amount, solved for the margin.
        margin = float(size) * float(entry) - amount - liq * float(size) * (1 - rate)
        ledger.open(acc, symbol, size, entry, leverage=round(notional / margin, 1), isolated=True,
                    margin=margin)
    name, amount, source = DEPOSIT
    if name in ledger.by_name:
        acc = ledger.by_name[name]
        world.request_transfer(name, TransferRequest("demo-deposit", name, acc.info.layer,
                                                     Decimal(amount)), inbound_from=source)


def seed_orders(world: World) -> None:
    """Rest the demo's orders placed by hand (`RESTING`) on their venues."""
    ledger = world.ledger
    for name, asset, client_id, side, share, offset, reduce_only in RESTING:
        acc = ledger.by_name.get(name)
        symbol = acc.spec.symbol(asset) if acc is not None else ""
        if acc is None or symbol not in acc.instruments:
            continue
        inst = acc.instruments[symbol]
        held = abs(ledger.position_size(acc, symbol))
        amount = on_step(held * Decimal(repr(share)), inst.amount_step)
        if amount < inst.min_amount:
            continue
        mark = world.mark(acc.venue, acc.assets[symbol])
        world.submit_order(name, OrderRequest(client_id=client_id, account=name, symbol=symbol, side=side,
                                              amount=amount, reduce_only=reduce_only, type="limit",
                                              price=to_price(mark * (1 + offset), inst.price_step)))


def build_world(seed: int = 7, scenario: str | Path | Scenario | None = None, *,
                assets: int = DEFAULT_ASSETS, fault_rate: float | None = None) -> World:
    """The demo world (six accounts, `assets` assets of the universe) with its book seeded.

    `fault_rate` (0..1) overrides the scenario's rate of random faults per venue call.
    """
    if not 12 <= assets <= len(ASSETS):
        raise ValueError(f"assets must be between 12 and {len(ASSETS)}, got {assets}")
    if fault_rate is not None and not 0.0 <= fault_rate <= 1.0:
        raise ValueError(f"fault_rate must be between 0 and 1, got {fault_rate}")
    sc = _scenario(scenario)
    if fault_rate is not None:
        sc = dataclasses.replace(sc, settings=dataclasses.replace(sc.settings, fault_rate=fault_rate))
    world = World(seed=seed, assets=ASSETS[:assets], venues=VENUES, accounts=ACCOUNTS, scenario=sc)
    seed_book(world)
    return world


def build_demo(seed: int = 7, scenario: str | Path | Scenario | None = None, speed: float = 1.0,
               clock: Callable[[], float] = time.time, *, assets: int = DEFAULT_ASSETS,
               fault_rate: float | None = None, orders: bool = False) -> SimSession:
    """A ready simulated session: the demo book in the named scenario (default "calm"); with
    `orders`, the orders the trader left resting by hand too (`RESTING`: what `cockpit` shows on
    a fresh start; tests and drills start without them).

    Raises `ScenarioError` (one line) when the scenario cannot be loaded, `ValueError` for a
    bad speed, asset count or fault rate.
    """
    world = build_world(seed, scenario, assets=assets, fault_rate=fault_rate)
    if orders:
        seed_orders(world)
    return SimSession(world, speed=speed, clock=clock)
