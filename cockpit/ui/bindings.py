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


CURSOR_IDS = ("cursor.up", "cursor.down", "cursor.left", "cursor.right", "cursor.page_up", "cursor.page_down",
              "cursor.top", "cursor.bottom")
"""The cursor's binding ids, in the order `cursor_bindings` takes their actions."""


def cursor_bindings(*actions: str) -> list[Binding]:
    """Hidden bindings of the cursor ids (`CURSOR_IDS`, in order) to `actions`: a widget moves
    its own cursor, scrolls, or pages, and a keymap (vim) remaps all of them at once."""
    return [bind(binding_id, action, show=False) for binding_id, action in zip(CURSOR_IDS, actions, strict=True)]


CURSOR_BINDINGS = cursor_bindings("cursor_up", "cursor_down", "cursor_left", "cursor_right", "page_up", "page_down",
                                  "scroll_top", "scroll_bottom")
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
