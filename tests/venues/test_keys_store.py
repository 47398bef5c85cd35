"""The keyring layer: the in-memory test backend, refused backends, the time limit."""

from __future__ import annotations

import pickle
import threading
import time

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.testing.backend import BackendBasicTests

from cockpit.secrets import Secret, SecretStore, SecretsUnavailable
from tests.fixtures.keys import MemoryKeyring


class TestMemoryKeyring(BackendBasicTests):
    """keyring's own contract tests, run against the test backend."""

    def init_keyring(self):
        return MemoryKeyring()


class PlaintextKeyring(KeyringBackend):
    """Stands in for keyrings.alt.file.PlaintextKeyring (not installed here): same class name."""

    priority = -10  # type: ignore[assignment]

    def get_password(self, service, username):
        return "x"

    def set_password(self, service, username, password):
        pass

    def delete_password(self, service, username):
        pass


class HangingKeyring(MemoryKeyring):
    """A Secret Service waiting on an unlock prompt nobody will ever see."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service, username):
        self.release.wait(10)
        return None


class LockedKeyring(MemoryKeyring):
    def get_password(self, service, username):
        from keyring.errors import KeyringLocked

        raise KeyringLocked("Failed to unlock the collection!")


def test_memory_keyring_is_never_auto_selected():
    assert MemoryKeyring.priority < 0


@pytest.mark.parametrize("backend,kind,words", [
    (fail.Keyring(), "fail", "no keyring backend"),
    (null.Keyring(), "null", "disabled"),
    (PlaintextKeyring(), "plaintext", "unencrypted"),
])
def test_refused_backends(backend, kind, words):
    store = SecretStore(backend=backend, timeout=1.0)
    info = store.backend()
    assert (info.kind, info.usable) == (kind, False) and words in info.reason
    with pytest.raises(SecretsUnavailable, match=f"refusing.*{words}.*cockpit keys doctor"):
        store.get("binanceusdm", "a", "apiKey")
    with pytest.raises(SecretsUnavailable):
        store.set("binanceusdm", "a", "apiKey", "value-123456")


def test_chain_with_a_plaintext_member_is_refused():
    from keyring.backends.chainer import ChainerBackend

    class Chain(ChainerBackend):
        backends = [MemoryKeyring(), PlaintextKeyring()]

    chain = Chain()
    with pytest.raises(SecretsUnavailable, match="unencrypted"):
        SecretStore(backend=chain).require_usable()


def test_hanging_backend_times_out():
    backend = HangingKeyring()
    store = SecretStore(backend=backend, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(SecretsUnavailable, match="did not answer within 0.2 s"):
        store.get("binanceusdm", "a", "apiKey")
    assert time.monotonic() - started < 2
    backend.release.set()


def test_locked_backend_says_unlock():
    with pytest.raises(SecretsUnavailable, match="locked"):
        SecretStore(backend=LockedKeyring()).get("okx", "a", "apiKey")


def test_secret_does_not_show_itself(store):
    store.set("binanceusdm", "a", "secret", "very-secret-value-1")
    value = store.get("binanceusdm", "a", "secret")
    assert isinstance(value, Secret) and value.reveal() == "very-secret-value-1"
    assert "very" not in repr(value) and "very" not in str(value) and "very" not in f"{value}"
    with pytest.raises(TypeError):
        pickle.dumps(value)


def test_round_trip_and_delete(store, memory_keyring):
    store.set("okx", "o", "passphrase", "pass-phrase-1")
    assert memory_keyring.store[("cockpit", "okx:o:passphrase")] == "pass-phrase-1"
    assert store.present("okx", "o", ["apiKey", "passphrase"]) == {"apiKey": False,
                                                                   "passphrase": True}
    assert store.delete("okx", "o", "passphrase") is True
    assert store.delete("okx", "o", "passphrase") is False


def test_unlock_asks_for_an_encrypted_file_passphrase_once():
    class CryptFileKeyring(MemoryKeyring):
        _keyring_key = None
        keyring_key = None

    backend = CryptFileKeyring()
    store = SecretStore(backend=backend)
    asked = []
    assert store.unlock(lambda text: asked.append(text) or "pw") is True
    assert backend.keyring_key == "pw" and len(asked) == 1
    assert SecretStore(backend=MemoryKeyring()).unlock(lambda t: "x") is False


def test_env_backend_that_cannot_load_is_reported(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "nope.Keyring")
    import keyring.core

    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    info = SecretStore(timeout=2.0).backend()
    assert not info.usable
