"""The cockpit screen: the panes of `cockpit.ui.panes.PANES`, the status line, and the keys that
act on the book.

Layout: wide terminals show every pane in two columns (positions and collateral on the left,
funding and the playbook on the right: each pane names its column); narrow or short ones (under
100×30) show one pane at a time with a tab line. Keys 1–4 zoom a pane at any size, 0 shows all
again. The screen composes, titles, zooms, focuses and updates the panes through the `Pane`
protocol, looping over the list; only the keys that act on the book (sort, group, trim) reach into
the Positions pane's table for its order and selected row.
"""

from __future__ import annotations

import os
import sys
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.actions import parse
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Resize
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from cockpit.engine.api import EngineAPI
from cockpit.model import Frame, Health, KillMode, LiqKind, PositionRisk
from cockpit.model.commands import (
    AcceptKillCut, CutPreview, Refused, ResetKill, ResumeRun, StartUnwind, Trim, TrimPreview,
    new_command_id,
)
from cockpit.model.unwind import RunMode
from cockpit.present import flags, format as fmt, privacy
from cockpit.present.status import health_lines
from cockpit.ui.alerts import TerminalAlerts
from cockpit.ui.bindings import bind, key_of, keys_of
from cockpit.ui.compat import StyledOnceScreen
from cockpit.ui.keymap import DEFAULT_BINDINGS
from cockpit.ui.messages import AlertArrived, FrameArrived, NewestFrame
from cockpit.ui.pane import BasePane
from cockpit.ui.panes import PANES
from cockpit.ui.screens.confirm import ConfirmScreen
from cockpit.ui.sending import CommandSender
from cockpit.ui.tabs import ALL, TabbedViews, tab_line
from cockpit.ui.widgets.heatmap import FundingHeatmap
from cockpit.ui.widgets.keybar import KeyBar
from cockpit.ui.widgets.line import Line
from cockpit.ui.widgets.positions import PositionsTable, proposed_cuts
from cockpit.ui.widgets.status import status_line
from cockpit.ui.widgets.table import KeyedTable

if TYPE_CHECKING:
    from cockpit.ui.screens.run import RunScreen

# The unwind's, the carry scanner's, the ledger's and the open orders' screens are imported when
# first opened: an attached terminal's first frame needs none of them (their classes and styles
# cost start-up).

#: Set by `bench/bench_ui.py`: a file to stamp when the first full frame is on screen.
_BENCH_STAMP = os.environ.get("COCKPIT_BENCH_FIRST_FRAME", "")
GATED = frozenset({"positions.trim_tenth", "positions.trim", "positions.trim_half", "positions.close",
                   "positions.apply_flag", "kill.accept"})
"""The book's keys offered only where they would not be refused (`CockpitScreen.check_action`)."""
NARROW_WIDTH = 100
SHORT_HEIGHT = 30
TALL_HEIGHT = 50  # from here the plan in the Playbook pane gets more rows (`-tall` in cockpit.tcss)
RIGHT_WIDTH = 52  # the right column's width (`#right` in cockpit.tcss): the heatmap's 6 venues in narrow cells
BORDERS = 2  # a pane's border, left and right


def right_width(width: int, venues: int, left_need: int) -> int:
    """The right column's width in the all-panes view of a `width`-wide screen: 52, growing with
    the width as far as the left column keeps `left_need` cells (the Positions pane: every column
    with the flags at their least) and the heatmap uses (its `venues` in wide cells); from a
    9-cell column the heatmap's header names every venue in full."""
    return max(RIGHT_WIDTH, min(width - left_need, FundingHeatmap.width_for(venues) + BORDERS))


