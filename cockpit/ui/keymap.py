"""Binding ids, their default keys, and loading of user keymaps (``keymaps/*.toml``).

Textual lets an app rebind keys by binding id: every user-facing ``Binding`` gets an ``id`` such
as ``"positions.trim"`` and ``App.set_keymap({"positions.trim": "w"})`` replaces that id's keys.
Textual silently ignores ids it does not know and key names it will never produce, so a typo in a
keymap would just leave a key dead. This module is the strict front door:

* :data:`DEFAULT_BINDINGS` is the one table of ids, default keys and descriptions; the app builds
  its ``BINDINGS`` from it (``cockpit.ui.bindings.bind``) and ``keymaps/default.toml`` mirrors it.
* :func:`load_keymap` reads a keymap file, checks every id against the ids the app declares, every
  key against Textual's key vocabulary, and that no two live bindings share a key, and returns a
  mapping ready for ``App.set_keymap``.

File format::

    [bindings]
    "positions.trim" = "w"            # replaces the default key(s) of that id
    "confirm.cancel" = "escape, n"    # alternatives separated by commas; spaces are ignored

Errors are :class:`KeymapError` with a one-line message naming the file, the entry and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.keys import KEY_ALIASES, Keys, key_to_character

from cockpit.ui import datafiles
from cockpit.ui.compat import character_to_key

__all__ = [
    "DEFAULT_BINDINGS",
    "MODAL_AREAS",
    "SCREEN_AREAS",
    "KeymapError",
    "collect_binding_ids",
    "declared_bindings",
    "load_keymap",
    "normalize_key",
    "parse_keymap",
    "shipped_keymaps",
]

DEFAULT_BINDINGS: dict[str, tuple[str, str]] = {
    # id: (default keys, description shown in the footer / key panel)
    "app.quit": ("q", "Quit"),
    "app.help": ("question_mark", "Help"),
    "app.commands": ("ctrl+p", "Commands"),
    "app.screenshot": ("f12", "Screenshot"),
    "view.positions": ("1", "Positions"),
    "view.funding": ("2", "Funding"),
    "view.collateral": ("3", "Collateral"),
    "view.playbook": ("4", "Playbook"),
    "view.all": ("0", "All panes"),
    "view.next": ("tab", "Next pane"),
    "view.previous": ("shift+tab", "Previous pane"),
    "view.carry": ("c", "Carry scanner"),
    "view.orders": ("O", "Open orders"),
    "view.plots": ("P", "Plots"),
    "view.privacy": ("p", "Privacy mask"),
    "positions.trim_tenth": ("r", "Trim 10%"),
    "positions.trim": ("t", "Trim 25%"),
    "positions.trim_half": ("T", "Trim 50%"),
    "positions.close": ("x", "Close 100%"),
    "positions.apply_flag": ("f", "Apply flag"),
    "positions.sort": ("s", "Sort"),
    "positions.group": ("g", "Group"),
    "cursor.up": ("up", "Up"),
    "cursor.down": ("down", "Down"),
    "cursor.left": ("left", "Left"),
    "cursor.right": ("right", "Right"),
    "cursor.page_up": ("pageup", "Page up"),
    "cursor.page_down": ("pagedown", "Page down"),
    "cursor.top": ("home", "Top"),
    "cursor.bottom": ("end", "Bottom"),
    "kill.accept": ("a", "Accept cut"),
    "kill.reset": ("R", "Reset kill"),
    "unwind.start": ("U", "Unwind"),
    "run.confirm": ("enter", "Send"),
    "run.go": ("g", "Run"),
    "run.pause": ("p", "Pause"),
    "run.skip": ("s", "Skip"),
    "run.hedge": ("h", "Hedge"),
    "run.abort": ("A", "Abort"),
    "run.dismiss": ("d", "Dismiss"),
    "run.back": ("escape", "Cockpit"),
    "picker.cancel": ("escape", "Back"),
    "funding.period": ("d", "Period"),
    "funding.scale": ("v", "Scale"),
    "funding.held": ("o", "Held only"),
    "funding.min_oi": ("m", "Min OI"),
    "funding.ledger": ("L", "Ledger"),
    "ledger.back": ("escape", "Cockpit"),
    "ledger.export": ("e", "Export CSV"),
    "orders.cancel": ("x", "Cancel order"),
    "orders.cancel_all": ("X", "Cancel all (account)"),
    "orders.back": ("escape", "Cockpit"),
    "plots.funding": ("1", "Funding"),
    "plots.stress": ("2", "Stress"),
    "plots.equity": ("3", "Equity"),
    "plots.shocks": ("4", "Shocks"),
    "plots.all": ("0", "All plots"),
    "plots.next": ("tab", "Next plot"),
    "plots.back": ("escape", "Cockpit"),
    "carry.size": ("s", "Size"),
    "carry.back": ("escape", "Cockpit"),
    "help.close": ("escape", "Close"),
    "confirm.ok": ("y", "Confirm"),
    "confirm.cancel": ("escape,n", "Cancel"),
}
"""Every binding id the cockpit declares: ``id -> (default keys, description)``."""

SCREEN_AREAS: dict[str, frozenset[str]] = {
    "confirm": frozenset({"view.privacy"}),  # a dialog keeps the privacy key (`screens.modal`)
    "picker": frozenset({"view.privacy"}),
    "run": frozenset({"cursor"}),
    "carry": frozenset({"cursor"}),
    "plots": frozenset(),
    "ledger": frozenset({"cursor"}),
    "orders": frozenset({"cursor"}),
    "help": frozenset({"cursor"}),
}
"""Areas whose bindings live only on a screen of their own, with the other areas (or single
binding ids) live there too.

