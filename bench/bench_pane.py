"""The Positions pane at 500 positions: a frame produced (risk) and rendered in the pane.

Run: ``python -m bench ui`` (with the other UI figures), or ``python -m bench.bench_pane``.

The book is the risk benchmark's (`tests.risk.factory.RandomBook`: 500 positions, 8 accounts, 300
symbols), each frame with fresh snapshots whose marks moved, so every row's figures change, as
they do when every poller answers. The pane runs in a headless Textual app at 160×48 (the pane
shows ~30 rows). One frame is timed as the cockpit handles it:

* produced: `RiskEngine.evaluate` of the book (the baseline, measured in the same run);
* rendered: `PositionsPane.update(frame)`, then the lines the screen would paint: the table's
  and the legend's (`render_lines`, what the compositor calls for a dirty widget);
* and, reported beside it, the same with what the app then does to show it (`pilot.pause()`:
  Textual composes the screen from those lines, cutting each changed line at every widget's
  edge, and writes it to its headless driver; the pilot's own wait for idle is counted too).

Every row on screen changes in every frame: the worst case (at 1 Hz on the simulator a frame
changes a few figures per row). Medians of wall time, and of the thread's CPU time (the better
figure on a loaded machine: it leaves out the time other processes held the CPU; this VM also
runs at two speeds, so compare code alternating in one session).

The garbage collector is set as the cockpit sets it once its first frame is painted
(`cockpit.ui.app.settle_collector`: start-up objects frozen, a larger young generation), and the
figures note the collector's time inside the timed frames (mean per frame).

Why the evaluation costs more here than in `python -m bench risk`: the same evaluations are timed
again in the same run without the app, each assessment let go before the next is made (as `bench
risk` times it), then with the last one held until the next is made. In the app the last frame is
still held while the next is made (the cockpit keeps the frame on screen), so a new frame's rows
are allocated in memory the CPU has not touched lately, and the app's own paint between frames
evicts the rest of the evaluation's data from the caches. On a quiet machine that is about 1.4x
(3.1 ms let go, 4.0 ms held, 4.5 ms in the app); on a busy one the other processes evict it too,
and the three come together. The collector (see above) and the sampling ticks (one evaluation in
ten records the funding index) are not what makes the difference.
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import sys
import time

from textual.app import App, ComposeResult
from textual.geometry import Region

from bench.common import Figure
from cockpit.model import Frame, Mode
from cockpit.risk import RiskEngine
from tests.risk.factory import RandomBook

SIZE = (160, 48)


def _books(rounds: int) -> tuple[list, RandomBook]:
    """`rounds` books of the risk benchmark's accounts, each with fresh snapshots (marks moved)."""
    maker = RandomBook()
    books = [maker.book([maker.state(i, float(r)) for i in range(len(maker.names))], float(r))
             for r in range(rounds)]
    return books, maker


class _PaneApp(App):
    """One Positions pane filling the screen, as the cockpit's zoomed pane 1."""

    CSS_PATH = "../cockpit/ui/cockpit.tcss"

    def compose(self) -> ComposeResult:
        from cockpit.ui.widgets.positions import PositionsPane

        yield PositionsPane()


class _CollectorTime:
    """CPU time the garbage collector spends while `on` (a `gc.callbacks` entry)."""

    def __init__(self) -> None:
        self.on, self.total, self._start = False, 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if not self.on:
            return
        if phase == "start":
            self._start = time.thread_time()
        else:
            self.total += time.thread_time() - self._start


