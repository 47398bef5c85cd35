"""Finding and reading the TOML files users pick by name or path: themes and keymaps.

A name is looked up in the user's folders first (so a copy can shadow a shipped file), then among
the files shipped in a data package (`cockpit.themes`, `cockpit.keymaps`). Anything with a path
separator or ending in `.toml` is a path. Every failure is one line naming the file.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from cockpit.model.tomltext import decode_text, file_label, load_toml

# A name (not a path) is a file stem: short and plain, so it can never make an invalid file name.
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_BYTES = 1 << 20  # a theme or keymap is a few KiB; a bigger file is the wrong file


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
        label = file_label(str(path))
        try:
            return label, _read(path)
        except FileNotFoundError:
            raise error(f"{label}: no such {kind} file (shipped {kind}s: {', '.join(shipped)})") from None
        except (OSError, ValueError) as problem:  # ValueError: a NUL in the path
            reason = getattr(problem, "strerror", None) or str(problem)
            raise error(f"{label}: cannot read {kind} file ({reason})") from None
    name = str(name_or_path)
    if not _NAME_RE.fullmatch(name):
        raise error(f"{file_label(name)!r} is not a {kind} name (letters, digits, '.', '_' or '-', up to "
                    f"64; shipped {kind}s: {', '.join(shipped)}; or give a path to a .toml file)")
    # User folders first, so a user may shadow a shipped file by copying it under the same name.
    for folder in extra_dirs:
        candidate = Path(folder) / f"{name}.toml"
        try:
            if candidate.is_file():
                return str(candidate), _read(candidate)
        except OSError as problem:
            raise error(f"{candidate}: cannot read {kind} file ({problem.strerror})") from None
    package_file = resources.files(package) / f"{name}.toml"
    if package_file.is_file():
        return f"{package.rsplit('.', 1)[-1]}/{name}.toml", package_file.read_bytes()
    user = [p.stem for folder in extra_dirs if Path(folder).is_dir() for p in Path(folder).glob("*.toml")]
    known = sorted({*shipped, *user})
    raise error(f"{name!r}: no such {kind} (available: {', '.join(known)}; or give a path to a .toml file)")


def _read(path: Path) -> bytes:
    """The bytes of the regular file `path`, at most MAX_BYTES; OSError (with a strerror) else.

    O_NONBLOCK: a FIFO given as a theme must not hang the start; it is refused as not a file.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise OSError(errno.EFBIG, f"larger than {MAX_BYTES // 1024} KiB; is this the right file?")
    return data


def parse_toml(label: str, raw: bytes, error: type[Exception]) -> dict[str, Any]:
    """Decode and parse a data file; any failure is `error("file:line: invalid TOML: ...")`."""
    return load_toml(decode_text(raw, label, error), label, error)
