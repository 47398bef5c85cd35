"""Theme loading: shipped palettes, one-line errors for broken files, and the app picking them up."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import Theme
from textual.widgets import Static

from cockpit.ui.themes import (
    COLOR_KEYS,
    DEFAULT_THEME,
    THEME_VARIABLE_DEFAULTS,
    ThemeError,
    load_theme,
    shipped_themes,
)

SEMANTIC = {
    "pnl-up", "pnl-down", "heat-cold", "heat-neutral", "heat-hot", "held-mark", "health-live",
    "health-stale", "health-down", "kill-normal", "kill-warn", "kill-reducing", "kill-halted",
    "sim-badge", "readonly-badge", "flag-warn",
}
# Variables drawn as text (not as cell backgrounds) must be readable on the theme's background.
TEXT_VARIABLES = sorted(SEMANTIC - {"heat-cold", "heat-neutral", "heat-hot"})
# Colours whose whole point is to differ; they must stay apart when Textual downgrades truecolor
# to 256 colours (the usual case over SSH without COLORTERM).
MUST_DIFFER = [
    ("pnl-up", "pnl-down"),
    ("heat-cold", "heat-neutral", "heat-hot"),
    ("health-live", "health-stale", "health-down"),
    ("kill-normal", "kill-warn", "kill-reducing", "kill-halted"),
]


def _raw(name: str) -> dict:
    """The shipped file as plain TOML, to compare the loader's output against."""
    return tomllib.loads((resources.files("cockpit.themes") / f"{name}.toml").read_text("utf-8"))


