"""What a pane of the cockpit screen is: the `Pane` protocol and `BasePane`, the base class the
four panes share.

The screen composes, titles, zooms, focuses and updates panes through this protocol, looping
over the one list in `cockpit.ui.panes` (the book keys also read the Positions pane's table).
Adding a pane is one module (a `BasePane` subclass), one entry in the list, and a default key
for its `view.<pane_id>` binding.
"""

from __future__ import annotations

from typing import ClassVar, Literal, Protocol, runtime_checkable

from textual.containers import Vertical
from textual.widget import Widget

from cockpit.model import Frame

Column = Literal["left", "right"]
"""The column of the wide layout a pane sits in."""


@runtime_checkable
class Pane(Protocol):
    """A pane of the cockpit screen, as the screen sees it."""

    pane_id: ClassVar[str]
    """Its id in the DOM, the name `action_view` zooms, and the `view.<pane_id>` binding id."""
    title: ClassVar[str]
    """What its border and the tab line call it."""
    column: ClassVar[Column]
    """Where it sits when every pane is shown."""

    zoom_binding: ClassVar[str]
    """The id of the binding (see `cockpit.ui.keymap.DEFAULT_BINDINGS`) that zooms it."""

    def update(self, frame: Frame) -> None:
        """Show `frame`, in place."""
        ...

    def focus_target(self) -> Widget:
        """The widget that takes the focus when the pane is zoomed or cycled to."""
        ...


class BasePane(Vertical):
    """A bordered pane that implements `Pane`: subclasses set `pane_id`, `title`, `column`, compose
    their widgets and override `update`.

    It mounts itself with `id=pane_id` and the `pane` class (the styles in `cockpit.tcss`).
    """

    pane_id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    column: ClassVar[Column] = "left"
    legend: ClassVar[str] = ""
    """What the pane's columns mean, shown as its border subtitle ("" for none)."""
    zoom_binding: ClassVar[str] = ""
    """`view.<pane_id>` unless a subclass names another binding."""

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        if cls.pane_id and not cls.__dict__.get("zoom_binding"):
            cls.zoom_binding = f"view.{cls.pane_id}"

    def __init__(self) -> None:
        super().__init__(id=self.pane_id, classes="pane")
        if self.legend:
            self.border_subtitle = self.legend

    def update(self, frame: Frame) -> None:
        """Show `frame`, in place (a pane that shows nothing of it need not override this)."""

    def focus_target(self) -> Widget:
        """The pane's first focusable widget (the pane itself when it has none)."""
        for widget in self.query("*"):
            if widget.can_focus:
                return widget
        return self
