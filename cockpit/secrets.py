"""Credentials from the OS keyring, and nowhere else.

Every keyring call runs in a daemon thread with a time limit: a Secret Service that waits for an
unlock prompt nobody can see (an SSH session) would otherwise hang the program. Backends that
cannot keep a secret (``fail``: none available; ``null``: disabled; plaintext files) are refused
with the reason and the fix; cockpit never falls back to a plaintext store. Values read are wrapped
in `Secret`, registered for log scrubbing, and kept in memory only.

Keyring entries are ``service="cockpit"``, ``username="<venue>:<account>:<field>"``.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from cockpit.redact import register_secret

SERVICE = "cockpit"
DEFAULT_TIMEOUT = 5.0
DOCTOR_HINT = "run: cockpit keys doctor"


class Secret:
    """A secret value that does not show itself: ``repr``, ``str`` and pickling reveal nothing."""

    __slots__ = ("_value",)

    def __init__(self, value: str, *, register: bool = True) -> None:
        self._value = value
        if register:  # False: the caller registers the secret parts (a URL, see redact.register_url)
            register_secret(value)

    def reveal(self) -> str:
        """The value, for handing to the venue client and nothing else."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("a Secret cannot be pickled")


class SecretsUnavailable(Exception):
    """The keyring cannot give or keep secrets; the message says why and what to do (one line).

    `kind` names the keyring error behind it (e.g. ``PasswordDeleteError``), when there was one.
    """

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class BackendInfo:
    """The active keyring backend and whether cockpit accepts it.

    `kind` is ``ok``, ``fail`` (no backend), ``null`` (disabled), ``plaintext`` or ``error``
    (could not even be loaded); `reason` explains a refusal.
    """

    name: str
    kind: str
    reason: str | None = None

    @property
    def usable(self) -> bool:
        """Whether cockpit will read and store secrets with this backend."""
        return self.kind == "ok"


def _classify(kr: Any) -> BackendInfo:
    """Say whether backend `kr` may hold trading keys."""
    name = f"{type(kr).__module__}.{type(kr).__qualname__}"
    cls = type(kr).__name__
    module = type(kr).__module__
    if module == "keyring.backends.fail":
        return BackendInfo(name, "fail", "no keyring backend is available (no Secret Service on "
                           "a D-Bus session, no encrypted-file backend chosen)")
    if module == "keyring.backends.null":
        return BackendInfo(name, "null", "the keyring is disabled (null backend): it stores nothing")
    if "plaintext" in cls.lower() or "plaintext" in module.lower():
        return BackendInfo(name, "plaintext", "this backend stores secrets unencrypted on disk")
    chained = getattr(kr, "backends", None)
    if any(c.__module__ == "keyring.backends.chainer" for c in type(kr).__mro__) and chained:
        parts = [_classify(b) for b in chained]
        bad = [p for p in parts if p.kind == "plaintext"]
        if bad:
            return BackendInfo(name, "plaintext", f"the chain includes {bad[0].name}, which stores "
                               "secrets unencrypted on disk")
        if not any(p.usable for p in parts):
            return BackendInfo(name, "fail", "the chained keyring has no usable backend")
    return BackendInfo(name, "ok")


def _keyring_error(exc: BaseException) -> SecretsUnavailable:
    """Turn what a keyring backend raised into one actionable line."""
    kind = type(exc).__name__
    if kind == "NoKeyringError":
        text = f"no keyring backend is available — {DOCTOR_HINT}"
    elif kind == "KeyringLocked":
        text = f"the keyring is locked — unlock it ({DOCTOR_HINT})"
    elif kind == "InitError":
        text = f"the keyring could not start ({kind}) — {DOCTOR_HINT}"
    elif isinstance(exc, ValueError):
        # keyrings.cryptfile raises ValueError("MAC check failed") for a wrong passphrase.
        text = "the encrypted keyring did not open (wrong passphrase?)"
    else:
        text = f"the keyring failed ({kind}) — {DOCTOR_HINT}"
    return SecretsUnavailable(text, kind)


