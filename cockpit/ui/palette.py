"""The command palette's commands and the help's key list, generated from the binding table.

Every binding with an id in `keymap.DEFAULT_BINDINGS` that the screen (or a widget on it, or the
app) declares is a command there, named by its description, with its key (after the user's
keymap) and what it does (`present.glossary.KEY_HELP`); a key added to the table and bound on a
screen appears without another edit. A binding whose node's `check_action` refuses it now (a trim
in a read-only frame) is not offered. Running a command runs the binding's action on the node
that declares it, as the key would.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from textual.actions import parse
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from cockpit.present.glossary import key_help
from cockpit.ui.bindings import key_of
from cockpit.ui.keymap import DEFAULT_BINDINGS, declared_bindings

NOT_COMMANDS: frozenset[str] = frozenset({"app.commands"})
"""Ids that are no command: the palette's own key."""
NOT_COMMAND_AREAS: frozenset[str] = frozenset({"cursor"})
"""Areas whose keys move a cursor rather than act."""


class LiveBinding(NamedTuple):
    """A binding of a screen: the node that declares it, the binding, and its `check_action`
    state: True runs now, None shown but off, False not offered now."""

    node: DOMNode
    binding: Binding
    state: bool | None

    @property
    def enabled(self) -> bool:
        """It runs now."""
        return self.state is True

    @property
    def id(self) -> str:
        """The binding id."""
        return self.binding.id or ""

    def key(self) -> str:
        """Its key as this terminal has it ("t", "^p"): the user's keymap first."""
        return key_of(self.node.app, self.id)

    def description(self) -> str:
        """Its short description (the key bar's)."""
        return DEFAULT_BINDINGS[self.id][1]

    def help(self) -> str:
        """What it does, in a line."""
        return key_help(self.id, self.description())

    async def run(self) -> None:
        """Run its action on its node, as the key would (refused when its node refuses it now)."""
        await self.node.app.run_action(self.binding.action, self.node)


def _state(node: DOMNode, action: str) -> bool | None:
    """`node.check_action` of `action` ("trim(0.25)"): True runs, None shown off, False hidden."""
    _namespace, name, parameters = parse(action)
    return node.check_action(name, parameters)


def live_bindings(screen: Screen, *, commands_only: bool = False, hidden: bool = False) -> list[LiveBinding]:
    """The bindings of `screen`, the widgets on it and the app (not over a modal screen), one per id (the first declared,
    screen before widgets before app), without those `check_action` hides now (with them when
    `hidden`); `commands_only` leaves out the palette's own key and cursor movement."""
    found: dict[str, LiveBinding] = {}
    # A modal screen (the picker, a confirmation) stops the app's keys: only its own are live
    # (the help and privacy keys among them: `screens.modal.Modal` binds them on every dialog).
    nodes = [*screen.walk_children(with_self=True), *(() if screen.is_modal else (screen.app,))]
    for node in nodes:
        for binding in declared_bindings(type(node)):
            binding_id = binding.id or ""
            if binding_id in found or binding_id not in DEFAULT_BINDINGS:  # not Textual's own
                continue
            if commands_only and (binding_id in NOT_COMMANDS or binding_id.partition(".")[0] in NOT_COMMAND_AREAS):
                continue
            state = _state(node, binding.action)
            if state is False and not hidden:
                continue
            found[binding_id] = LiveBinding(node, binding, True if state else state)
    return list(found.values())


def commands(screen: Screen) -> list[tuple[str, str, partial]]:
    """The palette's commands for `screen`: (title, help with the key, callback), those that run
    now only."""
    out = []
    for live in live_bindings(screen, commands_only=True):
        if live.enabled:
            out.append((live.description(), f"{live.key()} · {live.help()}", partial(live.run)))
    return out
