"""`CommandSender`: how a screen asks a person, sends a command and says the engine's answer.

The cockpit's trims and kill-switch cut, the run's keys and the open orders' cancels go one way:
a `ConfirmScreen` with the frozen values (Cancel focused); on yes the `Command` goes to the
engine through the screen's `EngineAPI`, in a worker (the screen stays live while it is out);
on no nothing is sent (and a short note where the screen wants one: "Order kept"). The engine's
typed answer (`CommandResult`) is shown as a notification in the engine's own words
(`markup=False`: a "[" in a venue's error is text, not markup).

Where the frame says orders are off (read-only), the screen skips the question (`skip=True`) and
sends at once: the engine refuses, and its refusal says why nothing happens.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen

from cockpit.engine.api import EngineAPI
from cockpit.model import OrderStatus
from cockpit.model.commands import Command, CommandResult


class CommandSender:
    """Ask, send and say the answer: a mixin for a `Screen` that has an `api` (see the module doc)."""

    api: EngineAPI

    REFUSED: ClassVar[SeverityLevel] = "warning"
    """How an answer that is no is shown: a refusal, or an order a venue rejected."""
    TOLD_TIMEOUTS: ClassVar[tuple[float | None, float | None]] = (None, None)
    """How long an answer stays on screen, in seconds: (carried out, refused); None is Textual's default."""

    def ask(self, question: ModalScreen[bool], command: Command, *, declined: str = "", skip: bool = False) -> None:
        """Send `command` once a person confirms `question`; on no, say `declined` (if any).

        Args:
            question: the confirmation (a `ConfirmScreen`), its values frozen.
            command: what a yes sends.
            declined: a short note for a no ("" says nothing).
            skip: send at once without asking (orders are off: the engine's refusal says why).
        """
        if skip:
            self.send(command)
            return

        def decided(ok: bool | None) -> None:
            if ok:
                self.send(command)
            elif declined:
                self.notify(declined, timeout=2)

        self.app.push_screen(question, callback=decided)

    @work(group="commands", exit_on_error=False)
    async def send(self, command: Command) -> None:
        """Send `command` and say the engine's answer, in a worker."""
        await self.deliver(command)

    async def deliver(self, command: Command) -> CommandResult:
        """Send `command`, say the engine's answer, and return it (for a screen that acts on it)."""
        result = await self.api.send(command)
        self.told(result)
        return result

    def told(self, result: CommandResult) -> None:
        """Say what became of a command, as the engine worded it: a refusal, or an order a venue
        rejected (the command itself carried out), as `REFUSED`."""
        failed = not result.ok or any(order.status == OrderStatus.REJECTED for order in result.orders)
        shown, refused = self.TOLD_TIMEOUTS
        self.notify(result.message, severity=self.REFUSED if failed else "information", markup=False,
                    timeout=refused if failed else shown)


__all__ = ["CommandSender"]
