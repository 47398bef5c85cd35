"""`Modal`: the cockpit's dialogs (the confirmation, the unwind picker), with the app's help and
privacy-mask keys live over them.

A Textual modal screen stops the app's bindings (the binding chain ends at the modal), so `?`
and the privacy mask's key did nothing while a dialog was up. Each dialog binds them itself,
under the app's binding ids, so a user's keymap moves them here as everywhere, and they run the
app's own actions: `?` opens the help over the dialog (escape comes back to it), the mask hides
the dialog's amounts with the rest (`redraw`).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import ModalScreen, ScreenResultType

from cockpit.ui.bindings import bind

APP_KEYS: tuple[Binding, ...] = (
    bind("app.help", "app.help", show=False),
    bind("view.privacy", "app.privacy", show=False),
)
"""The app's keys a dialog keeps: hidden on its key bar unless the dialog binds the id itself."""


class Modal(ModalScreen[ScreenResultType]):
    """A cockpit dialog: a modal screen where the app's help and privacy keys still work."""

    def __init_subclass__(cls, **kwargs) -> None:
        # After the dialog's own bindings, so its key bar keeps its order, and only the ids it
        # does not bind itself (the picker shows its help key).
        own = list(cls.__dict__.get("BINDINGS", ()))
        ids = {binding.id for binding in own if isinstance(binding, Binding)}
        cls.BINDINGS = [*own, *(binding for binding in APP_KEYS if binding.id not in ids)]
        super().__init_subclass__(**kwargs)

    def redraw(self) -> None:
        """Draw again what may show amounts (the privacy mask changed): nothing by default."""


__all__ = ["APP_KEYS", "Modal"]
