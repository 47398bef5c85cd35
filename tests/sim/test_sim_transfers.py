"""Withdrawals and bridges: latencies per layer, queues, congestion, stuck transfers, caps."""

from __future__ import annotations

import statistics
from decimal import Decimal

import numpy as np
import pytest

from cockpit.model import Layer, Rejected, TransferRequest, TransferStatus
from cockpit.model.layers import ROUTES
from cockpit.sim.transfers import TransferDesk, candidate_routes, hop_times


def _route(source: Layer, target: Layer, label: str):
    return next(r for r in ROUTES if r.source is source and r.target is target and r.label == label)


@pytest.mark.parametrize(("source", "target", "label", "lo", "hi"), [
    (Layer.CEX, Layer.ARBITRUM, "CEX withdrawal", 3 * 60, 30 * 60),  # minutes
    (Layer.HYPERLIQUID, Layer.ARBITRUM, "Hyperliquid bridge", 180, 240),  # 3-4 minutes
    (Layer.ARBITRUM, Layer.ETHEREUM, "canonical exit", 6.3 * 86400, 6.5 * 86400),  # ~6.4 days
    (Layer.ARBITRUM, Layer.ETHEREUM, "fast bridge", 60, 20 * 60),  # minutes
    (Layer.STARKNET, Layer.ETHEREUM, "Starknet exit", 3600, 10 * 3600),  # hours
    (Layer.DYDX, Layer.ARBITRUM, "Noble/IBC + CCTP", 5 * 60, 60 * 60),  # minutes
])
def test_withdrawal_times_follow_their_layer(source, target, label, lo, hi):
    rng = np.random.default_rng(4)
    route = _route(source, target, label)
    times = [hop_times(route, 1772409600.0 + i * 977.0, rng, 1.0)[1] for i in range(300)]
    median = statistics.median(times)
    assert lo <= median <= hi
    assert np.quantile(times, 0.95) <= hi * 1.6
    assert min(times) > 0


def test_starknet_exits_wait_for_the_next_proof_batch():
    rng = np.random.default_rng(1)
    route = _route(Layer.STARKNET, Layer.ETHEREUM, "Starknet exit")
    queue, total = hop_times(route, 1772409600.0 + 60.0, rng, 1.0)
    assert queue == pytest.approx(4 * 3600 - 60)  # the batch closes at 04:00
    assert total > queue


def test_congestion_slows_transfers_already_under_way():
    desk = TransferDesk(np.random.default_rng(2))
    chain = candidate_routes(Layer.HYPERLIQUID, Layer.ARBITRUM)[0]
    t = desk.start(client_id="a", account="hl", chain=chain, amount=Decimal(1000),
                   currency="USDC", now=0.0)
    eta = t.arrive_at
    desk.congest(Layer.HYPERLIQUID, 5.0, now=10.0)
    assert t.arrive_at == pytest.approx(10.0 + (eta - 10.0) * 5.0)
    desk.congest(Layer.HYPERLIQUID, 1.0, now=20.0)  # cleared: what is left runs at normal speed
    left = 10.0 + (eta - 10.0) * 5.0 - 20.0
    assert t.arrive_at == pytest.approx(20.0 + left / 5.0)


async def test_a_withdrawal_through_the_venue_is_in_flight_then_lands(session, venue_of, clock):
    v = venue_of(session, "hyperliquid")
    world = session.world
    before = (await v.snapshot()).collateral
    transfer = await v.request_transfer(TransferRequest("w1", "hyperliquid", Layer.ARBITRUM,
                                                        Decimal("10000")))
    assert transfer.status is TransferStatus.IN_FLIGHT
    assert transfer.route == "Hyperliquid bridge"
    assert 180 <= transfer.eta - transfer.started_at <= 240
    assert transfer.fee == Decimal("1")
    during = (await v.snapshot()).collateral
    assert [t.id for t in during.in_flight] == [transfer.id]
    assert during.equity == pytest.approx(before.equity - 10_000, abs=5)
    # The same client id again returns the same transfer, not a second one.
    again = await v.request_transfer(TransferRequest("w1", "hyperliquid", Layer.ARBITRUM,
                                                     Decimal("10000")))
    assert again.id == transfer.id
    clock.tick(transfer.eta - world.t + 1)
    after = (await v.snapshot()).collateral
    assert after.in_flight == ()
    assert world.external[Layer.ARBITRUM] == pytest.approx(9_999)
    assert any("landed" in e.text and transfer.id in e.text for e in session.events())


