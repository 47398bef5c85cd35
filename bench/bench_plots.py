"""The plots view: a plot's redraw at 120×40, and the cockpit's idle CPU with the plots on screen.

Run: ``python -m bench plots`` (or ``python -m bench.bench_plots [--quick]``).

* **redraw**: the plots screen in a headless Textual app at 120×40, over the demo simulator (frozen
  clock), fed a frame whose series all moved (a day of made-up series, `tests.ui.plot_data`, a bucket
  later each frame: every value moved one point), so every chart is drawn again. Timed as the cockpit handles
  it: `PlotsScreen.show(frame)` (the panels turn the frame into charts and hand them to
  textual-plot), then what the compositor calls for each chart (its `render`, where textual-plot
  draws into its canvases, and `render_lines` of every canvas). One plot zoomed (the stress
  index: 144 points and 3 levels over the whole screen) and all four at once. The baseline,
  measured in the same run: textual-plot's own `PlotWidget` drawing the same index and levels
  as plain braille lines, filling the same screen, without the cockpit around it.
* **idle CPU with the plots visible**: `cockpit --demo` on a 120×40 pty (the simulator at 1 Hz),
  the plots opened with P (all four on screen: the engine reads the series from its history
  while watched), against the same cockpit left on its panes, both running at once so they see
  the same machine load; CPU seconds of each process over windows of wall seconds.

Medians of the thread's CPU time (the better figure on a loaded machine: it leaves out the time
other processes held the CPU), wall time beside it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from dataclasses import replace

from textual.app import App, ComposeResult
from textual.geometry import Region

from bench.common import Figure

SIZE = (120, 40)


def _paint(widget) -> None:
    """What the compositor does for a dirty chart: its render, then every canvas's lines."""
    widget.render()
    for canvas in widget.query("Canvas"):
        canvas.render_lines(Region(0, 0, canvas.size.width, canvas.size.height))


async def _screen_rounds(rounds: int, zoom: str | None) -> tuple[list[float], list[float]]:
    """(CPU, wall) seconds per redraw of the plots screen, one plot zoomed or all four."""
    from cockpit.ui.screens.plots import PlotsScreen
    from cockpit.ui.widgets.chart import ChartPlot
    from tests.ui.cockpit_app import first_frame, make_app
    from tests.ui.plot_data import synthetic_plots

    app = make_app()
    cpu, wall = [], []
    async with app.run_test(size=SIZE) as pilot:
        await first_frame(pilot)
        await pilot.press("P")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlotsScreen)
        if zoom:
            await pilot.press(zoom)
            await pilot.pause()
        base = app.api.latest
        now = base.sim_time or base.now
        for k in range(rounds):
            frame = replace(base, seq=base.seq + k + 1, plots=synthetic_plots(now + 600.0 * k, screen.cell, shift=k))
            c0, t0 = time.thread_time(), time.perf_counter()
            screen.show(frame)
            for plot in screen.query(ChartPlot):
                if plot.display and plot.parent.display:
                    _paint(plot)
            c1, t1 = time.thread_time(), time.perf_counter()
            if k >= 3:  # warm-up: the first frames fill the caches
                cpu.append(c1 - c0)
                wall.append(t1 - t0)
            await pilot.pause()  # let the screen paint for real between frames
    return cpu, wall


class _Bare(App):
    """textual-plot's PlotWidget alone, filling the screen (the baseline)."""

    def compose(self) -> ComposeResult:
        from textual_plot import PlotWidget

        yield PlotWidget(allow_pan_and_zoom=False)


