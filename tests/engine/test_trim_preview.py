"""The trim preview on the simulator's demo book: every position is priced, whether or not its
venue puts the mark on the position (the simulator's dYdX, like dYdX's indexer, does not)."""

from __future__ import annotations

import asyncio

import pytest

from cockpit.engine import handling
from cockpit.engine.demo import demo_engine
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
