"""A confirmation for destructive actions: frozen values, Cancel focused, Enter never confirms.

Confirm happens only with the `confirm.ok` key (y) or a mouse click on Confirm. The Confirm
button cannot take focus, so Enter, held or not, can only ever press Cancel.

The first decision is the only one. A button press is decided when the key or click arrives,
not when Textual's deferred `Button.Pressed` message is handled: otherwise, in the burst
`Enter y`, the `y` binding runs before the Cancel press it follows and the order is sent. Every
later decision (a second key, a second dismiss) is ignored, and the screen only ever pops itself:
a late dismiss would otherwise pop the cockpit screen beneath it and leave a blank UI.

Nothing confirms before the dialog has been drawn: a `y` typed right behind the key that opened
it (`t y` in one burst) was never a decision about the values shown, so it is ignored. Cancel
is always honoured.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from cockpit.ui.bindings import bind, key_of
from cockpit.ui.screens.modal import Modal
from cockpit.ui.widgets.keybar import KeyBar


class _DecisionButton(Button):
    """A button that decides its confirmation the moment it is pressed (key or click)."""

    def press(self) -> "_DecisionButton":
        """Show the press, then decide now, in input order (see the module docstring)."""
        super().press()
        screen = self.screen
        if isinstance(screen, ConfirmScreen) and not self.disabled:
            screen.decide(self.id == "confirm")
        return self


class ConfirmScreen(Modal[bool]):
    """Ask before sending orders. Dismisses with True only on an explicit confirm, once.

    Args:
        title: the question.
        lines: the frozen values, or a function that writes them (called again when the privacy
            mask changes over the dialog: their amounts masked or shown, the values the same).
        confirm_label: the Confirm button's label.
        cancel_label: the Cancel button's label.
    """

    BINDINGS = [
        bind("confirm.ok", "confirm"),
        bind("confirm.cancel", "cancel"),
    ]
    HELP_TITLE = "Confirmation"
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

    def __init__(self, title: str, lines: list[str | Text] | Callable[[], list[str | Text]], *,
                 confirm_label: str = "Confirm", cancel_label: str = "Cancel") -> None:
        super().__init__()
        self.title_text = title
        self.write_lines = lines if callable(lines) else lambda: lines
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label  # "Keep it" where the action itself is a cancel
        self.decision: bool | None = None
        """The first decision taken (None while open); nothing else is ever acted on."""
        self._dismissed = False
        self.shown = False
        """True once the dialog has been drawn: only then can it be confirmed."""

    def compose(self) -> ComposeResult:
        """Title, the frozen values, then Cancel (focused) and Confirm; its keys at the bottom."""
        with Vertical():
            yield Static(self.title_text, id="title")
            for line in self.lines:
                yield Static(line, classes="line")
            with Horizontal(id="buttons"):
                yield _DecisionButton(self.cancel_label, id="cancel", variant="primary")
                confirm = _DecisionButton(f"{self.confirm_label} \\[{key_of(self.app, 'confirm.ok')}]", id="confirm",
                                          variant="error")
                confirm.can_focus = False  # Enter can never reach it
                yield confirm
        yield KeyBar()  # this screen's keys over the cockpit's, which do nothing while it is up

    def on_mount(self) -> None:
        """Cancel has focus; confirming is possible once the dialog is on screen."""
        self.query_one("#cancel", Button).focus()
        self.call_after_refresh(self._on_shown)

    def _on_shown(self) -> None:
        self.shown = True

    @property
    def lines(self) -> list[str | Text]:
        """The lines, as written now (masked or not)."""
        return self.write_lines()

    def redraw(self) -> None:
        """Write the lines again (the privacy mask changed): the same values, masked or not."""
        for static, line in zip(self.query(".line").results(Static), self.lines):
            static.update(line)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Already decided when the button was pressed (see `_DecisionButton`)."""
        event.stop()

    def action_confirm(self) -> None:
        """The confirm key."""
        self.decide(True)

    def action_cancel(self) -> None:
        """The cancel key."""
        self.decide(False)

    def decide(self, ok: bool) -> None:
        """Take the first decision and close with it; any later one is ignored, and so is a
        confirm before the dialog was drawn."""
        if ok and not self.shown:
            return
        if self.decision is None:
            self.decision = ok
            self.dismiss(ok)

    def dismiss(self, result: bool | None = None) -> AwaitComplete:
        """Close once, and only while this screen is the top one: never pop the screen below."""
        if self._dismissed or self.app.screen is not self:
            return AwaitComplete.nothing()
        self._dismissed = True
        return super().dismiss(result)
