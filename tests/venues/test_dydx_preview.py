"""A trim of a dYdX position is priced, from ccxt's recorded indexer replies (real HTTP to the
loopback replay server, unmodified ccxt, through our adapter and the engine).

dYdX's indexer reports a position's size, side, entry and uPnL only: no mark. The adapter fills
the mark from the market list's oracle price; a venue (or the simulator's dYdX) that leaves it off
the position still carries it in the snapshot's marks, and the preview is priced from there.
Every expected figure is worked out by hand from the raw replies.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from cockpit.engine import Engine
from cockpit.engine.executor import Executor
from cockpit.engine.journal import Journal
from cockpit.model import Book, Intent, IntentSource, LiqKind, PositionKey, Side
from cockpit.model.commands import TrimPreview
from cockpit.risk.orders import impact
from cockpit.venues.open import open_account
from tests.fixtures.keys import account, put_keys

NOW = 1_722_161_200.0
ORACLE = 118700.5426  # perpetualMarkets' oraclePrice of BTC-USD
KEY = PositionKey("dydx-t", "BTC/USDC:USDC")
TAKER = 0.0005  # ccxt's dydx market has no taker fee: the adapter's default


async def _engine(replay, store) -> Engine:
    put_keys(store, "dydx", "dydx-t")
    venue = open_account(account("dydx", replay.url, readonly=False), secrets=store, clock=lambda: NOW, rate_limit=False)
    engine = Engine([venue], clock=lambda: NOW)
    await engine.poll_once()
    return engine


def _intent(fraction: float) -> Intent:
    return Intent(id=f"t{fraction}", account=KEY.account, symbol=KEY.symbol, source=IntentSource.HOTKEY,
                  reason="test", fraction=fraction)


def _priced_at(preview: TrimPreview, mark: float, cut: D) -> None:
    notional = float(cut) * mark
    slip = impact(notional)
    assert preview.cut == cut and preview.mark == mark
    assert preview.notional == pytest.approx(notional)
    # closing a short buys: above the mark
    assert preview.est_price == pytest.approx(mark * (1 + slip))
    assert preview.est_cost == pytest.approx(notional * (TAKER + slip))


async def test_a_dydx_trim_is_priced_at_the_oracle_price(replay, store):
    engine = await _engine(replay, store)
    try:
        preview = engine.preview(_intent(0.25))
        # SHORT 0.407; 25% = 0.10175, rounded down to the 0.0001 step
        assert (preview.side, preview.order_side, preview.after) == (Side.SHORT, Side.LONG, D("0.3053"))
        _priced_at(preview, ORACLE, D("0.1017"))
        # Cross (subaccount 0), no liquidation price reported: the account-level move. Equity
        # 161451.040416029 (the subaccount), maintenance 0.012 of 0.407 × oracle (the market's
        # MMF), net −0.407 × oracle: x = (E − M)/(M − N), a rise; the trim takes 0.1017/0.407 of
        # notional and maintenance off and its cost off the equity.
        equity, notional = 161451.040416029, 0.407 * ORACLE
        maint = 0.012 * notional
        f = 0.1017 / 0.407
        x = (equity - maint) / (maint + notional)
        x2 = (equity - preview.est_cost - maint * (1 - f)) / ((maint + notional) * (1 - f))
        assert (preview.liq_kind, preview.cross, preview.liq_closer) == (LiqKind.ACCOUNT, True, False)
        assert preview.liq_before == pytest.approx(ORACLE * (1 + x))
        assert preview.liq_after == pytest.approx(ORACLE * (1 + x2))
        close = engine.preview(_intent(1.0))
        assert close.after == 0 and close.liq_before == preview.liq_before and close.liq_after is None
    finally:
        await engine.stop()


async def test_a_position_without_its_own_mark_is_priced_from_the_snapshot(replay, store):
    """As the raw indexer reply (and the simulator's dYdX): the mark left off the position."""
    engine = await _engine(replay, store)
    try:
        book = engine.state.freeze(NOW)
        state = book.account("dydx-t")
        snap = state.snapshot
        (position,) = snap.positions
        bare = dataclasses.replace(snap, positions=(dataclasses.replace(position, mark_price=None),))
        assert bare.mark(KEY.symbol) == ORACLE
        executor: Executor = engine.executor
        blind = Book(NOW, (dataclasses.replace(state, snapshot=bare),))
        _priced_at(executor.preview(_intent(0.25), blind), ORACLE, D("0.1017"))

        # no marks table: the funding quote's mark (the oracle price too)
        no_table = dataclasses.replace(bare, marks=())
        book2 = Book(NOW, (dataclasses.replace(state, snapshot=no_table),))
        _priced_at(executor.preview(_intent(0.25), book2), ORACLE, D("0.1017"))

        # nothing in the snapshot: the risk engine's mark, when the engine has one
        none = dataclasses.replace(no_table, funding=())
        book3 = Book(NOW, (dataclasses.replace(state, snapshot=none),))
        _priced_at(executor.preview(_intent(0.25), book3, mark=118_000.0), 118_000.0, D("0.1017"))

        # no price anywhere: unknown, never $0
        unknown = executor.preview(_intent(0.25), book3)
        assert (unknown.est_price, unknown.est_cost, unknown.notional, unknown.mark) == (None, None, None, None)
        assert unknown.cut == D("0.1017")  # the order itself is still exact
    finally:
        await engine.stop()
