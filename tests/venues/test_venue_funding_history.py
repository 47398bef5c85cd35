"""Past funding through unmodified ccxt and the loopback replay server: this account's own
payments (ccxt's recorded Binance income record and Bybit execution list) and settled rates
(a written Binance /fapi/v1/fundingRate reply).

Expected values are worked out by hand from the raw replies (`tests/fixtures/ORIGIN.md`).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from cockpit.model.errors import MalformedReply
from cockpit.venues.funding_history import map_payments, map_rate_history, snap_interval
from cockpit.venues.open import open_account
from cockpit.venues.profiles import profile_for
from tests.fixtures.keys import account, put_keys

NOW = 1_722_161_200.0
SINCE = 1_700_000_000.0  # before every recorded payment (ccxt drops those older than `since`)


async def connected(replay, store, venue):
    put_keys(store, venue, f"{venue}-t")
    v = open_account(account(venue, replay.url), secrets=store, clock=lambda: NOW, rate_limit=False)
    await v.connect()
    return v


async def test_binance_payments_are_the_income_records(replay, store):
    """One FUNDING_FEE income record: -0.04618913 USDT on BTCUSDT, exact, paid (negative)."""
    v = await connected(replay, store, "binanceusdm")
    try:
        (p,) = await v.funding_payments(SINCE)
    finally:
        await v.close()
    assert (p.symbol, p.asset, p.currency) == ("BTC/USDT:USDT", "BTC", "USDT")
    assert p.amount == D("-0.04618913") and p.time == 1707465600.0
    assert p.id == "8082457372019390060" and p.account == "binanceusdm-t"
    (sent,) = replay.sent("/fapi/v1/income")
    assert sent.params["startTime"] == str(int(SINCE * 1000))


async def test_bybit_payments_flip_the_fee_sign(replay, store):
    """Bybit books funding as executions whose execFee is positive when paid: a long at +0.01%
    paid 0.0007797 on 7.797 USDT; at -0.0881% it received 0.00708126."""
    v = await connected(replay, store, "bybit")
    try:
        payments = await v.funding_payments(SINCE)
    finally:
        await v.close()
    assert len(payments) == 14 and [p.time for p in payments] == sorted(p.time for p in payments)
    by_time = {p.time: p for p in payments}
    paid, received = by_time[1710892800.0], by_time[1710921600.0]
    assert paid.amount == D("-0.0007797") and paid.notional == 7.797 and paid.rate == 0.0001
    assert received.amount == D("0.00708126") and received.rate == -0.000881
    assert paid.id == "c88057b1-d3b3-4a19-861a-ae79a8762796"
    # The sum of every execFee, negated: received overall.
    assert sum((p.amount for p in payments), D(0)) == D("0.05866659")
    assert {p.symbol for p in payments} == {"LTC/USDT:USDT"}


async def test_binance_rate_history_reads_intervals_from_spacing(replay, store):
    """Three settled BTC rates 8 h then 4 h apart: the interval change shows in the history."""
    v = await connected(replay, store, "binanceusdm")
    try:
        samples = await v.funding_rate_history("BTC/USDT:USDT", NOW - 7 * 86400)
    finally:
        await v.close()
    assert [(s.time, s.rate, s.interval_hours) for s in samples] == [
        (1722124800.0, 0.0001, 8.0), (1722153600.0, 0.000125, 8.0), (1722168000.0, 0.0003, 4.0)]
    assert samples[-1].apr == pytest.approx(0.0003 * 6 * 365)


def test_intervals_snap_to_the_ones_venues_use():
    assert snap_interval(8.02) == 8.0 and snap_interval(0.99) == 1.0
    assert snap_interval(5.0) is None and snap_interval(None) is None


def test_a_lone_sample_takes_the_default_interval_or_none():
    (s,) = map_rate_history("x", [{"fundingRate": 0.0001, "timestamp": 1000}], default_hours=None)
    assert s.interval_hours is None and s.apr != s.apr
    (s,) = map_rate_history("x", [{"fundingRate": 0.0001, "timestamp": 1000}], default_hours=8.0)
    assert s.interval_hours == 8.0


@pytest.mark.parametrize("raw", [None, {"a": 1}, [{"fundingRate": None, "timestamp": 1}]])
def test_malformed_rate_history_is_an_error(raw):
    with pytest.raises(MalformedReply):
        map_rate_history("x", raw, default_hours=8.0)


def test_a_payment_without_amount_is_an_error_not_zero():
    with pytest.raises(MalformedReply):
        map_payments("a", "binanceusdm", [{"symbol": "BTC/USDT:USDT", "timestamp": 1, "info": {}}],
                     markets={}, profile=profile_for("binanceusdm"))
