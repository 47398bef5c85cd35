"""``cockpit alerts add|list|remove|test``: alert targets, their URLs in the keyring.

The config names the targets (``[alerts] targets = ["phone"]``); each one's notification URL
(``ntfys://topic``, ``tgram://token/chat``, ...) holds a token, so it is asked without echo and
kept in the OS keyring (``service="cockpit"``, ``username="alerts:<name>:url"``), never in the
config, a log or on screen: its secret parts are registered for scrubbing the moment it is read.
`build_alerter` makes the engine's `Alerter` from the config for ``cockpit`` and ``cockpit guard``.
Without the optional apprise package a configured target is a one-line error naming the install
(exit code 2).
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, TextIO

from cockpit.config import NAME_PATTERN, AlertsConfig, Config, ConfigError, default_config_path, load_config
from cockpit.redact import clip, register_url
from cockpit.secrets import SecretStore, SecretsUnavailable

if TYPE_CHECKING:
    from cockpit.engine.alerts import Alerter, AppriseTarget

#: The keyring "venue" under which alert URLs are stored: ``alerts:<name>:url``.
KEYRING_GROUP = "alerts"
KEYRING_FIELD = "url"
MISSING_APPRISE = 2  # the exit code when apprise is needed and not installed


def _apprise_hint() -> str | None:
    """The one-line error when apprise is missing, else None."""
    from cockpit.engine.alerts import APPRISE_HINT, apprise_available

    return None if apprise_available() else APPRISE_HINT


def _scheme(url: str) -> str:
    """The service a URL names (``ntfys``), which is no secret."""
    scheme = url.partition("://")[0]
    return scheme if "://" in url and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,20}", scheme) else "?"


def read_url(store: SecretStore, name: str) -> str | None:
    """The URL of alert target `name` from the keyring (its secret parts registered), or None."""
    secret = store.get(KEYRING_GROUP, name, KEYRING_FIELD, register=False)
    if secret is None:
        return None
    url = secret.reveal()
    register_url(url)
    return url


def open_target(store: SecretStore, name: str) -> "AppriseTarget":
    """The target `name` with its URL from the keyring; `AlertsUnavailable` (one line) when it
    has none, or apprise is missing or does not understand it."""
    from cockpit.engine.alerts import AlertsUnavailable, AppriseTarget

    url = read_url(store, name)
    if url is None:
        raise AlertsUnavailable(f"alert target {name!r} has no URL in the keyring — run: cockpit alerts add {name}")
    return AppriseTarget(name, url)


def build_alerter(alerts: AlertsConfig, store: SecretStore | None = None) -> "Alerter | None":
    """The engine's `Alerter` for the ``[alerts]`` table (None when it names no target).

    Raises `cockpit.engine.alerts.AlertsUnavailable`, one line, when alerts are configured but
    cannot be sent: apprise missing, a target without a URL, a keyring that cannot be read. A
    cockpit told to alert that cannot should say so at the start, not when the alert is due.
    """
    if not alerts.targets:
        return None
    from cockpit.engine.alerts import Alerter, AlertsUnavailable

    hint = _apprise_hint()
    if hint:
        raise AlertsUnavailable(hint)
    store = store or SecretStore()
    try:
        targets = [open_target(store, name) for name in alerts.targets]
    except SecretsUnavailable as exc:
        raise AlertsUnavailable(f"alert targets: {exc}") from None
    return Alerter(targets, rate_limit=alerts.rate_limit_seconds)


def target_name(text: str) -> str:
    """`text` if it is a valid target name (argparse type), else ArgumentTypeError."""
    if not re.match(NAME_PATTERN, text):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a target name (letters, digits, '.', '_', "
                                         "'-'; up to 40)")
    return text


def run_alerts(args: argparse.Namespace, config_path: Path | None, *, store: SecretStore | None = None,
               prompt: Callable[[str], str] = getpass.getpass, out: TextIO | None = None,
               terminal: TextIO | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the parsed ``cockpit alerts`` action (`args.action`); returns the exit code.

    `terminal` receives the test notification's escape sequences (default: stdout when it is a
    terminal); `env` is where ``$TMUX`` is looked up (default: the process's).
    """
    out = out or sys.stdout
    store = store or SecretStore()
    try:
        cfg = load_config(config_path)
    except ConfigError as exc:
        print(f"error: {exc}", file=out)
        return 1
    if args.action in ("add", "test"):
        hint = _apprise_hint()
        if hint:
            print(f"error: {hint}", file=out)
            return MISSING_APPRISE
    try:
        store.unlock(prompt)  # an encrypted-file backend asks for its passphrase here, once
        store.require_usable()
        if args.action == "add":
            return _add(args.name, cfg, store, prompt, out)
        if args.action == "remove":
            return _remove(args.name, cfg, store, out)
        if args.action == "list":
            return _list(cfg, store, out)
        return _test(cfg, store, out, terminal, env)
    except SecretsUnavailable as exc:
        print(f"error: {exc}", file=out)
        return 1


