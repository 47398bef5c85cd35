"""Fixtures for the venue tests: an in-memory keyring and the loopback replay server.

The real keyring is never touched: tests/conftest.py forces the fail backend before anything
imports keyring, and these tests hand their SecretStore an in-memory backend explicitly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.fixtures` must import however pytest was started
    sys.path.insert(0, str(ROOT))

from cockpit.redact import forget_secrets  # noqa: E402
from cockpit.secrets import SecretStore  # noqa: E402
from tests.fixtures.keys import MemoryKeyring  # noqa: E402
from tests.fixtures.replay_server import ReplayServer  # noqa: E402


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    """An empty in-memory keyring."""
    return MemoryKeyring()


@pytest.fixture
def store(memory_keyring: MemoryKeyring) -> SecretStore:
    """A SecretStore on the in-memory keyring, with a short time limit."""
    yield SecretStore(backend=memory_keyring, timeout=2.0)
    forget_secrets()


@pytest.fixture
async def replay() -> ReplayServer:
    """The loopback replay server, started on a free port."""
    server = ReplayServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def open_venue(replay, store):
    """Accounts on the replay server, closed after the test. Call it with a ccxt venue id, and
    optionally `name`, `readonly`, `connect` (keys stored and the account connected; default
    yes), `snapshot` (one snapshot taken after connecting: marks for Hyperliquid's market
    orders, open orders for Binance) and `open_account` keywords such as `clock`."""
    from cockpit.venues.open import open_account
    from tests.fixtures.keys import account, put_keys

    opened = []

    async def make(venue, *, name="acc", readonly=False, connect=True, snapshot=False, **kw):
        if connect:
            put_keys(store, venue, name)
        v = open_account(account(venue, replay.url, name=name, readonly=readonly), secrets=store,
                         rate_limit=False, **kw)
        opened.append(v)
        if connect:
            await v.connect()
            if snapshot:
                await v.snapshot()
        return v

    yield make
    for v in opened:
        await v.close()
