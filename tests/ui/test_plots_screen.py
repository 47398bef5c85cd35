"""The plots view: its key and palette entry, the watch it sends (and ends), one plot at a time at
80×24 with keys and tabs to switch, two or four on larger terminals, every shipped theme, and
what each plot looks like at 80×24 and 120×40 (made-up series, no clock: `tests.ui.plot_data`).

Update the pictures after looking at the report:
`python -m pytest tests/ui/test_plots_screen.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from cockpit.model.commands import WatchPlots
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.plots import PlotsScreen
from cockpit.ui.themes import load_theme, shipped_themes
from cockpit.ui.widgets.chart import ChartPanel, ChartPlot
from cockpit.ui.widgets.heatmap import FundingHeatmap
from tests.ui.cockpit_app import first_frame, make_app
from tests.ui.plot_data import with_plots


async def opened(pilot, *keys: str) -> PlotsScreen:
    """The first frame, then P, then the made-up series arrive; then `keys`."""
    await first_frame(pilot)
    await pilot.press("P")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, PlotsScreen)
    await pilot.app.workers.wait_for_complete()
    pilot.app.api.push(with_plots(pilot.app.api.latest, screen.cell))
    await pilot.pause()
    if keys:
        await pilot.press(*keys)
        await pilot.pause()
    return screen


def shown(screen: PlotsScreen) -> list[str]:
    return [p.plot_id for p in screen.query(ChartPanel) if p.display]


async def test_p_opens_the_plots_of_the_heatmap_cursor_cell_watching_them_and_escape_ends_the_watch():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        heatmap = app.screen.query_one(FundingHeatmap)
        await pilot.press("2", "down", "right")  # the funding pane, a cell other than the first
        expected = heatmap.current_key()
        screen = await opened(pilot)
        assert screen.cell == expected
        watch = app.api.sent[0]
        assert watch == WatchPlots(screen.watcher, (expected,))
        assert app.api.backend.plots.watched  # the engine holds the watch
        await pilot.press("escape")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, CockpitScreen)
        assert app.api.sent[-1] == WatchPlots(screen.watcher, stop=True)
        assert not app.api.backend.plots.watched


async def test_the_engine_series_reach_the_screen():
    """Without made-up data: the watch makes the engine's next frame carry its own series."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("P")
        await app.workers.wait_for_complete()
        frame = await app.api.poll()
        await pilot.pause()
        assert frame.plots is not None and frame.plots.stress is not None
        stress = app.screen.query_one("#plot-stress", ChartPanel)
        assert stress.panel.charts[0].marks  # drawn from the engine's history


async def test_a_remapped_key_opens_it_and_the_palette_offers_plots():
    app = make_app(keymap={"view.plots": "ctrl+g"})
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, CockpitScreen)
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, PlotsScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Plots")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PlotsScreen)


async def test_at_80x24_one_plot_at_a_time_switched_by_number_and_tab():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        assert shown(screen) == ["funding"]
        for key, plot in (("2", "stress"), ("3", "equity"), ("4", "shocks"), ("1", "funding")):
            await pilot.press(key)
            await pilot.pause()
            assert shown(screen) == [plot]
        await pilot.press("tab")
        await pilot.pause()
        assert shown(screen) == ["stress"]
        await pilot.press("0")  # all that fit: still one here, the current one
        await pilot.pause()
        assert shown(screen) == ["stress"]
        tabs = screen.query_one("#plots-tabs").render().plain
        assert "1 Funding" in tabs and "tab next" in tabs and "0 all" in tabs


async def test_the_tab_line_names_remapped_keys():
    app = make_app(keymap={"plots.next": "n", "plots.stress": "s"})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, "n")
        assert shown(screen) == ["stress"]
        tabs = screen.query_one("#plots-tabs").render().plain
        assert "n next" in tabs and "s Stress" in tabs and "tab next" not in tabs


@pytest.mark.parametrize(("size", "count"), [((120, 40), 4), ((200, 60), 4), ((100, 30), 2), ((99, 40), 1)])
async def test_as_many_plots_as_fit(size, count):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await opened(pilot)
        assert len(shown(screen)) == count
        await pilot.press("3")  # zoom one at any size
        await pilot.pause()
        assert shown(screen) == ["equity"]
        await pilot.press("0")
        await pilot.pause()
        assert len(shown(screen)) == count