class CockpitScreen(CommandSender, TabbedViews, StyledOnceScreen):
    """The main screen. It owns the frame subscription, so frames never outlive their widgets.

    It reaches the engine only through `EngineAPI`: frames in, commands out.
    """

    BINDINGS = [
        # Every trim size is in the keys panel (?); the key bar shows 10% and 50% where there
        # is room (`bindings.WHEN_ROOM`).
        bind("positions.trim_tenth", "trim(0.1)"),
        bind("positions.trim", "trim(0.25)"),
        bind("positions.trim_half", "trim(0.5)"),
        bind("positions.close", "trim(1.0)"),
        bind("positions.apply_flag", "apply_flag"),
        bind("positions.sort", "sort"),
        bind("positions.group", "group", show=False),
        bind("kill.accept", "accept_cut"),
        bind("kill.reset", "reset_kill", show=False),
        bind("unwind.start", "unwind"),
        *(bind(pane.zoom_binding, f"view({pane.pane_id!r})", show=False) for pane in PANES),
        bind("view.all", "view('all')", show=False),
        bind("view.next", "cycle(1)", show=False),
        bind("view.previous", "cycle(-1)", show=False),
        bind("view.carry", "carry", show=False),
        bind("view.orders", "orders", show=False),
        bind("view.plots", "plots", show=False),
    ]

    HELP_TITLE = "Cockpit"
    HELP_SECTIONS = ("status", "units")  # and each pane's (`cockpit.ui.screens.help.sections_of`)
    REFUSED = "error"  # a trim or a cut that did not go leaves risk on: louder than elsewhere

    view: reactive[str] = reactive(ALL)
    """The zoomed pane, or "all"."""

    def __init__(self, api: EngineAPI) -> None:
        super().__init__()
        self.api = api
        self.frame: Frame | None = None
        self._newest = NewestFrame(self.post_message)  # see `_arrived`
        self.panes: list[BasePane] = [pane() for pane in PANES]
        self.current = self.panes[0].pane_id
        self._unsubscribe = None
        self._down: set[str] = set()  # accounts whose going DOWN was announced
        self.alerts = TerminalAlerts(self)
        self._unevents = None
        self._behind = False  # the last frame arrived while another full screen covered this one
        self._asleep = False  # covered by a screen that follows the frames itself (`on_screen_suspend`)
        self._runs_seen: set[str] = set()  # runs whose screen was opened once (by hand or on sight)
        self._offered: tuple | None = None  # what the book's keys offer on the key bar (see `check_action`)
        self._venues = 0  # the venues the right column was sized for (`_size_columns`)
        self._right_width: int | None = None  # its width as set (None: the stylesheet's)

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Status, tabs, the panes in two columns, the last notice, the footer."""
        yield Line(id="status")
        yield Line(id="tabs")
        with Widget(id="panes"):
            for column in ("left", "right"):
                with Vertical(id=column):
                    yield from (pane for pane in self.panes if pane.column == column)
        yield Line(id="notice")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        """Title the panes, subscribe to frames, show the newest."""
        for number, pane in enumerate(self.panes, 1):
            pane.border_title = f"{self._zoom_key(number, pane)} {pane.title}"
        self.panes[0].focus_target().focus()
        self._unsubscribe = self.api.subscribe(self._arrived)
        self._unevents = self.api.on_event(self.alerts.on_event)
        if self.api.latest is not None:
            self.show_frame(self.api.latest)
        if self.api.where.startswith("guard"):
            # Attached: quitting this terminal leaves the engine running; say so once.
            self.notify(f"Attached to the {self.api.where}: {key_of(self.app, 'app.quit')} detaches, the guard carries on",
                        timeout=6, markup=False)
        self._apply_layout()
        self.call_after_refresh(self.app.first_paint)

    def on_unmount(self) -> None:
        """Stop listening: no frame may arrive after the widgets are gone."""
        if self._unsubscribe:
            self._unsubscribe()
        if self._unevents:
            self._unevents()

    def on_resize(self, event: Resize) -> None:
        """Switch between all panes and one pane as the terminal changes size."""
        self._apply_layout()

    def _narrow(self) -> bool:
        return self.size.width < NARROW_WIDTH or self.size.height < SHORT_HEIGHT

    def _pane(self, pane_id: str) -> BasePane:
        return next(pane for pane in self.panes if pane.pane_id == pane_id)

    def _apply_layout(self) -> None:
        single = self.view != ALL or self._narrow()
        shown = self.view if self.view != ALL else (self.current if single else None)
        for pane in self.panes:
            pane.display = shown is None or pane.pane_id == shown
        for column in ("left", "right"):
            self.query_one(f"#{column}").display = shown is None or self._pane(shown).column == column
        self.set_class(single, "-single")
        self.set_class(self.size.height >= TALL_HEIGHT, "-tall")
        self._size_columns(single)
        tabs = self.query_one("#tabs", Line)
        tabs.display = single
        if single:
            panes = [(self._zoom_key(number, pane), pane.title, pane.pane_id == shown)
                     for number, pane in enumerate(self.panes, 1)]
            tabs.show(tab_line(self.app, panes, "view.all", "view.next"))

    def _size_columns(self, single: bool) -> None:
        """Give the right column its width (`right_width`): the whole body for one pane."""
        venues = len(self.frame.assessment.venues) if self.frame is not None else 0
        left_need = self.query_one(PositionsTable).room_for(2) + 1 + BORDERS  # + its scrollbar
        width = None if single else right_width(self.size.width, venues, left_need)
        self._venues = venues
        right = self.query_one("#right")
        if width != self._right_width:  # a new width lays the screen out again
            self._right_width = width
            right.styles.width = width  # None: the stylesheet's (`.-single #right`)

    def _zoom_key(self, number: int, pane: BasePane) -> str:
        """The key that zooms `pane` as this terminal has it (its number when it has no binding)."""
        return key_of(self.app, pane.zoom_binding) if pane.zoom_binding in DEFAULT_BINDINGS else str(number)

    def watch_view(self) -> None:
        """Re-layout when a pane is zoomed or unzoomed."""
        if self.is_mounted:
            self._apply_layout()

    def view_ids(self) -> list[str]:
        """The panes' ids, in tab order."""
        return [pane.pane_id for pane in self.panes]

    def action_view(self, name: str) -> None:
        """Zoom pane `name` (or show "all")."""
        if name != ALL:
            self._focus_pane(name)
        self.zoom(name)  # `watch_view` lays out

    def action_cycle(self, step: int) -> None:
        """Focus the next (or previous) pane; on a narrow screen, show it."""
        self._focus_pane(self.cycle(step))
        self._apply_layout()

    def _focus_pane(self, name: str) -> None:
        self._pane(name).focus_target().focus()

    def on_descendant_focus(self, event) -> None:
        """Remember which pane has focus (a click or tab can move it)."""
        for pane in self.panes:
            if pane in event.widget.ancestors_with_self:
                self.current = pane.pane_id

    # -- frames ---------------------------------------------------------------------------

    def _arrived(self, frame: Frame) -> None:
        """A frame from the engine (on any thread): keep the newest, and ask for one render.

        Frames that arrive while one render is pending replace each other: a slow terminal
        skips frames rather than queueing them up. None is asked for while a screen that follows
        the frames itself covers this one (`on_screen_suspend`): the newest is drawn on return.
        """
        if self._asleep:
            return
        self._newest.arrived(frame)

    def on_frame_arrived(self, message: FrameArrived) -> None:
        """Render the newest frame, in arrival order (a guard that restarted numbers from 1 again)."""
        self.show_frame(self._newest.take(message))

    def on_alert_arrived(self, message: AlertArrived) -> None:
        """An alert: a desktop notification, the bell and a notification on screen. Not before
        the first frame: what it shows (a position already near liquidation) is on screen as
        the cockpit opens, and the engine's own alerts have told it."""
        if self.frame is not None:
            self.alerts.tell(self.app, message.alert)

    def show_frame(self, frame: Frame) -> None:
        """Update every pane from `frame`, in place (while another full screen covers this one,
        only when it shows again: see `_covered`)."""
        self.frame = frame
        if len(frame.assessment.venues) != self._venues and self.is_mounted:
            self._apply_layout()  # the heatmap's room follows its venues
        self._announce_down(frame)
        colors = self.app.theme_variables
        a = frame.assessment
        self._behind = self._covered()
        if not self._behind:
            with self.app.batch_update():
                self.query_one("#status", Line).show(status_line(frame, colors, self.size.width))
                for pane in self.panes:
                    pane.update(frame)
                notice = privacy.private(frame.notices[-1]) if frame.notices else ""  # the engine's words
                self.query_one("#notice", Line).show(Text(notice, style="dim", no_wrap=True, overflow="ellipsis"))
            self._offer_keys()
        self._follow_run(frame)
        if _BENCH_STAMP and a.positions and a.funding and a.collateral and a.playbook:
            self.call_after_refresh(self._bench_stamp)

    def _covered(self) -> bool:
        """Another full screen (plots, carry scanner, ledger, orders, the run) is on top: nothing
        of this one shows. Its panes are then left as they are: a pane changed behind a full
        screen costs that screen a repaint of all of it (the plots' charts included) every frame.
        A modal (a confirmation, the picker) lets the panes show around it: they stay live."""
        top = self.app.screen
        return top is not self and not isinstance(top, ModalScreen)

    def on_screen_suspend(self) -> None:
        """Covered: while a screen that subscribes to the frames itself is on top (plots, carry
        scanner, ledger, orders), this one stops handling them. A message handled by a screen
        behind another costs Textual a repaint of the whole screen in front (every chart of the
        plots, every second). The run's screen and the modals get their frames through this
        one: it stays awake for them."""
        top = self.app.screen
        self._asleep = top is not self and not isinstance(top, ModalScreen) and top is not self._run_screen()

    def on_screen_resume(self) -> None:
        """Shown again: draw the newest frame if one arrived while covered."""
        self._asleep = False
        latest = self.api.latest
        if latest is not None and (latest is not self.frame or self._behind):
            self.show_frame(latest)

    def redraw(self) -> None:
        """Draw the frame on screen again (the privacy mask changed)."""
        if self.frame is not None:
            self.show_frame(self.frame)

    # -- the unwind run -------------------------------------------------------------------

    def _run_screen(self) -> RunScreen | None:
        module = sys.modules.get("cockpit.ui.screens.run")
        if module is None:  # never imported: no run screen was ever opened
            return None
        return next((s for s in self.app.screen_stack if isinstance(s, module.RunScreen)), None)

    def _follow_run(self, frame: Frame) -> None:
        """Hand the frame to the run screen; open it for a run not seen yet (one another
        terminal started, or one a restarted engine resumed); close it once dismissed."""
        screen = self._run_screen()
        run = frame.run
        if screen is not None:
            if run is None and screen.run is not None and self.app.screen is screen:
                self.app.pop_screen()  # dismissed (here or by another terminal)
            elif run is not None:
                screen.show(frame)
            return
        if run is not None and run.id not in self._runs_seen and not run.state.over and self.app.screen is self:
            from cockpit.ui.screens.run import RunScreen

            self._runs_seen.add(run.id)
            self.app.push_screen(RunScreen(self.api, frame))

    def action_unwind(self) -> None:
        """The run's screen while there is a run; else the target picker."""
        from cockpit.ui.screens.picker import UnwindPicker
        from cockpit.ui.screens.run import RunScreen

        if self.frame is None:
            return
        if self.frame.run is not None:
            self._runs_seen.add(self.frame.run.id)
            self.app.push_screen(RunScreen(self.api, self.frame))
            return
        self.app.push_screen(UnwindPicker(self.api, self.frame), callback=self._start_unwind)

    def action_carry(self) -> None:
        """The carry scanner (escape comes back here)."""
        from cockpit.ui.screens.carry import CarryScreen

        self.app.push_screen(CarryScreen(self.api))

    def action_plots(self) -> None:
        """The plots (escape comes back here), the funding plot of the heatmap cursor's cell.

        Imported here, not at start: the plots bring numpy (through textual-plot), which an
        attached terminal that never opens them does not load."""
        from cockpit.ui.screens.plots import PlotsScreen

        heatmaps = self.query(FundingHeatmap)
        cell = heatmaps.first().current_key() if heatmaps else None
        self.app.push_screen(PlotsScreen(self.api, cell))

    def action_ledger(self) -> None:
        """The funding ledger (escape comes back here)."""
        from cockpit.ui.screens.ledger import LedgerScreen

        self.app.push_screen(LedgerScreen(self.api))

    def action_orders(self) -> None:
        """The open orders, with cancel (escape comes back here)."""
        from cockpit.ui.screens.orders import OrdersScreen

        self.app.push_screen(OrdersScreen(self.api))

    def on_funding_heatmap_ledger_requested(self, _message) -> None:
        """The funding pane's ledger key."""
        self.action_ledger()

    def _start_unwind(self, command: StartUnwind | None) -> None:
        from cockpit.ui.screens.run import RunScreen

        if command is None:
            return
        self._runs_seen.add(command.id)
        self.app.push_screen(RunScreen(self.api, None))
        self._start(command)

    @work(group="orders", exit_on_error=False)
    async def _start(self, command: StartUnwind) -> None:
        """Start the run; in running mode, the start's confirmation was the one confirmation."""
        result = await self.api.send(command)
        if result.ok and command.mode is RunMode.RUNNING:
            result = await self.api.send(ResumeRun(command.id))
        self.told(result)
        if not result.ok and self.app.screen is self._run_screen() and self.app.screen.run is None:
            self.app.pop_screen()  # nothing was started: back to the cockpit

    def _announce_down(self, frame: Frame) -> None:
        """Say once, in a notification, why accounts went DOWN: a narrow status line has no room
        for the reason (the help lists it again)."""
        down = {acc.name for acc in frame.book.accounts if acc.health is Health.DOWN}
        fresh = [acc for acc in frame.book.accounts if acc.name in down - self._down]
        if fresh:
            self.notify(health_lines(fresh), severity="error", timeout=10, markup=False)
        self._down = down

    def _bench_stamp(self) -> None:
        """Benchmark hook: stamp the time the first full frame was painted and the CPU time the
        process had used by then, then quit."""
        global _BENCH_STAMP
        if _BENCH_STAMP:
            Path(_BENCH_STAMP).write_text(f"{time.time()!r} {time.process_time()!r}\n")
            _BENCH_STAMP = ""
            self.app.exit()

    # -- actions --------------------------------------------------------------------------

    def action_sort(self) -> None:
        """Cycle the positions' sort order."""
        mode = self.query_one(PositionsTable).cycle_sort()
        self.notify(f"positions sorted by {mode.value}", timeout=2)
        if self.frame:
            self.show_frame(self.frame)

    def action_group(self) -> None:
        """Toggle the per-asset net/gross lines."""
        table = self.query_one(PositionsTable)
        table.grouped = not table.grouped
        if self.frame:
            self.show_frame(self.frame)

    # -- the selected row's flag ----------------------------------------------------------

    def _selected_risk(self) -> PositionRisk | None:
        """The selected position's row of the newest frame (None on a summary row)."""
        if self.frame is None:  # also before the panes are composed (check_action runs early)
            return None
        key = self.query_one(PositionsTable).selected_position
        if key is None:
            return None
        return next((p for p in self.frame.assessment.positions if p.key == key), None)

    def _offer_keys(self) -> None:
        """Put the book's keys on the key bar, or take them off (`check_action`), as the frame
        and the selected row change: the bindings are refreshed only when what is offered did."""
        offered = tuple(self.check_action(action, ()) for action in ("apply_flag", "trim", "accept_cut"))
        if offered != self._offered:
            self._offered = offered
            self.refresh_bindings()

    def _flag_trim(self) -> float | None:
        """The trim risk suggests for the selected flagged row (None: no flag, no suggestion,
        or no order path), never worked out here."""
        p = self._selected_risk()
        if p is None or self.frame is None or self.frame.orders_off(p.account):
            return None
        return flags.suggested_trim(p)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer the book's keys only where they would not be refused: the apply-flag key where
        the selected row has a trim to apply; the trims on a position row of an account that
        trades (shown off on a summary row, before the first frame); accepting the cut while the
        kill switch proposes one and waits for a person (advise mode), orders on."""
        if action == "apply_flag":
            return self._flag_trim() is not None
        if action == "trim":
            return self._trim_offered()
        if action == "accept_cut":
            return self._cut_waits()
        return True

    def _trim_offered(self) -> bool | None:
        frame = self.frame
        if frame is None or frame.orders_off():
            return None if frame is None else False
        p = self._selected_risk()
        if p is None:
            return None  # a summary row: the keys stay on the bar, off, as the cursor moves on
        return not frame.orders_off(p.account)

    def _cut_waits(self) -> bool:
        frame = self.frame
        if frame is None or frame.orders_off():
            return False
        kill = frame.assessment.kill
        return bool(kill.proposed) and kill.mode is KillMode.ADVISE

    def on_key(self, event) -> None:
        """A book key where it is not offered (its binding is off then) still says why: its
        action runs and explains (the engine's refusal, "select a position row", the flag's)."""
        for binding in self.BINDINGS:
            if binding.id not in GATED or event.key not in keys_of(self.app, binding.id):
                continue
            _namespace, name, parameters = parse(binding.action)
            if self.check_action(name, parameters) is not True:
                event.stop()
                self.call_later(getattr(self, f"action_{name}"), *parameters)
            return

    @on(KeyedTable.Selected, "#positions-table")
    def _position_selected(self) -> None:
        """The cursor moved in the positions: the book's keys follow the row."""
        self._offer_keys()

    def _refuse_flag(self) -> None:
        """Say, in one line, why the selected row has no trim to apply."""
        p = self._selected_risk()
        if self.frame is not None and self.frame.orders_off(p.account if p is not None else None):
            # The same rule that took the key off (`_flag_trim`): the whole frame, or this account.
            self.notify("Read-only: no orders are sent", severity="warning", markup=False)
            return
        near = self.frame.assessment.near_liq_distance if self.frame is not None else 0.0
        cut = proposed_cuts(self.frame.assessment).get(p.key) if p is not None and self.frame is not None else None
        keys = {"trim": key_of(self.app, "positions.trim"), "accept": key_of(self.app, "kill.accept")}
        self.notify(flags.apply_refusal(p, near, cut=cut, keys=keys), severity="warning", markup=False)

    async def action_apply_flag(self) -> None:
        """Apply the trim risk suggests for the selected flagged row, through the usual preview
        and confirmation (the engine rounds its size down to the venue's step)."""
        p = self._selected_risk()
        fraction = self._flag_trim()
        if p is None or fraction is None:
            self._refuse_flag()
            return
        await self._confirm_trim(p.key, fraction, why=flags.over_text(p))

    async def action_trim(self, fraction: float) -> None:
        """Trim the selected position by `fraction`, after a confirmation with frozen values."""
        key = self.query_one(PositionsTable).selected_position
        if key is None:
            self.notify("Select a position row to trim (summary rows are not positions)", severity="warning")
            return
        await self._confirm_trim(key, fraction)

    async def _confirm_trim(self, key, fraction: float, *, why: str | None = None) -> None:
        """Preview a trim of `key` by `fraction`, then confirm it (Cancel focused) and send it;
        `why` (a flag's text) heads the confirmation's lines."""
        command = Trim(key, fraction, id=new_command_id())
        preview = await self.api.preview(command)
        if isinstance(preview, Refused):
            self.notify(f"Cannot trim: {preview.reason}", severity="warning", markup=False)
            return
        assert isinstance(preview, TrimPreview)
        confirmed = Trim(key, fraction, id=command.id, cap=preview.cut)  # never more than was shown
        lines = partial(_trim_lines, preview, why)
        self.ask(ConfirmScreen(_trim_title(preview, fraction), lines), confirmed, declined="Trim cancelled")

    async def action_accept_cut(self) -> None:
        """Accept the kill switch's proposed cut, after a confirmation."""
        # The engine answers with its episode; the confirmed cut carries it back, and is refused
        # if the kill switch moved on to another episode meanwhile.
        preview = await self.api.preview(AcceptKillCut())
        if isinstance(preview, Refused):
            self.notify(preview.reason, timeout=5, markup=False)
            return
        assert isinstance(preview, CutPreview)
        self.ask(ConfirmScreen(f"Send {len(preview.lines)} reduce-only orders?", partial(_cut_lines, preview),
                               confirm_label="Cut"), AcceptKillCut(preview.episode))

    @work(group="orders", exit_on_error=False)
    async def action_reset_kill(self) -> None:
        """Reset a latched kill switch (only once its cause has cleared)."""
        result = await self.api.send(ResetKill())
        self.notify(result.message, severity="information" if result.ok else "warning", markup=False,
                    timeout=3 if not result.ok else 5)


