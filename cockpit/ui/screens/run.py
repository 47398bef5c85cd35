"""The guided unwind run's screen: where a run is, its steps, its orders, and the keys that drive it.

Pushed over the cockpit while the frame carries a run (`Frame.run`, until it is dismissed). The
cockpit screen keeps the frame subscription and hands each frame here (`show`); escape goes back
to the cockpit while the run carries on (the status line's marker says so, and the unwind key
brings this screen back).

Every key sends a command and shows the engine's answer: the engine validates each one (a
read-only engine or terminal refuses them all, and says why). The keys that send more than the
selected step (let it run), that open a position (a blind-venue hedge) or that end the run
(abort) ask first, with Cancel focused (`ConfirmScreen`). Enter sends the selected step alone and
never moves the cursor: a held Enter asks for the same step again, which the engine refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen

from cockpit.engine.api import EngineAPI
from cockpit.model import Frame
from cockpit.model.commands import (
    AbortRun, Command, ConfirmHedge, ConfirmStep, DismissRun, PauseRun, ResumeRun, SkipStep,
)
from cockpit.model.unwind import RunState, StepKind, StepStatus, UnwindRun, UnwindStep
from cockpit.present import unwind as pu
from cockpit.ui.bindings import bind, key_of
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.sending import CommandSender
from cockpit.ui.widgets.keybar import KeyBar
from cockpit.ui.widgets.line import Line
from cockpit.ui.widgets.table import Column, KeyedTable

STEP_COLUMNS = [
    Column("seq", "#", 2),
    Column("kind", "kind", 6, 0, "left"),
    Column("account", "account", 8, 0, "left"),
    Column("asset", "asset", 5, 0, "left"),
    Column("side", "side", 4, 0, "left"),
    Column("amount", "amount", 11),
    Column("price", "est px", 9, 1),
    Column("cost", "cost", 5),
    Column("liq", "liq before→after", 17, 1),
    Column("why", "why", 13, 0, "left"),
    Column("status", "status", 7, 0, "left"),
    Column("filled", "filled", 8),
]
"""The step table's columns, in `present.unwind.STEP_COLUMNS` order (est price and liquidation
from 120 columns)."""

ORDER_COLUMNS = [
    Column("step", "#", 3),
    Column("account", "account", 8, 0, "left"),
    Column("symbol", "symbol", 6, 0, "left"),
    Column("side", "side", 4, 0, "left"),
    Column("amount", "amount", 9),
    Column("status", "status", 8, 0, "left"),
    Column("filled", "filled", 9),
    Column("price", "fill px", 9, 1),
    Column("slip", "vs est", 8),
]
"""The order list's columns, in `present.unwind.ORDER_COLUMNS` order."""

BAR_WIDTH = 20
SHORT_HEIGHT = 30
_STATE_COLOR = {
    RunState.READY: "kill-warn", RunState.WAITING: "kill-warn", RunState.PAUSED: "kill-warn",
    RunState.RUNNING: "kill-reducing", RunState.VERIFYING: "kill-reducing",
    RunState.DONE: "health-live", RunState.ABORTED: "health-down",
}
_LOUD = {StepStatus.SHORT, StepStatus.FAILED, StepStatus.BLOCKED, StepStatus.OFFERED, StepStatus.UNKNOWN}


class StepTable(KeyedTable):
    """The run's steps; the screen follows its cursor (the detail line shows the selected step)."""


