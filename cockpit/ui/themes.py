"""Load and validate colour themes (``themes/*.toml``) into Textual ``Theme`` objects.

A Textual theme is a palette. The cockpit adds its own *semantic* variables on top (``$pnl-up``,
``$heat-hot``, ``$kill-halted`` ...), so that ``.tcss`` and the panes name what a colour means, never
which colour it is. Every such variable has a default in :data:`THEME_VARIABLE_DEFAULTS`; the app
returns that dict from ``App.get_theme_variable_defaults()`` so that CSS referring to ``$pnl-up``
parses under *any* theme, including Textual's built-in ones.

File format (the shipped files document it again in a comment at their top)::

    name = "cockpit-dark"          # required; must equal the file name without ".toml"
    dark = true                    # optional, default true
    [colors]                       # Textual's palette: primary is required, the rest optional
    primary = "#4C9BE8"
    [variables]                    # the cockpit's semantic colours, all optional
    pnl-up = "#3FB950"

Errors are :class:`ThemeError` with a one-line message naming the file, the entry and the fix,
because the message ends up in a single ``notify`` toast or a CLI error line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from cockpit.ui import datafiles

__all__ = [
    "COLOR_KEYS",
    "DEFAULT_THEME",
    "THEME_VARIABLE_DEFAULTS",
    "ThemeError",
    "load_theme",
    "parse_theme",
    "shipped_themes",
]

DEFAULT_THEME = "cockpit-dark"
"""The theme the app starts with when the user picked none."""

# The palette keys Textual's Theme accepts as colours (``dark`` is handled apart: it is a bool).
COLOR_KEYS: tuple[str, ...] = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
"""Keys allowed in a theme file's ``[colors]`` table; ``primary`` is required."""

THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    # Signed money: profit and loss, funding earned/paid.
    "pnl-up": "#3FB950",
    "pnl-down": "#F06363",
    # Funding heatmap, a diverging scale centred on zero. Cold = negative funding (shorts pay
    # longs), hot = positive funding (longs pay shorts). Neutral must differ from the background
    # so an empty-looking cell still reads as "zero", not "no data".
    "heat-cold": "#3D7DD8",
    "heat-neutral": "#2A333D",
    "heat-hot": "#E0604F",
    # The mark on heatmap cells where the user holds a position.
    "held-mark": "#F2CC60",
    # Per-account data health in the status line.
    "health-live": "#3FB950",
    "health-stale": "#E3B341",
    "health-down": "#F06363",
    # Kill-switch states, in rising severity.
    "kill-normal": "#3FB950",
    "kill-warn": "#E3B341",
    "kill-reducing": "#F0883E",
    "kill-halted": "#FF4D6D",
    # Mode badges: SIM must never be mistaken for LIVE, so it gets a hue nothing else uses.
    "sim-badge": "#A371F7",
    "readonly-badge": "#39C5CF",
    # Row flags (over a sizing limit, near liquidation, stale venue).
    "flag-warn": "#E3B341",
}
"""Every cockpit semantic theme variable with its fallback colour (the cockpit-dark values)."""

_TOP_LEVEL_KEYS = ("name", "dark", "colors", "variables")
# Theme names end up in `app.theme = ...`, settings files and the TEXTUAL_THEME env var, where
# spaces and punctuation only cause grief.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ThemeError(ValueError):
    """A theme could not be found or is invalid.

    ``str(error)`` is one line naming the file, the entry and the fix, suitable for a toast.
    """


def shipped_themes() -> list[str]:
    """Return the names of the themes shipped with the cockpit, sorted.

    Returns:
        Theme names, e.g. ``["cockpit-amber", "cockpit-contrast", "cockpit-dark", ...]``.
    """
    return datafiles.shipped_names("cockpit.themes")


def _check_colour(label: str, entry: str, value: Any) -> Color:
    """Parse one colour entry with Textual's parser, or raise a one-line ThemeError."""
    if not isinstance(value, str):
        raise ThemeError(
            f"{label}: {entry} = {value!r} is not a colour (write a string like \"#1e90ff\")"
        )
    try:
        return Color.parse(value)
    except ColorParseError as error:
        hint = f"did you mean '{error.suggested_color}'? " if error.suggested_color else ""
        raise ThemeError(
            f"{label}: {entry} = {value!r} is not a colour "
            f"({hint}use a name like 'blue' or '#1e90ff')"
        ) from None