def _trim_title(p: TrimPreview, fraction: float) -> str:
    verb = "Close" if p.after == 0 else f"Trim {fraction:.0%} of"
    return f"{verb} {p.symbol} on {p.account}?"


def _cut_lines(preview: CutPreview) -> list[str | Text]:
    """The kill switch's cut as its confirmation lists it: why, how much, the first ten orders."""
    lines: list[str | Text] = [
        f"{preview.status}: {preview.cause}",
        f"{len(preview.lines)} reduce-only market orders, cutting {preview.cut_planned:.1%} of gross:",
        "",
    ]
    for cut in preview.lines[:10]:
        lines.append(f"  {cut.account:<11} {cut.asset:<9} cut {fmt.hidden(str(cut.amount))} "
                     f"({cut.fraction or 0:.0%})")
    if len(preview.lines) > 10:
        lines.append(f"  … and {len(preview.lines) - 10} more (all in the Playbook pane)")
    return lines


def _trim_lines(p: TrimPreview, why: str | None = None) -> list[str | Text]:
    """The trim as its confirmation lists it; `why` (a flag's text) first."""
    asset = p.unit or p.asset  # an inverse swap's amounts are contracts
    side_after = p.side.value.upper() if p.after > 0 else "flat"
    lines: list[str | Text] = [
        f"Account    {p.account} ({p.venue})",
        f"Position   {p.side.value.upper()} {fmt.hidden(str(p.size))} {asset}",
        Text.assemble("Order      ", (f"{p.order_side.value.upper()} {fmt.hidden(str(p.cut))} {asset}", "bold"),
                      " market, reduce-only"),
        *_estimate_lines(p),
        f"After      {side_after} {fmt.hidden(str(p.after)) if p.after > 0 else ''} "
        f"{asset if p.after > 0 else ''}".rstrip(),
        *_liq_lines(p),
    ]
    if why is not None:
        lines.insert(0, Text.assemble("Flag       ", (why, "bold")))
    return lines


