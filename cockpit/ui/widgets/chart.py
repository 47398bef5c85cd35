"""A chart: one `cockpit.present.plots.Chart` drawn with textual-plot's `PlotWidget`.

Why textual-plot (0.10.1, Feb 2026, over textual-plotext 1.0.1): see `cockpit.ui.screens.plots`.

Colours are theme variables (`Mark.color`), looked up in the app's theme when the chart is drawn
and again when the theme changes; the axes and ticks take the theme's `$secondary` and
`$foreground-muted` from the CSS below, so every theme (the colour-blind cockpit-contrast too)
draws the whole chart. Data lines are braille (2×4 dots a cell), levels (thresholds, caps) a
solid rule of "─", interval changes "│", bars half-blocks (1×2 a cell). A chart is
drawn again only when what it shows changed (`Chart` is a value), so an idle frame costs nothing
here. The plot has no keys of its own (no zoom or pan): it never takes the focus, so the screen's
keys always work.

This module imports numpy (through textual-plot): the cockpit imports it only when the plots are
opened, so an attached terminal that never opens them never loads numpy.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual_hires_canvas import Canvas, TextAlign
from textual_plot import HiResMode, PlotWidget
from textual_plot.axis_formatter import CategoricalAxisFormatter, NumericAxisFormatter

from cockpit.present.plots import Chart, Mark
from cockpit.ui.widgets.line import Line

PAD = 0.02  # of the x range, right of the newest point
RULE = "─"  # a level's character


class ChartPlot(PlotWidget, can_focus=False):
    """A PlotWidget that draws a `Chart` and nothing else: no zoom, no pan, no focus."""

    DEFAULT_CSS = """
    ChartPlot {
        & > .plot--axis { color: $secondary; }
        & > .plot--tick { color: $foreground-muted; text-style: none; }
        & > .plot--label { color: $foreground-muted; text-style: italic; }
    }
    """

    def __init__(self, **kw) -> None:
        super().__init__(allow_pan_and_zoom=False, **kw)
        self.chart: Chart | None = None
        self._colors: dict[str, str] = {}
        self._drawn: tuple | None = None

    def on_mount(self) -> None:
        """Margins: none above (the title is on the frame), a line of ticks below; follow the theme."""
        super().on_mount()
        self.margin_top, self.margin_bottom, self.margin_left = 0, 1, 8
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.draw(self.chart, force=True))

    def on_resize(self) -> None:
        """Fit the canvases to the new size before the next draw (textual-plot resizes them only
        on a layout refresh, which a neighbour's change of height does not send)."""
        self.refresh(layout=True)

    def _render_x_label(self) -> None:
        """Nothing: the x axis is named in the chart's title (`_render_y_label`), which saves a line."""

    def _render_y_label(self) -> None:
        """The chart's title (the y axis's unit, then the x axis's) on the frame's top edge,
        where textual-plot would spend a line above it."""
        chart = self.chart
        if chart is None:
            return
        title = " · ".join(t for t in (chart.y_label, chart.x_label) if t)
        self.query_one("#plot", Canvas).write_text(
            2, 0, f"[{self.get_component_rich_style('plot--label')}] {title} ", TextAlign.LEFT)

    def draw(self, chart: Chart | None, *, force: bool = False) -> bool:
        """Draw `chart` (None: nothing) unless it is what is drawn already; True when drawn."""
        colors = self.app.theme_variables
        key = (chart, colors.get("primary"), colors.get("background"))
        if not force and key == self._drawn:
            return False
        self.chart, self._colors, self._drawn = chart, colors, key
        self.clear()
        if chart is None or not chart.marks:
            return True
        self.margin_bottom = 1 if chart.ticks else 0
        self._axes(chart)
        for mark in chart.marks:
            self._mark(mark, chart)
        return True

    def _axes(self, chart: Chart) -> None:
        self.set_xlabel(chart.x_label)
        self.set_ylabel(chart.y_label)
        if chart.categories:
            self.set_x_formatter(CategoricalAxisFormatter(list(chart.categories)))
            self.set_xticks([float(i) for i in range(1, len(chart.categories) + 1)])
            self.set_xlimits(0.4, len(chart.categories) + 0.6)
        else:
            self.set_x_formatter(NumericAxisFormatter())
            self.set_xticks(None)
            lo, hi = self._x_span(chart)
            # x_max maps onto the frame's right edge: a little room keeps the newest point inside
            self.set_xlimits(lo, hi + (hi - lo) * PAD)
        self.set_ylimits(*(chart.y_range or (None, None)))
        self.set_yticks(None if chart.y_figures else [])  # no figures on a masked money axis

    def _color(self, name: str) -> str:
        return self._colors.get(name) or self._colors.get("foreground", "white")

    def _mark(self, mark: Mark, chart: Chart) -> None:
        color = self._color(mark.color)
        if mark.kind == "line" and mark.xs:
            self.plot(list(mark.xs), list(mark.ys), line_style=color, hires_mode=HiResMode.BRAILLE)
        elif mark.kind == "level":
            # A solid "─" a cell, where data lines are braille dots: a level reads as a rule, not
            # as data, in any colour (the colour-blind theme included).
            # Two points, so the axes fit them; drawn as one rule (`_render_scatter_plot`).
            lo, hi = self._x_span(chart)
            self.scatter([lo, hi], [mark.at, mark.at], marker=RULE, marker_style=color)
        elif mark.kind == "event":
            self.add_v_line(mark.at, line_style=color)
        elif mark.kind == "bars" and mark.xs:
            styles = [self._color(c) for c in mark.colors] or color
            self.bar(list(mark.xs), list(mark.ys), width=0.6, bar_style=styles, hires_mode=HiResMode.HALFBLOCK)

    def _render_scatter_plot(self, dataset) -> None:
        """A level (two points marked `RULE`) as a rule between them, a cell at a time in one
        call, inside the frame; any other scatter as textual-plot draws it. Levels come first
        among a chart's marks, so the data drawn after them stays on top."""
        if dataset.marker != RULE or len(dataset.x) != 2:
            super()._render_scatter_plot(dataset)
            return
        box = self._scale_rectangle
        x0, y = self.get_pixel_from_coordinate(dataset.x[0], dataset.y[0])
        x1, _ = self.get_pixel_from_coordinate(dataset.x[1], dataset.y[0])
        if box.y <= y < box.bottom:
            cells = ((x, y) for x in range(max(x0, box.x), min(x1, box.right - 1) + 1))
            self.query_one("#plot", Canvas).set_pixels(cells, RULE, dataset.marker_style)

    def _x_span(self, chart: Chart) -> tuple[float, float]:
        """The x range a level spans: the chart's, else its marks'."""
        if chart.categories:
            return 0.45, len(chart.categories) + 0.55
        if chart.x_range is not None:
            return chart.x_range
        xs = [x for m in chart.marks for x in m.xs]
        return (min(xs), max(xs)) if xs else (0.0, 1.0)


class ChartPanel(Vertical):
    """One plot of the view: its charts one above the other, then its key and notes."""

    DEFAULT_CSS = """
    ChartPanel {
        border: round $secondary;
        border-title-color: $foreground;
        border-title-style: bold;
        height: 1fr;
        width: 1fr;
        & > ChartPlot { height: 1fr; min-height: 5; }
        & > .chart-empty { height: 1fr; content-align: center middle; color: $foreground-muted; }
        & > .chart-key { height: auto; color: $foreground-muted; }
    }
    """

    def __init__(self, plot_id: str, charts: int, **kw) -> None:
        super().__init__(id=f"plot-{plot_id}", **kw)
        self.plot_id = plot_id
        self._charts = charts
        self.panel = None
        self._primary: str | None = None

    def compose(self) -> ComposeResult:
        """Its charts, a line for "nothing to draw", its key."""
        for _ in range(self._charts):
            yield ChartPlot()
        yield Line("", classes="chart-empty")
        yield Line("", classes="chart-key")

    def show(self, panel, colors: dict[str, str]) -> None:
        """Draw `panel` (a `cockpit.present.plots.Panel`); only what changed is drawn again (a
        title or key set to the same text would cost the screen a layout pass every frame)."""
        if panel == self.panel and colors.get("primary") == self._primary:
            return
        self.panel, self._primary = panel, colors.get("primary")
        title = f"{panel.plot.number} {panel.title}"
        if self.border_title != title:
            self.border_title = title
        drawable = [c for c in panel.charts if c.marks]
        empty = self.query_one(".chart-empty", Line)
        if empty.display != (not drawable):
            empty.display = not drawable
        if not drawable:
            empty.show(Text(panel.charts[0].empty if panel.charts else ""))
        for i, plot in enumerate(self.query(ChartPlot)):
            chart = drawable[i] if i < len(drawable) else None
            if plot.display != (chart is not None):
                plot.display = chart is not None
            plot.draw(chart)
        self.query_one(".chart-key", Line).show(key_text(panel, colors))


def key_text(panel, colors: dict[str, str]) -> Text:
    """The panel's key: each symbol in its colour, then the notes, dim."""
    text = Text()
    for i, (symbol, words, color) in enumerate(panel.key):
        if i:
            text.append("  ")
        text.append(symbol, style=colors.get(color, ""))
        text.append(f" {words}")
    for note in panel.notes:
        text.append(("\n" if text else "") + note, style="dim")
    return text


__all__ = ["ChartPanel", "ChartPlot", "key_text"]
