"""Keep secrets out of logs, exception text and crash screens.

Three things leak credentials when talking to venues through ccxt: the signed URL inside its
exception messages (``...&signature=<hex>``), the request headers its logger writes at DEBUG
(``X-MBX-APIKEY: <key>``), and tracebacks that carry either. `scrub` removes all three kinds from a
text, plus every secret value registered with `register_secret`. `install_redaction` applies it to
every log record the process creates and pins the ccxt logger at INFO so the header line is never
even formatted.

Scrub before any cut or wrap (`clip` does both in that order). Even so, a registered secret is
matched by every run of `_GRAM` characters, in any case and URL-encoded too, not only whole: a
text someone else cut or wrapped through the middle of a key still shows at most 7 characters of
each piece.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Iterable
from urllib.parse import quote, quote_plus

_MASK = "***"
_GRAM = 8  # a run this long of a known secret is masked wherever it appears
_lock = threading.Lock()
_known: set[str] = set()
_grams: frozenset[str] = frozenset()  # every _GRAM-long run of every known secret, lower-cased
_short: tuple[str, ...] = ()  # known secrets shorter than _GRAM, lower-cased: matched whole

# Names of headers and parameters that carry credentials on any venue. Each venue adds its own
# (its credential fields, its auth headers) with `add_credential_names` when its profile loads.
_BASE_NAMES = (
    r"authorization|api-?key|apikey"
    r"|api_key|secret|passphrase|password|private_?key|privatekey|signature|sign"
    r"|(?:jwt|access|refresh|id|auth|session)?_?token"
)
_extra_names: frozenset[str] = frozenset()
# A query's `?`, `&` and `=` as themselves or URL-encoded (a signed query inside another URL).
_START = r"(?:\b|(?<=%3[fF])|(?<=%26))"
_EQ = r"(?:=|%3[dD])"


def _patterns(names: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The scrub patterns for the credential names `names` (a regex alternation)."""
    return (
        # A list value (Paradex signs with a list of felts): "signature": ["0x1", "0x2"]
        (re.compile(rf"(?i)(['\"]?\b(?:{names})['\"]?\s*[:=]\s*['\"]?)\[[^\]]*\]"),
         rf"\1[{_MASK}]"),
        # key=value in query strings and form bodies: signature=abc, apiKey=abc
        (re.compile(rf"(?i){_START}({names}){_EQ}[^&\s'\"]+"), rf"\1={_MASK}"),
        # 'Header': 'value' / "key": "value" / Header: value (dict reprs, JSON, HTTP dumps)
        (re.compile(rf"(?i)(['\"]?\b(?:{names})['\"]?\s*:\s*)(['\"])(?:(?!\2).)*\2"),
         rf"\1\2{_MASK}\2"),
        (re.compile(rf"(?i)^(\s*(?:{names})\s*:\s*)\S.*$", re.M), rf"\1{_MASK}"),
        (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), f"Bearer {_MASK}"),
        # JSON web tokens (Paradex, dYdX auth): three base64url parts, the first a JSON header.
        (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), _MASK),
        # Raw 256-bit values: Ethereum/Starknet private keys and signature felts (a felt's leading
        # zeros are dropped, so 0x + 60..64 digits), HMAC secrets and signatures in hex.
        (re.compile(r"\b(?:0x[0-9a-fA-F]{60,64}|[0-9a-fA-F]{64})\b"), _MASK),
        # A base64 HMAC-SHA256 signature (OKX's OK-ACCESS-SIGN): 43 characters and one '='.
        (re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])"), _MASK),
        (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
         _MASK),
    )


_PATTERNS = _patterns(_BASE_NAMES)


def add_credential_names(names: Iterable[str]) -> None:
    """Mask the values of headers and parameters called any of `names` (in any case) too.

    Each venue profile calls it with its credential fields and auth headers when it loads, so a
    new venue's credentials are scrubbed without editing this module.
    """
    global _PATTERNS, _extra_names
    with _lock:
        extra = _extra_names | {n.lower() for n in names if n}
        if extra == _extra_names:
            return
        _extra_names = frozenset(extra)
        # Longest first: "x-mbx-apikey" must win over its tail "apikey".
        alternation = "|".join(re.escape(n) for n in sorted(extra, key=lambda n: (-len(n), n)))
        _PATTERNS = _patterns(f"{alternation}|{_BASE_NAMES}")


def credential_names() -> frozenset[str]:
    """The names venues have added with `add_credential_names` (lower-cased)."""
    return _extra_names


