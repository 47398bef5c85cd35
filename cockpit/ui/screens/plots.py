"""The plots view: where people look rather than read. Four plots, each with its key:

1. the selected funding cell's APR over the week, interval changes marked (the heatmap cursor's
   cell when the view was opened);
2. the funding stress index over the day against its threshold, WARN and re-entry lines, with
   the assets that drove it;
3. equity per account, and the book's drawdowns against the drawdown caps;
4. the stress table as a chart: the book's P&L and the worst maintenance margin used by shock.

Opened from the cockpit by its key (`view.plots`) or the palette's "Plots"; escape goes back. On a
small terminal (80×24) one plot shows at a time (keys 1-4, tab for the next: the tab line and
the key bar name them), from 100×30 two side by side, from 120×40 all four; 1-4 zoom one at any
size and 0 shows them all again.

Data flows one way: the screen sends `WatchPlots` (the cell it watches; renewed every third of
the lease while it is shown, asked again when frames keep coming without the series, as from a
guard restarted under an attached terminal; ended when it closes), and the engine's frames carry the
series (`Frame.plots`, bounded and bucketed by the engine, see `cockpit.engine.plots`); the
stress table is the assessment's own. `cockpit.present.plots` turns a frame into charts and
words; `cockpit.ui.widgets.chart` draws them. Attached to a guard it is the same: the command
travels over the socket and the series come in the frame's patches.

Why textual-plot rather than textual-plotext (compared on 2026-12-04 with Textual 8.2.8, the
version pyproject pins; one plot of 3 lines × 720 points and 2 levels at 120×40, median CPU
time of a redraw including painting its lines):

==================  ================================  ====================================
                    textual-plot 0.10.1               textual-plotext 1.0.1
==================  ================================  ====================================
last release        Feb 2026 (textual-hires-canvas    Nov 2024; pins plotext < 6 while
                    0.14.0 Jan 2026)                  plotext 6.1 is out (Sep 2026)
Textual 8.2.8       native widget, works              works (a wrapper: plotext draws ANSI
                                                      text that Textual parses again)
resolution          braille 2×4, quadrant 2×2,        braille, "hd"/"fhd" block markers
                    half-block 1×2 per cell
theming             component classes on $theme       "auto" sets only background and
                    variables; any Rich colour per    foreground; lines take plotext's
                    line, so theme variables work     own colour names
redraw, 120×40      30 ms (3 × 720 points)            76 ms CPU (134 ms wall)
dependencies        numpy (the cockpit's already),    plotext (pure Python)
                    textual-hires-canvas
==================  ================================  ====================================

textual-plot is maintained against current Textual, draws in Textual's own widgets and styles
(so the four shipped themes, the colour-blind one included, reach every line and axis), and was
2.5× faster. With the engine's series at most 240 points and levels drawn as rules, one plot's
redraw at 120×40 takes 11.4–11.6 ms of CPU (goal 16), and the cockpit with all four plots on
screen idles at 1.8% of a core on the 1 Hz simulator (`python -m bench plots`). Its cost, numpy in
the terminal, is paid only when the plots are opened: this module is imported then, not at start.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid

from cockpit.engine.api import EngineAPI
from cockpit.model import Frame
from cockpit.model.commands import WATCH_LEASE, WatchPlots, new_command_id
from cockpit.present import plots as pp
from cockpit.ui.bindings import bind, key_of
from cockpit.ui.screens.following import FollowingScreen
from cockpit.ui.tabs import ALL, TabbedViews, tab_line
from cockpit.ui.widgets.chart import ChartPanel
from cockpit.ui.widgets.keybar import KeyBar
from cockpit.ui.widgets.line import Line
from cockpit.ui.widgets.status import status_line

ALL_WIDTH, ALL_HEIGHT = 120, 40  # from here all four plots show
TWO_WIDTH, TWO_HEIGHT = 100, 30  # from here two, side by side
CHARTS = {"funding": 1, "stress": 1, "equity": 2, "shocks": 2}  # charts per plot
REASK = 5.0  # seconds without series after asking before the watch is sent again


class PlotsScreen(TabbedViews, FollowingScreen):
    """The plots view (see the module doc).

    Args:
        api: the engine's port.
        cell: the funding cell (asset, venue) whose history the first plot shows.
    """

    BINDINGS = [
        *(bind(f"plots.{p.id}", f"show({p.id!r})") for p in pp.PLOTS),
        bind("plots.all", "show('all')", show=False),
        bind("plots.next", "cycle(1)"),
        bind("plots.back", "back"),
    ]
    HELP_TITLE = "Plots"
    HELP_SECTIONS = ("plots", "status", "units")

    DEFAULT_CSS = """
    PlotsScreen { layout: vertical; }
    #plots-status, #plots-tabs { height: 1; background: $panel; }
    #plots-grid { grid-size: 2 2; grid-gutter: 0; height: 1fr; }
    PlotsScreen.-one #plots-grid { grid-size: 1 1; }
    PlotsScreen.-two #plots-grid { grid-size: 2 1; }
    """

    def __init__(self, api: EngineAPI, cell: tuple[str, str] | None) -> None:
        super().__init__(api)
        self.cell = cell
        self.view = ALL  # the zoomed plot's id
        self.current = pp.PLOTS[0].id  # the plot shown first when not all fit
        self.watcher = new_command_id()
        self._asked = time.monotonic()  # when the watch was last sent
        self._refused: str | None = None  # the engine's last refusal, said once

    def compose(self) -> ComposeResult:
        """Status, the tab line, the four plots, the key bar."""
        yield Line(id="plots-status")
        yield Line(id="plots-tabs")
        with Grid(id="plots-grid"):
            for p in pp.PLOTS:
                yield ChartPanel(p.id, CHARTS[p.id])
        yield KeyBar()

    def on_mount(self) -> None:
        """Watch the series, subscribe to frames, show the newest, lay out."""
        self._watch()
        self.set_interval(WATCH_LEASE / 3, self._watch)
        self._layout()
        self.follow()

    def on_unmount(self) -> None:
        """Tell the engine the series are no longer watched (`FollowingScreen` stops listening)."""
        self.app.run_worker(self.api.send(WatchPlots(self.watcher, stop=True)), exit_on_error=False)

    def _watch(self) -> None:
        self._asked = time.monotonic()
        cells = (self.cell,) if self.cell is not None else ()
        self.run_worker(self._send(WatchPlots(self.watcher, cells)), group="watch", exclusive=True,
                        exit_on_error=False)

    async def _send(self, command: WatchPlots) -> None:
        result = await self.api.send(command)
        if not result.ok and result.message != self._refused:
            self.notify(f"Plots: {result.message}", severity="warning", markup=False)
        self._refused = None if result.ok else result.message

    def _rewatch(self, frame: Frame) -> None:
        """Ask again when the frames carry no series some seconds after asking: the guard this
        terminal re-attached to after a restart never heard the watch (nor did one whose lease
        lapsed while this terminal was cut off)."""
        missing = frame.plots is None or (self.cell is not None and frame.plots.cell(*self.cell) is None)
        if missing and time.monotonic() - self._asked > REASK:
            self._watch()

    # -- frames ---------------------------------------------------------------------------

    def show(self, frame: Frame) -> None:
        """Draw the plots on screen from `frame` (a plot not shown is drawn when it shows)."""
        self.frame = frame
        self._rewatch(frame)
        colors = self.app.theme_variables
        self.query_one("#plots-status", Line).show(status_line(frame, colors, self.size.width))
        panels = {p.plot.id: p for p in pp.panels(frame, self.cell)}
        for panel in self.query(ChartPanel):
            if panel.display:
                panel.show(panels[panel.plot_id], colors)

    # -- layout ---------------------------------------------------------------------------

    def on_resize(self) -> None:
        """Show as many plots as fit."""
        self._layout()

    def fitting(self) -> int:
        """How many plots fit on the screen now: 4, 2 or 1."""
        w, h = self.size
        if w >= ALL_WIDTH and h >= ALL_HEIGHT:
            return 4
        return 2 if w >= TWO_WIDTH and h >= TWO_HEIGHT else 1

    def view_ids(self) -> list[str]:
        """The plots' ids, in tab order."""
        return [p.id for p in pp.PLOTS]

    def shown(self) -> list[str]:
        """The ids of the plots on screen."""
        ids = self.view_ids()
        if self.view != ALL:
            return [self.view]
        n = self.fitting()
        if n == 4:
            return ids
        i = ids.index(self.current)
        return [ids[(i + k) % len(ids)] for k in range(n)]

    def _layout(self) -> None:
        shown = self.shown()
        self.set_class(len(shown) == 1, "-one")
        self.set_class(len(shown) == 2, "-two")
        for panel in self.query(ChartPanel):
            panel.display = panel.plot_id in shown
        self.query_one("#plots-tabs", Line).show(self._tabs(shown))
        if self.frame is not None:
            self.show(self.frame)

    def _tabs(self, shown: list[str]) -> Text:
        """The tab line: each plot's key and name, the ones on screen highlighted."""
        plots = [(key_of(self.app, f"plots.{p.id}"), p.title, p.id in shown) for p in pp.PLOTS]
        return tab_line(self.app, plots, "plots.all", "plots.next")

    # -- keys -----------------------------------------------------------------------------

    def action_show(self, plot_id: str) -> None:
        """Zoom one plot (or show "all" that fit)."""
        self.zoom(plot_id)
        self._layout()

    def action_cycle(self, step: int) -> None:
        """The next plot: zoomed when one is, else the first of those shown."""
        self.cycle(step)
        self._layout()

__all__ = ["PlotsScreen"]
