"""Paradex signs in (a StarkNet-signed POST /v1/auth for a JWT) as an account opened from the
config does: once per token however many calls of a snapshot need it, and before every private
call, the raw /v1/account read included."""

from __future__ import annotations

from cockpit.venues.open import open_account
from tests.fixtures.keys import account, put_keys


async def test_a_fresh_account_signs_in_once_and_its_first_snapshot_is_whole(replay, store):
    put_keys(store, "paradex", "pdx")
    venue = open_account(account("paradex", replay.url, name="pdx"), secrets=store, rate_limit=False)
    await venue.connect()
    try:
        snap = await venue.snapshot()  # /v1/account too: it was sent before any JWT existed
        assert [p.symbol for p in snap.positions] == ["SOL/USD:USDC"]
        assert snap.collateral.equity is not None
        assert len(replay.sent("/v1/auth")) == 1  # four calls at once, one sign-in
        await venue.snapshot()
        assert len(replay.sent("/v1/auth")) == 1  # the token is reused until it expires
        venue._exchange.options["expires"] = 0  # expired: the next snapshot signs in once again
        await venue.snapshot()
        assert len(replay.sent("/v1/auth")) == 2
        assert all(r.headers.get("Authorization") == "Bearer token" for r in replay.sent("/v1/account"))
    finally:
        await venue.close()
