"""Top-ups within a venue on the simulator (`cockpit.sim.topup`): a spot wallet's stablecoin lands in
the perp margin after a few simulated seconds, once per client id, never more than the wallet holds;
venues without one say so."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.model import NotSupported, Rejected, TransferStatus
from cockpit.sim import build_demo
from cockpit.sim.demo import SPOT
from cockpit.venues.protocol import TopUpVenue


def _venue(session, name):
    return next(v for v in session.venues if v.info.name == name)


async def test_a_top_up_lands_in_the_margin_in_seconds_and_a_repeated_id_moves_nothing_more(clock):
    session = build_demo(seed=7, clock=clock)
    bybit = _venue(session, "bybit")
    assert isinstance(bybit, TopUpVenue)
    assert await bybit.top_up_available() == SPOT["bybit"]
    before = (await bybit.snapshot()).collateral.equity
    first = await bybit.top_up(Decimal("15000"), "unwind:r1:1:topup")
    again = await bybit.top_up(Decimal("15000"), "unwind:r1:1:topup")
    assert again.id == first.id and first.status is not TransferStatus.DONE
    assert await bybit.top_up_available() == SPOT["bybit"] - 15_000  # taken once
    assert (await bybit.top_up_status("unwind:r1:1:topup", Decimal("15000"), 0.0)).id == first.id
    assert await bybit.top_up_status("unwind:r1:9:topup", Decimal("15000"), 0.0) is None
    clock.tick(60)  # a few simulated seconds is enough; a minute surely
    landed = await bybit.top_up_status("unwind:r1:1:topup", Decimal("15000"), 0.0)
    assert landed.status is TransferStatus.DONE and landed.eta - landed.started_at < 30
    after = (await bybit.snapshot()).collateral.equity
    assert after - before == pytest.approx(15_000, abs=500)  # the market moved a little meanwhile


async def test_more_than_the_spot_wallet_is_refused_and_dydx_has_no_top_up(clock):
    session = build_demo(seed=7, clock=clock)
    with pytest.raises(Rejected, match="more than the spot wallet"):
        await _venue(session, "okx").top_up(Decimal(SPOT["okx"] + 1), "unwind:r1:2:topup")
    assert await _venue(session, "okx").top_up_available() == SPOT["okx"]
    for name in ("dydx", "paradex"):
        with pytest.raises(NotSupported):
            await _venue(session, name).top_up_available()


async def test_a_timed_out_top_up_moved_nothing_and_the_simulator_keeps_its_id_as_bybit_does(clock):
    """The fault plan makes the transfer time out: nothing moved; the simulator says it keeps the
    client id (`top_up_keyed`: the engine may send it again under the same id), and once the
    window is over the same id moves it exactly once."""
    from cockpit.model import VenueTimeout
    from cockpit.sim.faults import Fault, FaultWindow

    session = build_demo(seed=7, clock=clock)
    bybit = _venue(session, "bybit")
    assert bybit.top_up_keyed is True and bybit.top_up_route
    world = session.world
    world.faults.add(FaultWindow("bybit", Fault("timeout"), world.t, world.t + 5.0))
    with pytest.raises(VenueTimeout):
        await bybit.top_up(Decimal("1000"), "unwind:r1:1:topup")
    clock.tick(30)
    assert await bybit.top_up_status("unwind:r1:1:topup", Decimal("1000"), 0.0) is None
    assert await bybit.top_up_available() == SPOT["bybit"]  # nothing moved
    sent = await bybit.top_up(Decimal("1000"), "unwind:r1:1:topup")
    assert (await bybit.top_up(Decimal("1000"), "unwind:r1:1:topup")).id == sent.id
    assert await bybit.top_up_available() == SPOT["bybit"] - 1000