def _luminance(colour: Color) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours."""
    la, lb = _luminance(Color.parse(a)), _luminance(Color.parse(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_required_themes_are_shipped() -> None:
    names = shipped_themes()
    assert {"cockpit-dark", "cockpit-light"} <= set(names)
    assert DEFAULT_THEME in names
    assert len(names) >= 3


@pytest.mark.parametrize("name", shipped_themes())
def test_shipped_theme_loads_with_every_semantic_variable(name: str) -> None:
    theme = load_theme(name)
    raw = _raw(name)
    assert isinstance(theme, Theme)
    assert theme.name == name
    assert theme.dark is raw["dark"]
    # Each shipped theme sets every variable itself rather than leaning on the dark defaults.
    assert set(raw["variables"]) == SEMANTIC == set(THEME_VARIABLE_DEFAULTS)
    for key, value in raw["variables"].items():
        assert theme.variables[key] == value
    for key, value in raw["colors"].items():
        assert getattr(theme, key) == value
    assert set(raw["colors"]) <= set(COLOR_KEYS)


@pytest.mark.parametrize("name", shipped_themes())
def test_shipped_theme_text_is_readable(name: str) -> None:
    theme = load_theme(name)
    assert theme.background and theme.foreground
    assert _contrast(theme.foreground, theme.background) >= 7.0
    for key in TEXT_VARIABLES:
        ratio = _contrast(theme.variables[key], theme.background)
        assert ratio >= 4.5, f"{name}: {key} has contrast {ratio:.2f} on the background"
    # Zero funding must not look like an empty cell.
    assert _contrast(theme.variables["heat-neutral"], theme.background) > 1.1


@pytest.mark.parametrize("name", shipped_themes())
def test_shipped_theme_keeps_states_apart_in_256_colours(name: str) -> None:
    theme = load_theme(name)
    for group in MUST_DIFFER:
        downgraded = [
            RichColor.parse(theme.variables[key]).downgrade(ColorSystem.EIGHT_BIT).number
            for key in group
        ]
        assert len(set(downgraded)) == len(group), f"{name}: {group} collide in 256 colours"


def test_defaults_are_the_dark_theme_values() -> None:
    assert THEME_VARIABLE_DEFAULTS == _raw("cockpit-dark")["variables"]


def test_load_by_path_fills_missing_variables_and_normalizes_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "mine",
        'name = "mine"\ndark = false\n[colors]\nprimary = "dodgerblue"\n'
        '[variables]\npnl-up = "dodgerblue"\n',
    )
    theme = load_theme(path)
    assert theme.name == "mine" and theme.dark is False
    assert theme.primary == "dodgerblue"  # Textual parses palette names itself
    # Panes hand variables to Rich, which has no "dodgerblue": stored as hex.
    assert theme.variables["pnl-up"] == "#1E90FF"
    assert theme.variables["pnl-down"] == THEME_VARIABLE_DEFAULTS["pnl-down"]
    assert load_theme(str(path)).name == "mine"


def test_extra_dirs_shadow_shipped_names(tmp_path: Path) -> None:
    _write(tmp_path, "cockpit-dark", 'name = "cockpit-dark"\n[colors]\nprimary = "#FF0000"\n')
    assert load_theme("cockpit-dark", extra_dirs=[tmp_path]).primary == "#FF0000"
    assert load_theme("cockpit-dark").primary != "#FF0000"


BROKEN = [
    # (file body, substrings the one-line message must contain)
    ('name = "bad"\n[colors]\nprimary = \n', ["bad.toml:3:", "invalid TOML"]),
    (
        'name = "bad"\n[colors]\nprimary = "blu"\n',
        ["bad.toml", "[colors].primary = 'blu' is not a colour", "did you mean 'blue'", "#1e90ff"],
    ),
    (
        'name = "bad"\n[colors]\nprimary = "#fff"\n[variables]\npnl-up = "#12345"\n',
        ["bad.toml", "[variables].pnl-up = '#12345' is not a colour"],
    ),
    (
        'name = "bad"\n[colors]\nprimary = 7\n',
        ["bad.toml", "[colors].primary = 7 is not a colour"],
    ),
    (
        'name = "bad"\n[colors]\nprimary = "#fff"\nprimery = "#000"\n',
        ["bad.toml", "[colors].primery is not a known entry", "allowed: primary, secondary"],
    ),
    (
        'name = "bad"\n[colors]\nprimary = "#fff"\n[variables]\npnl_up = "#000"\n',
        ["bad.toml", "[variables].pnl_up is not a known entry", "did you mean 'pnl-up'", "flag-warn"],
    ),
    ('[colors]\nprimary = "#fff"\n', ["bad.toml", "name is missing", 'name = "bad"']),
    (
        'name = "cockpit-dark"\n[colors]\nprimary = "#fff"\n',
        ["bad.toml", "does not match the file name", 'name = "bad"'],
    ),
    ('name = "bad"\n[colors]\naccent = "#fff"\n', ["bad.toml", "[colors].primary is missing"]),
    ('name = "bad"\ndark = "yes"\n[colors]\nprimary = "#fff"\n', ["bad.toml", "dark = 'yes'"]),
    ('name = "bad"\ncolors = "blue"\n', ["bad.toml", "colors must be a table"]),
    ('name = "bad"\ncolour = 1\n[colors]\nprimary = "#fff"\n', ["bad.toml", "colour is not a known"]),
]


@pytest.mark.parametrize(("body", "expected"), BROKEN)
def test_broken_theme_gives_one_line_naming_file_and_entry(
    tmp_path: Path, body: str, expected: list[str]
) -> None:
    path = _write(tmp_path, "bad", body)
    with pytest.raises(ThemeError) as caught:
        load_theme(path)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in expected:
        assert fragment in message


def test_missing_file_lists_shipped_themes(tmp_path: Path) -> None:
    with pytest.raises(ThemeError) as caught:
        load_theme(tmp_path / "nope.toml")
    message = str(caught.value)
    assert "nope.toml" in message and "no such theme file" in message
    assert "cockpit-dark" in message and "cockpit-light" in message


def test_unknown_name_lists_shipped_themes() -> None:
    with pytest.raises(ThemeError) as caught:
        load_theme("cockpit-drak")
    message = str(caught.value)
    assert "'cockpit-drak'" in message and "cockpit-dark, " in message and "\n" not in message


class ThemedApp(App[None]):
    """The smallest app that declares the cockpit's variables and uses every one in CSS."""

    CSS = "\n".join(
        f"#v-{name} {{ color: ${name}; }}" for name in sorted(THEME_VARIABLE_DEFAULTS)
    )

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(THEME_VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        for name in sorted(THEME_VARIABLE_DEFAULTS):
            yield Static(name, id=f"v-{name}")


async def test_registered_theme_drives_app_variables_and_css() -> None:
    app = ThemedApp()
    async with app.run_test() as pilot:
        # A built-in theme has none of our variables: the defaults keep the CSS valid.
        assert app.theme_variables["pnl-up"] == THEME_VARIABLE_DEFAULTS["pnl-up"]

        app.register_theme(load_theme("cockpit-light"))
        app.theme = "cockpit-light"
        await pilot.pause()
        light = _raw("cockpit-light")["variables"]
        assert app.theme_variables["pnl-up"] == light["pnl-up"]
        for name, value in light.items():
            assert app.theme_variables[name] == value
            assert app.query_one(f"#v-{name}", Static).styles.color == Color.parse(value)
        # The palette took effect too, not only the variables.
        assert app.current_theme.background == _raw("cockpit-light")["colors"]["background"]