class SecretStore:
    """Reads, writes and deletes account credentials in the OS keyring, with a time limit.

    Args:
        service: the keyring service name.
        timeout: seconds any one keyring call may take before it is abandoned.
        backend: a keyring backend to use instead of the active one (tests, a chosen backend).
    """

    def __init__(self, *, service: str = SERVICE, timeout: float = DEFAULT_TIMEOUT,
                 backend: Any | None = None) -> None:
        self.service = service
        self.timeout = timeout
        self._backend = backend

    # -- the time limit -------------------------------------------------------------------------

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run `fn(*args)` in a daemon thread; give up after `timeout` seconds.

        A thread per call (not a pool): a call stuck in an unlock prompt must not block the next
        one, nor interpreter exit.
        """
        box: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                box["value"] = fn(*args)
            except BaseException as exc:  # handed to the caller's thread below
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=run, name="cockpit-keyring", daemon=True).start()
        if not done.wait(self.timeout):
            raise SecretsUnavailable(
                f"the keyring did not answer within {self.timeout:g} s (locked, or waiting for an "
                f"unlock prompt?) — {DOCTOR_HINT}")
        if "error" in box:
            raise _keyring_error(box["error"]) from None
        return box.get("value")

    def _keyring(self) -> Any:
        if self._backend is not None:
            return self._backend
        import keyring  # here, not at import time: loading backends may probe D-Bus

        return keyring.get_keyring()

    # -- the backend ----------------------------------------------------------------------------

    def backend(self) -> BackendInfo:
        """Which backend is active and whether cockpit accepts it (never raises)."""
        try:
            return _classify(self._call(self._keyring))
        except SecretsUnavailable as exc:
            return BackendInfo("unknown", "error", str(exc))

    def require_usable(self) -> BackendInfo:
        """The backend, or SecretsUnavailable saying why it is refused and what to do."""
        info = self.backend()
        if not info.usable:
            raise SecretsUnavailable(f"refusing the keyring backend {info.name}: {info.reason} "
                                     f"— {DOCTOR_HINT}")
        return info

    def unlock(self, prompt: Callable[[str], str]) -> bool:
        """Ask once for the passphrase of an encrypted-file backend that needs one.

        keyrings.cryptfile ignores passphrases in the environment and would prompt on its own in
        the middle of the UI; call this before the UI starts. Returns True when it asked.
        """
        kr = self._call(self._keyring)
        if type(kr).__name__ != "CryptFileKeyring" or getattr(kr, "_keyring_key", None):
            return False
        kr.keyring_key = prompt("Passphrase of the encrypted keyring file: ")
        return True

    # -- values ---------------------------------------------------------------------------------

    @staticmethod
    def username(venue: str, account: str, field: str) -> str:
        """The keyring username of one credential field."""
        return f"{venue}:{account}:{field}"

    def get(self, venue: str, account: str, field: str, *, register: bool = True) -> Secret | None:
        """One credential field, or None when it is not stored.

        `register` False leaves the value out of log scrubbing: for a value registered in parts
        (a notification URL: `cockpit.redact.register_url`), whose whole would mask ``https://``.
        """
        self.require_usable()
        kr = self._call(self._keyring)
        value = self._call(kr.get_password, self.service, self.username(venue, account, field))
        return Secret(value, register=register) if value else None

    def set(self, venue: str, account: str, field: str, value: str, *, register: bool = True) -> None:
        """Store one credential field (`register`: as in `get`)."""
        self.require_usable()
        kr = self._call(self._keyring)
        if register:
            register_secret(value)
        self._call(kr.set_password, self.service, self.username(venue, account, field), value)

    def delete(self, venue: str, account: str, field: str) -> bool:
        """Remove one credential field; False when it was not there."""
        self.require_usable()
        kr = self._call(self._keyring)
        try:
            self._call(kr.delete_password, self.service, self.username(venue, account, field))
        except SecretsUnavailable as exc:
            if exc.kind == "PasswordDeleteError":
                return False
            raise
        return True

    def present(self, venue: str, account: str, fields: Iterable[str]) -> dict[str, bool]:
        """Which of `fields` are stored (values are read, checked and dropped, never shown)."""
        return {f: self.get(venue, account, f) is not None for f in fields}

    def credentials(self, venue: str, account: str, fields: Iterable[str]) -> dict[str, Secret]:
        """Every field in `fields`, or SecretsUnavailable naming the missing ones and the fix."""
        found = {f: self.get(venue, account, f) for f in fields}
        missing = [f for f, v in found.items() if v is None]
        if missing:
            what = "no keys" if len(missing) == len(found) else f"missing {', '.join(missing)}"
            raise SecretsUnavailable(f"{what} for {account!r} — run: cockpit keys set {account}")
        return {f: v for f, v in found.items() if v is not None}

    async def credentials_async(self, venue: str, account: str,
                                fields: Iterable[str]) -> dict[str, Secret]:
        """`credentials` without blocking the event loop."""
        return await asyncio.to_thread(self.credentials, venue, account, list(fields))
