"""ccxt's request spacing, as the cockpit's clients use it: the same gaps as ccxt's, waited in one
sleep each (ccxt's own loop wakes every millisecond while a request waits: most of an idle guard's
CPU), and the clients built for accounts use it."""

from __future__ import annotations

import asyncio
import types

import pytest
from ccxt.async_support.base.throttler import Throttler

import cockpit.venues.ccxt_build as build
from cockpit.venues.open import open_account
from tests.fixtures.keys import account, put_keys


class FakeTime:
    """A clock that moves only when the spacing sleeps; it records every sleep."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, delay: float, result=None):
        self.sleeps.append(delay)
        self.now += delay
        await asyncio.sleep(0)  # a real yield, so the released requests run
        return result


@pytest.fixture
def fake(monkeypatch):
    clock = FakeTime()
    monkeypatch.setattr(build, "time", types.SimpleNamespace(time=clock.time))
    monkeypatch.setattr(build, "asyncio", types.SimpleNamespace(sleep=clock.sleep))
    return clock


async def test_requests_are_spaced_as_ccxt_spaces_them_with_one_sleep_per_gap(fake):
    # Binance's spacing: one request per 50 ms, bucket of one token.
    bucket = build.spacing_class(Throttler)({"refillRate": 1 / 50, "delay": 0.001, "capacity": 1.0,
                                             "tokens": 0, "cost": 1.0})
    released = []

    async def request(i: int) -> None:
        await bucket()
        released.append((i, fake.now))

    await asyncio.gather(*(request(i) for i in range(5)))
    assert [i for i, _ in released] == [0, 1, 2, 3, 4]  # in order
    gaps = [b - a for (_, a), (_, b) in zip(released, released[1:])]
    assert gaps == pytest.approx([0.05] * 4)  # ccxt's 50 ms, exactly
    waits = [s for s in fake.sleeps if s > 0]
    assert len(waits) == 4  # one sleep per gap; ccxt's loop sleeps 1 ms about 200 times here


async def test_a_weighted_request_waits_for_its_whole_cost(fake):
    bucket = build.spacing_class(Throttler)({"refillRate": 1 / 100, "delay": 0.001, "capacity": 1.0,
                                             "tokens": 0, "cost": 1.0})
    released = []

    async def request(cost: float) -> None:
        await bucket(cost)
        released.append(fake.now)

    await asyncio.gather(request(5.0), request(1.0))
    assert released[1] - released[0] == pytest.approx(0.5)  # 5 tokens at 100 ms each


async def test_clients_built_for_accounts_use_the_quiet_spacing(replay, store):
    put_keys(store, "binanceusdm", "acc")
    venue = open_account(account("binanceusdm", replay.url, name="acc"), secrets=store)
    await venue.connect()
    try:
        throttler = venue._exchange.throttler
        assert type(throttler).leaky_bucket_loop is not Throttler.leaky_bucket_loop
        assert isinstance(throttler, Throttler)
        await venue.snapshot()  # and it answers through it
    finally:
        await venue.close()
