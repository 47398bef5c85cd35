"""The funding pane driven by its keys: the period, the colour scale, the filters, the card, the
ledger; and what they look like at 80×24 and 120×40 (snapshots).

The frames are the simulator's (fixed seed, frozen clock) with the engine's history figures and
ledger put in by hand where a frozen clock has none yet.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from cockpit.model.funding import AssetFunding, CellStats, FundingLedger, LedgerLine, Period
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.ledger import LedgerScreen
from cockpit.ui.widgets.heatmap import FundingHeatmap
from cockpit.ui.widgets.table import KeyedTable
from tests.ui.cockpit_app import first_frame, make_app

DAY0 = 1_779_926_400.0  # the UTC midnight before the frozen clock


def with_history(frame):
    """`frame` with a day and a week of figures for every cell (BTC's week mostly negative) and
    a ledger of two days, one line of which disagrees."""
    stats = tuple(
        CellStats(c.asset, c.venue, avg_1d=c.apr * 1.5, positive_1d=0.75, avg_7d=-0.2 if c.asset == "BTC" else c.apr,
                  positive_7d=0.25 if c.asset == "BTC" else 1.0, median_1d=c.apr, median_7d=c.apr,
                  stability=0.031, covered=7 * 86400.0, interval_changes=(DAY0,) if c.asset == "SOL" else ())
        for c in frame.assessment.funding)
    lines = (
        LedgerLine("2026-05-28", "bybit", "bybit", "SOL/USDT:USDT", "SOL", "USDT", Decimal("-41.2031"), 3, -40.9, False),
        LedgerLine("2026-05-28", "binance", "binanceusdm", "ETH/USDT:USDT", "ETH", "USDT", Decimal("19.87"), 3, 19.8),
        LedgerLine("2026-05-27", "bybit", "bybit", "SOL/USDT:USDT", "SOL", "USDT", Decimal("-12.5"), 3, -38.1, True),
    )
    ledger = FundingLedger(since=DAY0 - 29 * 86400, lines=lines,
                           per_account=(("binance", Decimal("19.87")), ("bybit", Decimal("-53.7031"))),
                           per_asset=(AssetFunding("ETH", Decimal("19.87"), 58.0), AssetFunding("SOL", Decimal("-53.7031"), -83.0)),
                           sources=(("binance", "sim"), ("bybit", "sim")), disagreements=1)
    return dataclasses.replace(frame, funding_stats=stats, ledger=ledger)


async def shown_with_history(pilot) -> None:
    """The first frame, then the same with history, and the funding pane zoomed and focused."""
    await first_frame(pilot)
    pilot.app.api.push(with_history(pilot.app.api.latest))
    await pilot.pause()
    await pilot.press("2")
    pilot.app.screen.query_one(FundingHeatmap).focus()
    await pilot.pause()


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_the_period_key_cycles_now_day_week_and_the_cells_follow():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await shown_with_history(pilot)
        heatmap = app.screen.query_one(FundingHeatmap)
        assert heatmap.view.period is Period.NOW and "d now" in text(app, "#funding-options")
        await pilot.press("d")
        assert heatmap.view.period is Period.DAY and "d 1 day" in text(app, "#funding-options")
        assert "mean APR over 1 day" in text(app, "#funding-legend")
        await pilot.press("d")
        assert heatmap.view.period is Period.WEEK
        row = 1 + heatmap.assets.index("BTC")
        assert "-20%" in heatmap.render_line(row).text  # BTC's week, not its rate now
        await pilot.press("d")
        assert heatmap.view.period is Period.NOW


async def test_scale_and_filters():
    """v: relative scale, labelled; o: only the assets held; m: a minimum open interest hides cells."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await shown_with_history(pilot)
        heatmap = app.screen.query_one(FundingHeatmap)
        all_assets = heatmap.assets
        await pilot.press("v")
        assert heatmap.view.relative and "scale relative" in text(app, "#funding-options")
        assert "(relative: the largest shown)" in text(app, "#funding-legend")
        await pilot.press("o")
        held = {c.asset for c in app.api.latest.assessment.funding if c.held is not None}
        assert set(heatmap.assets) == held and len(heatmap.assets) < len(all_assets)
        assert "held only" in text(app, "#funding-options")
        await pilot.press("o", "m", "m", "m")  # all assets; OI at least $100M
        assert heatmap.view.min_oi == 100e6 and "OI ≥$100M" in text(app, "#funding-options")
        assert all(c.open_interest >= 100e6 for c in heatmap.cells.values())
        assert "hidden" in text(app, "#funding-options")


async def test_the_card_says_everything_about_the_cursor_cell_at_80x24():
    """Last and predicted rate, interval and countdown, 1 d / 7 d medians, stability, open
    interest, your position's funding per day: on screen at 80×24."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await shown_with_history(pilot)
        heatmap = app.screen.query_one(FundingHeatmap)
        held = next(c for c in app.api.latest.assessment.funding if c.held is not None and c.per_day is not None)
        heatmap.cursor = (heatmap.venues.index(held.venue), heatmap.assets.index(held.asset))
        await pilot.pause()
        card = text(app, "#funding-detail")
        for words in ("last +", "predicted", "every 8h", "next in", "median 1d", "7d", "stability ±3.1 pts",
                      "open interest $", "/day"):
            assert words in card, words
        region = app.screen.query_one("#funding-detail").region
        assert region.height >= 4 and region.bottom <= 24  # whole, within the terminal


async def test_the_ledger_opens_from_the_funding_pane_and_escape_comes_back():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await shown_with_history(pilot)
        await pilot.press("L")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LedgerScreen)
        assert screen.query_one(KeyedTable).row_count == 3
        head = text(app, "#ledger-head")
        assert "binance +19.87" in head and "1 ≠ disagree" in head
        assert "SOL -53.70 (now -83/d)" in text(app, "#ledger-assets")
        await pilot.press("escape")
        assert isinstance(app.screen, CockpitScreen)


async def test_the_export_key_asks_the_engine_for_the_csv_and_says_what_it_answered():
    """e on the ledger sends ExportLedger (nothing to a venue); the engine's answer is the toast:
    this test engine keeps no files, so it says where to look instead."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await shown_with_history(pilot)
        await pilot.press("L")
        await pilot.pause()
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [type(c).__name__ for c in app.api.sent] == ["ExportLedger"]
        toasts = [str(n.message) for n in app._notifications]
        assert any("cockpit funding export" in t for t in toasts), toasts


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_funding_week_view_with_the_card(snap_compare, size):
    """The funding pane zoomed on the 7-day view: BTC's week negative (blue), the card of the
    cursor cell (medians, stability, OI, what you pay or earn), the choices with their keys."""

    async def run_before(pilot):
        await shown_with_history(pilot)
        await pilot.press("d", "d", "down")

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_funding_ledger(snap_compare, size):
    """The ledger: totals per account and asset with the projection, one line a position and
    day, the disagreeing line flagged ≠, the sources and the legend."""

    async def run_before(pilot):
        await shown_with_history(pilot)
        await pilot.press("L")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_heatmap_scrolls_to_keep_the_cursor_in_view_under_a_fixed_header(size):
    """A short pane shows a window of the assets: walking the cursor down past its edge brings
    the last asset's row into view (the header stays), and walking back up brings the first."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await first_frame(pilot)
        if size[0] < 100:
            await pilot.press("2")  # one pane at a time: the funding pane's, zoomed
        heatmap = app.screen.query_one(FundingHeatmap)
        heatmap.focus()
        await pilot.pause()
        rows = heatmap.size.height - 1
        assets = list(heatmap.assets)
        assert len(assets) > rows, "the demo's assets must not all fit, or this tests nothing"

        def shown() -> list[str]:
            return [heatmap.render_line(y).text for y in range(heatmap.size.height)]

        assert shown()[0].startswith("Asset") and shown()[1].startswith(assets[0])
        assert not any(line.startswith(assets[-1] + " ") for line in shown())
        for _ in assets:
            await pilot.press("down")
        await pilot.pause()
        assert heatmap.cursor[1] == len(assets) - 1
        lines = shown()
        assert lines[0].startswith("Asset")  # the header stays
        assert lines[-1].startswith(assets[-1])  # the cursor's row is the last one shown
        assert assets[-1] in text(app, "#funding-detail")  # and its card is the one shown
        for _ in assets:
            await pilot.press("up")
        await pilot.pause()
        assert shown()[1].startswith(assets[0])


async def test_zooming_the_funding_pane_says_what_its_wide_cells_show_before_the_next_frame():
    """At 80×24 the pane zoomed gives each venue a wide cell with what you earn there a day; the
    legend says so as soon as the cells widen, with no new frame in between."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await first_frame(pilot)
        legend = app.screen.query_one("#funding-legend")
        await pilot.press("2")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one(FundingHeatmap).wide
        assert "per day there" in str(legend.render())
