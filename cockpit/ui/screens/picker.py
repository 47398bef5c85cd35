"""The emergency unwind's target picker: choose what to cut to, see the plan, then start it.

Targets: the kill switch's cut (first, when it is reducing and waits for a person), flat, gross
cut by a percentage, one asset, one account (venue) or one layer. As the highlight moves, the
engine's plan for it (`EngineAPI.preview(StartUnwind)`: planned, never started) is shown below
the list. Enter on a target opens its confirmation (frozen plan, Cancel focused, a held Enter
cannot start it); confirming closes the picker with the `StartUnwind` to send, in the mode
chosen (step by step, or running).
"""

from __future__ import annotations

from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from cockpit.engine.api import EngineAPI
from cockpit.model import Frame, KillMode, KillStatus
from cockpit.model.commands import Refused, StartUnwind, new_command_id
from cockpit.model.unwind import RunMode, TargetKind, UnwindRun, UnwindTarget
from cockpit.present import privacy, unwind as pu
from cockpit.ui.bindings import bind, key_of
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.screens.modal import Modal
from cockpit.ui.widgets.keybar import KeyBar

DEFAULT_CUT = 30
"""The gross cut offered first, in percent (the seeds' rule: cut gross by at least 30%)."""

_LISTS = {"asset": TargetKind.ASSET, "account": TargetKind.ACCOUNT, "layer": TargetKind.LAYER}


#: Seconds between two plans of the highlighted target while the picker is open.
REPLAN = 2.0

