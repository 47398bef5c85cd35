"""The configuration file: accounts, risk thresholds, theme and keymap (TOML, no secrets).

`load_config` returns None when there is no file at the default path (the simulator demo runs),
a `Config` when the file is valid, and raises `ConfigError` otherwise: one line naming the file,
the line or field, and the fix; `ConfigError.problems` lists every problem (``cockpit config
check`` prints them all). The schema is validated by pydantic. The file must hold no credential
(those live in the OS keyring: ``cockpit keys set``) and must not be readable or writable by other
users: whoever can change ``api_url`` can send signed requests to a server of their choosing.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator,
)

# The file's reading and its error live in configfile (no pydantic there); these names stay public here.
from cockpit.configfile import (  # noqa: F401
    APP_NAME, MAX_BYTES, ConfigError, check_permissions, default_config_path, read_config,
)
from cockpit.model import AccountInfo, DeadManMode, DeadManPolicy, Layer
from cockpit.model.tomltext import load_toml
from cockpit.venues.account import VenueAccount
from cockpit.venues.profiles import UnknownVenue, profile_for

if TYPE_CHECKING:
    from cockpit.risk.settings import RiskSettings

KEYS_HINT = "credentials belong in the OS keyring: remove it and run `cockpit keys set ACCOUNT`"
ALERTS_HINT = "alert URLs and tokens belong in the OS keyring: remove it and run `cockpit alerts add NAME`"

_NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
NAME_PATTERN = _NAME_RE  # an account's or an alert target's name
_SYMBOL_RE = r"^[A-Za-z0-9][A-Za-z0-9/:._-]{0,39}$"
_SECRET_KEY = re.compile(r"(?i)secret|private[_-]?key|passphrase|password|api[_-]?key|token"
                         r"|mnemonic|seed|wallet|credential")
_SECRET_VALUE = re.compile(r"(?:0x)?[0-9a-fA-F]{64}|-----BEGIN|[A-Za-z0-9+=_-]{32,}")


class AccountConfig(BaseModel):
    """One account as configured: where it trades and how, never its credentials.

    Attributes:
        name: how the account is called everywhere (and in ``cockpit keys set NAME``).
        venue: a venue with a profile (`cockpit.venues.profiles.PROFILES`: full support), or
            any other ccxt exchange id (read-only, by ccxt's unified calls).
        layer: where its collateral settles; the venue's usual layer (``cex`` for a venue
            without a profile) when omitted.
        readonly: True (the default) disables every order path for this account.
        symbols: assets (``BTC``) or symbols (``BTC/USDT:USDT``) shown in the funding heatmap;
            empty for all. Positions are never filtered: a hidden position is a risk.
        sandbox: use the venue's testnet.
        api_url: send every request to this base URL instead (a proxy, a local test server).
        dead_man: arm the venue's dead-man's switch (it cancels this account's orders, not its
            positions, if cockpit stops refreshing it): ``off`` (default), ``during-run`` (while
            a run with resting orders is active) or ``always``. Needs ``readonly = false`` and a
            venue that has one (`VenueProfile.dead_man_range`).
        dead_man_seconds: its window: the venue cancels after this many seconds without a
            refresh (refreshed at a third of it); within the venue's range; default 60.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = Field(pattern=_NAME_RE)
    venue: str
    # Not strict: TOML gives the layer as a string, stored as the model's enum.
    layer: Layer | None = Field(default=None, strict=False)
    readonly: bool = True
    symbols: tuple[str, ...] = ()
    sandbox: bool = False
    api_url: str | None = None
    label: str = Field(default="", max_length=40)
    dead_man: Literal["off", "during-run", "always"] = "off"
    # Not strict: TOML gives 60 as an int.
    dead_man_seconds: float = Field(default=60.0, strict=False, allow_inf_nan=False)

    @field_validator("venue")
    @classmethod
    def _known_venue(cls, value: str) -> str:
        try:
            profile_for(value)
        except UnknownVenue as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("symbols", mode="before")
    @classmethod
    def _symbols(cls, value: Any) -> Any:
        # TOML arrays arrive as lists; strict mode wants the tuple the frozen model stores.
        if isinstance(value, list):
            for item in value:
                if not isinstance(item, str) or not re.match(_SYMBOL_RE, item):
                    raise ValueError(f"{str(item)[:40]!r} is not an asset or symbol "
                                     "(e.g. \"BTC\" or \"BTC/USDT:USDT\")")
            return tuple(value)
        return value

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as \"http://127.0.0.1:8765\"")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("must not carry credentials, a query or a fragment")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ValueError("plain http is allowed only to this machine (127.0.0.1, ::1, "
                             "localhost); use https for anything else")
        return value.rstrip("/")

    @field_validator("dead_man")
    @classmethod
    def _dead_man(cls, value: str, info: ValidationInfo) -> str:
        venue = info.data.get("venue")
        if value == "off" or not isinstance(venue, str):
            return value  # a bad venue is its own field's error
        profile = profile_for(venue)
        if profile.dead_man_range is None:
            raise ValueError(f"{venue}: {profile.dead_man_absent} — set dead_man = \"off\"")
        if info.data.get("readonly", True):
            raise ValueError("the switch cancels this account's orders, so it needs readonly = false")
        return value

    @field_validator("dead_man_seconds", mode="before")
    @classmethod
    def _seconds_are_a_number(cls, value: Any) -> Any:
        # Not strict (an int is fine), but a quoted "60" or a bool is not a number of seconds.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("write a number of seconds (no quotes), e.g. 60")
        return value

    @field_validator("dead_man_seconds")
    @classmethod
    def _dead_man_seconds(cls, value: float, info: ValidationInfo) -> float:
        venue = info.data.get("venue")
        known = profile_for(venue).dead_man_range if isinstance(venue, str) else None
        low, high = known or (10.0, 600.0)
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g} seconds"
                             + (f" on {venue}" if known else ""))
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_layer(cls, data: Any) -> Any:
        venue = data.get("venue") if isinstance(data, dict) else None
        if isinstance(venue, str) and data.get("layer") is None:
            try:
                data = {**data, "layer": profile_for(venue).layer.value}
            except UnknownVenue:
                pass  # the venue's own validator says so, naming the field
        return data

    @model_validator(mode="after")
    def _sandbox(self) -> "AccountConfig":
        if self.sandbox and not profile_for(self.venue).sandbox:
            raise ValueError(f"{self.venue} has no testnet in ccxt: remove `sandbox = true`")
        return self

    def venue_account(self) -> VenueAccount:
        """The account as the venues package takes it (`cockpit.venues.open.open_account`)."""
        assert self.layer is not None  # filled from the venue by _default_layer
        return VenueAccount(name=self.name, venue=self.venue, layer=self.layer,
                            readonly=self.readonly, symbols=self.symbols, sandbox=self.sandbox,
                            api_url=self.api_url, label=self.label)

    def info(self) -> AccountInfo:
        """The account as the rest of the program sees it (no secrets, no URLs)."""
        return self.venue_account().info()

    def dead_man_policy(self) -> DeadManPolicy:
        """When to arm its dead-man's switch, and its window (the engine's `dead_man`)."""
        return DeadManPolicy(DeadManMode(self.dead_man), self.dead_man_seconds)