async def test_a_cex_withdrawal_is_queued_before_it_goes_on_chain(session, venue_of, clock):
    v = venue_of(session, "binance")
    t = await v.request_transfer(TransferRequest("w2", "binance", Layer.ARBITRUM, Decimal("5000")))
    assert t.status is TransferStatus.QUEUED and t.route == "CEX withdrawal"
    desk = session.world.transfers
    state = desk.by_client[("binance", "w2")]
    clock.tick(state.queued_until - session.world.t + 1)
    snap = await v.snapshot()
    assert snap.collateral.in_flight[0].status is TransferStatus.IN_FLIGHT


async def test_two_hop_routes_and_named_routes(session, venue_of):
    v = venue_of(session, "hyperliquid")
    fast = await v.request_transfer(TransferRequest("w3", "hyperliquid", Layer.ETHEREUM,
                                                    Decimal("1000")))
    assert fast.route == "Hyperliquid bridge + fast bridge"
    assert fast.eta - fast.started_at < 3600
    slow = await v.request_transfer(TransferRequest("w4", "hyperliquid", Layer.ETHEREUM,
                                                    Decimal("1000"), route="canonical exit"))
    assert slow.route == "Hyperliquid bridge + canonical exit"
    assert slow.eta - slow.started_at > 6 * 86400


@pytest.mark.parametrize(("account", "layer", "amount", "route", "match"), [
    ("hyperliquid", Layer.ARBITRUM, "5000000", "", "Insufficient withdrawable"),
    ("hyperliquid", Layer.HYPERLIQUID, "100", "", "already on hyperliquid"),
    ("hyperliquid", Layer.ARBITRUM, "100", "teleport", "no route named 'teleport'"),
    ("hyperliquid", Layer.ARBITRUM, "-5", "", "must be positive"),
    ("paradex", Layer.ARBITRUM, "1000", "", r"at most \$0|withdrawable"),
])
async def test_bad_transfers_are_refused(session, venue_of, account, layer, amount, route, match):
    v = venue_of(session, account)
    if account == "paradex":  # drain the fast bridge's liquidity first
        session.world.transfers.cap_left = lambda label, cap: 0.0
    with pytest.raises(Rejected, match=match):
        await v.request_transfer(TransferRequest("bad", account, layer, Decimal(amount), route=route))


async def test_a_stuck_withdrawal_has_no_eta_until_released(clock):
    from cockpit.sim import build_demo

    s = build_demo(seed=7, scenario="bridge-congestion", clock=clock, assets=12)
    v = next(x for x in s.venues if x.info.name == "hyperliquid")
    clock.tick(90)
    stuck = (await v.snapshot()).collateral.in_flight
    assert [t.status for t in stuck] == [TransferStatus.STUCK]
    assert stuck[0].eta is None
    for _ in range(45):
        clock.tick(60)
        moving = (await v.snapshot()).collateral.in_flight
    assert moving[0].status is TransferStatus.IN_FLIGHT and moving[0].eta > s.world.t
    # The congested bridge (x6) is far slower than its usual 3-4 minutes.
    assert moving[0].eta - s.world.t > 10 * 60


async def test_a_deposit_in_flight_lands_in_the_account(session, venue_of, clock):
    v = venue_of(session, "paradex")
    before = (await v.snapshot()).collateral
    [deposit] = before.in_flight
    assert deposit.to_layer is Layer.STARKNET and deposit.amount == Decimal(3000)
    for _ in range(int((deposit.eta - session.world.t) // 600) + 1):
        clock.tick(600)
        await v.snapshot()
    after = (await v.snapshot()).collateral
    assert after.in_flight == ()
    assert session.world.ledger.wallet[session.world.account("paradex").index] == pytest.approx(
        24_000 + 3_000)
