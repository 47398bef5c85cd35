"""Scenario files: a one-line description, settings, and a timeline of market events.

A scenario is TOML::

    name = "flash-crash"
    description = "BTC and alts drop 15% in three minutes; books thin out; funding flips."

    [settings]                # optional
    fault_rate = 0.0          # share of venue calls that fail at random (0..1)
    fault_kinds = ["rate_limit", "server_error"]
    fault_accounts = []       # accounts random faults hit (empty: all)
    regime_switching = true   # assets drift between funding regimes on their own
    vol = "calm"              # the volatility regime at the start

    [accounts.bybit]          # optional: an account's wallets at the start (settle currency)
    wallet = 20000            # its perp margin wallet (the demo's otherwise)
    spot = 45000              # its spot (or funding) wallet: what a top-up within the venue moves

    [[event]]
    at = "00:02:00"           # seconds, "HH:MM:SS", "MM:SS" or "90s" / "5m" / "1h30m"
    kind = "flash_crash"
    move = -0.15

Event kinds (fields in brackets are optional; durations take the same forms as `at`):

- ``note``: text.
- ``funding_regime``: regime (calm | euphoric | squeeze) [share 0..1 of the assets, assets,
  strength]. Many assets at once is a leverage reset.
- ``vol_regime``: level (calm | stressed | panic).
- ``price_move``: move (fraction, -0.05 = down 5%) [over, assets, recover 0..1, recover_over].
- ``flash_crash``: [move, over, assets, recover, recover_over, thin (book depth factor), thin_for].
- ``jump``: asset, move.
- ``liquidity``: factor [duration, accounts].
- ``fault``: account, fault (latency | timeout | rate_limit | server_error | malformed | outage |
  unknown_outcome | stale | rejected | auth), duration [retry_after, delay (wall seconds)].
- ``bridge_congestion``: layer, factor [duration].
- ``stuck_withdrawal``: account, duration.
- ``withdraw``: account, amount, to (layer) [route]. ``deposit``: account, amount [from (layer)].

Accounts are the demo's: binance, bybit, okx, hyperliquid, dydx, paradex (dYdX and Paradex have no
spot wallet: ``spot`` is refused there). Every event may carry a
``text`` for the event log. `load_scenario` checks everything and raises `ScenarioError` with one
line naming the file, the line (or field) and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from cockpit.model import Layer
from cockpit.model.tomltext import decode_text, file_label, load_toml
from cockpit.sim.faults import DEFAULT_RANDOM, FAULT_KINDS
from cockpit.sim.funding import REGIMES
from cockpit.sim.prices import VOL_LEVELS
from cockpit.sim.universe import ACCOUNT_NAMES, ACCOUNTS, ASSET_NAMES, TOP_UP_LAYERS, VENUES

SHIPPED_ORDER = ("calm", "funding-squeeze", "flash-crash", "venue-outage", "bridge-congestion", "margin-call")
#: Accounts whose venue keeps no spot (or funding) wallet beside the perp margin (`cockpit.sim.topup`).
NO_SPOT = tuple(name for name, venue, _ in ACCOUNTS
                if next(v.layer for v in VENUES if v.id == venue) not in TOP_UP_LAYERS)
REQUIRED = object()


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


@dataclass(frozen=True, slots=True)
class ScenarioEvent:
    """One timeline entry: at `at` seconds from the start, do `kind` with `params`."""

    at: float
    kind: str
    params: tuple[tuple[str, Any], ...] = ()
    line: int | None = None

    def get(self, key: str, default: Any = None) -> Any:
        """A parameter's value (already checked and converted)."""
        return dict(self.params).get(key, default)


@dataclass(frozen=True, slots=True)
class Settings:
    """Scenario-wide settings: random faults, regime drift and the starting volatility."""

    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = DEFAULT_RANDOM
    fault_accounts: tuple[str, ...] = ()
    regime_switching: bool = True
    vol: str = "calm"


@dataclass(frozen=True, slots=True)
class AccountSetup:
    """One account's wallets at the start, in its settle currency (None: the demo's)."""

    name: str
    wallet: float | None = None  # the perp margin wallet
    spot: float | None = None  # the spot (or funding) wallet a top-up within the venue moves from


@dataclass(frozen=True, slots=True)
class Scenario:
    """A checked scenario: name, one-line description, settings, time-ordered events, and the
    accounts whose wallets start other than the demo's."""

    name: str
    description: str
    events: tuple[ScenarioEvent, ...] = ()
    settings: Settings = field(default_factory=Settings)
    path: str = ""
    accounts: tuple[AccountSetup, ...] = ()


# --- value checkers: each returns the converted value or raises ValueError("expected ...") ---

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?"
                       r"(?:(\d+(?:\.\d+)?)s)?$")