def _where(cfg: Config | None) -> str:
    return str(cfg.path if cfg else default_config_path())


def _add(name: str, cfg: Config | None, store: SecretStore, prompt: Callable[[str], str], out: TextIO) -> int:
    from cockpit.engine.alerts import AlertsUnavailable, AppriseTarget

    url = prompt(f"Notification URL for {name} (e.g. ntfys://TOPIC, tgram://TOKEN/CHAT; not shown): ").strip()
    if not url:
        print("error: the URL is empty; nothing was stored", file=out)
        return 1
    register_url(url)  # first: nothing below may print it
    try:
        AppriseTarget(name, url)
    except AlertsUnavailable as exc:
        print(f"error: {exc}; nothing was stored", file=out)
        return 1
    store.set(KEYRING_GROUP, name, KEYRING_FIELD, url, register=False)
    print(f"stored the {_scheme(url)} URL of {name!r} in {store.backend().name}", file=out)
    if cfg is None or name not in cfg.alerts.targets:
        print(f"next: add it to the config ({_where(cfg)}): [alerts] targets = [\"{name}\"], then run: "
              "cockpit alerts test", file=out)
    else:
        print("next: cockpit alerts test", file=out)
    return 0


def _remove(name: str, cfg: Config | None, store: SecretStore, out: TextIO) -> int:
    if store.delete(KEYRING_GROUP, name, KEYRING_FIELD):
        print(f"removed the URL of {name!r} from the keyring", file=out)
    else:
        print(f"no URL stored for {name!r}", file=out)
    if cfg is not None and name in cfg.alerts.targets:
        print(f"{name!r} is still in [alerts] targets of {cfg.path}: remove it there too, or the cockpit "
              "refuses to start without its URL", file=out)
    return 0


def _list(cfg: Config | None, store: SecretStore, out: TextIO) -> int:
    targets = cfg.alerts.targets if cfg else ()
    if not targets:
        print(f"no alert targets in {_where(cfg)}: add [alerts] targets = [\"phone\"], then run: "
              "cockpit alerts add phone", file=out)
        return 0
    for name in targets:
        url = read_url(store, name)
        state = f"{_scheme(url):<10} stored" if url else f"{'-':<10} MISSING (cockpit alerts add {name})"
        print(f"{name:<16} {state}", file=out)
    print(f"rate limit: repeats of one alert within {cfg.alerts.rate_limit_seconds:g} s are collapsed", file=out)
    hint = _apprise_hint()
    if hint:
        print(f"error: {hint}", file=out)
        return MISSING_APPRISE
    return 0


def _test(cfg: Config | None, store: SecretStore, out: TextIO, terminal: TextIO | None,
          env: Mapping[str, str] | None) -> int:
    from cockpit.engine.alerts import Alerter, AlertsUnavailable
    from cockpit.present.alerts import sample_alert, terminal_notification

    alert = sample_alert(time.time())
    if terminal is None and sys.stdout.isatty():
        terminal = sys.stdout
    if terminal is not None:
        tmux = bool((os.environ if env is None else env).get("TMUX"))
        terminal.write(terminal_notification(alert, tmux=tmux))
        terminal.flush()
        print("terminal   sent (a desktop notification where the terminal supports OSC 9 or 777, and "
              "the bell)" + (" through tmux: needs `set -g allow-passthrough on`" if tmux else ""), file=out)
    targets = cfg.alerts.targets if cfg else ()
    if not targets:
        print(f"no alert targets in {_where(cfg)}: add [alerts] targets = [\"phone\"], then run: "
              "cockpit alerts add phone", file=out)
        return 1
    failed = 0
    ready = []
    for name in targets:
        try:
            ready.append(open_target(store, name))
        except AlertsUnavailable as exc:
            print(f"{name:<10} FAILED: {exc}", file=out)
            failed += 1
    for name, reason in Alerter(ready).send_now(alert).items():
        print(f"{name:<10} " + ("ok" if reason is None else f"FAILED: {clip(reason, 200)}"), file=out)
        failed += reason is not None
    return 1 if failed else 0
