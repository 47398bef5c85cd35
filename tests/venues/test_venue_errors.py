"""Error replies from the loopback server map to the right cockpit error, with a short message
that says what to do. The error bodies are written in each venue's documented error format."""

from __future__ import annotations

import asyncio
import socket

import pytest

from cockpit.model.errors import (
    AuthError, MalformedReply, RateLimited, Unavailable, VenueError, VenueTimeout,
)
from cockpit.secrets import SecretStore
from cockpit.venues.open import open_account
from tests.fixtures.keys import account, put_keys

BAD_KEY = '{"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}'


async def connected(replay, store, venue="binanceusdm", **kw):
    put_keys(store, venue, "acc")
    v = open_account(account(venue, replay.url, name="acc"), secrets=store, rate_limit=False,
                     **kw)
    await v.connect()
    return v


async def failing_snapshot(replay, store, prefix, venue="binanceusdm", **fault):
    v = await connected(replay, store, venue, timeout=fault.pop("timeout", 2.0))
    replay.fault(prefix, **fault)
    try:
        with pytest.raises(VenueError) as info:
            await v.snapshot()
    finally:
        await v.close()
    return info.value


async def test_401_is_auth(replay, store):
    err = await failing_snapshot(replay, store, "/fapi/v3/account", status=401, body=BAD_KEY)
    assert isinstance(err, AuthError) and err.code == "-2015" and err.account == "acc"
    assert "cockpit keys set acc" in str(err)


@pytest.mark.parametrize("venue,prefix", [("binanceusdm", "/fapi/v1/premiumIndex"),
                                          ("hyperliquid", "/info")])
async def test_429_is_rate_limited_with_retry_after(replay, store, venue, prefix):
    """Binance raises DDoSProtection for 429, others RateLimitExceeded: both -> RateLimited."""
    v = await connected(replay, store, venue)
    replay.fault(prefix, status=429, body='{"code": -1003, "msg": "Too many requests."}',
                 headers={"Retry-After": "7"})
    try:
        with pytest.raises(RateLimited) as info:
            await v.snapshot()
    finally:
        await v.close()
    assert info.value.retry_after == 7.0 and "retry after 7 s" in str(info.value)


async def test_503_is_unavailable(replay, store):
    err = await failing_snapshot(replay, store, "/fapi/v3/positionRisk", status=503,
                                 body="<html><body>503 Service Unavailable</body></html>")
    assert type(err) is Unavailable and "HTTP 503" in str(err)


async def test_timeout_is_venue_timeout(replay, store):
    err = await failing_snapshot(replay, store, "/fapi/v3/account", status=200, body="{}",
                                 delay=1.5, timeout=0.4)
    assert isinstance(err, VenueTimeout)


@pytest.mark.parametrize("body", [
    '[{"symbol": "BTCUSDT", "positionAmt": "0.009", "entryPr',  # truncated JSON
    "",  # empty 200
    "<html>gateway</html>",  # not JSON at all
])
async def test_truncated_or_empty_reply_is_malformed_not_flat(replay, store, body):
    """ccxt alone would return [] ("no positions") for these; the adapter refuses them."""
    err = await failing_snapshot(replay, store, "/fapi/v3/positionRisk", status=200, body=body)
    assert isinstance(err, MalformedReply) and "not assumed flat" in str(err)


async def test_account_reply_without_figures_is_malformed(replay, store):
    err = await failing_snapshot(replay, store, "/fapi/v3/account", status=200,
                                 body='{"assets": [], "positions": []}')
    assert isinstance(err, MalformedReply)


async def test_hyperliquid_truncated_state_is_malformed(replay, store):
    err = await failing_snapshot(replay, store, "/info", venue="hyperliquid", status=200,
                                 body='{"assetPositions": [{"position": {"coin": "SOL"')
    assert isinstance(err, MalformedReply)


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_dead_port_is_down_with_reason_and_others_keep_working(replay, store):
    port = _dead_port()
    put_keys(store, "dydx", "dead")
    put_keys(store, "hyperliquid", "alive")
    dead = open_account(account("dydx", f"http://127.0.0.1:{port}", name="dead"), secrets=store,
                        rate_limit=False, timeout=1.0)
    alive = open_account(account("hyperliquid", replay.url, name="alive"), secrets=store,
                         rate_limit=False)
    results = await asyncio.gather(dead.connect(), alive.connect(), return_exceptions=True)
    try:
        assert isinstance(results[0], Unavailable)
        assert f"cannot reach http://127.0.0.1:{port}" in str(results[0])
        assert results[1] is None and (await alive.snapshot()).positions
    finally:
        await dead.close()
        await alive.close()


async def test_missing_keys_is_auth_with_the_command(replay, store):
    v = open_account(account("hyperliquid", replay.url, name="hl-main"), secrets=store)
    with pytest.raises(AuthError) as info:
        await v.connect()
    assert str(info.value) == "no keys for 'hl-main' — run: cockpit keys set hl-main"
    assert replay.requests == []


async def test_partial_keys_name_what_is_missing(replay, store):
    store.set("okx", "ok", "apiKey", "k" * 20)
    store.set("okx", "ok", "secret", "s" * 20)
    v = open_account(account("okx", replay.url, name="ok"), secrets=store)
    with pytest.raises(AuthError, match="missing passphrase for 'ok' — run: cockpit keys set ok"):
        await v.connect()


async def test_refused_backend_is_auth_with_the_reason(replay):
    from keyring.backends import fail

    v = open_account(account("binanceusdm", replay.url, name="bn"),
                     secrets=SecretStore(backend=fail.Keyring(), timeout=1.0))
    with pytest.raises(AuthError, match="no keyring backend is available.*cockpit keys doctor"):
        await v.connect()