_TIME_HINT = "seconds >= 0, 'HH:MM:SS', 'MM:SS' or a duration like '90s', '5m', '1h30m'"


def seconds(value: Any) -> float:
    """A time or duration: a number of seconds, 'HH:MM:SS', 'MM:SS' or '1h30m' / '90s'."""
    if isinstance(value, bool):
        raise ValueError(f"expected {_TIME_HINT}, got {value!r}")
    if isinstance(value, (int, float)):
        if value < 0 or value != value or value == float("inf"):
            raise ValueError(f"expected {_TIME_HINT}, got {value!r}")
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if re.fullmatch(r"\d+(:[0-5]\d){1,2}", text):
            total = 0.0
            for part in text.split(":"):
                total = total * 60 + int(part)
            return total
        m = _DURATION.match(text)
        if text and m and any(m.groups()):
            d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
            return ((d * 24 + h) * 60 + mi) * 60 + s
    raise ValueError(f"expected {_TIME_HINT}, got {value!r}")


def _number(lo: float | None = None, hi: float | None = None) -> Callable[[Any], float]:
    span = f" between {lo:g} and {hi:g}" if lo is not None and hi is not None else (
        f" >= {lo:g}" if lo is not None else "")

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ValueError(f"expected a number{span}, got {value!r}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ValueError(f"expected a number{span}, got {value!r}")
        return float(value)
    return check


def _choice(options: tuple[str, ...], what: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(f"unknown {what} {value!r} (expected one of: {', '.join(options)})")
        return str(value)
    return check


def _many(one: Callable[[Any], str], what: str) -> Callable[[Any], tuple[str, ...]]:
    """A list of `one`, or "all" (returned as an empty tuple: no restriction)."""
    def check(value: Any) -> tuple[str, ...]:
        if value == "all":
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise ValueError(f"expected \"all\" or a list of {what}, got {value!r}")
        return tuple(one(v) for v in value)
    return check


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or "\n" in value.strip():
        raise ValueError(f"expected one line of text, got {value!r}")
    return value.strip()


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


_account = _choice(ACCOUNT_NAMES, "account")
_asset = _choice(ASSET_NAMES, "asset")
_layer = _choice(tuple(layer.value for layer in Layer), "layer")
_assets = _many(_asset, "assets")
_accounts = _many(_account, "accounts")
_share = _number(0.0, 1.0)
_positive = _number(0.0)

Fields = dict[str, tuple[Callable[[Any], Any], Any]]
EVENT_FIELDS: dict[str, Fields] = {
    "note": {"text": (_text, REQUIRED)},
    "funding_regime": {
        "regime": (_choice(REGIMES, "regime"), REQUIRED), "share": (_share, 1.0),
        "assets": (_assets, ()), "strength": (_number(0.0, 10.0), 1.0),
    },
    "vol_regime": {"level": (_choice(tuple(VOL_LEVELS), "volatility level"), REQUIRED)},
    "price_move": {
        "move": (_number(-0.9, 5.0), REQUIRED), "over": (seconds, 60.0), "assets": (_assets, ()),
        "recover": (_share, 0.0), "recover_over": (seconds, 0.0),
    },
    "flash_crash": {
        "move": (_number(-0.9, 0.0), -0.10), "over": (seconds, 120.0), "assets": (_assets, ()),
        "recover": (_share, 0.5), "recover_over": (seconds, 1800.0),
        "thin": (_number(0.01, 1.0), 0.3), "thin_for": (seconds, 600.0),
    },
    "jump": {"asset": (_asset, REQUIRED), "move": (_number(-0.9, 5.0), REQUIRED)},
    "liquidity": {
        "factor": (_number(0.01, 10.0), REQUIRED), "duration": (seconds, 0.0),
        "accounts": (_accounts, ()),
    },
    "fault": {
        "account": (_account, REQUIRED), "fault": (_choice(FAULT_KINDS, "fault"), REQUIRED),
        "duration": (seconds, REQUIRED), "retry_after": (_number(0.0, 3600.0), 2.0),
        "delay": (_number(0.0, 60.0), 0.5),
    },
    "bridge_congestion": {
        "layer": (_layer, REQUIRED), "factor": (_number(1.0, 1000.0), REQUIRED),
        "duration": (seconds, 0.0),
    },
    "stuck_withdrawal": {"account": (_account, REQUIRED), "duration": (seconds, REQUIRED)},
    "withdraw": {
        "account": (_account, REQUIRED), "amount": (_number(1.0), REQUIRED),
        "to": (_layer, REQUIRED), "route": (_text, ""),
    },
    "deposit": {
        "account": (_account, REQUIRED), "amount": (_number(1.0), REQUIRED),
        "from": (_layer, "arbitrum"),
    },
}
SETTINGS_FIELDS: Fields = {
    "fault_rate": (_share, 0.0),
    "fault_kinds": (_many(_choice(FAULT_KINDS, "fault"), "faults"), DEFAULT_RANDOM),
    "fault_accounts": (_accounts, ()),
    "regime_switching": (_bool, True),
    "vol": (_choice(tuple(VOL_LEVELS), "volatility level"), "calm"),
}
ACCOUNT_FIELDS: Fields = {"wallet": (_positive, None), "spot": (_positive, None)}
TOP_FIELDS = ("name", "description", "settings", "accounts", "event")


class _Lines:
    """Finds the line of a key in the TOML text, so errors can point at it."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.events = [i for i, ln in enumerate(self.lines) if re.match(r"\s*\[\[\s*event\s*\]\]", ln)]
        self.settings = next((i for i, ln in enumerate(self.lines)
                              if re.match(r"\s*\[\s*settings\s*\]", ln)), None)
        headers = [i for i, ln in enumerate(self.lines) if re.match(r"\s*\[", ln)]
        self.headers = headers

    def _end(self, start: int) -> int:
        return next((h for h in self.headers if h > start), len(self.lines))

    def key(self, key: str, section: int | None) -> int | None:
        """1-based line of `key` in the section starting at line index `section` (None: top)."""
        start = -1 if section is None else section
        top_end = self.headers[0] if self.headers else len(self.lines)
        end = self._end(start) if section is not None else top_end
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for i in range(start + 1, end):
            if pattern.match(self.lines[i]):
                return i + 1
        return None if section is None else section + 1

    def table(self, dotted: str) -> int | None:
        """Line index of the header ``[dotted]`` (e.g. ``accounts.bybit``), None when absent."""
        parts = [re.escape(p) for p in dotted.split(".")]
        pattern = re.compile(r"\s*\[\s*" + r"\s*\.\s*".join(rf"[\"']?{p}[\"']?" for p in parts) + r"\s*\]")
        return next((i for i, ln in enumerate(self.lines) if pattern.match(ln)), None)

    def event(self, index: int) -> int | None:
        """Line index of the header of event number `index` (0-based)."""
        return self.events[index] if index < len(self.events) else None


def _fail(source: str, line: int | None, where: str, what: str) -> ScenarioError:
    at = f"line {line}: " if line else ""
    return ScenarioError(f"{source}: {at}{where}{what}")


def _check_table(table: dict, spec: Fields, source: str, lines: _Lines, section: int | None,
                 where: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in table:
        if key not in spec and key not in skip:
            expected = ", ".join(tuple(skip) + tuple(spec))
            raise _fail(source, lines.key(key, section), where,
                        f"unknown field {key!r} (expected: {expected})")
    for key, (check, default) in spec.items():
        if key not in table:
            if default is REQUIRED:
                raise _fail(source, section + 1 if section is not None else None, where,
                            f"missing field {key!r}")
            out[key] = default
            continue
        try:
            out[key] = check(table[key])
        except ValueError as exc:
            raise _fail(source, lines.key(key, section), where, f"field {key!r}: {exc}") from None
    return out


def parse_scenario(text: str, source: str = "<scenario>", default_name: str = "") -> Scenario:
    """Check and convert a scenario's TOML text; `source` names it in error messages."""
    data = load_toml(text, source, ScenarioError)
    lines = _Lines(text)
    for key in data:
        if key not in TOP_FIELDS:
            raise _fail(source, lines.key(key, None), "",
                        f"unknown field {key!r} (expected: {', '.join(TOP_FIELDS)})")
    name = data.get("name", default_name or "custom")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", name):
        raise _fail(source, lines.key("name", None), "",
                    f"field 'name': expected a short name of letters, digits, '-', '_' or '.', got {name!r}")
    if "description" not in data:
        raise _fail(source, None, "", "missing field 'description' (one line saying what happens)")
    try:
        description = _text(data["description"])
    except ValueError as exc:
        raise _fail(source, lines.key("description", None), "", f"field 'description': {exc}") from None
    raw_settings = data.get("settings", {})
    if not isinstance(raw_settings, dict):
        raise _fail(source, lines.key("settings", None), "", "field 'settings': expected a [settings] table")
    settings = Settings(**_check_table(raw_settings, SETTINGS_FIELDS, source, lines, lines.settings,
                                       "[settings]: "))
    raw_events = data.get("event", [])
    if not isinstance(raw_events, list) or not all(isinstance(e, dict) for e in raw_events):
        raise _fail(source, lines.key("event", None), "", "field 'event': expected [[event]] tables")
    events = [_event(i, raw, source, lines) for i, raw in enumerate(raw_events)]
    events.sort(key=lambda e: e.at)  # stable: events at the same time keep the file's order
    return Scenario(name, description, tuple(events), settings, source, _accounts_setup(data, source, lines))


def _accounts_setup(data: dict, source: str, lines: _Lines) -> tuple[AccountSetup, ...]:
    """The ``[accounts.NAME]`` tables, checked: a demo account, numbers >= 0, and ``spot`` only
    where the venue has a spot wallet."""
    raw = data.get("accounts", {})
    if not isinstance(raw, dict):
        raise _fail(source, lines.key("accounts", None), "", "field 'accounts': expected [accounts.NAME] tables")
    out = []
    for name, table in raw.items():
        header = lines.table(f"accounts.{name}")
        section = lines.table("accounts")  # `[accounts]` with `bybit = {...}` inside
        at = header + 1 if header is not None else (
            lines.key(name, section) if section is not None else lines.key("accounts", None))
        if name not in ACCOUNT_NAMES:
            raise _fail(source, at, "[accounts]: ",
                        f"unknown account {name!r} (expected one of: {', '.join(ACCOUNT_NAMES)})")
        where = f"[accounts.{name}]: "
        if not isinstance(table, dict):
            raise _fail(source, at, where, "expected a table of wallet and spot")
        values = _check_table(table, ACCOUNT_FIELDS, source, lines, header, where)
        if values["spot"] is not None and name in NO_SPOT:
            raise _fail(source, lines.key("spot", header), where,
                        f"field 'spot': {name} has no spot or funding wallet to top up from (remove the field)")
        out.append(AccountSetup(name, values["wallet"], values["spot"]))
    return tuple(out)


def _event(i: int, raw: dict, source: str, lines: _Lines) -> ScenarioEvent:
    header = lines.event(i)
    where = f"event {i + 1}: "
    kind = raw.get("kind")
    if kind is None:
        raise _fail(source, header + 1 if header is not None else None, where,
                    f"missing field 'kind' (expected one of: {', '.join(EVENT_FIELDS)})")
    if not isinstance(kind, str) or kind not in EVENT_FIELDS:
        raise _fail(source, lines.key("kind", header), where,
                    f"unknown event kind {kind!r} (expected one of: {', '.join(EVENT_FIELDS)})")
    where = f"event {i + 1} ({kind}): "
    if "at" not in raw:
        raise _fail(source, header + 1 if header is not None else None, where,
                    "missing field 'at' (when it happens: seconds, 'HH:MM:SS' or '5m')")
    try:
        at = seconds(raw["at"])
    except ValueError as exc:
        raise _fail(source, lines.key("at", header), where, f"field 'at': {exc}") from None
    params = _check_table(raw, EVENT_FIELDS[kind], source, lines, header, where,
                          skip=("at", "kind", "text"))
    if "text" in raw and kind != "note":
        try:
            params["text"] = _text(raw["text"])
        except ValueError as exc:
            raise _fail(source, lines.key("text", header), where, f"field 'text': {exc}") from None
    return ScenarioEvent(at, kind, tuple(params.items()), header + 1 if header is not None else None)


# --- finding scenarios -----------------------------------------------------------------------

def _shipped() -> dict[str, Path]:
    folder = resources.files("cockpit.sim") / "scenarios"
    found = {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".toml")}
    order = {n: i for i, n in enumerate(SHIPPED_ORDER)}
    return dict(sorted(found.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name, or a scenario file by path; raises `ScenarioError`."""
    shipped = _shipped()
    if isinstance(name_or_path, str) and name_or_path in shipped:
        path = shipped[name_or_path]
        source = path.name
    else:
        path = Path(name_or_path)
        source = file_label(str(path))
        if isinstance(name_or_path, str) and path.suffix != ".toml" and not _exists(path):
            shown = name_or_path if len(name_or_path) <= 40 else name_or_path[:40] + "…"
            raise ScenarioError(f"unknown scenario {shown!r}: expected one of "
                                f"{', '.join(shipped)} or the path of a .toml file")
    try:
        raw = path.read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise ScenarioError(f"{source}: cannot read the file ({getattr(exc, 'strerror', None) or exc})") from None
    return parse_scenario(decode_text(raw, source, ScenarioError), source, default_name=path.stem)


def _exists(path: Path) -> bool:
    """Whether `path` exists; a name the system cannot even look up (too long, a NUL) does not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def list_scenarios() -> list[tuple[str, str]]:
    """(name, description) of every shipped scenario, the calm default first."""
    return [(s.name, s.description) for s in (load_scenario(n) for n in _shipped())]
