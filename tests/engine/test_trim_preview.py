"""The trim preview on the simulator's demo book: every position is priced, whether or not its
venue puts the mark on the position (the simulator's dYdX, like dYdX's indexer, does not)."""

from __future__ import annotations

import asyncio

import pytest

from cockpit.engine import handling
from cockpit.engine.demo import demo_engine
from cockpit.model import LiqKind
from cockpit.model.commands import Trim, TrimPreview

FROZEN = 1_780_000_000.0


@pytest.fixture(scope="module")
def demo():
    engine = demo_engine(seed=7, clock=lambda: FROZEN)
    frame = asyncio.run(engine.poll_once())
    return engine, frame


def test_a_dydx_trim_is_priced_though_its_positions_carry_no_mark(demo):
    engine, frame = demo
    rows = [p for p in frame.assessment.positions if p.venue == "dydx"]
    assert rows
    for row in rows:
        position = engine.state.freeze(FROZEN).position(row.key)
        assert position.mark_price is None  # what the venue leaves out
        preview = handling.preview(engine, Trim(row.key, 0.25, id="x"))
        assert isinstance(preview, TrimPreview)
        assert preview.mark == pytest.approx(row.mark)
        assert preview.est_price is not None and preview.est_cost > 0 and preview.notional > 0


def test_the_preview_shows_the_liquidation_the_pane_shows_and_where_the_trim_leaves_it(demo):
    """Before: the pane's own price, or for cross the account-level move as a price of the symbol.
    After a full close: none."""
    engine, frame = demo
    kinds = set()
    for row in frame.assessment.positions:
        trim = handling.preview(engine, Trim(row.key, 0.25, id="x"))
        assert trim.liq_kind is row.liq_kind
        kinds.add((row.liq_kind, trim.cross))
        if row.liq_kind is LiqKind.POSITION:
            assert trim.liq_before == pytest.approx(row.liq_price)
            if not trim.cross:
                assert trim.liq_after == trim.liq_before  # isolated: margin released in proportion
        elif row.liq_distance is not None:
            assert trim.liq_before == pytest.approx(row.mark * (1 + row.liq_direction * row.liq_distance))
        if trim.liq_after is not None and trim.liq_before is not None and not trim.liq_closer:
            assert abs(trim.liq_after - row.mark) >= abs(trim.liq_before - row.mark) * (1 - 1e-9)
        close = handling.preview(engine, Trim(row.key, 1.0, id="y"))
        assert close.after == 0 and close.liq_after is None and not close.liq_closer
    # the demo book has all three: isolated, cross with its own price, cross at account level
    assert {(LiqKind.POSITION, False), (LiqKind.POSITION, True), (LiqKind.ACCOUNT, True)} <= kinds


def test_cutting_a_hedge_leg_says_liquidation_comes_nearer(demo):
    """dYdX in the demo is net short (BTC, OP) with an ETH long: trimming the long leaves the
    account more directional, and its liquidation (on a rise) nearer."""
    engine, frame = demo
    row = next(p for p in frame.assessment.positions if p.venue == "dydx" and p.asset == "ETH")
    trim = handling.preview(engine, Trim(row.key, 0.25, id="x"))
    assert trim.liq_kind is LiqKind.ACCOUNT and trim.liq_closer
    assert row.mark < trim.liq_after < trim.liq_before
