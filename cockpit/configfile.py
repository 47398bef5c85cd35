"""The config file as a file: where it is, reading it safely, and its one error.

Kept apart from its validation (`cockpit.config`, which loads pydantic and the venue profiles),
so a terminal that only attaches to a guard reads its theme and keymap without either.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable

from cockpit.model.tomltext import decode_text, load_toml

MAX_BYTES = 1 << 20
APP_NAME = "cockpit"


class ConfigError(Exception):
    """The configuration cannot be used. `str()` is one line; `problems` has every problem."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or [message]
        extra = len(self.problems) - 1
        if extra > 0:
            message = f"{message} (and {extra} more: run `cockpit config check`)"
        super().__init__(message)


def default_config_path() -> Path:
    """The config file in the platform's user config directory."""
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


def read_config(path: Path | None, default: Callable[[], Path]) -> tuple[Path, str] | None:
    """The config file's path and text, read safely; None when `path` is None and there is no
    file at `default()`. ConfigError (one line) for a file that cannot be used.
    """
    explicit = path is not None
    path = Path(path) if explicit else default()
    # One open, and every check on that handle (fstat), so the file judged is the file read: a
    # path checked then opened again could be swapped in between. O_NONBLOCK: a FIFO put in its
    # place must not hang the start; it is refused below as not a regular file.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if not explicit:
            return None
        raise ConfigError(f"{path}: no such file — create it with: cockpit config init "
                          f"--config {path}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise ConfigError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{path}: not a regular file — give the path of the config file")
        check_permissions(path, st)
        if st.st_size > MAX_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_BYTES // 1024} KiB; is this the right file?")
        try:
            data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    if len(data) > MAX_BYTES:  # it grew after the fstat
        raise ConfigError(f"{path}: larger than {MAX_BYTES // 1024} KiB; is this the right file?")
    return path, decode_text(data, str(path), ConfigError)


def check_permissions(path: Path, st: os.stat_result | None = None) -> None:
    """ConfigError unless only its owner (this user) can read or write `path` (mode 600 or 400).

    `st` is the fstat of the handle the file is read from; without it the path is stat'ed.
    """
    st = st or path.stat()
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise ConfigError(f"{path}: mode {mode:o} lets other users read or change it — run: "
                          f"chmod 600 {path}")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise ConfigError(f"{path}: owned by another user (uid {st.st_uid}) — copy it and "
                          f"chmod 600 your copy")


def ui_choices(path: Path | None = None) -> tuple[str | None, str | None]:
    """The config file's theme and keymap only (None each when absent, or with no file): what a
    terminal attached to a guard needs of it (the accounts are the guard's). ConfigError when
    the file cannot be read or either value is not text."""
    read = read_config(path, default_config_path)
    if read is None:
        return None, None
    where, text = read
    data = load_toml(text, str(where), ConfigError)
    chosen = []
    for key in ("theme", "keymap"):
        value = data.get(key)
        if value is not None and not (isinstance(value, str) and 0 < len(value) <= 4096):
            raise ConfigError(f"{where}: {key} must be a name or a path (text), not {value!r}")
        chosen.append(value)
    return chosen[0], chosen[1]
