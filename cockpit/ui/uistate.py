"""What the terminal UI remembers across restarts: a small JSON file in the user's state directory.

``$XDG_STATE_HOME/cockpit/ui.json`` (platformdirs' user state dir: ``~/.local/state/cockpit``),
0600 in a 0700 directory. It holds choices of the person at the screen, never data of the book:
today the privacy mask (``{"privacy_mask": true}``). Keys this version does not know are kept when
it writes the file, so another version's choices survive.

A file that cannot be read or is not what it should be is never fatal: `load_ui_state` returns a
one-line warning naming the file, and the privacy mask ON. A person who turned the mask on did so
to keep amounts off a shared or recorded screen; if the file cannot say so any more, showing them
would be the harm that cannot be undone, while a masked screen costs one key to lift. With no file
at all (nobody chose yet) the mask is off.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILE_NAME = "ui.json"
PRIVACY_KEY = "privacy_mask"


def ui_state_path() -> Path:
    """The UI state file: ``ui.json`` in the user's state directory for cockpit."""
    import platformdirs

    return Path(platformdirs.user_state_dir("cockpit")) / FILE_NAME


@dataclass
class UiState:
    """The UI's remembered choices, and the rest of the file as it was read (kept on write)."""

    privacy_mask: bool = False
    other: dict[str, Any] = field(default_factory=dict)


def load_ui_state(path: Path) -> tuple[UiState, str | None]:
    """The state in `path` and a one-line warning, or None when all is well (no file: defaults)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return UiState(), None
    except (OSError, UnicodeDecodeError) as error:
        return UiState(privacy_mask=True), _warning(path, f"cannot be read ({_reason(error)})")
    try:
        data = json.loads(text)
    except ValueError as error:
        return UiState(privacy_mask=True), _warning(path, f"is not valid JSON ({error})")
    if not isinstance(data, dict):
        return UiState(privacy_mask=True), _warning(path, "is not a JSON object")
    mask = data.pop(PRIVACY_KEY, False)
    if not isinstance(mask, bool):
        return UiState(privacy_mask=True, other=data), _warning(path, f'"{PRIVACY_KEY}" is not true or false')
    return UiState(privacy_mask=mask, other=data), None


def save_ui_state(path: Path, state: UiState) -> str | None:
    """Write `state` to `path` (atomically, 0600); a one-line warning when it could not be."""
    data = {**state.other, PRIVACY_KEY: state.privacy_mask}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(data, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        return f"UI state {path}: not saved ({_reason(error)}); the choice holds until you quit"
    return None


def _warning(path: Path, what: str) -> str:
    return (f"UI state {path} {what}: privacy mask ON to be safe; "
            f"toggle it to rewrite the file, or delete the file")


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or type(error).__name__
