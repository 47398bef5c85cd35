"""Finding and reading the TOML files users pick by name or path: themes and keymaps.

A name is looked up in the user's folders first (so a copy can shadow a shipped file), then among
the files shipped in a data package (`cockpit.themes`, `cockpit.keymaps`). Anything with a path
separator or ending in `.toml` is a path. Every failure is one line naming the file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

_TOML_LINE_RE = re.compile(r"\(at line (\d+), column (\d+)\)")


def shipped_names(package: str) -> list[str]:
    """The names (file stems) of the `.toml` files shipped in `package`, sorted."""
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in resources.files(package).iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    )


def looks_like_path(name_or_path: str | Path) -> bool:
    """A Path, anything with a separator, or anything ending in `.toml` is a path, not a name."""
    if isinstance(name_or_path, Path):
        return True
    return name_or_path.endswith(".toml") or "/" in name_or_path or "\\" in name_or_path


def find(
    name_or_path: str | Path,
    *,
    package: str,
    kind: str,
    error: type[Exception],
    extra_dirs: Iterable[Path] = (),
) -> tuple[str, bytes]:
    """Locate a `kind` ("theme", "keymap") file; return (label for messages, raw bytes).

    Raises `error` with one line: the path or name, what went wrong, and what is available.
    """
    extra_dirs = list(extra_dirs)
    shipped = shipped_names(package)
    if looks_like_path(name_or_path):
        path = Path(name_or_path).expanduser()
        try:
            return str(path), path.read_bytes()
        except FileNotFoundError:
            raise error(f"{path}: no such {kind} file (shipped {kind}s: {', '.join(shipped)})") from None
        except OSError as problem:
            raise error(f"{path}: cannot read {kind} file ({problem.strerror})") from None
    name = str(name_or_path)
    # User folders first, so a user may shadow a shipped file by copying it under the same name.
    for folder in extra_dirs:
        candidate = Path(folder) / f"{name}.toml"
        if candidate.is_file():
            return str(candidate), candidate.read_bytes()
    package_file = resources.files(package) / f"{name}.toml"
    if package_file.is_file():
        return f"{package.rsplit('.', 1)[-1]}/{name}.toml", package_file.read_bytes()
    user = [p.stem for folder in extra_dirs if Path(folder).is_dir() for p in Path(folder).glob("*.toml")]
    known = sorted({*shipped, *user})
    raise error(f"{name!r}: no such {kind} (available: {', '.join(known)}; or give a path to a .toml file)")


def parse_toml(label: str, raw: bytes, error: type[Exception]) -> dict[str, Any]:
    """Parse TOML, turning syntax errors into `error("file:line: invalid TOML: ...")`."""
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as problem:
        raise error(f"{label}: not UTF-8 text (byte {problem.start})") from None
    except tomllib.TOMLDecodeError as problem:
        message = str(problem)
        detail = _TOML_LINE_RE.sub("", message).strip()
        match = _TOML_LINE_RE.search(message)
        if match:
            line, column = match.groups()
            raise error(f"{label}:{line}: invalid TOML: {detail} (column {column})") from None
        raise error(f"{label}: invalid TOML: {detail}") from None
