"""Keep secrets out of logs, exception text and crash screens.

Three things leak credentials when talking to venues through ccxt: the signed URL inside its
exception messages (``...&signature=<hex>``), the request headers its logger writes at DEBUG
(``X-MBX-APIKEY: <key>``), and tracebacks that carry either. `scrub` removes all three kinds from a
text, plus every secret value registered with `register_secret`. `install_redaction` applies it to
every log record the process creates and pins the ccxt logger at INFO so the header line is never
even formatted.
"""

from __future__ import annotations

import logging
import re
import threading

_MASK = "***"
_lock = threading.Lock()
_known: set[str] = set()
_known_sorted: tuple[str, ...] = ()

# Names of headers and parameters that carry credentials on the six venues (and generic ones).
_CRED_NAMES = (
    r"x-mbx-apikey|x-bapi-api-key|x-bapi-sign|ok-access-key|ok-access-sign|ok-access-passphrase"
    r"|paradex-starknet-signature|paradex-starknet-account|authorization|api-?key|apikey"
    r"|api_key|secret|passphrase|password|private_?key|privatekey|signature|sign|token"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # key=value in query strings and form bodies: signature=abc, apiKey=abc
    (re.compile(rf"(?i)\b({_CRED_NAMES})=[^&\s'\"]+"), rf"\1={_MASK}"),
    # 'Header': 'value' / "key": "value" / Header: value (dict reprs, JSON, HTTP dumps)
    (re.compile(rf"(?i)(['\"]?\b(?:{_CRED_NAMES})['\"]?\s*:\s*)(['\"])(?:(?!\2).)*\2"),
     rf"\1\2{_MASK}\2"),
    (re.compile(rf"(?i)^(\s*(?:{_CRED_NAMES})\s*:\s*)\S.*$", re.M), rf"\1{_MASK}"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), f"Bearer {_MASK}"),
    # Raw 256-bit keys (Ethereum/Starknet private keys, HMAC secrets in hex).
    (re.compile(r"\b(?:0x)?[0-9a-fA-F]{64}\b"), _MASK),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
     _MASK),
)


def register_secret(value: str | None) -> None:
    """Remember a secret value so `scrub` removes it wherever it appears (ignores short values)."""
    global _known_sorted
    if not value or len(value) < 6:
        return
    with _lock:
        if value not in _known:
            _known.add(value)
            # Longest first, so a secret that contains another is removed whole.
            _known_sorted = tuple(sorted(_known, key=len, reverse=True))


def forget_secrets() -> None:
    """Drop every registered secret (tests; a process that removed its keys)."""
    global _known_sorted
    with _lock:
        _known.clear()
        _known_sorted = ()


def scrub(text: object) -> str:
    """`text` as a string with registered secrets, signatures, auth headers and keys masked."""
    out = str(text)
    for secret in _known_sorted:
        if secret in out:
            out = out.replace(secret, _MASK)
    for pattern, repl in _PATTERNS:
        out = pattern.sub(repl, out)
    return out


def _scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Render the record's message and traceback once, scrubbed, and freeze them.

    Later handlers and formatters then see only the scrubbed text: the raw arguments and the
    exception (with its signed URL and chained causes) are gone from the record.
    """
    if getattr(record, "_cockpit_scrubbed", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken %-format must not take logging down; keep what we can
        message = f"{record.msg!r} {record.args!r}"
    record.msg, record.args = scrub(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    record._cockpit_scrubbed = True
    return record


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs each record (see `scrub`); it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub `record` in place and let it through."""
        _scrub_record(record)
        return True


_installed = False


def install_redaction(ccxt_level: int = logging.INFO) -> None:
    """Scrub every log record of this process and keep ccxt's request logging off.

    Idempotent. Records are scrubbed when they are created (a record factory), so handlers added
    later are covered too; root's current handlers also get a `RedactingFilter`. The ``ccxt``
    logger is pinned at `ccxt_level` (INFO): at DEBUG it writes request headers, API key included.
    """
    global _installed
    logging.getLogger("ccxt").setLevel(max(ccxt_level, logging.INFO))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        return _scrub_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
