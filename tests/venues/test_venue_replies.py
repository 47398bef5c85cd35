"""Replies of the wrong shape, frozen venue clocks, and how often a snapshot calls the venue:
unmodified ccxt talking real HTTP to the replay server."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.engine.bookstate import BookState
from cockpit.model import Health
from cockpit.model.errors import MalformedReply
from cockpit.venues.open import open_account
from cockpit.venues.replies import check
from tests.fixtures.keys import account, put_keys

NOW = 1_722_161_200.0

# Bodies a venue might send with HTTP 200 that are not its documented reply: ccxt alone parses
# each of them, for some venue and call, into "no positions" / an empty balance / no funding.
BAD_BODIES = {
    "null": "null",
    "empty object": "{}",
    "string": '"ok"',
    "zero": "0",
    "true": "true",
    "okx data null": '{"code":"0","data":null}',
    "bom before []": "\ufeff[]",
    "empty result": '{"result":{}}',
    "bybit list null": '{"retCode":0,"retMsg":"OK","result":{"list":null},"time":1}',
    "data object": '{"data":{}}',
    "results null": '{"results":null}',
    "list of null": "[null]",
    "json string of []": '"[]"',
}

# venue -> the positions, balance (account) and funding calls of a snapshot: (path, /info type).
CALLS = {
    "binanceusdm": {"positions": ("/fapi/v3/positionRisk", None),
                    "balance": ("/fapi/v3/account", None),
                    "funding": ("/fapi/v1/premiumIndex", None)},
    "bybit": {"positions": ("/v5/position/list", None),
              "balance": ("/v5/account/wallet-balance", None),
              "funding": ("/v5/market/tickers", None)},
    "okx": {"positions": ("/api/v5/account/positions", None),
            "balance": ("/api/v5/account/balance", None),
            "funding": ("/api/v5/public/funding-rate", None)},
    # One clearinghouseState reply holds both positions and the account.
    "hyperliquid": {"positions+balance": ("/info", "clearinghouseState"),
                    "funding": ("/info", "metaAndAssetCtxs")},
    "dydx": {"positions": ("/v4/perpetualPositions", None),
             "balance": ("/v4/addresses/", None),
             "funding": ("/v4/perpetualMarkets", None)},
    "paradex": {"positions": ("/v1/positions", None), "balance": ("/v1/account", None),
                "funding": ("/v1/markets/summary", None)},
}

OPTIONS = {"paradex": {"authToken": "token", "expires": 10**14}}  # the recorded JWT


async def connected(replay, store, venue, clock=lambda: NOW):
    put_keys(store, venue, "acc")
    v = open_account(account(venue, replay.url, name="acc"), secrets=store, clock=clock,
                     options=OPTIONS.get(venue), rate_limit=False)
    await v.connect()
    return v


@pytest.mark.parametrize("venue,call", [(v, c) for v, calls in CALLS.items() for c in calls])
async def test_wrong_shape_is_malformed_never_flat(replay, store, venue, call):
    """Every bad body on every snapshot call of every venue: MalformedReply, so the account keeps
    its last good snapshot and ages (is not LIVE) instead of reporting flat. (One connection per
    venue and call; the bodies are tried in turn, each named when it fails; each snapshot reads
    every call afresh, as a snapshot may reuse a recent funding or open-orders reply.)"""
    v = await connected(replay, store, venue)
    path, kind = CALLS[venue][call]
    try:
        good = await v.snapshot()
        assert good.positions  # every venue's replay holds a position: "flat" would be visible
        for name, body in BAD_BODIES.items():
            fault = replay.fault(path, status=200, body=body, kind=kind)
            state = BookState([v.info], stale_after=3.0, down_after=10.0)
            state.update(good)
            v.refresh()
            try:
                got = await v.snapshot()
            except MalformedReply as exc:
                state.fail("acc", exc, NOW + 4)
            else:
                pytest.fail(f"{name!r} on {path}: read as {len(got.positions)} positions")
            finally:
                replay.faults.remove(fault)
            assert state.snapshot("acc") is good  # the last good book, not an empty one
            assert state.health("acc", NOW + 4)[0] is not Health.LIVE
        assert (await v.snapshot()).positions  # and the good reply is read again after
    finally:
        await v.close()


@pytest.mark.parametrize("venue", ["binanceusdm", "bybit", "okx", "hyperliquid", "paradex"])
async def test_frozen_venue_clock_goes_stale(replay, store, venue):
    """The venue keeps answering, with the same server time: STALE after `stale_after`, as the
    simulator's frozen-data fault does (without the venue's time it stayed LIVE)."""
    t = [NOW]
    replay.clock = lambda: 1_700_000_000.0  # the venue's clock stopped (its data is old)
    v = await connected(replay, store, venue, clock=lambda: t[0])
    state = BookState([v.info], stale_after=3.0, down_after=10.0)
    try:
        first = await v.snapshot()
        assert first.venue_time == 1_700_000_000.0
        state.update(first)
        t[0] += 5
        state.update(await v.snapshot())
    finally:
        await v.close()
    assert state.health("acc", t[0]) == (Health.STALE, 5.0)


@pytest.mark.parametrize("venue", ["binanceusdm", "bybit", "okx", "hyperliquid", "paradex"])
async def test_moving_venue_clock_stays_live(replay, store, venue):
    """The same replies with a venue clock that moves on: LIVE, and the snapshot carries it."""
    t = [NOW]
    replay.clock = lambda: t[0] - 0.5  # a little behind ours
    v = await connected(replay, store, venue, clock=lambda: t[0])
    state = BookState([v.info], stale_after=3.0, down_after=10.0)
    try:
        state.update(await v.snapshot())
        t[0] += 5
        second = await v.snapshot()
        state.update(second)
    finally:
        await v.close()
    assert second.venue_time == t[0] - 0.5
    assert state.health("acc", t[0]) == (Health.LIVE, 0.0)


async def test_frozen_dydx_indexer_goes_stale(replay, store):
    """dYdX's replies carry no time, but its indexer's processed block height: when it stops
    moving, the account goes STALE; while it moves, it stays LIVE."""
    t = [NOW]
    replay.clock = lambda: 1_700_000_000.0  # the indexer stopped at one block
    v = await connected(replay, store, "dydx", clock=lambda: t[0])
    state = BookState([v.info], stale_after=3.0, down_after=10.0)
    try:
        first = await v.snapshot()
        assert (first.venue_time, first.venue_height) == (None, 1_700_000_000)
        state.update(first)
        t[0] += 5
        state.update(await v.snapshot())
        assert state.health("acc", t[0]) == (Health.STALE, 5.0)
        replay.clock = lambda: 1_700_000_002.0  # it caught up: two blocks on
        state.update(await v.snapshot())
        assert state.health("acc", t[0]) == (Health.LIVE, 0.0)
    finally:
        await v.close()


async def test_hyperliquid_reads_clearinghouse_state_once_per_snapshot(replay, store):
    """Positions and the account come from one clearinghouseState reply."""
    v = await connected(replay, store, "hyperliquid")
    try:
        before = len(replay.requests)
        s = await v.snapshot()
    finally:
        await v.close()
    kinds = [(r.json() or {}).get("type") for r in replay.requests[before:]]
    assert kinds.count("clearinghouseState") == 1
    assert len(s.positions) == 2 and s.collateral.equity == 19762.483455  # both from it


# -- the envelope rule itself, for every input ---------------------------------------------------

SNAPSHOT_PATHS = [(venue, path.rstrip("/") + ("/dydx1abc/subaccountNumber/0"
                                              if path == "/v4/addresses/" else ""), kind)
                  for venue, calls in CALLS.items() for path, kind in calls.values()]
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(where=st.sampled_from(SNAPSHOT_PATHS), reply=JSON)
def test_only_the_documented_container_passes(where, reply):
    """Whatever a venue sends on a snapshot call, `check` passes it only when the data sits in
    the documented container: never a scalar, never an envelope without its list or object."""
    venue, path, kind = where
    body = json.dumps({"type": kind}) if kind else None
    if check(venue, path, body, reply) is not None:
        return
    if venue == "okx":
        assert str(reply["code"]) == "0" and isinstance(reply["data"], list)
    elif venue == "bybit":
        assert str(reply["retCode"]) == "0" and isinstance(reply["result"]["list"], list)
    elif venue == "hyperliquid":
        assert (isinstance(reply, list) and len(reply) == 2 if kind == "metaAndAssetCtxs"
                else isinstance(reply["assetPositions"], list))
    elif venue == "dydx":
        data = next(reply[k] for k in ("positions", "subaccount", "markets") if k in reply)
        assert isinstance(data, (list, dict)) and data is not None
    elif venue == "paradex" and not path.endswith("/account"):
        assert isinstance(reply["results"], list)
    elif path.endswith(("/positionRisk", "/premiumIndex")):
        assert isinstance(reply, list)
    else:  # Binance's and Paradex's account objects
        assert isinstance(reply, dict) and reply


@pytest.mark.parametrize("where", SNAPSHOT_PATHS, ids=lambda w: f"{w[0]}{w[1]}{w[2] or ''}")
def test_every_bad_body_fails_the_check(where):
    """The bodies above, as ccxt hands them over (parsed JSON, or the raw text it could not
    parse), fail `check` on every snapshot call."""
    venue, path, kind = where
    body = json.dumps({"type": kind}) if kind else None
    for name, text in BAD_BODIES.items():
        try:
            reply = json.loads(text)
        except ValueError:
            reply = text  # the byte-order mark: ccxt returns the text
        assert check(venue, path, body, reply) is not None, name