def register_secret(value: str | None) -> None:
    """Remember a secret value so `scrub` removes it wherever it appears (ignores short values).

    Its URL-encoded forms are remembered too; matching ignores case.
    """
    global _grams, _short
    if not value or len(value) < 6:
        return
    with _lock:
        if value in _known:
            return
        _known.add(value)
        grams, short = set(_grams), set(_short)
        for form in {value, quote(value, safe=""), quote_plus(value, safe="")}:
            form = form.lower()
            if len(form) < _GRAM:
                short.add(form)
            grams.update(form[i:i + _GRAM] for i in range(len(form) - _GRAM + 1))
        _grams, _short = frozenset(grams), tuple(short)


_URL_PIECES = re.compile(r"[/:@?&=#,]+")
_HOSTNAME = re.compile(r"(?i)^(?:localhost|\[[0-9a-f:.]*|\d{1,3}(?:\.\d{1,3}){3}|(?:[a-z0-9-]+\.)+[a-z]{2,})$")


def url_secrets(url: str) -> list[str]:
    """The parts of a notification URL (``ntfys://topic``, ``tgram://bot:token/chat``,
    ``mailto://user:pass@host``) that may be secret, for `register_secret`.

    A URL is not registered whole: every 8-character run of it would be masked everywhere, and
    ``https://`` or ``127.0.0.`` would vanish from every log. Its user, password, path, query
    values and a host that is not a host name (a topic, a token) are; a host name, the scheme,
    query keys, option words (``priority=default``) and plain numbers (ports, chat ids: masking
    them would hide prices) are not.
    """
    from urllib.parse import unquote

    _scheme, sep, rest = url.partition("://")
    if not sep:
        rest = url
    split = re.search(r"[/?#]", rest)
    netloc, tail = (rest[:split.start()], rest[split.start():]) if split else (rest, "")
    pieces: list[str] = []
    userinfo, at, hostport = netloc.rpartition("@")
    if at:
        pieces += userinfo.split(":", 1)
    if hostport.startswith("["):  # an IPv6 address
        host, _, port = hostport.partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    if not _HOSTNAME.match(host):
        pieces.append(host)
    pieces.append(port)
    path, _, query = tail.partition("?")
    pieces += _URL_PIECES.split(path)
    # Query keys are names (priority=, format=), and so are values that are one lower-case
    # word (default, markdown, yes): the others (a token=, a to= address) may be secret.
    for pair in query.split("&"):
        value = pair.partition("=")[2]
        if not re.fullmatch(r"[a-z]*", value):
            pieces += _URL_PIECES.split(value)
    out = []
    for piece in pieces:
        for form in {piece, unquote(piece)}:
            if len(form) >= 6 and not form.isdigit() and form not in out:
                out.append(form)
    return out


def register_url(url: str) -> None:
    """Register the secret parts of a notification URL (see `url_secrets`) for `scrub`."""
    for piece in url_secrets(url):
        register_secret(piece)


def forget_secrets() -> None:
    """Drop every registered secret (tests; a process that removed its keys)."""
    global _grams, _short
    with _lock:
        _known.clear()
        _grams, _short = frozenset(), ()


def _mask_known(text: str) -> str:
    """`text` with every run of a known secret at least `_GRAM` long (any case) masked."""
    grams, short = _grams, _short
    if not grams and not short:
        return text
    low = text.lower()
    if len(low) != len(text):
        # A few characters lower to two ('İ'): positions in `low` would no longer be positions
        # in `text`, and a mask would land beside the secret. Lower character by character.
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    spans = [(i, i + _GRAM) for i in range(len(text) - _GRAM + 1) if low[i:i + _GRAM] in grams]
    for secret in short:
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(secret), low)]
    if not spans:
        return text
    # Overlapping and touching spans merge: each masked run becomes one mask.
    out, done = [], 0
    for start, end in sorted(spans):
        if start > done or not out:
            out += [text[done:start], _MASK]
        done = max(done, end)
    out.append(text[done:])
    return "".join(out)


def scrub(text: object) -> str:
    """`text` as a string with registered secrets, signatures, auth headers and keys masked."""
    out = _mask_known(str(text))
    for pattern, repl in _PATTERNS:  # one read of the global: a concurrent add swaps it whole
        out = pattern.sub(repl, out)
    return out


def clip(text: object, limit: int) -> str:
    """`text` scrubbed, then cut to `limit` characters (never the other way round: a secret
    straddling the cut would keep the part before it)."""
    out = scrub(text)
    return out if len(out) <= limit else out[:max(0, limit - 1)] + "…"


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