def _table(label: str, data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Return an optional sub-table, insisting that it is a table."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ThemeError(f"{label}: {key} must be a table (write it as a [{key}] section)")
    return value


def _reject_unknown(label: str, where: str, given: Iterable[str], allowed: Iterable[str]) -> None:
    """Raise on the first key not in ``allowed``, listing the allowed ones."""
    allowed = list(allowed)
    for key in given:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ThemeError(
                f"{label}: {where}{key} is not a known entry "
                f"({hint}allowed: {', '.join(allowed)})"
            )


def _variable_value(colour: Color, written: str) -> str:
    """The string stored for a semantic variable.

    Panes read variables from ``app.theme_variables`` and hand them to Rich, which does not know
    CSS names like ``dodgerblue``; so opaque RGB colours are stored as ``#RRGGBB``. ANSI colours and
    colours with alpha have no such form and are kept as written (Textual CSS understands them).
    """
    if colour.ansi is None and colour.a == 1:
        return colour.hex
    return written


def parse_theme(data: Mapping[str, Any], label: str, expected_name: str | None = None) -> Theme:
    """Validate parsed theme TOML and build a Textual ``Theme``.

    Args:
        data: The parsed TOML document.
        label: How to name the file in error messages.
        expected_name: If given, the ``name`` entry must equal it (the file's stem).

    Returns:
        The theme. Its ``variables`` hold every semantic variable: the file's values over
        :data:`THEME_VARIABLE_DEFAULTS`.

    Raises:
        ThemeError: on the first problem found, with a one-line message.
    """
    _reject_unknown(label, "", data, _TOP_LEVEL_KEYS)

    name = data.get("name")
    if name is None:
        hint = f' = "{expected_name}"' if expected_name else ' = "my-theme"'
        raise ThemeError(f"{label}: name is missing (add name{hint} at the top)")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ThemeError(
            f"{label}: name = {name!r} is not a valid theme name "
            "(use letters, digits, '-', '_' or '.', e.g. \"my-theme\")"
        )
    # A copied file that keeps the original name would silently replace that theme when
    # registered; insisting name == file stem makes the copy announce itself.
    if expected_name is not None and name != expected_name:
        raise ThemeError(
            f"{label}: name = {name!r} does not match the file name "
            f"(set name = \"{expected_name}\" or rename the file to {name}.toml)"
        )

    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(f"{label}: dark = {dark!r} must be true or false")

    colors = _table(label, data, "colors")
    _reject_unknown(label, "[colors].", colors, COLOR_KEYS)
    if "primary" not in colors:
        raise ThemeError(f"{label}: [colors].primary is missing (every theme needs a primary colour)")
    palette: dict[str, str] = {}
    for key, value in colors.items():
        _check_colour(label, f"[colors].{key}", value)
        palette[key] = value

    variables = _table(label, data, "variables")
    _reject_unknown(label, "[variables].", variables, THEME_VARIABLE_DEFAULTS)
    merged = dict(THEME_VARIABLE_DEFAULTS)
    for key, value in variables.items():
        colour = _check_colour(label, f"[variables].{key}", value)
        merged[key] = _variable_value(colour, value)

    return Theme(name=name, dark=dark, variables=merged, **palette)


def load_theme(name_or_path: str | Path, *, extra_dirs: Iterable[Path] = ()) -> Theme:
    """Load a theme by shipped name or from a ``.toml`` file.

    Args:
        name_or_path: A theme name (``"cockpit-dark"``) or a path to a ``.toml`` file. Anything
            that contains a path separator or ends in ``.toml`` is taken as a path.
        extra_dirs: Folders searched for ``<name>.toml`` before the shipped themes, e.g. the
            user's config folder.

    Returns:
        A ``textual.theme.Theme``; register it with ``app.register_theme(theme)``.

    Raises:
        ThemeError: the file is missing, is not valid TOML, or has a bad entry.
    """
    extra_dirs = list(extra_dirs)
    label, raw = datafiles.find(name_or_path, package="cockpit.themes", kind="theme", error=ThemeError, extra_dirs=extra_dirs)
    data = datafiles.parse_toml(label, raw, ThemeError)
    stem = Path(label).name.removesuffix(".toml")
    return parse_theme(data, label, expected_name=stem)
