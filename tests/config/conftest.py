"""Helpers for the config tests: write a config file with the mode a user would."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def write(tmp_path):
    """write(text, mode=0o600, name="config.toml") -> Path."""

    def _write(text: str, mode: int = 0o600, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        os.chmod(path, mode)
        return path

    return _write