class UnwindPicker(Modal[StartUnwind | None]):
    """Pick an unwind's target and mode; dismisses with the confirmed `StartUnwind`, or None."""

    BINDINGS = [bind("picker.cancel", "cancel"), bind("app.help", "app.help")]  # help on its key bar
    HELP_TITLE = "Unwind picker"
    HELP_SECTIONS = ("picker", "units")
    DEFAULT_CSS = """
    UnwindPicker { align: center middle; }
    UnwindPicker > Vertical {
        width: 96%; max-width: 100; height: auto; max-height: 100%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    UnwindPicker #picker-title { text-style: bold; }
    UnwindPicker OptionList, UnwindPicker OptionList:focus { height: auto; max-height: 8; border: none; padding: 0; }
    UnwindPicker #picker-options { height: 1; }
    UnwindPicker #picker-options Static { width: auto; }
    UnwindPicker Input { border: none; height: 1; width: 6; padding: 0; }
    UnwindPicker RadioSet, UnwindPicker RadioSet:focus { border: none; height: 1; layout: horizontal; padding: 0; margin-left: 2; }
    UnwindPicker RadioButton { padding: 0 1 0 0; }
    UnwindPicker #picker-plan { height: auto; color: $text-muted; }
    UnwindPicker #picker-hint { color: $text-muted; }
    """

    def __init__(self, api: EngineAPI, frame: Frame) -> None:
        super().__init__()
        self.api = api
        self.frame = frame
        self.listing: str = ""
        """"" while the target kinds are listed, else the kind whose names are ("asset", …)."""
        self.plan: UnwindRun | None = None
        """The plan shown below the list (the highlighted target's)."""

    def compose(self) -> ComposeResult:
        """Title, targets, the gross cut and the mode, the plan, the keys."""
        with Vertical():
            yield Static("Emergency unwind: what to cut to", id="picker-title")
            yield OptionList(*self._kinds(), id="picker-targets")
            with Horizontal(id="picker-options"):
                yield Static("gross cut ")
                yield Input(str(DEFAULT_CUT), type="integer", max_length=3, id="picker-cut")
                yield Static("% ")
                with RadioSet(id="picker-mode"):
                    yield RadioButton("step by step", value=True, id="mode-step")
                    yield RadioButton("running", id="mode-running")
            yield Static("", id="picker-plan")
            yield Static(self._hint(), id="picker-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        """The list has the focus; the first target's plan is asked for, and asked again every
        `REPLAN` seconds: in a crisis the book moves (a position liquidated, a venue gone dark)
        while the trader reads, and the plan shown must follow it."""
        self.query_one(OptionList).focus()
        self.query_one(OptionList).highlighted = 0
        self._preview_highlighted()
        self.set_interval(REPLAN, self._preview_highlighted)

    def redraw(self) -> None:
        """Ask for the plan again, to draw it afresh (the privacy mask changed)."""
        self._preview_highlighted()

    def _hint(self) -> str:
        return (f"enter: preview and start · tab: gross % and mode · "
                f"{key_of(self.app, 'picker.cancel')}: back")

    # -- the list -------------------------------------------------------------------------

    def _kinds(self) -> list[Option]:
        """The target kinds; the kill switch's cut first when it waits for a person."""
        kill = self.frame.assessment.kill
        options = []
        if kill.proposed and (kill.status is KillStatus.REDUCING or kill.mode is KillMode.ADVISE):
            options.append(Option(f"Kill switch's cut ({len(kill.proposed)} cuts it proposes)", id="kill"))
        options += [
            Option("Flat: every position, whole", id="flat"),
            Option("Cut gross by the % below", id="gross"),
            Option("One asset…", id="asset"),
            Option("One account (venue)…", id="account"),
            Option("One layer…", id="layer"),
        ]
        return options

    def _names(self, kind: str) -> list[str]:
        """The assets, accounts or layers of the book, in the book's order."""
        book = self.frame.book
        if kind == "asset":
            names = [p.asset for p in self.frame.assessment.positions]
        elif kind == "account":
            names = [acc.name for acc in book.accounts]
        else:
            names = [acc.info.layer.value for acc in book.accounts]
        return list(dict.fromkeys(names))

    def _show_list(self, listing: str) -> None:
        targets = self.query_one(OptionList)
        targets.clear_options()
        self.listing = listing
        if listing:
            targets.add_options(Option(name, id=f"{listing}:{name}") for name in self._names(listing))
        else:
            targets.add_options(self._kinds())
        targets.highlighted = 0
        self._preview_highlighted()

    def _target(self, option_id: str | None) -> UnwindTarget | None:
        """The target an option stands for (None for a kind that lists names)."""
        if option_id is None or option_id in _LISTS:
            return None
        if option_id == "flat":
            return UnwindTarget(TargetKind.FLAT)
        if option_id == "kill":
            return UnwindTarget(TargetKind.KILL_CUT)
        if option_id == "gross":
            return UnwindTarget(TargetKind.GROSS, fraction=self._fraction())
        kind, _, name = option_id.partition(":")
        return UnwindTarget(_LISTS[kind], name=name)

    def _fraction(self) -> float:
        """The gross cut typed in, as a fraction (the engine refuses one outside (0, 1])."""
        text = self.query_one(Input).value.strip()
        return int(text) / 100 if text.isdigit() else 0.0

    def _mode(self) -> RunMode:
        return RunMode.RUNNING if self.query_one("#mode-running", RadioButton).value else RunMode.STEP

    def _command(self, target: UnwindTarget) -> StartUnwind:
        trigger = "kill switch" if target.kind is TargetKind.KILL_CUT else "key"
        return StartUnwind(target, mode=self._mode(), trigger=trigger, id=new_command_id())

    # -- events ---------------------------------------------------------------------------

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._preview_highlighted()

    @on(Input.Changed)
    def _cut_changed(self) -> None:
        if self._highlighted_id() == "gross":
            self._preview_highlighted()

    @on(Input.Submitted)
    def _cut_submitted(self) -> None:
        """Enter in the % field starts the gross cut's confirmation."""
        self._ask(UnwindTarget(TargetKind.GROSS, fraction=self._fraction()))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id
        if option_id in _LISTS:
            self._show_list(option_id)
            return
        target = self._target(option_id)
        if target is not None:
            self._ask(target)

    def _highlighted_id(self) -> str | None:
        targets = self.query_one(OptionList)
        if targets.highlighted is None or not targets.option_count:
            return None
        return targets.get_option_at_index(targets.highlighted).id

    def _preview_highlighted(self) -> None:
        option_id = self._highlighted_id()
        target = self._target(option_id)
        if target is None:
            self.plan = None
            self.query_one("#picker-plan", Static).update("enter lists the names to choose from")
            return
        self._preview(target)

    @work(exclusive=True, group="picker-preview", exit_on_error=False)
    async def _preview(self, target: UnwindTarget) -> None:
        answer = await self.api.preview(self._command(target))
        plan = self.query_one("#picker-plan", Static)
        if isinstance(answer, Refused):
            self.plan = None
            plan.update(f"refused: {privacy.private(answer.reason)}")
            return
        assert isinstance(answer, UnwindRun)
        self.plan = answer
        head = f"plan for {pu.target_text(target)} (nothing is sent before you confirm):"
        plan.update("\n".join([head, *pu.plan_lines(answer, limit=self._room() - 1)]))

    def _room(self) -> int:
        """Plan steps that fit under the list at this terminal's height."""
        return max(2, self.app.size.height - 20)

    @work(exclusive=True, group="picker-ask", exit_on_error=False)
    async def _ask(self, target: UnwindTarget) -> None:
        """Preview `target` afresh and ask to start it (the values shown are the ones started)."""
        command = self._command(target)
        answer = await self.api.preview(command)
        if isinstance(answer, Refused):
            self.notify(f"Cannot unwind: {answer.reason}", severity="warning", markup=False)
            return
        assert isinstance(answer, UnwindRun)
        title = f"Start the unwind: {pu.target_text(target)}, {pu.MODE_WORDS[command.mode]}?"
        room = max(2, self.app.size.height - 16)  # the plan's steps: as many as fit now, on every redraw
        lines = partial(self._confirm_lines, answer, command, room)
        self.app.push_screen(ConfirmScreen(title, lines, confirm_label="Start"),
                             callback=lambda ok: self.dismiss(command) if ok else None)

    def _confirm_lines(self, plan: UnwindRun, command: StartUnwind, room: int) -> list:
        confirm, pause, abort = (key_of(self.app, f"run.{verb}") for verb in ("confirm", "pause", "abort"))
        if command.mode is RunMode.RUNNING:
            how = f"Running: it sends every step by itself; {pause} pauses, {abort} aborts."
        else:
            how = f"Step by step: you send each step ({confirm} on the run screen)."
        return [
            *pu.plan_lines(plan, limit=room),
            "",
            "New risk is frozen and open orders that add risk are cancelled.",
            how,
        ]

    def action_cancel(self) -> None:
        """Back from a list of names; else close the picker."""
        if self.listing:
            self._show_list("")
            return
        self.dismiss(None)
