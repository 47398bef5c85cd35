"""The key bar: the screen's shown bindings on one line, as Textual's Footer shows them.

Textual's Footer is a container that mounts one widget per key and recomposes all of them each
time the active bindings change: on the way to the first frame that was a second compose, style
and layout pass after the first paint (about 20 ms of the cockpit's start-up), and again on
every focus change. This bar is one widget drawing one line, redrawn only when the keys it shows
change. A click on a key presses it, as in the Footer.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

from cockpit.ui.bindings import WHEN_ROOM

class Item(NamedTuple):
    """One shown key."""

    key: str
    display: str  # as the app shows it: "^p", "esc"
    description: str
    enabled: bool
    spare: bool = False  # left out when the whole bar does not fit (`bindings.WHEN_ROOM`)

    @property
    def width(self) -> int:
        """Cells it takes on the bar."""
        return Text(f" {self.display} {self.description} ").cell_len

    def style(self) -> Style:
        """What a click on it needs to know, and dim when it is disabled."""
        return Style(meta={"key": self.key, "enabled": self.enabled}, dim=not self.enabled)


class KeyBar(Widget, can_focus=False):
    """The bindings of the focused widget, its ancestors and the app that have `show=True`."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description", "key-bar--palette"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--palette {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: tuple[Item, ...] = ()
        self.palette_item: Item | None = None

    def on_mount(self) -> None:
        """Follow the screen's bindings."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        """Stop following them."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        items: list[Item] = []
        actions: set[str] = set()
        palette: Item | None = None
        app = self.app
        for key, (_node, binding, enabled, _tooltip) in screen.active_bindings.items():
            if app.ENABLE_COMMAND_PALETTE and key == app.COMMAND_PALETTE_BINDING:
                palette = Item(binding.key, app.get_key_display(binding), binding.description, enabled)
            if not binding.show or binding.action in actions:
                continue  # as the Footer: one key per action, the first bound
            actions.add(binding.action)
            items.append(Item(binding.key, app.get_key_display(binding), binding.description, enabled,
                              binding.id in WHEN_ROOM))
        if (tuple(items), palette) != (self.items, self.palette_item):
            self.items, self.palette_item = tuple(items), palette
            self.refresh()

    def render(self) -> Text:
        """The keys on the left, the command palette's key on the right."""
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        text_style = self.get_component_rich_style("key-bar--description", partial=True)
        line = Text(no_wrap=True, overflow="crop", end="")
        for item in self._fitting():
            line.append(f" {item.display} ", key_style + item.style())
            line.append(f"{item.description} ", text_style + item.style())
        if (item := self.palette_item) is not None:
            right = Text.assemble(
                ("▏", self.get_component_rich_style("key-bar--palette", partial=True)),
                (f"{item.display} ", key_style),
                (f"{item.description} ", text_style),
                style=item.style(),
            )
            gap = self.size.width - line.cell_len - right.cell_len
            if gap > 0:
                line.append(" " * gap)
                line.append_text(right)
        return line

    def _fitting(self) -> tuple[Item, ...]:
        """All the items when they fit beside the palette's key, else all but the spare ones."""
        palette = self.palette_item.width + 1 if self.palette_item is not None else 0
        if sum(item.width for item in self.items) + palette <= self.size.width:
            return self.items
        return tuple(item for item in self.items if not item.spare)

    def on_click(self, event: events.Click) -> None:
        """Press the key that was clicked (a disabled one rings the bell, as in the Footer)."""
        meta = event.style.meta
        if not meta.get("key"):
            return
        event.stop()
        if meta["enabled"]:
            self.app.simulate_key(meta["key"])
        else:
            self.app.bell()
