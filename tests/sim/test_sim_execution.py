"""Orders against the depth model: walking the book, fees, partial fills, venue-style refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from cockpit.model import OrderRequest, OrderStatus, Rejected, Side
from cockpit.sim import build_demo
from cockpit.sim.book import walk

BTC = "BTC/USDT:USDT"


def _req(cid: str, symbol: str, side: Side, amount: str | Decimal, **kw) -> OrderRequest:
    return OrderRequest(cid, kw.pop("account", "binance"), symbol, side, Decimal(amount), **kw)


async def test_market_order_walks_the_book_and_pays_the_taker_fee(session, venue_of):
    v = venue_of(session, "bybit")
    world = session.world
    acc = world.account("bybit")
    wif = "WIF/USDT:USDT"  # a tier-4 alt: thin book
    book = world.exchange.book(acc, wif, Side.SHORT)  # the bids a sell takes
    pos = world.ledger.position_size(acc, wif)
    assert pos > book[0].amount + book[1].amount  # the long is bigger than two levels
    entry = acc.positions[wif].entry
    wallet = world.ledger.wallet[acc.index]
    order = await v.place_order(_req("walk1", wif, Side.SHORT, pos, account="bybit"))
    assert order.status is OrderStatus.FILLED and order.filled == pos
    assert world.ledger.position_size(acc, wif) == 0 and wif not in acc.positions
    # It walked: worse than the touch, by exactly the levels it consumed.
    assert order.average < book[0].price
    levels = []
    left = pos
    for lv in book:
        take = min(left, lv.amount)
        levels.append((lv.price, take))
        left -= take
        if not left:
            break
    assert len(levels) >= 3
    expect = sum(p * a for p, a in levels) / pos
    assert abs(order.average - expect) < Decimal("1e-9")
    notional = float(sum(p * a for p, a in levels))
    assert order.fee == pytest.approx(notional * acc.spec.taker, rel=1e-9)
    # The wallet moved by the realized PnL minus exactly the fee.
    realized = float(sum((p - entry) * a for p, a in levels))
    assert world.ledger.wallet[acc.index] - wallet == pytest.approx(realized - order.fee, abs=1e-6)
    fill = [e for e in session.events() if e.kind == "fill"][-1]
    assert f"over {len(levels)} levels" in fill.text


def test_thin_book_punishes_size(clock):
    s = build_demo(seed=3, clock=clock, assets=12)
    world = s.world
    acc = world.account("paradex")
    symbol = "BTC/USD:USDC"
    small = world.exchange.book(acc, symbol, Side.SHORT)
    size = Decimal("3")  # about $250k on Paradex's book
    tiny = walk(small, Decimal("0.001"), Side.SHORT)
    whole = walk(small, size, Side.SHORT)
    world.liquidity[:] = 0.2  # a crash thins every book
    thin = walk(world.exchange.book(acc, symbol, Side.SHORT), size, Side.SHORT)
    assert tiny.average > whole.average > thin.average


async def test_limit_order_fills_partially_then_rests_and_fills_as_maker(session, venue_of, clock):
    v = venue_of(session, "bybit")
    world = session.world
    acc = world.account("bybit")
    avax = "AVAX/USDT:USDT"  # the account is short: a buy reduces it
    book = world.exchange.book(acc, avax, Side.LONG)  # the asks a buy takes
    limit = book[0].price  # marketable for the first level only
    want = book[0].amount + Decimal("500")
    assert want < -world.ledger.position_size(acc, avax)
    order = await v.place_order(_req("lim1", avax, Side.LONG, want, type="limit", price=limit,
                                     account="bybit"))
    assert order.status is OrderStatus.PARTIAL
    assert order.filled == book[0].amount < order.amount
    snap = await v.snapshot()
    assert [(o.client_id, o.status) for o in snap.open_orders] == [("lim1", OrderStatus.PARTIAL)]
    # The market falls through the limit: the rest fills as maker, a slice per second.
    world.prices.shock(world.account("bybit").assets[avax], -0.01)
    clock.tick(1)
    after = await v.fetch_order("lim1", avax)
    assert order.filled < after.filled < after.amount
    clock.tick(60)
    done = await v.fetch_order("lim1", avax)
    assert done.status is OrderStatus.FILLED and done.filled == done.amount
    maker_part = float((done.filled - order.filled) * limit) * acc.spec.maker
    assert done.fee == pytest.approx(order.fee + maker_part, rel=1e-6)
    assert not (await v.snapshot()).open_orders


async def test_cancel_a_resting_order_and_unknown_orders(session, venue_of):
    v = venue_of(session, "binance")
    far = Decimal("120000.0")
    order = await v.place_order(_req("rest1", BTC, Side.SHORT, "0.01", type="limit", price=far))
    assert order.status is OrderStatus.OPEN and order.filled == 0
    await v.cancel_order("rest1", BTC)
    assert (await v.fetch_order("rest1", BTC)).status is OrderStatus.CANCELED
    with pytest.raises(Rejected, match="-2011"):
        await v.cancel_order("rest1", BTC)
    assert await v.fetch_order("never-sent", BTC) is None


@pytest.mark.parametrize(("amount", "kw", "code"), [
    ("0.00015", {}, "-1111"),  # not a multiple of the 0.0001 step
    ("0", {}, "-1111"),
    ("0.5", {"type": "limit", "price": Decimal("84000.05")}, "-4014"),  # off the 0.1 tick
    ("0.5", {"symbol": "NOPE/USDT:USDT"}, "-1121"),
    ("50", {}, "-2022"),  # more than the position: reduce-only refuses
])
async def test_orders_that_break_the_rules_are_refused_venue_style(session, venue_of, amount, kw, code):
    v = venue_of(session, "binance")
    symbol = kw.pop("symbol", BTC)
    with pytest.raises(Rejected) as err:
        await v.place_order(_req("bad1", symbol, Side.SHORT, amount, **kw))
    assert err.value.code == code
    assert str(err.value).startswith(f"binanceusdm {code}: ")
    assert "\n" not in str(err.value)


async def test_minimum_size_on_a_venue_whose_minimum_is_several_steps(session, venue_of):
    v = venue_of(session, "dydx")
    inst = v.instruments()["BTC/USD:USDC"]
    assert inst.min_amount > inst.amount_step
    with pytest.raises(Rejected, match="MinOrderBaseQuantums"):
        await v.place_order(_req("d1", "BTC/USD:USDC", Side.LONG, inst.amount_step, account="dydx"))


async def test_duplicate_client_id_is_refused(session, venue_of):
    v = venue_of(session, "binance")
    await v.place_order(_req("dup", BTC, Side.SHORT, "0.01"))
    with pytest.raises(Rejected, match="-4116"):
        await v.place_order(_req("dup", BTC, Side.SHORT, "0.01"))


async def test_reduce_only_on_the_same_side_is_refused_everywhere(session):
    for v in session.venues:
        snap = await v.snapshot()
        p = snap.positions[0]
        with pytest.raises(Rejected) as err:
            await v.place_order(OrderRequest("same" + v.info.name, v.info.name, p.symbol, p.side,
                                             v.instruments()[p.symbol].min_amount))
        assert v.info.venue in str(err.value)


async def test_opening_orders_need_margin(session, venue_of):
    v = venue_of(session, "paradex")  # the thin account
    with pytest.raises(Rejected, match="NOT_ENOUGH_MARGIN"):
        await v.place_order(_req("big", "ETH/USD:USDC", Side.LONG, "100", account="paradex",
                                 reduce_only=False))
    order = await v.place_order(_req("ok", "SOL/USD:USDC", Side.LONG, "1", account="paradex",
                                     reduce_only=False))
    assert order.status is OrderStatus.FILLED


_SESSION = build_demo(seed=11, clock=lambda: 0.0, assets=12)


@settings(max_examples=150)
@given(units=st.integers(min_value=1, max_value=40_000), extra=st.integers(0, 9),
       account=st.sampled_from(["binance", "bybit", "hyperliquid", "dydx", "okx"]))
def test_reduce_only_never_flips_and_off_step_sizes_are_refused(units, extra, account):
    world = _SESSION.world
    acc = world.account(account)
    symbol, pos = next(iter(acc.positions.items()))
    inst = acc.instruments[symbol]
    amount = inst.amount_step * units + inst.amount_step / 10 * extra
    before = pos.size
    side = Side.SHORT if before > 0 else Side.LONG
    cid = f"h{world.exchange.count}-{units}-{extra}"
    try:
        world.submit_order(account, OrderRequest(cid, account, symbol, side, amount))
    except Rejected as exc:
        off_step = extra != 0
        too_big = amount > abs(before)
        too_small = amount < inst.min_amount
        assert off_step or too_big or too_small, str(exc)
        assert world.ledger.position_size(acc, symbol) == before
        return
    assert extra == 0 and inst.min_amount <= amount <= abs(before)
    after = world.ledger.position_size(acc, symbol)
    assert after == 0 or (after > 0) == (before > 0)  # never flipped
    assert abs(after) == abs(before) - amount
    # Put the position back so the next example has something to cut.
    if after == 0:
        world.ledger.open(acc, symbol, before, pos.entry, leverage=pos.leverage)
    else:
        acc.positions[symbol].size = before
        world.ledger.dirty = True


@given(amount=st.integers(1, 10_000), limit_level=st.one_of(st.none(), st.integers(0, 30)),
       side=st.sampled_from([Side.LONG, Side.SHORT]), liquidity=st.floats(0.05, 2.0))
def test_walking_the_book_fills_best_first_and_never_past_the_limit(amount, limit_level, side, liquidity):
    world = _SESSION.world
    acc = world.account("bybit")
    world.liquidity[:] = liquidity
    try:
        book = world.exchange.book(acc, "SOL/USDT:USDT", side)
    finally:
        world.liquidity[:] = 1.0
    size = Decimal(amount) / 10
    limit = book[min(limit_level, len(book) - 1)].price if limit_level is not None else None
    taken = walk(book, size, side, limit)
    assert taken.filled + taken.remaining == size
    prices = [f.price for f in taken.fills]
    assert prices == sorted(prices, reverse=side is Side.SHORT)  # best first
    if limit is not None and prices:
        assert all((p <= limit) if side is Side.LONG else (p >= limit) for p in prices)
    if taken.remaining and limit is None:
        assert taken.filled == sum(lv.amount for lv in book)  # only an empty book leaves some
