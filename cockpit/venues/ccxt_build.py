"""Build one ccxt client for one account: guarded subclasses, credentials, URLs.

Imported only by the adapter's `connect()`, after ccxt itself has been imported off the path to
the first frame. The subclasses change four things in ccxt, each for a reason given below: a
reply that is not JSON, or not of the venue's documented shape, is an error (ccxt would read a
truncated body or ``{}`` as "no positions"; see `replies`); a 429 carries its Retry-After; the
request spacing sleeps until the next request is due instead of waking every millisecond to look
(`spacing_class`); and the venue's profile may change more (`VenueProfile.exchange_class`: on
Hyperliquid no builder-fee approval, referral, or builder field is ever sent).
"""

from __future__ import annotations

import asyncio
import time
from email.utils import parsedate_to_datetime
from typing import Any, Mapping
from urllib.parse import urlsplit, urlunsplit

from cockpit.secrets import Secret
from cockpit.venues import replies
from cockpit.venues.profiles import VenueProfile

_classes: dict[str, type] = {}


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None when absent."""
    if not headers:
        return None
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def spacing_class(throttler: type) -> type:
    """ccxt's request spacing (its leaky bucket, `throttler`), waiting out the whole gap to the
    next request in one sleep.

    ccxt's own loop sleeps 1 ms and looks again for as long as a request waits for its token: with
    a poll's four or five calls queued on a venue spaced 50-100 ms apart, that is hundreds of
    wake-ups a second per account, most of an idle guard's CPU. The spacing itself is ccxt's,
    unchanged: the same tokens, refill rate, capacity and costs.
    """

    class Spacing(throttler):  # type: ignore[misc, valid-type]
        """ccxt's leaky bucket, sleeping until the next token rather than polling for it."""

        async def leaky_bucket_loop(self) -> None:
            """Release queued requests as tokens allow (ccxt's loop but for the wait)."""
            config = self.config
            last = time.time() * 1000
            while self.running:
                future, cost = self.queue[0]
                cost = config["cost"] if cost is None else cost
                if config["tokens"] >= -1e-9:  # a float's rounding is not a token owed
                    config["tokens"] -= cost
                    if not future.done():
                        future.set_result(None)
                    self.queue.popleft()
                    await asyncio.sleep(0)  # let the released request go first
                    if not self.queue:
                        self.running = False
                else:
                    # Milliseconds until the bucket is back at zero (refillRate: tokens per ms).
                    rate = config["refillRate"]
                    gap = -config["tokens"] / rate if rate > 0 else config["delay"] * 1000
                    await asyncio.sleep(max(gap / 1000, config["delay"]))
                    now = time.time() * 1000
                    config["tokens"] = min(config["tokens"] + (now - last) * rate, config["capacity"])
                    last = now

    return Spacing


