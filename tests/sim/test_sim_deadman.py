"""The simulated dead-man's switch: it cancels the account's resting orders (never its positions)
when its deadline passes without a refresh, and not a moment before; the paper venue forwards it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.model import OrderRequest, OrderStatus, Rejected, Side

BTC = "BTC/USDT:USDT"
FAR = Decimal("120000.0")  # far above the market: rests, never fills


def _rest(cid: str, account: str = "binance") -> OrderRequest:
    return OrderRequest(cid, account, BTC, Side.SHORT, Decimal("0.01"), type="limit", price=FAR)


def _rest_reducing(session, cid: str, account: str) -> OrderRequest:
    """A reduce-only limit that rests far from the market against one of `account`'s positions."""
    acc = session.world.account(account)
    symbol, pos = next(iter(acc.positions.items()))
    inst = acc.instruments[symbol]
    side = Side.SHORT if pos.size > 0 else Side.LONG
    mark = Decimal(str(session.world.mark(acc.venue, acc.assets[symbol])))
    far = mark * (Decimal(3) if side is Side.SHORT else Decimal("0.3"))
    price = (far / inst.price_step).to_integral_value() * inst.price_step
    return OrderRequest(cid, account, symbol, side, inst.min_amount, reduce_only=True, type="limit",
                        price=price)


async def _open(v) -> set[str]:
    return {o.client_id for o in (await v.snapshot()).open_orders}


async def test_it_cancels_the_accounts_orders_after_the_window_and_not_before(session, venue_of, clock):
    v = venue_of(session, "binance")
    await v.place_order(_rest("dms1"))
    positions = {p.symbol: p.size for p in (await v.snapshot()).positions}
    armed = await v.arm_dead_man(30)
    assert armed.supported and armed.armed_until == clock() + 30
    assert "not positions" in armed.note
    clock.tick(29)
    assert await _open(v) == {"dms1"}  # one second before: still resting
    clock.tick(2)
    assert await _open(v) == set()  # past it: cancelled by the venue
    assert (await v.fetch_order("dms1", BTC)).status is OrderStatus.CANCELED
    assert {p.symbol: p.size for p in (await v.snapshot()).positions} == positions  # positions stay
    assert session.world.dead_man_fired == {"binance": 1}
    assert any("dead-man's switch fired" in e.text for e in session.events())


async def test_a_refresh_pushes_the_deadline_out(session, venue_of, clock):
    v = venue_of(session, "binance")
    await v.place_order(_rest("dms2"))
    await v.arm_dead_man(30)
    for _ in range(5):  # refreshed every 20 s for 100 s: never fires
        clock.tick(20)
        await v.arm_dead_man(30)
    assert await _open(v) == {"dms2"}
    assert session.world.dead_man_fired == {}
    clock.tick(31)
    assert await _open(v) == set()


async def test_disarm_and_other_accounts(session, venue_of, clock):
    v, other = venue_of(session, "binance"), venue_of(session, "bybit")
    await v.place_order(_rest("dms3"))
    await other.place_order(_rest_reducing(session, "dms4", "bybit"))
    await other.arm_dead_man(10)
    await v.arm_dead_man(10)
    await v.disarm_dead_man()
    clock.tick(60)
    assert await _open(v) == {"dms3"}  # disarmed: its order stays
    assert await _open(other) == set()  # armed: cancelled
    assert session.world.dead_man_fired == {"bybit": 1}


async def test_the_window_is_in_the_callers_seconds_at_any_speed(session, venue_of, clock):
    """At ×60 a 30 s window is 30 wall seconds (30 simulated minutes), not 30 simulated seconds."""
    session.speed = 60
    v = venue_of(session, "binance")
    await v.place_order(_rest("dms5"))
    await v.arm_dead_man(30)
    clock.tick(29)
    assert await _open(v) == {"dms5"}
    clock.tick(2)
    assert await _open(v) == set()


async def test_a_window_that_is_not_positive_is_refused(session, venue_of):
    with pytest.raises(Rejected, match="positive"):
        await venue_of(session, "binance").arm_dead_man(0)