async def test_each_plot_draws_its_marks_and_key():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot)
        panels = {p.plot_id: p.panel for p in screen.query(ChartPanel)}
        funding = panels["funding"]
        assert [m.kind for m in funding.charts[0].marks].count("event") == 2  # the interval changes
        assert any("interval changed to 4h" in words for _s, words, _c in funding.key)
        stress = panels["stress"]
        assert {m.at for m in stress.charts[0].marks if m.kind == "level"} == {60.0, 48.0, 35.0}
        assert "DOGE 80%" in stress.notes[0]
        equity = panels["equity"]
        assert [m.label for m in equity.charts[0].marks] == ["binance", "dydx"]
        assert {m.at for m in equity.charts[1].marks if m.kind == "level"} == {5.0, 15.0}
        shocks = panels["shocks"]
        assert len(shocks.charts[0].categories) == len(app.api.latest.assessment.stress)
        plots = list(screen.query(ChartPlot))
        assert all(p.chart is not None and p._datasets for p in plots)


@pytest.mark.parametrize("theme", shipped_themes())
async def test_every_shipped_theme_colours_the_lines(theme):
    app = make_app(theme=load_theme(theme))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot)
        stress = screen.query_one("#plot-stress", ChartPanel).query_one(ChartPlot)
        colors = app.theme_variables
        index = stress._datasets[-1]  # the index is drawn over its lines
        assert index.line_style == colors["primary"]
        levels = {d.marker_style for d in stress._datasets[:-1]}
        assert levels == {colors["kill-normal"], colors["kill-warn"], colors["kill-reducing"]}


async def test_the_theme_changing_redraws_the_plots():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot)
        app.register_theme(load_theme("cockpit-contrast"))
        app.theme = "cockpit-contrast"
        await pilot.pause()
        stress = screen.query_one("#plot-stress", ChartPanel).query_one(ChartPlot)
        assert stress._datasets[-1].line_style == app.theme_variables["primary"]


# -- pictures ---------------------------------------------------------------------------------

PLOT_KEYS = [("1", "funding"), ("2", "stress"), ("3", "equity"), ("4", "shocks")]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize(("key", "plot"), PLOT_KEYS, ids=[p for _, p in PLOT_KEYS])
def test_each_plot(snap_compare, size, key, plot):
    """One plot alone: at 80×24 as the view shows it there, at 120×40 zoomed."""

    async def run_before(pilot):
        await opened(pilot, key)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_all_four_at_120x40_colour_blind_theme(snap_compare):
    """All four plots, in the colour-blind theme."""

    async def run_before(pilot):
        await opened(pilot)

    assert snap_compare(make_app(theme=load_theme("cockpit-contrast")), terminal_size=(120, 40),
                        run_before=run_before)


