"""Test-wide guards: no real keyring, no network, deterministic hypothesis."""

from __future__ import annotations

import os

# Before anything imports keyring: the fail backend, so a test that forgets its in-memory
# keyring fails loudly instead of touching the machine's real one.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci")


import shutil  # noqa: E402
import tempfile  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _private_dirs(monkeypatch, tmp_path):
    """Every test (and every process it starts) gets its own runtime, data, config and state
    directories: a guard's socket, the simulator's journals and reports never meet another
    test's or the user's. The runtime directory is short (a Unix socket's path has at most 107 bytes)."""
    runtime = tempfile.mkdtemp(prefix="ck")
    monkeypatch.setenv("XDG_RUNTIME_DIR", runtime)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # never the user's config
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # never the user's UI state
    # pytest-xdist's workers set COLUMNS=80 and LINES=24, which Textual obeys over the size of
    # its terminal: a cockpit a test starts in a 120x40 pty must not draw at 80x24.
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    yield
    shutil.rmtree(runtime, ignore_errors=True)
