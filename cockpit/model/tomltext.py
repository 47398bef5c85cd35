"""Reading the TOML files users write (config, scenarios, themes, keymaps), with one-line errors.

Every file a user edits fails the same way: ``file:line: invalid TOML: what (column N)``, so the
message points at the place to fix whatever the file is. It lives in `model` because the simulator
reads scenarios and may import only `model` and numpy; it imports only the standard library.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_AT_END = re.compile(r"\s*\(at end of document\)")


def file_label(path: str) -> str:
    """How a message names a file: its path, the middle left out past 120 characters."""
    return path if len(path) <= 120 else f"{path[:60]}…{path[-40:]}"


def decode_text(raw: bytes, label: str, error: type[Exception]) -> str:
    """`raw` as UTF-8 text, or `error("label: not UTF-8 text (byte N); save it as UTF-8")`."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise error(f"{label}: not UTF-8 text (byte {problem.start}); save it as UTF-8") from None


def load_toml(text: str, label: str, error: type[Exception]) -> dict[str, Any]:
    """Parse TOML `text` read from `label`; a syntax error becomes one `error` naming the line.

    Args:
        text: the file's text.
        label: how messages name the file (a path, or ``themes/x.toml``).
        error: the caller's error class, built from one message string.
    """
    try:
        return tomllib.loads(text)
    except RecursionError:
        # tomllib recurses once per nested array or inline table: "a = [[[[..." exhausts the stack.
        raise error(f"{label}: invalid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as problem:
        raise error(_describe(str(problem), text, label)) from None


def _describe(message: str, text: str, label: str) -> str:
    """tomllib's message as ``label:line: invalid TOML: what (column N)``."""
    at = _AT.search(message)
    if at:
        line, column = at.groups()
        return f"{label}:{line}: invalid TOML: {_AT.sub('', message).strip()} (column {column})"
    if _AT_END.search(message):
        last = max(len(text.splitlines()), 1)
        return f"{label}:{last}: invalid TOML: {_AT_END.sub('', message).strip()} (at the end of the file)"
    return f"{label}: invalid TOML: {message}"
