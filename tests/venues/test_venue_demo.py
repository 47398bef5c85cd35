"""The replay demo the README describes: a config of three accounts on the replay server and one
on a dead port, fake keys in the demo keyring; three are LIVE, the dead one DOWN with its reason."""

from __future__ import annotations

import asyncio
import socket

from cockpit.config import load_config
from cockpit.model.errors import Unavailable
from cockpit.secrets import SecretStore
from cockpit.venues.open import open_account
from tests.fixtures.keys import DemoKeyring, write_demo


async def test_demo_config_three_live_one_down(replay, tmp_path, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    config, keys = write_demo(tmp_path, replay.url, dead)
    monkeypatch.setenv("COCKPIT_DEMO_KEYRING", str(keys))
    store = SecretStore(backend=DemoKeyring())
    venues = [open_account(a.venue_account(), secrets=store, rate_limit=False, timeout=1.0)
              for a in load_config(config).accounts]

    async def poll(venue):
        try:
            await venue.connect()
            return await venue.snapshot()
        except Exception as exc:  # noqa: BLE001 - the engine shows it as DOWN
            return exc
        finally:
            await venue.close()

    bn, hl, dx, down = await asyncio.gather(*(poll(v) for v in venues))
    assert (len(bn.positions), len(hl.positions), len(dx.positions)) == (1, 2, 1)
    assert bn.funding and hl.funding and dx.funding
    assert isinstance(down, Unavailable) and f"127.0.0.1:{dead}" in str(down)
