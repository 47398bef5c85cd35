"""``cockpit keys ...`` and ``cockpit config ...``: credentials in the keyring, the config file.

Keys are asked for without echo, stored in the OS keyring and never printed; `keys list` says which
fields are stored, not what they are. `keys doctor` names the keyring backend and, where none is
usable (an SSH session without a desktop), prints the steps that work.
"""

from __future__ import annotations

import argparse
import getpass
import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Callable, TextIO

from cockpit.config import ConfigError, default_config_path, load_config, write_template
from cockpit.secrets import SecretStore, SecretsUnavailable
from cockpit.venues.profiles import Credential, profile_for

def _check(cred: Credential, value: str) -> str | None:
    """Why `value` cannot be the field `cred`, or None when it looks right."""
    return None if re.fullmatch(cred.pattern, value) else f"{cred.name} should be {cred.shape}"


def _mask(cred: Credential, value: str) -> str:
    return value[:6] + "…" + value[-4:] if not cred.secret and len(value) > 12 else "***"


def _load(config_path: Path | None, out: TextIO):
    try:
        cfg = load_config(config_path)
    except ConfigError as exc:
        print(f"error: {exc}", file=out)
        return None
    if cfg is None:
        print(f"error: no config file at {default_config_path()} — run: cockpit config init",
              file=out)
    return cfg


def run_keys(args: argparse.Namespace, config_path: Path | None, *, store: SecretStore | None = None,
             prompt: Callable[[str], str] = getpass.getpass, out: TextIO | None = None) -> int:
    """Run the parsed ``cockpit keys`` action (`args.action`); returns the exit code."""
    out = out or sys.stdout
    store = store or SecretStore()
    if args.action == "doctor":
        print(doctor_report(store), file=out)
        return 0 if store.backend().usable else 1
    cfg = _load(config_path, out)
    if cfg is None:
        return 1
    try:
        store.unlock(prompt)  # an encrypted-file backend asks for its passphrase here, once
        store.require_usable()
        if args.action == "list":
            return _list(cfg, store, out)
        acc = cfg.account(args.account)
        if acc is None:
            names = ", ".join(a.name for a in cfg.accounts) or "none"
            print(f"error: no account {args.account!r} in {cfg.path} (accounts: {names})",
                  file=out)
            return 1
        if args.action == "delete":
            gone = [c.name for c in profile_for(acc.venue).credentials
                    if store.delete(acc.venue, acc.name, c.name)]
            print(f"deleted {', '.join(gone) or 'nothing (no keys stored)'} for {acc.name!r}",
                  file=out)
            return 0
        return _set(acc.venue, acc.name, acc.readonly, store, prompt, out)
    except SecretsUnavailable as exc:
        print(f"error: {exc}", file=out)
        return 1


def _set(venue: str, name: str, readonly: bool, store: SecretStore,
         prompt: Callable[[str], str], out: TextIO) -> int:
    facts = profile_for(venue)
    values: dict[str, str] = {}
    for cred in facts.fields(readonly):
        value = prompt(f"{cred.label} for {name} ({facts.title}): ").strip()
        problem = _check(cred, value) if value else f"{cred.name} is empty"
        if problem:
            print(f"error: {problem}; nothing was stored", file=out)
            return 1
        values[cred.name] = value
    for field, value in values.items():
        store.set(venue, name, field, value)
    shown = ", ".join(f"{c.name}={_mask(c, values[c.name])}" for c in facts.fields(readonly))
    print(f"stored {shown} for {name!r} in {store.backend().name}", file=out)
    if readonly and len(facts.fields(True)) < len(facts.credentials):
        print(f"({name} is read-only: no private key was asked for; set readonly = false in the "
              "config and run this again to trade)", file=out)
    return 0


def _list(cfg, store: SecretStore, out: TextIO) -> int:
    for acc in cfg.accounts:
        facts = profile_for(acc.venue)
        needed = {c.name for c in facts.fields(acc.readonly)}
        have = store.present(acc.venue, acc.name, [c.name for c in facts.credentials])
        parts = [f"{f} {'✓' if ok else ('missing' if f in needed else '-')}"
                 for f, ok in have.items()]
        ready = all(have[f] for f in needed)
        print(f"{acc.name:<16} {acc.venue:<12} {'ready' if ready else 'NOT READY':<10} "
              f"{'  '.join(parts)}", file=out)
    if not cfg.accounts:
        print(f"no accounts in {cfg.path}", file=out)
    return 0