Such a screen hides the cockpit screen, so its keys may reuse keys of the cockpit's areas; they
still must not clash with ``app.*`` keys, which stay live on every screen, nor with the areas and
ids listed here (the run screen's tables move their cursor with ``cursor.*``; a dialog keeps the
privacy mask's key). All other areas share the main screen and so must not share keys with each
other.
"""

MODAL_AREAS: frozenset[str] = frozenset(SCREEN_AREAS)
"""The areas of `SCREEN_AREAS`."""

# Keys Textual itself binds at App/Screen level: ctrl+q is a *priority* quit binding, so anything
# else on it would never fire; ctrl+c is Textual's copy / "how to quit" key.
_RESERVED: dict[str, str] = {
    "ctrl+q": "Textual's own quit key",
    "ctrl+c": "Textual's copy key",
}
_RESERVED_OK = {"app.quit"}  # quitting on ctrl+q/ctrl+c does what Textual would do anyway

# Textual builds key names with the modifiers in alphabetical order (kitty protocol: sorted
# tokens; legacy: "alt+" prefixed to "ctrl+x" / "shift+x"), and matches bindings by plain string
# equality, so "shift+ctrl+up" would never match anything.
_MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")


class KeymapError(ValueError):
    """A keymap could not be found or is invalid.

    ``str(error)`` is one line naming the file, the entry and the fix, suitable for a toast.
    """


@cache
def _named_keys() -> frozenset[str]:
    """Names of keys that are not single characters, from Textual's own vocabulary."""
    names: set[str] = set()
    for member in Keys:
        base = member.value.rpartition("+")[2]
        # "<any>", "<scroll-up>" and "ctrl-at" are internal markers, not keys one can press.
        if len(base) > 1 and not base.startswith("<") and "-" not in base:
            names.add(base)
    for key, aliases in KEY_ALIASES.items():
        for name in (key, *aliases):
            base = name.rpartition("+")[2]
            if len(base) > 1 and "_brace" not in base:
                names.add(base)
    return frozenset(names)


@cache
def _printable_key_names() -> frozenset[str]:
    """Names Textual gives to printable ASCII characters ('question_mark', 'slash', 'a', 'T')."""
    return frozenset(character_to_key(chr(code)) for code in range(0x20, 0x7F))


def _is_character_name(name: str) -> bool:
    """True if ``name`` is Textual's name of a printable character (any script)."""
    if name in _printable_key_names():
        return True
    character = key_to_character(name)
    # Round-trip: accept only the exact name Textual generates for that character, since the
    # binding is matched against that generated name.
    return (
        character is not None
        and len(character) == 1
        and character.isprintable()
        and character_to_key(character) == name
    )


def _all_key_names() -> list[str]:
    """Every key name (without modifiers), for "did you mean" suggestions."""
    return sorted(_named_keys() | _printable_key_names())


def normalize_key(key: str) -> str:
    """Check one key (no commas) against Textual's vocabulary and return Textual's name for it.

    Single characters become Textual's names (``"?"`` -> ``"question_mark"``), as Textual does.

    Args:
        key: e.g. ``"t"``, ``"T"``, ``"?"``, ``"pagedown"``, ``"ctrl+u"``, ``"shift+tab"``.

    Returns:
        The key as Textual will match it.

    Raises:
        ValueError: with the reason and the fix (the caller adds file and entry).
    """
    if not key:
        raise ValueError("an empty key (remove the stray comma)")
    # A lone "+" is the plus key, not a modifier separator.
    if len(key) == 1:
        if not key.isprintable():
            raise ValueError(f"{key!r} is not a printable character (use a name like 'tab')")
        return character_to_key(key)
    *modifiers, base = key.split("+")
    if not base:
        raise ValueError(f"{key!r} ends in '+' (for the plus key write 'plus', e.g. 'ctrl+plus')")
    _check_modifiers(key, modifiers, base)
    base = _base_key(key, modifiers, base)
    return "+".join([*modifiers, base])


def _check_modifiers(key: str, modifiers: list[str], base: str) -> None:
    """Known modifiers, none repeated, in Textual's order (it matches only that spelling)."""
    for modifier in modifiers:
        if modifier not in _MODIFIERS:
            close = difflib.get_close_matches(modifier.lower(), _MODIFIERS, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ValueError(
                f"{modifier!r} in {key!r} is not a modifier ({hint}use {', '.join(_MODIFIERS)})"
            )
    if len(set(modifiers)) != len(modifiers):
        raise ValueError(f"{key!r} repeats a modifier")
    if modifiers != sorted(modifiers):
        fixed = "+".join([*sorted(modifiers), base])
        raise ValueError(
            f"{key!r} has its modifiers out of order; Textual only matches '{fixed}'"
        )


def _base_key(key: str, modifiers: list[str], base: str) -> str:
    """Textual's name for the key after the modifiers, refusing one that can never be pressed."""
    if len(base) == 1:
        if not base.isprintable() or base.isspace():
            raise ValueError(f"{key!r} does not end in a key name")
        if base.isalpha() and base.isupper():
            # Textual reports alt+T as "alt+shift+t"; an upper-case letter after a modifier
            # never matches.
            fixed = "+".join([*sorted({*modifiers, "shift"}), base.lower()])
            raise ValueError(f"{key!r}: after a modifier write the letter in lower case ('{fixed}')")
        base = character_to_key(base)
    elif base not in _named_keys() and not _is_character_name(base):
        close = difflib.get_close_matches(base, _all_key_names(), n=3)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise ValueError(f"{base!r} is not a key name ({hint}run `textual keys` to see names)")
    if modifiers == ["shift"] and base != "space" and _is_character_name(base):
        # With shift alone the terminal sends the shifted character itself ("T", "!"), and
        # Textual reports that character, never "shift+t": such a binding could never fire.
        fix = (
            f"write {base.upper()!r}"
            if len(base) == 1 and base.isalpha()
            else "write the character the shifted key types instead, e.g. '!'"
        )
        raise ValueError(f"{key!r} can never be pressed ({fix})")
    return base


def _split_keys(value: str) -> list[str]:
    """Split a comma-separated key list and strip spaces, as Textual does."""
    # "," itself cannot be a key in a list (it is the separator); users write "comma".
    return [part.strip() for part in value.split(",")]


def declared_bindings(cls: type) -> Iterator[Binding]:
    """The bindings with an id that ``cls`` declares in ``BINDINGS``: its own class first, then
    its bases (as Textual merges them, without its tuple shorthand, which has no id).

    Args:
        cls: an App, Screen or Widget subclass.
    """
    for klass in cls.__mro__:
        for item in klass.__dict__.get("BINDINGS", ()):
            if isinstance(item, Binding) and item.id:
                yield item


def collect_binding_ids(*classes: type) -> set[str]:
    """Collect the binding ids declared in the ``BINDINGS`` of classes and their bases.

    Args:
        *classes: App, Screen and Widget subclasses.

    Returns:
        The set of ids, to pass as ``known_ids`` to :func:`load_keymap`.
    """
    return {binding.id for cls in classes for binding in declared_bindings(cls) if binding.id}


def shipped_keymaps() -> list[str]:
    """Return the names of the keymaps shipped with the cockpit, sorted (``["default", "vim"]``)."""
    return datafiles.shipped_names("cockpit.keymaps")


def _flatten(table: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    """Flatten nested tables into dotted ids.

    An unquoted ``positions.trim = "t"`` is a *dotted key* in TOML, i.e. a nested table; users
    will write it that way, so it means the same as ``"positions.trim" = "t"``.
    """
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{full}.")
        else:
            yield full, value


def _area(binding_id: str) -> str:
    return binding_id.partition(".")[0]


def _live_together(a: str, b: str) -> bool:
    """Whether bindings of ids ``a`` and ``b`` are active at the same time (see MODAL_AREAS)."""
    area_a, area_b = _area(a), _area(b)
    if area_a == area_b or "app" in (area_a, area_b):
        return True
    if area_a in SCREEN_AREAS:
        return not SCREEN_AREAS[area_a].isdisjoint((area_b, b))
    if area_b in SCREEN_AREAS:
        return not SCREEN_AREAS[area_b].isdisjoint((area_a, a))
    return True


def parse_keymap(
    data: Mapping[str, Any], label: str, known_ids: Iterable[str] | None = None
) -> dict[str, str]:
    """Validate a parsed keymap document and return ``{id: "key1,key2"}``.

    Args:
        data: The parsed TOML document.
        label: How to name the file in error messages.
        known_ids: Binding ids the app declares; ``None`` means the ids of :data:`DEFAULT_BINDINGS`.

    Returns:
        The overrides in the file, keys in Textual's normalized form.

    Raises:
        KeymapError: on the first problem found, with a one-line message.
    """
    known = set(DEFAULT_BINDINGS if known_ids is None else known_ids)
    areas = {_area(binding_id) for binding_id in known}
    for key in data:
        if key == "bindings":
            continue
        if key in known or key in areas:
            # The usual slip: entries written above (or without) the [bindings] header.
            raise KeymapError(
                f'{label}: "{key}" is outside the [bindings] table (put a [bindings] line above it)'
            )
        raise KeymapError(
            f"{label}: {key} is not a known entry (a keymap has only a [bindings] table)"
        )
    if "bindings" not in data:
        raise KeymapError(f"{label}: no [bindings] table (start the file with [bindings])")
    table = data["bindings"]
    if not isinstance(table, dict):
        raise KeymapError(f"{label}: bindings must be a table (write it as a [bindings] section)")

    mapping: dict[str, str] = {}
    for binding_id, value in _flatten(table):
        entry = f'[bindings]."{binding_id}"'
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, sorted(known), n=3, cutoff=0.6)
            hint = (
                f"did you mean {' or '.join(repr(c) for c in close)}?"
                if close
                else "see keymaps/default.toml for every id"
            )
            raise KeymapError(f"{label}: {entry} is not a binding id ({hint})")
        if binding_id in mapping:
            # TOML allows "positions.trim" (one quoted key) beside positions.trim (a dotted key).
            raise KeymapError(f"{label}: {entry} is set twice (keep one of the two entries)")
        if not isinstance(value, str):
            raise KeymapError(
                f"{label}: {entry} = {value!r} is not a string "
                '(write keys as one string, alternatives separated by commas: "escape,n")'
            )
        keys: list[str] = []
        for raw_key in _split_keys(value):
            try:
                key = normalize_key(raw_key)
            except ValueError as error:
                raise KeymapError(f"{label}: {entry}: {error}") from None
            if key in keys:
                raise KeymapError(f"{label}: {entry} = {value!r} lists {raw_key!r} twice")
            if key in _RESERVED and binding_id not in _RESERVED_OK:
                raise KeymapError(
                    f"{label}: {entry} = {value!r}: {key} is {_RESERVED[key]} (pick another key)"
                )
            keys.append(key)
        mapping[binding_id] = ",".join(keys)

    _check_clashes(label, mapping, known)
    return mapping


def _check_clashes(label: str, overrides: Mapping[str, str], known: set[str]) -> None:
    """Reject two ids that would be live at once on the same key.

    Checked on the *effective* keymap (defaults of ids the file leaves alone, plus the file's
    entries): mapping ``positions.close`` to ``t`` without moving ``positions.trim`` is a clash
    even though the file itself names ``t`` once.
    """
    effective: dict[str, list[str]] = {
        binding_id: [normalize_key(k) for k in _split_keys(DEFAULT_BINDINGS[binding_id][0])]
        for binding_id in known
        if binding_id in DEFAULT_BINDINGS
    }
    for binding_id, keys in overrides.items():
        effective[binding_id] = keys.split(",")

    owners: dict[str, list[str]] = {}
    # File entries first, so that a clash is reported against the entry the user wrote.
    order = [*overrides, *(i for i in sorted(effective) if i not in overrides)]
    for binding_id in order:
        for key in effective[binding_id]:
            for other in owners.get(key, []):
                if not _live_together(binding_id, other):
                    continue
                if binding_id in overrides:
                    detail = (
                        f'[bindings]."{other}" and [bindings]."{binding_id}" are both bound to '
                        f"{key!r} (give one of them another key)"
                    )
                elif other in overrides:
                    detail = (
                        f'[bindings]."{other}" = {overrides[other]!r} takes {key!r}, the default '
                        f'key of "{binding_id}" (rebind "{binding_id}" too, or pick another key)'
                    )
                else:  # pragma: no cover - DEFAULT_BINDINGS itself clashes; a test guards it
                    detail = f'defaults of "{other}" and "{binding_id}" share {key!r}'
                raise KeymapError(f"{label}: {detail}")
            owners.setdefault(key, []).append(binding_id)


def load_keymap(
    name_or_path: str | Path,
    known_ids: Iterable[str] | None = None,
    *,
    extra_dirs: Iterable[Path] = (),
) -> dict[str, str]:
    """Load and validate a keymap, ready for ``App.set_keymap``.

    Args:
        name_or_path: A shipped keymap name (``"default"``, ``"vim"``) or a path to a ``.toml``
            file. Anything containing a path separator or ending in ``.toml`` is a path.
        known_ids: The binding ids the app declares (see :func:`collect_binding_ids`); an entry
            for any other id is an error, because Textual would silently ignore it. ``None`` means
            the ids of :data:`DEFAULT_BINDINGS`.
        extra_dirs: Folders searched for ``<name>.toml`` before the shipped keymaps.

    Returns:
        ``{binding_id: "key1,key2"}`` for the ids the file sets. Each entry *replaces* that id's
        default keys; ids the file leaves out keep their defaults.

    Raises:
        KeymapError: the file is missing, is not valid TOML, or has a bad entry.
    """
    label, raw = datafiles.find(name_or_path, package="cockpit.keymaps", kind="keymap", error=KeymapError, extra_dirs=extra_dirs)
    return parse_keymap(datafiles.parse_toml(label, raw, KeymapError), label, known_ids)