class AlertsConfig(BaseModel):
    """The ``[alerts]`` table: where alerts go and how often. No URL: those hold tokens and live
    in the OS keyring (``cockpit alerts add NAME``).

    Attributes:
        targets: the names of the alert targets (letters, digits, ``.``, ``_``, ``-``), each
            one's notification URL stored with ``cockpit alerts add NAME``.
        rate_limit_seconds: repeats of one alert (one kill-switch state, one account, one
            position) within this many seconds are held back and counted by the next one that
            is sent (default 60; 0 sends every one).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    targets: tuple[str, ...] = ()
    rate_limit_seconds: float = Field(default=60.0, ge=0, le=86400)

    @field_validator("targets", mode="before")
    @classmethod
    def _targets(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        for item in value:
            if not isinstance(item, str):
                raise ValueError("write a list of target names, e.g. [\"phone\"]")
            if "://" in item or "@" in item:
                # Never echo it: it is a URL with its token.
                raise ValueError("holds a URL; URLs hold tokens and belong in the keyring: name the target "
                                 "here and store its URL with: cockpit alerts add NAME")
            if not re.match(_NAME_RE, item):
                raise ValueError(f"{item[:40]!r} is not a target name (letters, digits, '.', '_', '-'; up to 40)")
        if len(set(value)) != len(value):
            raise ValueError("a target is named twice; names must be unique")
        return tuple(value)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _File(BaseModel):
    """The whole file, as pydantic validates it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    theme: str | None = Field(default=None, min_length=1, max_length=4096)  # a name or a path: load_theme checks it
    keymap: str | None = Field(default=None, min_length=1, max_length=4096)  # a name or a path: load_keymap checks it
    risk: dict[str, Any] = {}
    accounts: list[AccountConfig] = []
    alerts: AlertsConfig = AlertsConfig()

    @field_validator("accounts")
    @classmethod
    def _unique_names(cls, value: list[AccountConfig]) -> list[AccountConfig]:
        seen: set[str] = set()
        for acc in value:
            if acc.name in seen:
                raise ValueError(f"two accounts are named {acc.name!r}; names must be unique")
            seen.add(acc.name)
        return value