def _guarded(ccxt: Any, base: type) -> type:
    """`base` with reply checks, Retry-After capture and quiet request spacing (see the module
    docstring)."""
    from ccxt.async_support.base.throttler import Throttler

    spacing = spacing_class(Throttler)

    class Guarded(base):  # type: ignore[misc, valid-type]
        """The venue's ccxt class, refusing replies of the wrong shape, keeping Retry-After."""

        def init_throttler(self, cost=None):
            """ccxt's request spacing, with one sleep per wait (see `spacing_class`)."""
            self.throttler = spacing(self.tokenBucket, self.asyncio_loop)

        async def fetch(self, url, method="GET", headers=None, body=None):
            """ccxt's fetch, raising BadResponse for a reply that is not complete JSON of the
            venue's documented shape."""
            reply = await super().fetch(url, method, headers, body)
            # ccxt returns the raw text when JSON parsing failed (it swallows the ValueError), and
            # parses a 200 of the wrong shape ("ok", {}, {"code":"0","data":null}) too: a truncated
            # '{"positions": [' or an empty body would then read as "no positions".
            wrong = self._wrong_shape(method, url, body, reply)
            if wrong is not None:
                raise ccxt.BadResponse(wrong)
            replies.capture(urlsplit(url).path, body, reply, self.id)
            return reply

        def _wrong_shape(self, method: str, url: str, request_body: Any,
                         reply: Any) -> str | None:
            """What is wrong with a successful reply's shape (see `replies.check`), or None."""
            path = urlsplit(url).path
            wrong = replies.check(self.id, path, request_body, reply)
            return None if wrong is None else f"{self.id} {method} {path}: {wrong}"

        def handle_errors(self, code, reason, url, method, headers, body, response,
                          request_headers, request_body):
            """ccxt's error mapping, with `retry_after` attached and 418/429 always raised."""
            wait = retry_after(headers)
            try:
                result = super().handle_errors(code, reason, url, method, headers, body, response,
                                               request_headers, request_body)
            except ccxt.BaseError as exc:
                exc.retry_after = wait
                # A 200 whose body has no error code the venue knows (Bybit's "{}") is not a
                # venue error but a reply of the wrong shape, when it is not the documented one.
                wrong = self._wrong_shape(method, url, request_body, response) if (
                    type(exc) is ccxt.ExchangeError and 200 <= (code or 0) < 300) else None
                if wrong is None:
                    raise
                raise ccxt.BadResponse(wrong) from None
            if code in (418, 429):
                # Raised here, not by ccxt's generic status table, so it keeps the header.
                exc = ccxt.RateLimitExceeded(f"{self.id} HTTP {code}")
                exc.retry_after = wait
                raise exc
            return result

    return Guarded


def exchange_class(ccxt_async: Any, profile: VenueProfile) -> type:
    """The guarded ccxt class for the venue of `profile`, with the profile's own changes (built
    once per process)."""
    venue = profile.venue
    if venue not in _classes:
        cls = profile.exchange_class(ccxt_async, _guarded(ccxt_async, getattr(ccxt_async, venue)))
        _classes[venue] = type(f"Cockpit{venue.capitalize()}", (cls,), {})
    return _classes[venue]


def point_urls(exchange: Any, base_url: str) -> None:
    """Send every API request of `exchange` to `base_url`, keeping each endpoint's path.

    A path in `base_url` is put in front (``http://127.0.0.1:9000/bn`` + ``/fapi/v1``).
    """
    base = urlsplit(base_url)
    prefix = base.path.rstrip("/")

    def rewrite(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        if isinstance(value, str):
            url = urlsplit(exchange.implode_hostname(value))
            return urlunsplit((base.scheme, base.netloc, prefix + url.path, url.query, ""))
        return value

    exchange.urls["api"] = rewrite(exchange.urls["api"])


def build_exchange(ccxt_async: Any, profile: VenueProfile, credentials: Mapping[str, Secret], *,
                   readonly: bool, sandbox: bool = False, api_url: str | None = None,
                   timeout: float = 8.0, options: Mapping[str, Any] | None = None,
                   rate_limit: bool = True) -> Any:
    """A ccxt client for one account, with its credentials and nothing it should not send.

    Only the credentials the account's mode needs are handed over: a read-only Hyperliquid or
    dYdX account never gives ccxt a private key.
    """
    merged: dict[str, Any] = {**profile.options, **(options or {})}
    config: dict[str, Any] = {"enableRateLimit": rate_limit, "timeout": int(timeout * 1000)}
    for cred in profile.fields(readonly):
        secret = credentials.get(cred.name)
        if secret is None:
            continue
        if cred.ccxt_key.startswith("options."):
            merged[cred.ccxt_key.removeprefix("options.")] = secret.reveal()
        else:
            config[cred.ccxt_key] = secret.reveal()
    config["options"] = merged
    exchange = exchange_class(ccxt_async, profile)(config)
    config.clear()  # the client holds the values now; drop ours
    # We never need currencies for perps, and Hyperliquid's currency call signs actions.
    exchange.has = {**exchange.has, "fetchCurrencies": False}
    if sandbox:
        exchange.set_sandbox_mode(True)
    if api_url:
        point_urls(exchange, api_url)
    return exchange