class RunScreen(CommandSender, Screen):
    """The run in progress (or the last one until dismissed), and the keys that drive it."""

    BINDINGS = [
        bind("run.confirm", "confirm_step"),
        bind("run.go", "go"),
        bind("run.pause", "pause"),
        bind("run.skip", "skip"),
        bind("run.hedge", "hedge"),
        bind("run.abort", "abort"),
        bind("run.dismiss", "dismiss_run"),
        bind("run.back", "back"),
    ]
    HELP_TITLE = "Unwind run"
    HELP_SECTIONS = ("run", "units")
    TOLD_TIMEOUTS = (3, 6)  # an answer briefly (the run's lines show where it is), a refusal longer

    def __init__(self, api: EngineAPI, frame: Frame | None = None) -> None:
        super().__init__()
        self.api = api
        self.frame = frame
        self.run: UnwindRun | None = frame.run if frame is not None else None

    def compose(self) -> ComposeResult:
        """Header, progress, blind accounts, steps, the selected step, orders, note, timeline."""
        yield Line(id="run-head")
        yield Line(id="run-bar")
        yield Line(id="run-blind")
        yield StepTable(STEP_COLUMNS, id="run-steps")
        yield Line(id="run-detail")
        yield KeyedTable(ORDER_COLUMNS, id="run-orders")
        yield Line(id="run-note")
        yield Line(id="run-events")
        yield KeyBar()

    def on_mount(self) -> None:
        """Show the run as the last frame had it; the steps table has the focus."""
        self.query_one(StepTable).focus()
        if self.frame is not None:
            self.show(self.frame)
        else:
            self.query_one("#run-head", Line).show(Text("UNWIND · starting: planning the run…"))

    def on_resize(self) -> None:
        """On a short terminal the order list gives its rows to the steps."""
        self.set_class(self.size.height < SHORT_HEIGHT, "-short")

    # -- showing --------------------------------------------------------------------------

    def show(self, frame: Frame) -> None:
        """Show `frame`'s run (the cockpit screen hands every frame here)."""
        self.frame = frame
        if frame.run is None:
            return  # dismissed (the cockpit screen closes this one), or not planned yet
        run, self.run = frame.run, frame.run
        self.query_one("#run-head", Line).show(self._header(run, frame.now))
        self.query_one("#run-bar", Line).show(self._bar(run))
        blind = pu.blind_line(run)
        self.query_one("#run-blind", Line).show(Text(blind, style="bold"))
        self.query_one("#run-blind").display = bool(blind)
        self.query_one(StepTable).show([(s.seq, _step_row(s)) for s in run.steps])
        newest = sorted(run.orders, key=lambda o: (o.time, o.step, o.client_id), reverse=True)
        self.query_one("#run-orders", KeyedTable).show([(o.client_id, pu.order_cells(o)) for o in newest])
        self.query_one("#run-note", Line).show(Text(self._note(run), no_wrap=True, overflow="ellipsis"))
        self.query_one("#run-events", Line).show(self._events(run))
        self.show_detail()
        self.refresh_bindings()

    def redraw(self) -> None:
        """Draw the run again (the privacy mask changed)."""
        if self.frame is not None:
            self.show(self.frame)

    def _header(self, run: UnwindRun, now: float) -> Text:
        """The header, its state as a badge in the kill switch's colours (over: health's)."""
        target, state, *rest = pu.header_parts(run, now)
        color = self.app.theme_variables.get(_STATE_COLOR[run.state], "")
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{target} ")
        text.append(f" {state} ", style=f"bold reverse {color}")
        text.append(" · " + " · ".join(rest))
        return text

    def _bar(self, run: UnwindRun) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(pu.progress_bar(run, BAR_WIDTH), style="bold")
        text.append(f" steps over · {pu.outlook(run)}", style="dim")
        return text

    def _note(self, run: UnwindRun) -> str:
        """The engine's note (it names no keys: the key bar shows this terminal's)."""
        return run.note

    def _keys(self) -> dict[str, str]:
        return run_keys(self.app)

    def _events(self, run: UnwindRun) -> Text:
        """The last timeline lines; once the run is over, where its report is first."""
        lines = pu.timeline(run, 3)
        if run.state.over:
            where = _home_short(run.report) or "not written (see the timeline)"
            lines = [f"report: {where}",
                     ("the JSON beside it · " if run.report else "") + f"{key_of(self.app, 'run.dismiss')} "
                     "takes the run off the screen", *lines[-1:]]
        return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")

    @on(KeyedTable.Selected, "#run-steps")
    def show_detail(self) -> None:
        """The selected step in words, and the book as it leaves it."""
        step = self.selected
        if self.run is None or step is None:
            return
        before = self.run.before
        text = Text(no_wrap=False)
        loud = step.kind is StepKind.HEDGE or step.status is StepStatus.UNKNOWN
        text.append(pu.step_detail(step, self.run, self._keys()), style="bold" if loud else "")
        if step.after is not None:
            text.append("\nafter it: " + pu.book_line(step.after, before=before))
        self.query_one("#run-detail", Line).show(text)

    @property
    def selected(self) -> UnwindStep | None:
        """The step under the cursor."""
        seq = self.query_one(StepTable).selected_key
        return self.run.step(seq) if self.run is not None and isinstance(seq, int) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Over: dismiss and back (the keys that drive a run are hidden). Not over: no dismiss."""
        over = self.run is not None and self.run.state.over
        if action == "dismiss_run":
            return over
        if action in ("confirm_step", "go", "pause", "skip", "hedge", "abort"):
            return not over
        return True

    # -- keys -----------------------------------------------------------------------------

    def action_back(self) -> None:
        """Back to the cockpit; the run carries on."""
        self.app.pop_screen()

    def action_confirm_step(self) -> None:
        """Send the selected step (step by step); a hedge has its own key."""
        step = self.selected
        if self.run is None or step is None:
            return
        if step.kind is StepKind.HEDGE:
            self.notify(f"a hedge opens a position: confirm it with {key_of(self.app, 'run.hedge')}",
                        severity="warning", markup=False)
            return
        if step.kind is StepKind.TOPUP and step.status is StepStatus.OFFERED:
            self._ask(f"Top up {step.key.account}?", partial(pu.top_up_lines, step), "Top up", ConfirmStep(self.run.id, step.seq))
            return
        if step.kind is StepKind.TOPUP and step.status is StepStatus.UNKNOWN:
            self._ask(f"Mark top-up step {step.seq} arrived?", partial(pu.top_up_marked_lines, step), "Arrived",
                      ConfirmStep(self.run.id, step.seq))
            return
        self.send(ConfirmStep(self.run.id, step.seq))

    def action_go(self) -> None:
        """Let the run send every remaining step by itself, after one confirmation."""
        run = self.run
        if run is None:
            return
        left = sum(1 for s in run.steps if s.kind is StepKind.CUT and not s.status.over)
        keys = self._keys()
        lines: list[str | Text] = [
            f"{left} steps left: each venue's steps in plan order, venues in parallel.",
            f"{keys['pause']} pauses (orders out finish), {keys['abort']} aborts.",
            "Hedges and top-ups still wait for their own confirmation.",
        ]
        self._ask("Let the run send every step?", lines, "Run", ResumeRun(run.id))

    def action_pause(self) -> None:
        """Pause: orders already out finish, nothing new is sent."""
        if self.run is not None:
            self.send(PauseRun(self.run.id))

    def action_skip(self) -> None:
        """Skip the selected step (it is reported as skipped)."""
        step = self.selected
        if self.run is not None and step is not None:
            self.send(SkipStep(self.run.id, step.seq))

    def action_hedge(self) -> None:
        """Confirm the selected blind-venue hedge, after its own confirmation: it opens a position."""
        run, step = self.run, self.selected
        if run is None:
            return
        if step is None or step.kind is not StepKind.HEDGE:
            offered = [s.seq for s in run.steps if s.kind is StepKind.HEDGE and s.status is StepStatus.OFFERED]
            where = f"step {offered[0]}" if offered else "none is offered"
            self.notify(f"select a hedge row first ({where})", severity="warning", markup=False)
            return
        self._ask(f"Send the {pu.hedge_label(step)}?", partial(pu.hedge_lines, step), "Hedge", ConfirmHedge(run.id, step.seq))

    def action_abort(self) -> None:
        """Abort the run, after a confirmation: nothing more is sent; it is verified and reported."""
        run = self.run
        if run is None:
            return
        # A top-up whose outcome is unknown is not skipped (it may have happened): it stays to mark.
        left = sum(1 for s in run.steps if not s.status.over and s.kind is not StepKind.BRIDGE
                   and s.status is not StepStatus.UNKNOWN)
        lines: list[str | Text] = [
            f"Nothing more is sent; the {left} steps not over are skipped.",
            "Orders already out finish. The run is verified and its report written.",
        ]
        self._ask("Abort the unwind?", lines, "Abort", AbortRun(run.id))

    @work(group="commands", exit_on_error=False)
    async def action_dismiss_run(self) -> None:
        """Take the finished run off the screen (its report stays on disk)."""
        if self.run is None:
            return
        result = await self.deliver(DismissRun(self.run.id))
        if result.ok and self.app.screen is self:
            self.app.pop_screen()

    def _ask(self, title: str, lines: list | Callable[[], list], label: str, command: Command) -> None:
        """Send `command` once a person confirms (Cancel focused); where the frame says orders are
        off, at once (see `CommandSender.ask`)."""
        readonly = self.frame is not None and self.frame.orders_off()
        self.ask(ConfirmScreen(title, lines, confirm_label=label), command, skip=readonly)


def _home_short(path: str) -> str:
    """`path` with the home directory written "~", so the report's name fits at 80 columns."""
    home = str(Path.home())
    return "~" + path[len(home):] if home != "/" and path.startswith(home + "/") else path


def run_keys(app) -> dict[str, str]:
    """The keys this terminal binds to a run's verbs, for the engine's texts (`present.unwind.keyed`)."""
    return {verb: key_of(app, f"run.{verb}") for verb in ("confirm", "go", "hedge", "pause", "skip", "abort")}


def _step_row(step: UnwindStep) -> tuple[str | Text, ...]:
    """A step's cells, styled: a hedge tagged, loud statuses bold, steps over dimmed."""
    cells: list[str | Text] = list(pu.step_cells(step))
    if step.kind is StepKind.HEDGE:
        cells[1] = Text("HEDGE", style="bold reverse")
        cells[9] = Text(cells[9], style="bold")
    elif step.kind is StepKind.TOPUP:
        cells[1] = Text("TOPUP", style="bold")
    if step.status in _LOUD:
        cells[10] = Text(cells[10], style="bold")
    elif step.status.over:
        cells = [c if isinstance(c, Text) else Text(c, style="dim") for c in cells]
    return tuple(cells)