@dataclass(frozen=True)
class Config:
    """A valid configuration file.

    Attributes:
        path: where it was read from.
        accounts: the real accounts, in file order.
        risk: the raw ``[risk]`` table.
        settings: that table checked: the risk engine's settings (every bound is enforced, so a
            bad ``[risk]`` is an error wherever the file is read, with or without accounts).
        theme / keymap: names chosen by the user, None for the defaults.
        alerts: the ``[alerts]`` table (no targets when it is absent).
    """

    path: Path
    accounts: list[AccountConfig]
    risk: dict[str, Any]
    settings: "RiskSettings"
    theme: str | None
    keymap: str | None
    alerts: AlertsConfig = AlertsConfig()

    def account(self, name: str) -> AccountConfig | None:
        """The account called `name`, or None."""
        return next((a for a in self.accounts if a.name == name), None)


def load_config(path: Path | None) -> Config | None:
    """Read and validate the config file.

    `path` None means the default path, and no file there means None (the simulator demo). An
    explicit `path` that does not exist is a ConfigError.
    """
    read = read_config(path, default_config_path)
    return None if read is None else parse_config(read[1], read[0])


def parse_config(text: str, path: Path) -> Config:
    """Validate the text of a config file read from `path` (only for messages)."""
    raw = load_toml(text, str(path), ConfigError)
    lines = locate_lines(text)
    problems = [f"{path}:{_line(lines, loc)}: {_dotted(loc)}: looks like a credential; "
                f"{ALERTS_HINT if loc[:1] == ('alerts',) else KEYS_HINT}" for loc in _secrets(raw, ())]
    if problems:
        raise ConfigError(problems[0], problems)
    try:
        model = _File.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(path, lines, err) for err in exc.errors(include_input=False)]
        raise ConfigError(problems[0], problems) from None
    from cockpit.risk.settings import RiskSettings, SettingsError

    try:
        settings = RiskSettings.from_mapping(model.risk)
    except SettingsError as exc:
        # Each problem reads "risk.<name>: reason": point at the line of that key.
        problems = [f"{path}:{_line(lines, ('risk', p.split(':', 1)[0].removeprefix('risk.')))}: {p}"
                    for p in exc.problems]
        raise ConfigError(problems[0], problems) from None
    return Config(path=path, accounts=list(model.accounts), risk=dict(model.risk),
                  settings=settings, theme=model.theme, keymap=model.keymap, alerts=model.alerts)