async def test_a_watch_the_engine_lost_is_asked_again():
    """A guard restarted under an attached terminal never heard its watch: frames come without
    series, and the screen asks again (not on every frame: some seconds after it last asked)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot)
        backend = app.api.backend
        backend.plots.drop(screen.watcher)
        await app.api.poll()
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert not backend.plots.watched  # asked moments ago: not yet again
        screen._asked -= 10
        await app.api.poll()
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert backend.plots.watched and app.api.sent[-1] == WatchPlots(screen.watcher, (screen.cell,))


def test_attached_to_a_guard_the_plots_come_over_the_socket_and_closing_them_ends_the_watch():
    """The app attached to a guard (`RemoteEngine` over its socket): P sends the watch there, the
    guard's frames carry the series in their patches, the plots draw them; escape ends the watch."""
    import asyncio

    from cockpit.engine.demo import demo_engine
    from cockpit.engine.local import LocalEngine
    from cockpit.engine.protocol import default_socket
    from cockpit.engine.remote import RemoteEngine
    from cockpit.ui.app import CockpitApp
    from tests.ui.cockpit_app import FROZEN

    clock = [FROZEN]
    guard = LocalEngine(demo_engine(seed=7, speed=60.0, clock=lambda: clock[0]), serve=default_socket())
    guard.start()
    remote = RemoteEngine(default_socket())
    remote.attach()

    async def until_drawn(pilot, check, what: str) -> None:
        for _ in range(200):
            if check():
                return
            clock[0] += 1.0  # a simulated minute a step at 60x: the history grows
            await pilot.pause(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    async def run() -> None:
        app = CockpitApp(remote)
        async with app.run_test(size=(120, 40)) as pilot:
            await until_drawn(pilot, lambda: remote.latest is not None, "the first frame")
            await pilot.press("P")
            await until_drawn(pilot, lambda: guard.engine.plots.watched, "the guard to hold the watch")
            stress = app.screen.query_one("#plot-stress", ChartPanel)
            await until_drawn(pilot, lambda: stress.panel is not None and stress.panel.charts[0].marks,
                              "the stress plot drawn from the guard's series")
            funding = app.screen.query_one("#plot-funding", ChartPanel)
            assert remote.latest.plots.cell(*app.screen.cell) is not None and funding.panel.charts
            await pilot.press("escape")
            await until_drawn(pilot, lambda: not guard.engine.plots.watched, "the watch to end")

    try:
        asyncio.run(run())
    finally:
        remote.detach()
        guard.stop()


# -- a fresh start ----------------------------------------------------------------------------


def _rows(plot: ChartPlot, canvas_id: str) -> list[str]:
    from textual_hires_canvas import Canvas

    return ["".join(row) for row in plot.query_one(f"#{canvas_id}", Canvas)._buffer]


def _fresh(frame):
    """`frame` with the series of a fresh start: one sample of each, 10 seconds ago."""
    from dataclasses import replace

    from cockpit.model.plots import EquityHistory, FundingHistory, Plots, Series, StressHistory

    now = frame.sim_time if frame.sim_time is not None else frame.now
    t = now - 10
    cell = FundingHistory("BTC", "binance", "BTC/USDT:USDT", ((t, 0.1095),), (), 10.0)
    equity = EquityHistory((Series("binance", ((t, 308_700.0),)), Series("bybit", ((t, 61_700.0),))),
                           ((t, 370_400.0),), ((t, 0.0),), ((t, 0.0),), 0.05, 0.15, 10.0)
    return replace(frame, plots=Plots(now, funding=(cell,), stress=StressHistory(((t, 3.0),), bucket=10.0),
                                      equity=equity, span=86400.0))


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
async def test_a_fresh_start_draws_each_one_point_series_and_keeps_every_tick_label_whole(size):
    """One sample per series (a fresh start): each line shows as a short flat segment (textual-plot
    drew nothing for one point), a zero drawdown above the frame's bottom edge, the plot says it
    is collecting, and the x axis reads "60 45 30 15 now" with "now" whole at the right edge
    (it read "-1.0 … -0.2 -0." before)."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await first_frame(pilot)
        await pilot.press("P")
        await pilot.pause()
        screen = app.screen
        screen.cell = ("BTC", "binance")
        await app.workers.wait_for_complete()
        app.api.push(_fresh(app.api.latest))
        await pilot.pause()
        for key, plot_id in PLOT_KEYS[:3]:
            await pilot.press(key)
            await pilot.pause()
            panel = screen.query_one(f"#plot-{plot_id}", ChartPanel)
            assert any(note.startswith("collecting: 1 point, 10s so far") for note in panel.panel.notes)
            for plot in panel.query(ChartPlot):
                rows = _rows(plot, "plot")
                inside = [row[1:-1] for row in rows[1:-1]]  # within the frame
                lines = [d for d in plot._datasets if getattr(d, "hires_mode", None) is not None]
                assert lines and all(len(d.x) == 1 for d in lines)
                assert any(any("\u2800" < c <= "\u28ff" for c in row) for row in inside), (plot_id, rows)
                if plot.chart.ticks:
                    labels = _rows(plot, "margin-bottom")[0]
                    assert labels.split() == ["60", "45", "30", "15", "now"], labels
                    assert labels.rstrip().endswith("now")
        drawdown = list(screen.query_one("#plot-equity", ChartPanel).query(ChartPlot))[1]
        rows = _rows(drawdown, "plot")
        assert any("\u2800" < c <= "\u28ff" for c in "".join(rows[-2]))  # zero drawdown: off the frame


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
async def test_y_labels_are_never_written_over_one_another(size):
    """Each y label on a row of its own, in order, each one of the chart's ticks (none the remains
    of one written over another), the top one always there."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await opened(pilot)
        for key, plot_id in PLOT_KEYS[:3]:
            await pilot.press(key)
            await pilot.pause()
            for plot in screen.query_one(f"#plot-{plot_id}", ChartPanel).query(ChartPlot):
                labels = [float(row.strip()) for row in _rows(plot, "margin-left") if row.strip()]
                ticks = list(plot.chart.y_ticks)
                assert labels == sorted(labels, reverse=True) and set(labels) <= set(ticks), (plot_id, labels)
                assert labels[0] == ticks[-1] and len(labels) >= 2
