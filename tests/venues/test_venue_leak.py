"""With a fake key and secret in the keyring, every error path leaves no trace of them, nor of a
signature, in log output (ccxt's own logger forced to DEBUG), exception text or tracebacks; and a
known secret never survives a cut or a wrap of the text that carries it."""

from __future__ import annotations

import io
import json
import logging
import re
import textwrap
import traceback
from decimal import Decimal as D
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import OrderRequest, Side
from cockpit.model.errors import VenueError
from cockpit.redact import clip, forget_secrets, install_redaction, register_secret, scrub
from cockpit.venues.ccxt_errors import translate
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


# -- a known secret never survives a cut or a wrap --------------------------------------------

# The secret and the text around it share no character (in any case, URL-encoded or not), so
# any run of the secret found in the output can only have come from the secret itself.
SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVW0123456789+/="
TEXT_CHARS = "xyzXYZ :;,.!?()[]{}'\"\n"
GRAM = 8
secrets_ = st.text(SECRET_CHARS, min_size=16, max_size=80)
# Short random text after a filler of any length up to 150: the secret lands at any offset.
texts = st.tuples(st.integers(0, 150), st.text(TEXT_CHARS, max_size=40)).map(
    lambda t: ("xy z. " * 30)[:t[0]] + t[1])
FORMS = {"raw": lambda s: s, "url": lambda s: quote(s, safe=""), "lower": str.lower,
         "url-lower": lambda s: quote(s, safe="").lower()}


def leaked_run(secret: str, form: str, out: str) -> str | None:
    """A run of >= GRAM characters of the secret (in `form`) found in `out`, any case, or None."""
    shown, low = FORMS[form](secret).lower(), out.lower()
    return next((shown[i:i + GRAM] for i in range(len(shown) - GRAM + 1)
                 if shown[i:i + GRAM] in low), None)


@pytest.fixture
def forget():
    yield
    forget_secrets()


@settings(max_examples=300)
@given(secret=secrets_, form=st.sampled_from(sorted(FORMS)), before=texts, after=texts,
       cut=st.integers(0, 400), width=st.integers(8, 120))
def test_a_known_secret_never_survives_a_cut_or_a_wrap(secret, form, before, after, cut, width):
    """Registered, then embedded at any offset in any text: `clip` at any length and scrub then
    wrap at any width leave no run of 8 of its characters; nor does scrubbing text someone else
    already cut or wrapped (each piece is masked on its own)."""
    register_secret(secret)
    try:
        text = before + FORMS[form](secret) + after
        assert leaked_run(secret, form, clip(text, cut)) is None
        wrapped = textwrap.fill(scrub(text), width, break_long_words=True)
        assert leaked_run(secret, form, wrapped.replace("\n", "")) is None
        for piece in (text[:cut], text[cut:]):  # cut by someone else, then scrubbed
            assert leaked_run(secret, form, scrub(piece)) is None
    finally:
        forget_secrets()


@settings(max_examples=150)
@given(secret=secrets_, before=texts, after=texts, order=st.booleans())
def test_a_venue_error_message_is_scrubbed_before_it_is_cut(secret, before, after, order):
    """The venue's message is cut to 100 characters: a key straddling the cut shows nothing."""
    from ccxt.base.errors import ExchangeError, InvalidOrder

    register_secret(secret)
    try:
        body = json.dumps({"code": -1000, "msg": before + secret + after})
        exc = (InvalidOrder if order else ExchangeError)(f"binanceusdm {body}")
        err = translate(exc, account="bn", venue="binanceusdm", order="cid-1" if order else None)
        assert leaked_run(secret, "raw", surfaces(err)) is None
    finally:
        forget_secrets()