async def _bare_rounds(rounds: int) -> tuple[list[float], list[float]]:
    """(CPU, wall) seconds per redraw of the same index and levels in a bare PlotWidget."""
    from textual_plot import HiResMode, PlotWidget

    from tests.ui.plot_data import synthetic_plots

    app = _Bare()
    cpu, wall = [], []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        widget = app.query_one(PlotWidget)
        for k in range(rounds):
            stress = synthetic_plots(1e9 + 600.0 * k, None, shift=k).stress
            xs = [t for t, _ in stress.index]
            c0, t0 = time.thread_time(), time.perf_counter()
            widget.clear()
            for level in (stress.reentry, stress.warn, stress.threshold):
                widget.plot([xs[0], xs[-1]], [level, level], hires_mode=HiResMode.BRAILLE)
            widget.plot(xs, [v for _, v in stress.index], hires_mode=HiResMode.BRAILLE)
            _paint(widget)
            c1, t1 = time.thread_time(), time.perf_counter()
            if k >= 3:
                cpu.append(c1 - c0)
                wall.append(t1 - t0)
            await pilot.pause()
    return cpu, wall


def redraw(rounds: int = 30) -> list[Figure]:
    """Medians of a redraw: one plot zoomed, all four, and the bare PlotWidget baseline."""
    one = asyncio.run(_screen_rounds(rounds, "2"))
    four = asyncio.run(_screen_rounds(rounds, None))
    bare = asyncio.run(_bare_rounds(rounds))
    m = {name: (statistics.median(c) * 1e3, statistics.median(w) * 1e3)
         for name, (c, w) in (("one", one), ("four", four), ("bare", bare))}
    note = f"{SIZE[0]}x{SIZE[1]}, median of {len(one[0])} redraws, every series moved"
    return [
        Figure("plot redraw, one plot zoomed (stress index), CPU", m["one"][0], "ms", target=16.0,
               ratio=m["one"][0] / m["bare"][0], note=f"ratio to the bare PlotWidget; wall {m['one'][1]:.2f} ms; {note}"),
        Figure("plot redraw, all four plots at once, CPU", m["four"][0], "ms",
               note=f"four plots: no one-plot baseline to divide by; wall {m['four'][1]:.2f} ms"),
        Figure("bare textual-plot PlotWidget, same index and levels (baseline), CPU", m["bare"][0], "ms",
               note=f"wall {m['bare'][1]:.2f} ms"),
    ]


def idle(window: float = 10.0, windows: int = 3, warmup: float = 6.0) -> list[Figure]:
    """CPU share of the cockpit on the 1 Hz simulator with the plots open, and without (at once)."""
    from bench.bench_bytes import isolated_env
    from bench.pty_run import PtyProcess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-plots-") as root:
        procs = {}
        for name in ("plots", "panes"):
            env = isolated_env(os.path.join(root, name))
            procs[name] = PtyProcess([sys.executable, "-m", "cockpit", "--demo"], env=env)
        try:
            time.sleep(warmup)
            procs["plots"].send(b"P")
            time.sleep(warmup)  # the watch, the first series, the first draw
            cpu: dict[str, list[float]] = {"plots": [], "panes": []}
            for _ in range(windows):
                start = {name: (p.cpu_seconds(), time.monotonic()) for name, p in procs.items()}
                time.sleep(window)
                for name, p in procs.items():
                    c0, t0 = start[name]
                    cpu[name].append((p.cpu_seconds() - c0) / (time.monotonic() - t0) * 100)
        finally:
            for p in procs.values():
                p.stop()
    plots, panes = statistics.median(cpu["plots"]), statistics.median(cpu["panes"])
    return [
        Figure("idle CPU, plots visible, simulator at 1 Hz (120x40)", plots, "%", target=5.0,
               ratio=plots / panes, note=f"ratio to the panes, run beside it; median of {windows} x {window:g}s"),
        Figure("idle CPU, the same cockpit on its panes (baseline)", panes, "%"),
    ]


def run(quick: bool = False) -> list[Figure]:
    """The plots' figures."""
    if quick:
        return redraw(rounds=10) + idle(window=5.0, windows=1, warmup=4.0)
    return redraw() + idle()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    for figure in run("--quick" in sys.argv):
        print(figure.line())
