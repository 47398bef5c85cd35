"""With a fake key and secret in the keyring, every error path leaves no trace of them, nor of a
signature, in log output (ccxt's own logger forced to DEBUG), exception text or tracebacks."""

from __future__ import annotations

import io
import logging
import re
import traceback
from decimal import Decimal as D

import pytest

from cockpit.model import OrderRequest, Side
from cockpit.model.errors import VenueError
from cockpit.redact import install_redaction, scrub
from cockpit.venues.open import open_account
from tests.fixtures.keys import FAKE, account, put_keys

SIGNED = re.compile(r"signature=[0-9a-fA-F]{16,}")
FAULTS = [
    {"status": 401, "body": '{"code": -2015, "msg": "Invalid API-key, IP, or permissions."}'},
    {"status": 429, "body": "", "headers": {"Retry-After": "2"}},
    {"status": 503, "body": "<html>down</html>"},
    {"status": 500, "body": '{"code": -1000, "msg": "An unknown error occurred."}'},
    {"status": 200, "body": '{"totalMarginBalance": "1'},
    {"status": 200, "body": "", "delay": 1.0},
]


@pytest.fixture
def debug_log():
    """Root at DEBUG into a buffer, redaction installed, then ccxt forced to DEBUG anyway."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    install_redaction()
    logging.getLogger("ccxt").setLevel(logging.DEBUG)  # worst case: someone turned it on
    yield buf
    root.removeHandler(handler)
    root.setLevel(old)
    logging.getLogger("ccxt").setLevel(logging.INFO)


def assert_clean(text: str) -> None:
    for name in ("apiKey", "secret", "privateKey"):
        assert FAKE[name] not in text, f"{name} leaked"
    assert not SIGNED.search(text), "a signature leaked"


def surfaces(err: BaseException) -> str:
    return "\n".join([str(err), repr(err), getattr(err, "reason", ""),
                      "".join(traceback.format_exception(err))])


@pytest.mark.parametrize("fault", FAULTS)
async def test_no_leak_on_reads_and_orders(replay, store, debug_log, fault):
    put_keys(store, "binanceusdm", "bn")
    venue = open_account(account("binanceusdm", replay.url, name="bn", readonly=False),
                         secrets=store, rate_limit=False, timeout=0.5)
    await venue.connect()
    replay.fault("/fapi", **fault)
    texts = []
    try:
        for call in (venue.snapshot(), venue.place_order(OrderRequest(
                "cid-1", "bn", "BTC/USDT:USDT", Side.SHORT, D("0.001"))),
                venue.fetch_order("cid-1", "BTC/USDT:USDT"),
                venue.cancel_order("cid-1", "BTC/USDT:USDT")):
            with pytest.raises(VenueError) as info:
                await call
            logging.getLogger("cockpit.engine").warning("poll failed", exc_info=info.value)
            texts.append(surfaces(info.value))
    finally:
        await venue.close()
    log = debug_log.getvalue()
    assert_clean(log + "\n".join(texts))
    # The signed requests really were made with the key: the test would see a leak.
    assert any(FAKE["apiKey"] == r.headers.get("X-MBX-APIKEY") for r in replay.requests)


async def test_no_leak_when_ccxt_logs_headers(replay, store, debug_log):
    """ccxt writes request headers (the API key) at DEBUG: the record arrives scrubbed."""
    put_keys(store, "binanceusdm", "bn")
    venue = open_account(account("binanceusdm", replay.url, name="bn"), secrets=store,
                         rate_limit=False)
    await venue.connect()
    await venue.snapshot()
    await venue.close()
    log = debug_log.getvalue()
    assert "X-MBX-APIKEY" in log  # the header line was logged...
    assert_clean(log)  # ...without its value


async def test_no_leak_from_the_hyperliquid_private_key(replay, store, debug_log):
    put_keys(store, "hyperliquid", "hl")
    venue = open_account(account("hyperliquid", replay.url, name="hl", readonly=False),
                         secrets=store, rate_limit=False, timeout=0.5)
    await venue.connect()
    await venue.snapshot()
    replay.fault("/exchange", status=500, body="oops")
    with pytest.raises(VenueError) as info:
        await venue.place_order(OrderRequest("c", "hl", "SOL/USDC:USDC", Side.SHORT, D("0.5")))
    await venue.close()
    assert_clean(debug_log.getvalue() + surfaces(info.value))


def test_scrub_patterns():
    text = ("GET http://x/fapi/v1/order?symbol=BTCUSDT&signature=0f7e92c7b04a42c9d409ee4a12 "
            "{'X-MBX-APIKEY': 'abcdef123456', 'Authorization': 'Bearer tok.en'} "
            "key 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318 "
            '"OK-ACCESS-PASSPHRASE": "pass phrase"')
    out = scrub(text)
    for bad in ("0f7e92c7", "abcdef123456", "tok.en", "4c0883a6", "pass phrase"):
        assert bad not in out
    assert "symbol=BTCUSDT" in out


def test_secret_values_are_scrubbed_once_known(store):
    store.set("bybit", "b", "apiKey", "a-weird-key-VALUE-99")
    assert "a-weird-key-VALUE-99" not in scrub("oops a-weird-key-VALUE-99 here")
