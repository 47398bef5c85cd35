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
from textual_plot.axis_formatter import AxisFormatter, CategoricalAxisFormatter, NumericAxisFormatter

from cockpit.present.plots import Chart, Mark
from cockpit.ui.widgets.line import Line

PAD = 0.02  # of the x range, right of the newest point
RULE = "─"  # a level's character
LONE = 2.5  # cells: a series of one point is drawn as a flat segment this long ending at it


class FixedTicks(AxisFormatter):
    """Ticks where the chart puts them, with its words ("now", "15"): `Chart.x_ticks`."""

    def __init__(self, ticks: tuple[tuple[float, str], ...]) -> None:
        self.labels = dict(ticks)

    def get_ticks(self, min_: float, max_: float, max_ticks: int = 8) -> list[float]:
        """The chart's ticks within the range."""
        return [t for t in self.labels if min_ <= t <= max_]

    def get_labels_for_ticks(self, ticks) -> list[str]:
        """The chart's words for them."""
        return [self.labels.get(t, "") for t in ticks]


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
            self.set_x_formatter(FixedTicks(chart.x_ticks) if chart.x_ticks else NumericAxisFormatter())
            self.set_xticks([t for t, _label in chart.x_ticks] if chart.x_ticks else None)
            lo, hi = self._x_span(chart)
            # x_max maps onto the frame's right edge: a little room keeps the newest point inside
            self.set_xlimits(lo, hi + (hi - lo) * PAD)
        self.set_ylimits(*(chart.y_range or (None, None)))
        # no figures on a masked money axis
        self.set_yticks(([*chart.y_ticks] or None) if chart.y_figures else [])

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

    def _render_line_plot(self, dataset) -> None:
        """A line as textual-plot draws it; a series of one point (a fresh start) as a short flat
        segment ending at it, where textual-plot would draw nothing."""
        if len(dataset.x) != 1 or dataset.hires_mode is None:
            super()._render_line_plot(dataset)
            return
        x, y = self.get_hires_pixel_from_coordinate(dataset.x[0], dataset.y[0])
        start = max(float(self._scale_rectangle.x), x - LONE)
        self.query_one("#plot", Canvas).draw_hires_lines([(start, y, x, y)], style=dataset.line_style,
                                                          hires_mode=dataset.hires_mode)

    def _render_x_ticks(self) -> None:
        """Tick marks on the frame, and their labels below, each label moved left or right as
        far as it must to stay whole inside the plot's width (textual-plot centres them, so the
        last one, "now", was cut at the right edge); a label that would touch the one before it
        is left out (its tick mark stays)."""
        canvas = self.query_one("#plot", Canvas)
        bottom = self.query_one("#margin-bottom", Canvas)
        bottom.reset()
        if self._x_ticks is None:
            ticks, labels = self._x_formatter.get_ticks_and_labels(self._x_min, self._x_max)
        else:
            ticks, labels = self._x_ticks, self._x_formatter.get_labels_for_ticks(self._x_ticks)
        style = str(self.get_component_rich_style("plot--axis"))
        tick_style = self.get_component_rich_style("plot--tick")
        width = bottom.size.width
        taken = -1  # the last column a label covers
        for tick, label in sorted(zip(ticks, labels)):
            if not self._x_min <= tick <= self._x_max:
                continue
            x, _ = self.get_pixel_from_coordinate(tick, 0.0)
            for y, quad in ((0, (2, 0, 0, 0)), (self._scale_rectangle.bottom, (0, 0, 2, 0))):
                canvas.set_pixel(x, y, self.combine_quad_with_pixel(quad, canvas, x, y), style=style)
            # centred as textual-plot centres (an even label one to the right), then kept inside
            centred = x + self.margin_left - len(label) // 2 + (len(label) % 2 == 0)
            left = min(max(centred, 0), width - len(label))
            if label and left > taken + 1:
                bottom.write_text(left, 0, f"[{tick_style}]{label}", TextAlign.LEFT)
                taken = left + len(label) - 1

    def _render_y_ticks(self) -> None:
        """textual-plot's y ticks, less those whose label would land on the row of one kept below
        it or of the top one (a short chart labels its ends; textual-plot writes a label over
        another on the same row, and a shorter one over a longer leaves a figure that is no tick)."""
        ticks = self._y_ticks
        if not ticks or len(ticks) <= 2:
            super()._render_y_ticks()
            return

        def row(t: float) -> int:  # where textual-plot writes its label (the lowest one row down)
            return self.get_pixel_from_coordinate(0.0, t)[1] + (t == self._y_min)

        kept = [ticks[0]]
        for t in ticks[1:-1]:
            if row(t) not in (row(kept[-1]), row(ticks[-1])):
                kept.append(t)
        self._y_ticks = [*kept, ticks[-1]]
        try:
            super()._render_y_ticks()
        finally:
            self._y_ticks = ticks

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