def _secrets(node: Any, loc: tuple) -> list[tuple]:
    """Locations in `node` whose key names a credential or whose value looks like one."""
    found: list[tuple] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if _SECRET_KEY.search(str(key)):
                found.append(loc + (key,))
            else:
                found.extend(_secrets(value, loc + (key,)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_secrets(value, loc + (i,)))
    elif isinstance(node, str) and _SECRET_VALUE.search(node):
        found.append(loc)
    return found


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line(lines: dict[tuple, int], loc: tuple) -> str:
    """The line of `loc` in the file, or of its nearest enclosing table; '' when unknown."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return str(lines[loc[:end]])
    return "1"


_HINTS = {
    "extra_forbidden": "unknown field: remove it or check its spelling",
    "missing": "required: add it",
    "bool_type": "write true or false (no quotes)",
    "string_type": "write a quoted string",
    "list_type": "write a list, e.g. [\"BTC\", \"ETH\"]",
    "tuple_type": "write a list in square brackets",
    "float_type": "write a number (no quotes)",
    "dict_type": "write a table",
    "model_type": "write a [[accounts]] table",
    "literal_error": "see the allowed values above",
    "string_pattern_mismatch": "use letters, digits, '.', '_' or '-' (up to 40)",
}


def _describe(path: Path, lines: dict[tuple, int], err: dict) -> str:
    """One line for one pydantic error: file:line: field: what is wrong — the fix."""
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    hint = _HINTS.get(err.get("type", ""))
    if err.get("type") == "missing":
        msg = "missing"
    return f"{path}:{_line(lines, loc)}: {_dotted(loc)}: {msg}" + (f" — {hint}" if hint else "")


def write_template(path: Path, *, force: bool = False) -> Path:
    """Write the commented template to `path` (mode 0600, directory 0700), atomically.

    Refuses to overwrite an existing file unless `force`.
    """
    path = Path(path)
    if path.exists() and not force:
        raise ConfigError(f"{path}: already exists — edit it, or pass --force to replace it")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(TEMPLATE)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _split_key(key: str) -> tuple:
    return tuple(p.strip().strip("\"'") for p in re.split(r"\.(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)",
                                                            key))


def locate_lines(text: str) -> dict[tuple, int]:
    """Map each table and key path of a TOML text to its first line number (1-based).

    Good enough for messages: ``[[accounts]]`` blocks are counted, so the second block's
    ``venue`` is ``("accounts", 1, "venue")``. Values spanning lines are not followed.
    """
    lines: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    table: tuple = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            path: tuple = ()
            for part in _split_key(header.group(2)):
                # A table under an array of tables belongs to its last element.
                path = path + ((counts[path],) if path in counts else ()) + (part,)
            if header.group(1) == "[[":
                counts[path] = counts.get(path, -1) + 1
                lines.setdefault(path, number)
                path = path + (counts[path],)
            table = path
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            full = table + _split_key(key.group(1))
            for end in range(len(table) + 1, len(full) + 1):
                lines.setdefault(full[:end], number)
    return lines


TEMPLATE = """\
# cockpit configuration. Check it with: cockpit config check
# This file holds no keys. Store them in the OS keyring with: cockpit keys set ACCOUNT
# Keep it private: chmod 600 (cockpit refuses a file other users can read or change).

# theme = "cockpit-dark"  # a palette from themes/ (or a path to your own copy)
# keymap = "default"      # "default", "vim", or your own from keymaps/

[risk]
# Risk thresholds; every key is optional and the defaults are in the README.

# One [[accounts]] table per set of credentials. Fields:
#   name      how the account is called (letters, digits, . _ -); used by `cockpit keys set NAME`
#   venue     binanceusdm | bybit | okx | hyperliquid | dydx | paradex; or any other ccxt id
#             (bitget, gate, woofipro, ...): read-only, from ccxt's unified calls
#   layer     where collateral settles (default: the venue's own: cex, hyperliquid, dydx, starknet)
#   readonly  true (default): never sends an order; false: trims and unwinds may trade
#   symbols   assets or symbols for the funding heatmap, e.g. ["BTC", "ETH"]; [] for all
#             (positions are always shown, whatever the filter)
#   sandbox   true: the venue's testnet
#   api_url   send every request to this base URL instead (a proxy, or a local test server);
#             plain http only to 127.0.0.1 / localhost
#   dead_man  the venue's dead-man's switch: "off" (default), "during-run" (while an unwind run
#             has resting orders) or "always". If cockpit stops refreshing it, the venue cancels
#             this account's ORDERS (not its positions; protective stops too). Needs
#             readonly = false; binanceusdm, okx and hyperliquid have one
#   dead_man_seconds  its window (default 60; okx 10..120, binanceusdm and hyperliquid 10..600)

# [[accounts]]
# name = "bn-main"
# venue = "binanceusdm"
# readonly = true
# symbols = ["BTC", "ETH"]

# [[accounts]]
# name = "hl-main"
# venue = "hyperliquid"
# readonly = false

# [[accounts]]
# name = "dydx-main"
# venue = "dydx"
# sandbox = true

# Alerts to your phone, a chat or e-mail (kill switch, an account DOWN while holding, a
# liquidation, near-liquidation, the guard stopping). Needs: pip install "cockpit[alerts]".
#   targets             names of alert targets; the URLs hold tokens, so they live in the OS
#                       keyring: cockpit alerts add NAME (then: cockpit alerts test)
#   rate_limit_seconds  repeats of one alert within this many seconds are held back and
#                       counted by the next one sent (default 60; 0 sends every one)
# [alerts]
# targets = ["phone"]
# rate_limit_seconds = 60
"""