def doctor_report(store: SecretStore, env: dict[str, str] | None = None,
                  which: Callable[[str], str | None] = shutil.which) -> str:
    """What `cockpit keys doctor` prints: the backend, the session, and the steps that work."""
    env = dict(os.environ) if env is None else env
    info = store.backend()
    lines = [f"keyring backend: {info.name}"]
    if info.usable:
        lines.append("status: usable — keys can be stored and read (cockpit keys set ACCOUNT)")
    else:
        lines.append(f"status: REFUSED — {info.reason}; cockpit will not read or store keys "
                     "with it, and never falls back to a plaintext file")
    ssh = bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))
    bus = env.get("DBUS_SESSION_BUS_ADDRESS")
    gkd, drs = which("gnome-keyring-daemon"), which("dbus-run-session")
    cryptfile = importlib.util.find_spec("keyrings") is not None and importlib.util.find_spec(
        "keyrings.cryptfile") is not None
    lines += [
        f"session: {'SSH' if ssh else 'local'}; D-Bus session bus: "
        f"{'yes' if bus else 'none (DBUS_SESSION_BUS_ADDRESS is unset)'}; "
        f"display: {env.get('DISPLAY') or env.get('WAYLAND_DISPLAY') or 'none'}",
        f"tools: dbus-run-session {'found' if drs else 'missing'}; gnome-keyring-daemon "
        f"{'found' if gkd else 'missing'}; keyrings.cryptfile "
        f"{'installed' if cryptfile else 'not installed'}",
    ]
    if info.usable:
        return "\n".join(lines)
    missing = [pkg for pkg, tool in (("dbus", drs), ("gnome-keyring", gkd)) if not tool]
    install = [f"       sudo apt-get install {' '.join(missing)}   # Debian/Ubuntu; not installed "
               "here"] if missing else []
    lines += [
        "",
        "To keep keys on this machine, pick one:",
        "  A. The Secret Service, in a D-Bus session you start (recommended):",
        *install,
        "       dbus-run-session -- tmux new -s cockpit     # or: dbus-run-session -- bash",
        "       # inside that session, unlock (or create) the keyring once:",
        "       read -rs PW; printf %s \"$PW\" | gnome-keyring-daemon --unlock "
        "--components=secrets >/dev/null; unset PW",
        "       cockpit keys set ACCOUNT && cockpit",
        "     The keyring lives as long as that session: after a reboot, start it and unlock "
        "again.",
        "  B. An encrypted file, chosen deliberately:",
        "       pip install keyrings.cryptfile" if not cryptfile else
        "       (keyrings.cryptfile is installed)",
        "       export PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring",
        "       cockpit keys set ACCOUNT     # asks for the file's passphrase on the terminal",
        "     cockpit asks for that passphrase once at start; never put it in the environment "
        "or a file.",
        "Refused on purpose: the fail and null backends (nothing is stored) and "
        "keyrings.alt's PlaintextKeyring (base64, not encryption).",
    ]
    return "\n".join(lines)


def run_config(args: argparse.Namespace, config_path: Path | None, *,
               out: TextIO | None = None) -> int:
    """Run the parsed ``cockpit config`` action (`args.action`); returns the exit code."""
    out = out or sys.stdout
    path = Path(config_path) if config_path else default_config_path()
    if args.action == "path":
        print(path, file=out)
        return 0
    if args.action == "init":
        try:
            write_template(path, force=args.force)
        except (ConfigError, OSError) as exc:
            print(f"error: {exc}", file=out)
            return 1
        print(f"wrote {path} (mode 600). Next: add your accounts there, then run "
              "`cockpit config check` and `cockpit keys set ACCOUNT`.", file=out)
        return 0
    try:
        cfg = load_config(config_path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=out)
        return 1
    if cfg is None:
        print(f"no config file at {path}: cockpit runs the simulator demo. Create one with: "
              "cockpit config init", file=out)
        return 0
    print(f"{cfg.path}: {len(cfg.accounts)} account(s)", file=out)
    for acc in cfg.accounts:
        where = f" → {acc.api_url}" if acc.api_url else (" (testnet)" if acc.sandbox else "")
        print(f"  {acc.name:<16} {acc.venue:<12} {acc.layer.value:<12} "
              f"{'read-only' if acc.readonly else 'trading':<9}{where}", file=out)
    return 0
