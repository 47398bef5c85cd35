"""Every fault arrives through the venue protocol as the error class a real venue's would."""

from __future__ import annotations

import pytest

from cockpit.model import (
    AuthError,
    MalformedReply,
    OrderRequest,
    OrderStatus,
    RateLimited,
    Rejected,
    Unavailable,
    UnknownOutcome,
    VenueError,
    VenueTimeout,
)
from cockpit.sim import build_demo
from cockpit.sim.faults import FAULT_KINDS, Fault, FaultWindow

READ_ERRORS = {
    "timeout": VenueTimeout, "rate_limit": RateLimited, "server_error": Unavailable,
    "malformed": MalformedReply, "outage": Unavailable, "auth": AuthError, "reset": Unavailable,
}


def _inject(session, account: str, kind: str, **kw) -> None:
    world = session.world
    world.faults.add(FaultWindow(account, Fault(kind, **kw), world.t, world.t + 60))


@pytest.mark.parametrize("kind", sorted(READ_ERRORS))
async def test_read_faults_arrive_as_their_error_class(session, venue_of, kind):
    v = venue_of(session, "okx")
    await v.snapshot()
    _inject(session, "okx", kind, retry_after=7.0)
    with pytest.raises(READ_ERRORS[kind]) as err:
        await v.snapshot()
    assert err.value.account == "okx"
    assert "\n" not in str(err.value) and str(err.value).startswith("okx")
    if kind == "rate_limit":
        assert err.value.retry_after == 7.0
    with pytest.raises(READ_ERRORS[kind]):
        await v.fetch_order("x", "BTC/USDT:USDT")
    # Another account is unaffected.
    assert (await venue_of(session, "binance").snapshot()).account.name == "binance"


async def test_latency_delays_but_answers(session, venue_of):
    v = venue_of(session, "okx")
    _inject(session, "okx", "latency", delay=0.05)
    snap = await v.snapshot()
    assert snap.account.name == "okx"


async def test_an_order_accepted_but_answered_with_an_error_did_land(session, venue_of):
    v = venue_of(session, "okx")
    _inject(session, "okx", "unknown_outcome")
    snap = await v.snapshot()  # reads are not hit by an order-only fault
    p = snap.positions[0]
    request = OrderRequest("cid-unknown", "okx", p.symbol, p.side.opposite,
                           v.instruments()[p.symbol].min_amount * 10)
    with pytest.raises(UnknownOutcome) as err:
        await v.place_order(request)
    assert err.value.client_id == "cid-unknown"
    found = await v.fetch_order("cid-unknown", p.symbol)
    assert found is not None and found.status is OrderStatus.FILLED
    # Resending the same id is refused as a duplicate: the order is not placed twice.
    session.world.faults.windows.clear()
    with pytest.raises(Rejected, match="51016"):
        await v.place_order(request)


@pytest.mark.parametrize("kind", ["timeout", "malformed"])
async def test_lost_answers_to_orders_are_unknown_outcomes(session, venue_of, kind):
    v = venue_of(session, "okx")
    snap = await v.snapshot()
    p = snap.positions[0]
    _inject(session, "okx", kind, delay=0.0)
    request = OrderRequest(f"cid-{kind}", "okx", p.symbol, p.side.opposite,
                           v.instruments()[p.symbol].min_amount * 10)
    with pytest.raises(UnknownOutcome):
        await v.place_order(request)
    session.world.faults.windows.clear()
    assert await v.fetch_order(request.client_id, p.symbol) is not None


@pytest.mark.parametrize(("kind", "error"), [("rejected", Rejected), ("rate_limit", RateLimited),
                                              ("server_error", Unavailable), ("outage", Unavailable),
                                              ("reset", UnknownOutcome)])
async def test_orders_refused_before_the_matching_engine_never_land(session, venue_of, kind, error):
    v = venue_of(session, "okx")
    snap = await v.snapshot()
    p = snap.positions[0]
    _inject(session, "okx", kind)
    request = OrderRequest(f"cid-{kind}", "okx", p.symbol, p.side.opposite,
                           v.instruments()[p.symbol].min_amount * 10)
    with pytest.raises(error):
        await v.place_order(request)
    session.world.faults.windows.clear()
    assert await v.fetch_order(request.client_id, p.symbol) is None


async def test_frozen_data_returns_the_old_values_with_the_old_venue_time(session, venue_of, clock):
    v = venue_of(session, "okx")
    first = await v.snapshot()
    _inject(session, "okx", "stale")
    clock.tick(30)
    frozen = await v.snapshot()
    assert frozen.venue_time == first.venue_time
    assert frozen.positions == first.positions and frozen.funding == first.funding
    assert frozen.fetched_at == clock.now  # fetched now, but the data is old
    clock.tick(31)
    fresh = await v.snapshot()
    assert fresh.venue_time == session.world.t > first.venue_time


def test_every_fault_kind_is_covered():
    assert set(FAULT_KINDS) == set(READ_ERRORS) | {"latency", "unknown_outcome", "stale", "rejected"}


async def test_random_faults_at_a_configured_rate_are_deterministic(clock):
    from cockpit.sim.scenario import parse_scenario

    sc = parse_scenario('description = "flaky"\n[settings]\nfault_rate = 0.3\n'
                        'fault_kinds = ["rate_limit", "server_error", "malformed"]', "flaky")

    async def run() -> list[str]:
        s = build_demo(seed=5, scenario=sc, clock=clock, assets=12)
        out = []
        for _ in range(200):
            try:
                await s.venues[0].snapshot()
                out.append("ok")
            except VenueError as exc:
                out.append(type(exc).__name__)
        return out

    a, b = await run(), await run()
    assert a == b
    failures = sum(x != "ok" for x in a) / len(a)
    assert 0.2 <= failures <= 0.4
    assert {"RateLimited", "Unavailable", "MalformedReply"} <= set(a)


async def test_the_venue_outage_scenario_takes_one_account_dark(clock):
    s = build_demo(seed=7, scenario="venue-outage", clock=clock, assets=12)
    dydx = next(v for v in s.venues if v.info.name == "dydx")
    others = [v for v in s.venues if v.info.name != "dydx"]
    clock.tick(70)
    with pytest.raises(Unavailable):
        await dydx.snapshot()
    for v in others:
        assert (await v.snapshot()).venue_time == s.world.t
    for _ in range(15):
        clock.tick(60)
        await others[0].snapshot()
    snap = await dydx.snapshot()
    assert snap.venue_time == s.world.t