async def _measure(rounds: int) -> tuple[dict[str, list[float]], int]:
    from cockpit.ui.app import settle_collector
    from cockpit.ui.themes import THEME_VARIABLE_DEFAULTS, load_theme
    from cockpit.ui.widgets.line import Line
    from cockpit.ui.widgets.positions import PositionsPane, PositionsTable

    engine = RiskEngine()
    app = _PaneApp()
    app.get_theme_variable_defaults = lambda: dict(THEME_VARIABLE_DEFAULTS)
    samples: dict[str, list[float]] = {"evaluate": [], "render": [], "total": [], "cpu": [], "cpu_eval": [],
                                       "cpu_render": [], "gc": [], "cpu_loop": []}
    collector = _CollectorTime()
    gc.disable()  # as `cockpit.cli` starts the app
    async with app.run_test(size=SIZE) as pilot:
        theme = load_theme("cockpit-dark")
        app.register_theme(theme)
        app.theme = theme.name
        await pilot.pause()
        settle_collector()  # as the cockpit's first paint does
        gc.callbacks.append(collector)
        books, maker = _books(rounds)
        pane = app.query_one(PositionsPane)
        table = pane.query_one(PositionsTable)
        legend = pane.query_one("#positions-legend", Line)
        for k, book in enumerate(books):
            collector.on, collector.total = True, 0.0
            c0, t0 = time.thread_time(), time.perf_counter()
            assessment = engine.evaluate(book, maker.instruments, 1000.0 + k)
            frame = Frame(seq=k, now=1000.0 + k, mode=Mode.LIVE, readonly=True, book=book, assessment=assessment)
            c1, t1 = time.thread_time(), time.perf_counter()
            pane.update(frame)
            table.render_lines(Region(0, 0, table.size.width, table.size.height))
            legend.render_lines(Region(0, 0, legend.size.width, legend.size.height))
            c2, t2 = time.thread_time(), time.perf_counter()
            collector.on = False
            if k >= 3:  # warm-up: the first frames fill the caches
                samples["evaluate"].append(t1 - t0)
                samples["render"].append(t2 - t1)
                samples["total"].append(t2 - t0)
                samples["cpu"].append(c2 - c0)
                samples["cpu_eval"].append(c1 - c0)
                samples["cpu_render"].append(c2 - c1)
                samples["gc"].append(collector.total)
            await pilot.pause()  # let the screen paint for real between frames
            if k >= 3:  # the frame with Textual's own paint of it (compositor, terminal output)
                samples["cpu_loop"].append(time.thread_time() - c0)
        rows = table.row_count
    gc.callbacks.remove(collector)
    return samples, rows


def _evaluate_alone(rounds: int, hold: bool) -> float:
    """Median CPU time of the evaluations of the same books without the app: each assessment let
    go before the next is made (as `python -m bench risk` times it), or (`hold`) the last one
    kept until the next is made, as the cockpit keeps the frame on screen."""
    books, maker = _books(rounds)
    engine = RiskEngine()
    cpu, held = [], None
    for k, book in enumerate(books):
        c0 = time.thread_time()
        assessment = engine.evaluate(book, maker.instruments, 1000.0 + k)
        held = assessment if hold else None
        del assessment
        if k >= 3:
            cpu.append(time.thread_time() - c0)
    del held
    return statistics.median(cpu) * 1e3


def run(quick: bool = False) -> list[Figure]:
    """The Positions pane figures (medians; the baseline is the evaluation, in the same run)."""
    rounds = 15 if quick else 45
    threshold = gc.get_threshold()
    try:
        samples, rows = asyncio.run(_measure(rounds))
    finally:  # the collector as it was, for the suites that run after this one
        gc.unfreeze()
        gc.set_threshold(*threshold)
        gc.enable()
    alone, held = _evaluate_alone(rounds, hold=False), _evaluate_alone(rounds, hold=True)
    m = {name: statistics.median(values) * 1e3 for name, values in samples.items()}
    collector = statistics.mean(samples["gc"]) * 1e3
    note = f"{rows} rows, {SIZE[0]}x{SIZE[1]}, median of {len(samples['total'])} frames, every mark moved"
    return [
        Figure("positions frame, 500 positions: evaluate+update+paint, wall", m["total"], "ms", target=16.0,
               ratio=m["total"] / m["evaluate"], note=f"ratio to evaluate alone; {note}"),
        Figure("positions frame, the same: CPU time of the thread", m["cpu"], "ms", target=16.0,
               ratio=m["cpu"] / m["cpu_eval"], note=f"ratio to evaluate alone; leaves out time other processes "
                                                    f"held the CPU; garbage collector {collector:.2f} ms a frame"),
        Figure("positions frame with Textual's own paint of it, CPU", m["cpu_loop"], "ms",
               ratio=m["cpu_loop"] / m["cpu_eval"], note="ratio to evaluate alone; the above, then the app "
                                                        "composes the screen and writes it out (headless; "
                                                        "the test pilot's wait for idle included)"),
        Figure("positions frame: update+paint of the pane alone, CPU", m["cpu_render"], "ms",
               ratio=m["cpu_render"] / m["cpu_eval"], note=f"ratio to evaluate alone; wall {m['render']:.2f} ms"),
        Figure("positions frame: risk evaluate alone (baseline), CPU", m["cpu_eval"], "ms",
               note=f"every account's snapshot new; wall {m['evaluate']:.2f} ms"),
        Figure("the same evaluations without the app (as bench risk), CPU", alone, "ms",
               ratio=alone / m["cpu_eval"], note="ratio to the evaluation in the app; each assessment let go "
                                                "before the next, nothing painted between"),
        Figure("the same without the app, the last assessment held, CPU", held, "ms",
               ratio=held / m["cpu_eval"], note="ratio to the evaluation in the app; kept until the next is "
                                               "made, as the cockpit keeps the frame on screen"),
    ]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    for figure in run("--quick" in sys.argv):
        print(figure.line())
