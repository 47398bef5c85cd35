"""Test-wide guards: no real keyring, no network, deterministic hypothesis."""

from __future__ import annotations

import os

# Before anything imports keyring: the fail backend, so a test that forgets its in-memory
# keyring fails loudly instead of touching the machine's real one.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci")