def test_the_key_straddling_the_cut_is_not_shown_in_part(forget):
    """The issue's case: 75 characters of message, then a 64-character key; the old cut at 100
    kept the key's first 25 characters."""
    from ccxt.base.errors import ExchangeError

    register_secret(FAKE["apiKey"])
    body = json.dumps({"code": -2015, "msg": "m" * 75 + FAKE["apiKey"]})
    err = translate(ExchangeError(f"binanceusdm {body}"), account="bn", venue="binanceusdm")
    assert FAKE["apiKey"][:GRAM] not in str(err)
    assert "mmmm***" in str(err)


@settings(max_examples=100)
@given(secret=secrets_, before=texts, width=st.integers(40, 140))
def test_the_crash_screen_scrubs_before_it_wraps(secret, before, width):
    """A secret crossing the traceback's wrap column is masked whole, not printed in two."""
    from cockpit.ui.app import crash_report

    register_secret(secret)
    try:
        try:
            raise RuntimeError(before + secret + " tail")
        except RuntimeError as error:
            out = crash_report(error, width)
        joined = "".join(line.strip(" │") for line in out.splitlines())
        assert leaked_run(secret, "raw", joined) is None
        assert "tail" in out
    finally:
        forget_secrets()


@pytest.mark.parametrize("text, hidden", [
    ('{"jwt_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}', "eyJzdWIiOiIxIn0"),
    ("GET /auth?access_token=Zm9vYmFyYmF6cXV4&x=1", "Zm9vYmFyYmF6cXV4"),
    ("Authorization JWT eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "c2lnbmF0dXJl"),
    ("{'OK-ACCESS-SIGN': 'kP3Zw9QmT6nR1sVx2yBu7cLd4eHf8gJi5kMo0pQrStU=', 'x': 1}", "kP3Zw9QmT6nR"),
    ("signed kP3Zw9QmT6nR1sVx2yBu7cLd4eHf8gJi5kMo0pQrStU= then", "kP3Zw9QmT6nR"),
    ('"PARADEX-STARKNET-SIGNATURE": "[\\"0x5a1b2c\\", \\"0x6d7e8f\\"]"', "0x6d7e8f"),
    ("{'signature': ['0x5a1b2c3d', '0x6d7e8f90']}", "0x6d7e8f90"),
    ("r 0x" + "7" * 63, "7" * 63),
    ("url=https%3A%2F%2Fx%2Fo%3Fsignature%3Dabcdef0123456789", "abcdef0123456789"),
])
def test_scrub_masks_tokens_signatures_and_encoded_forms(text, hidden):
    assert hidden not in scrub(text)


def test_lower_cased_and_url_encoded_known_secrets_are_masked(forget):
    secret = "Ab+/Cd=Ef-Gh_Ij.Kl"
    register_secret(secret)
    for form in (secret.lower(), secret.upper(), quote(secret, safe=""), quote_plus(secret),
                 quote(secret, safe="").lower()):
        assert scrub(f"reply {form} end") == "reply *** end"


async def test_the_apps_crash_exit_prints_no_part_of_a_key(forget):
    """The app's own crash path (not only `crash_report`): a key crossing column 100 of the
    traceback's message is masked whole."""
    from tests.ui.cockpit_app import make_app

    register_secret(FAKE["secret"])
    app = make_app()
    try:
        raise RuntimeError("x" * 85 + FAKE["secret"])
    except RuntimeError as error:
        app._exception = error
    app._fatal_error()
    out = "".join(str(r) for r in app._exit_renderables)
    assert "RuntimeError" in out and "***" in out
    assert leaked_run(FAKE["secret"], "raw", out.replace("\n", "")) is None


def test_a_character_that_lowers_to_two_does_not_shift_the_mask_off_a_secret():
    # 'İ'.lower() is two characters: masks found in the lowered text must still land on the secret.
    from cockpit import redact

    key = "K3y" + "q8Wz" * 12
    redact.register_secret(key)
    try:
        out = redact.scrub("İİİİ error for " + key + " done")
        assert key[:8] not in out and key[-8:] not in out and out.startswith("İİİİ error for ")
    finally:
        redact.forget_secrets()
