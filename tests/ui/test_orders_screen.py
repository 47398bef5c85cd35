"""The open-orders view: opened with its key or the palette, escape back; every open order at
the venues and ours in flight; cancel one or all of an account's after a confirmation (Cancel
focused); and what it looks like at 80x24 and 120x40 (snapshots)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from textual.widgets import Button

from cockpit.engine.demo import demo_engine
from cockpit.model import Intent, IntentSource, OrderStatus, Side, WorkingOrder
from cockpit.model.commands import CancelAll, CancelOrder
from cockpit.present import orders as po
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.orders import OrdersScreen, OrdersTable
from tests.ui.cockpit_app import FROZEN, first_frame
from tests.ui.fake_engine import FakeEngine


def orders_app(*, orders: bool = True, readonly: bool = False, keymap=None) -> CockpitApp:
    """The demo with the orders its trader left resting by hand (`orders`), frozen clock."""
    engine = demo_engine(seed=7, clock=lambda: FROZEN, orders=orders, readonly=readonly)
    return CockpitApp(FakeEngine(engine), keymap=keymap)


async def with_our_orders(pilot) -> None:
    """First frame, then one of ours resting (a limit trim of the Hyperliquid ETH long, far up)
    and one of ours whose outcome is unknown (a kill-switch cut the venue has not confirmed)."""
    await first_frame(pilot)
    api = pilot.app.api
    p = next(p for p in api.latest.book.positions() if p.account == "hyperliquid" and p.asset == "ETH")
    step = api.backend.venues["hyperliquid"].instruments()[p.symbol].price_step
    limit = (Decimal(str(p.mark_price)) * Decimal("1.25") / step).to_integral_value() * step
    await api.backend.submit(Intent(id="trim:shot:limit", account="hyperliquid", symbol=p.symbol,
                                    source=IntentSource.HOTKEY, reason="hotkey trim 25%", fraction=0.25, limit=limit))
    btc = next(p for p in api.latest.book.positions() if p.account == "dydx" and p.asset == "BTC")
    unknown = WorkingOrder(
        client_id="ck5f0e4c1d2b3a49587766aa01", intent_id=f"kill:e1:{btc.key}", account="dydx", symbol=btc.symbol,
        side=Side.LONG, amount=Decimal("0.25"), filled=Decimal(0), status=OrderStatus.UNKNOWN,
        source=IntentSource.KILL_SWITCH, reason="kill switch cut", created=FROZEN - 42, detail="timeout")
    frame = api.latest
    api.push(dataclasses.replace(frame, working=(*frame.working, unknown)))
    await pilot.pause()


def _screen(app) -> OrdersScreen:
    assert isinstance(app.screen, OrdersScreen)
    return app.screen


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_O_opens_every_open_order_and_escape_comes_back():
    app = orders_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await with_our_orders(pilot)
        await pilot.press("O")
        await pilot.pause()
        screen = _screen(app)
        assert screen.query_one(OrdersTable).row_count == 4
        origins = {line.client_id: line.origin for line in screen.lines}
        assert origins["web_tp_btc"] == po.NOT_OURS and origins["web_add_avax"] == po.NOT_OURS
        assert "trim 25%" in origins.values() and origins["ck5f0e4c1d2b3a49587766aa01"] == "kill cut"
        states = {line.client_id: line.state for line in screen.lines}
        assert states["ck5f0e4c1d2b3a49587766aa01"] == "unknown" and states["web_tp_btc"] == "resting"
        assert _text(app, "#orders-head") == "4 open orders on 4 accounts: 2 ours (1 not at a venue yet), 2 not ours"
        detail = _text(app, "#orders-detail")  # the selected order in full: binance's, first in the book
        assert "binance (binanceusdm) BTC/USDT:USDT: sell" in detail and "id web_tp_btc" in detail
        await pilot.press("escape")
        assert isinstance(app.screen, CockpitScreen)


async def test_the_palette_has_open_orders():
    app = orders_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Open orders")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)


async def test_x_asks_with_keep_focused_and_y_cancels_the_selected_order():
    app = orders_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("O")
        await pilot.pause()
        screen = _screen(app)
        first = screen.selected()
        assert first is not None and first.client_id == "web_tp_btc"  # binance's, first in the book
        assert "not ours: cancelled at the venue by its id" in _text(app, "#orders-detail")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        focused = app.screen.focused
        assert isinstance(focused, Button) and focused.id == "cancel" and "Keep it" in str(focused.label)
        await pilot.press("enter")  # Enter presses the focused Keep it: nothing is sent
        await pilot.pause()
        assert app.api.sent == [] and isinstance(app.screen, OrdersScreen)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.api.sent == [CancelOrder("binance", "web_tp_btc")]
        assert [line.client_id for line in _screen(app).lines] == ["web_add_avax"]


async def test_X_cancels_every_open_order_of_the_selected_account_only():
    app = orders_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await with_our_orders(pilot)
        await pilot.press("O")
        await pilot.pause()
        table = app.screen.query_one(OrdersTable)
        keys = [line.key for line in _screen(app).lines]
        table.move_cursor(row=keys.index(("hyperliquid", next(k for a, k in keys if a == "hyperliquid"))))
        await pilot.pause()
        assert "hyperliquid" in _text(app, "#orders-detail")
        await pilot.press("X")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "hyperliquid" in app.screen.title_text
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.api.sent == [CancelAll("hyperliquid")]
        assert {line.account for line in _screen(app).lines} >= {"binance", "okx"}
        assert "hyperliquid" not in {line.account for line in _screen(app).lines}


async def test_read_only_the_engine_says_why_and_nothing_is_cancelled():
    app = orders_app(readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("O")
        await pilot.pause()
        assert "read-only: orders cannot be cancelled from here" in _text(app, "#orders-detail")
        await pilot.press("x")  # no question: sent at once, so the engine says why
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("read-only" in n.message for n in app._notifications)
        assert len(_screen(app).lines) == 2


async def test_with_no_orders_the_view_explains_itself():
    app = orders_app(orders=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        await pilot.press("O")
        await pilot.pause()
        assert "No open orders." in _text(app, "#orders-detail")
        assert _text(app, "#orders-head").startswith("Open orders: none")
        await pilot.press("x", "X")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen) and app.api.sent == []
        assert app.screen.check_action("cancel", ()) is None  # shown dimmed: nothing to cancel
        from cockpit.sim.demo import seed_orders

        seed_orders(app.api.backend.sim.world)  # the trader leaves orders on the venues
        await app.api.poll()
        await pilot.pause()
        assert app.screen.check_action("cancel", ()) is True and len(app.screen.lines) == 2


async def test_a_remapped_key_opens_it():
    app = orders_app(keymap={"view.orders": "ctrl+o"})
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_open_orders_view(snap_compare, size):
    """Four orders on four accounts: two the demo trader left on the venues by hand (a take-profit,
    a bid that adds), our limit trim resting, and our kill-switch cut whose outcome is unknown."""

    async def run_before(pilot):
        await with_our_orders(pilot)
        await pilot.press("O")
        await pilot.pause()

    assert snap_compare(orders_app(), terminal_size=size, run_before=run_before)


async def test_the_dead_mans_switches_show_where_an_account_opted_in():
    from cockpit.model import DeadManState, DeadManStatus

    app = orders_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("O")
        await pilot.pause()
        dms = app.screen.query_one("#orders-dms")
        assert not dms.display  # no account opted in: no line
        frame = app.api.latest
        armed = DeadManState("binance", DeadManStatus.ARMED, expires_at=frame.now + 42,
                             detail="cancels orders, not positions")
        app.api.push(dataclasses.replace(frame, dead_man=(armed,)))
        await pilot.pause()
        assert dms.display
        text = _text(app, "#orders-dms")
        assert "binance: DMS 42s" in text and "cancels this account's orders" in text
