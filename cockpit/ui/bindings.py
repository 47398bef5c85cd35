"""Building Textual bindings from the one table of binding ids (`keymap.DEFAULT_BINDINGS`)."""

from __future__ import annotations

from textual.binding import Binding

from cockpit.ui.keymap import DEFAULT_BINDINGS


WHEN_ROOM: frozenset[str] = frozenset({"positions.trim_tenth", "positions.trim_half", "positions.sort",
                                      "plots.funding", "plots.stress", "plots.equity", "plots.shocks"})
"""Shown bindings the key bar leaves out when the whole bar does not fit (the usual trim, 25%,
close, the kill switch's cut and the unwind stay; sorting is no emergency; the plots' number keys
are on the plots' tab line too): every key is always in the keys panel."""


def bind(binding_id: str, action: str, *, show: bool = True, priority: bool = False) -> Binding:
    """A Binding for `binding_id` with its default key and description from the keymap table."""
    key, description = DEFAULT_BINDINGS[binding_id]
    return Binding(key, action, description, show=show, priority=priority, id=binding_id)


CURSOR_BINDINGS = [
    bind("cursor.up", "cursor_up", show=False),
    bind("cursor.down", "cursor_down", show=False),
    bind("cursor.left", "cursor_left", show=False),
    bind("cursor.right", "cursor_right", show=False),
    bind("cursor.page_up", "page_up", show=False),
    bind("cursor.page_down", "page_down", show=False),
    bind("cursor.top", "scroll_top", show=False),
    bind("cursor.bottom", "scroll_bottom", show=False),
]
"""Cursor movement with ids, so keymaps (vim) can remap it; Textual's built-in bindings have none."""


def keys_of(app, binding_id: str) -> list[str]:
    """The key names that run `binding_id` in `app` ("f", "ctrl+p"): the user's keymap first,
    else the default."""
    overrides = getattr(app, "keymap_overrides", None) or {}
    keys = overrides.get(binding_id) or DEFAULT_BINDINGS[binding_id][0]
    return [key.strip() for key in keys.split(",")]


def key_of(app, binding_id: str) -> str:
    """The key that runs `binding_id` in `app`, as the key bar shows it ("U", "enter", "^p"):
    the user's keymap first, else the default. Hints in texts use this, never a letter."""
    first = keys_of(app, binding_id)[0]
    return app.get_key_display(Binding(first, "", DEFAULT_BINDINGS[binding_id][1]))