def _liq_lines(p: TrimPreview) -> list[str | Text]:
    """The position's liquidation price now → after the trim, what kind it is, and a warning
    when the trim brings it nearer (risk computed both: `cockpit.risk.trim`)."""
    closed = p.after <= 0
    if p.liq_kind is LiqKind.UNKNOWN:
        return ["Liq. price unknown" + (" → none, closed" if closed else "")]
    before = fmt.price(p.liq_before) if p.liq_before is not None else "out of reach"
    after = "none, closed" if closed else fmt.price(p.liq_after) if p.liq_after is not None else "out of reach"
    kind = ("cross: account-level" if p.liq_kind is LiqKind.ACCOUNT
            else "cross" if p.cross else "isolated: own margin")
    lines: list[str | Text] = [f"Liq. price {before} → {after} ({kind})"]
    if p.liq_closer:
        why = ("the account is left more directional" if p.liq_kind is LiqKind.ACCOUNT
               else "the cost exceeds the margin it frees")
        lines.append(Text(f"           nearer the mark: {why}", "bold"))
    return lines


def _estimate_lines(p: TrimPreview) -> list[str | Text]:
    """Price, notional and cost; without a price they are unknown and the lines say so (never a
    cost of $0)."""
    if p.est_price is None or p.est_cost is None:
        return ["Est. price —", Text.assemble("Est. cost  ", (f"no price from {p.venue}: cost unknown", "bold"))]
    return [
        f"Est. price {fmt.price(p.est_price)}   notional ${fmt.money(p.notional)}",
        f"Est. cost  ${fmt.money(p.est_cost)} (taker fee + impact)",
    ]
