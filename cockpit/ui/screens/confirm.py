"""A confirmation for destructive actions: frozen values, Cancel focused, Enter never confirms.

Confirm happens only with the `confirm.ok` key (y) or a mouse click on Confirm. The Confirm
button cannot take focus, so Enter, held or not, can only ever press Cancel.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from cockpit.ui.bindings import bind
from cockpit.ui.widgets.keybar import KeyBar


class ConfirmScreen(ModalScreen[bool]):
    """Ask before sending orders. Dismisses with True only on an explicit confirm."""

    BINDINGS = [
        bind("confirm.ok", "confirm"),
        bind("confirm.cancel", "cancel"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: auto; max-width: 76; min-width: 44; height: auto;
        border: thick $error; background: $surface; padding: 0 1;
    }
    ConfirmScreen #title { text-style: bold; padding-bottom: 1; }
    ConfirmScreen #buttons { height: auto; align-horizontal: right; padding-top: 1; }
    ConfirmScreen Button { margin-left: 2; }
    """

    def __init__(self, title: str, lines: list[str | Text], *, confirm_label: str = "Confirm") -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        """Title, the frozen values, then Cancel (focused) and Confirm; its keys at the bottom."""
        with Vertical():
            yield Static(self.title_text, id="title")
            for line in self.lines:
                yield Static(line, classes="line")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                confirm = Button(f"{self.confirm_label} \\[y]", id="confirm", variant="error")
                confirm.can_focus = False  # Enter can never reach it
                yield confirm
        yield KeyBar()  # this screen's keys over the cockpit's, which do nothing while it is up

    def on_mount(self) -> None:
        """Cancel has focus."""
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A click on Confirm confirms; anything else cancels."""
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_confirm(self) -> None:
        """The confirm key."""
        self.dismiss(True)

    def action_cancel(self) -> None:
        """The cancel key."""
        self.dismiss(False)
