"""The one error every command turns into one line on stderr and exit code 2."""

from __future__ import annotations


class UsageError(Exception):
    """A bad flag, value or file: printed as one line, exit code 2."""
