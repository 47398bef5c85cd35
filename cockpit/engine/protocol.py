"""The guard's socket protocol: where the socket is, what travels on it, and its limits.

Newline-delimited JSON, one message per line, each an object with a type `"t"`. A terminal says
`hello` with the protocol version it speaks; the guard answers `welcome` (or one `error` line
and closes), then sends a full `frame`, the recent `event`s, and from then on a `patch` per frame
(only what changed) and every `event` as it happens. The terminal sends `send` / `preview` with a
request id; the guard answers each with a `result` of the same id.

Values are encoded by `cockpit.model.wire` (model values only: a terminal decodes them without
the engine). This module imports the model and the standard library only.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Bumped whenever a message changes shape; both ends refuse another version with one line.
VERSION = 6

#: The longest line a guard reads from a terminal (a command is a few hundred bytes).
MAX_REQUEST = 64 * 1024

#: The longest line a terminal reads from a guard (a full frame of a large book).
MAX_REPLY = 64 * 1024 * 1024

#: How many recent events a terminal receives when it attaches.
RECENT_EVENTS = 20


class ProtocolError(Exception):
    """The other end broke the protocol, or speaks another version: one line for the person."""


def runtime_dir() -> Path:
    """The user's runtime directory for cockpit (`$XDG_RUNTIME_DIR/cockpit`, else a per-user
    directory under the system's temporary directory), created mode 0700."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and Path(base).is_dir():
        path = Path(base) / "cockpit"
    else:
        import tempfile

        path = Path(tempfile.gettempdir()) / f"cockpit-{os.getuid()}"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        # Someone else's directory (made first in a shared /tmp) could hold a fake guard.
        raise ProtocolError(f"{path} must belong to you and be private: chmod 700 {path}, or remove it")
    return path


def default_socket() -> Path:
    """Where `cockpit guard` listens and `cockpit` looks for it."""
    return runtime_dir() / "guard.sock"




def guard_answers(path: Path) -> bool:
    """True when something accepts a connection on the socket at `path` (a quick, blocking
    check before a terminal decides to attach or to run its own engine)."""
    import socket

    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def read_message(line: bytes, source: str) -> dict:
    """One received line as a message (a JSON object with a type); `MalformedReply` otherwise,
    naming `source`."""
    from cockpit.model import MalformedReply
    from cockpit.model.codec import loads

    message = loads(line, source=source)
    if not isinstance(message, dict) or not isinstance(message.get("t"), str):
        raise MalformedReply(f"{source}: not a message: {line[:60]!r}")
    return message
