"""Figures as a person reads them: which way liquidation lies, maintenance used with 100% as
liquidation, effective leverage beside gross, and unknown shown as unknown (never as 0)."""

from __future__ import annotations


from cockpit.model import AccountInfo, AccountState, Frame, Health, Layer, Mode, PositionKey
from cockpit.risk import RiskEngine
from cockpit.present import format as fmt
from cockpit.ui.widgets.collateral import CollateralTable
from cockpit.ui.widgets.positions import PositionsTable
from cockpit.ui.widgets.table import plain
from tests.risk.factory import account, book, instruments_for, position, quote
from tests.ui.cockpit_app import FROZEN, first_frame, make_app


def _cells(table, key: str) -> list[str]:
    """The text of the row `key`'s cells, as drawn (before any cropping to the column)."""
    return [plain(c) for c in table.row_cells(key)]


def _column(table, key: str, column: str) -> str:
    names = [c.key for c in table.all_columns]
    return _cells(table, key)[names.index(column)]


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_the_distance_to_liquidation_says_which_way():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        a = app.api.latest.assessment
        table = app.screen.query_one(PositionsTable)
        # The demo's Binance account is net short: its BTC *long* is liquidated by a rise of the
        # whole account of about 396 %, which read "395.6%a" (a drop, to anyone) before.
        btc = next(p for p in a.positions if p.key == PositionKey("binance", "BTC/USDT:USDT"))
        assert (btc.side.value, btc.liq_kind, btc.liq_direction) == ("long", "account", 1)
        assert _column(table, btc.key, "dist") == "↑396%a"
        for p in a.positions:
            shown = _column(table, p.key, "dist")
            if p.liq_distance is None:
                continue
            arrow = {1: "↑", -1: "↓"}.get(p.liq_direction, "")
            assert shown == fmt.liq_distance(p.liq_distance, p.liq_direction, account=p.liq_kind == "account")
            assert shown.startswith(arrow) and arrow
        # A long's own liquidation price lies below it.
        eth = next(p for p in a.positions if p.account == "hyperliquid" and p.asset == "ETH")
        assert (eth.side.value, eth.liq_kind) == ("long", "position")
        assert _column(table, eth.key, "dist").startswith("↓")


async def test_margin_is_shown_as_maintenance_used_where_100_percent_is_liquidation():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        frame = app.api.latest
        table = app.screen.query_one(CollateralTable)
        labels = [c.label for c in table.all_columns]
        assert "Maint%" in labels and "MR" not in labels
        c = next(s.snapshot.collateral for s in frame.book.accounts if s.info.name == "binance")
        used = c.maintenance / c.equity  # ~1 %: the old pane showed its inverse, "95.6"
        assert _column(table, "binance", "ratio") == f"{used * 100:.1f}%"
        assert "100% = liquidation" in app.screen.query_one("#collateral").border_subtitle
        stress = _text(app, "#stress-table")
        assert "maint%" in stress and "MR" not in stress
        worst = max(1 / r.min_margin_ratio for r in frame.assessment.stress)
        assert fmt.maint_used(worst) in stress
        assert "100% = liquidation" in app.screen.query_one("#playbook").border_subtitle


async def test_the_legend_shows_effective_leverage_beside_gross():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await first_frame(pilot)
        a = app.api.latest.assessment
        legend = _text(app, "#positions-legend")
        eff, gross = f"{a.effective_leverage:.2f}×", f"{a.gross_leverage:.2f}×"
        if eff == gross:  # no offsets in the demo book: the same figure is not repeated
            assert f"eff. lev {eff}  funding" in legend and "(gross" not in legend
        else:
            assert f"eff. lev {eff} (gross {gross})" in legend
        assert "partial" not in legend  # every figure of the demo is known


def _partial_frame() -> Frame:
    """A book with an unreachable account, a position without a mark and only stale quotes."""
    bn = account("bn", "binance", [position("bn", "binance", "BTC", "long", 1, 50_000),
                                   position("bn", "binance", "BTC", "short", 1, None, entry=50_000)],
                 equity=200_000.0, maintenance=2_000.0)
    old = account("hl", "hyperliquid", [], funding=[quote("hyperliquid", "BTC", 0.0001)],
                  health=Health.STALE, age=60.0)
    gone = AccountState(info=AccountInfo(name="px", venue="paradex", layer=Layer.STARKNET), snapshot=None,
                        health=Health.DOWN, error="unreachable")
    # Two symbols: the factory names both BTC/USDT:USDT; the second must be another row.
    import dataclasses
    snap = bn.snapshot
    legs = (snap.positions[0], dataclasses.replace(snap.positions[1], symbol="BTC/USDC:USDC"))
    bn = dataclasses.replace(bn, snapshot=dataclasses.replace(snap, positions=legs))
    b = book(FROZEN, bn, old, gone)
    a = RiskEngine().evaluate(b, instruments_for(b), FROZEN)
    return Frame(seq=1, now=FROZEN, mode=Mode.SIM, readonly=False, book=b, assessment=a)


async def test_unknown_is_shown_unknown_and_totals_over_it_say_partial():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        frame = _partial_frame()
        assert frame.assessment.funding_stress is None
        app.screen.show_frame(frame)
        await pilot.pause()
        # No live quote: the index is unknown, not "stress 0/100".
        stress = _text(app, "#funding-stress")
        assert stress.startswith("stress —/100 no live quote") and "stress 0" not in stress
        # The unreachable account has a row of unknowns, and the totals say they are partial.
        table = app.screen.query_one(CollateralTable)
        assert _column(table, "px", "equity") == "—"
        assert _column(table, "Σ", "equity") == "300.0k" + fmt.PARTIAL  # bn and the stale hl
        legend = _text(app, "#positions-legend")
        assert "equity 300.0k*" in legend and "* partial: px unreachable" in legend
        assert "funding —/d" in legend  # no position has a funding quote: not "funding 0/d"
        # The BTC leg without a mark: its uPnL is unknown, and the asset's total says partial.
        positions = app.screen.query_one(PositionsTable)
        assert _column(positions, "Σ BTC", "upnl").endswith(fmt.PARTIAL)
        assert _column(positions, "Σ BTC", "fday") == "—"  # no quote for either leg: not "0"


async def test_a_stale_funding_cell_is_drawn_last_known_not_as_a_live_quote():
    from cockpit.ui.widgets.heatmap import FundingHeatmap

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        frame = _partial_frame()
        app.screen.show_frame(frame)
        await pilot.pause()
        heatmap = app.screen.query_one(FundingHeatmap)
        col = heatmap.venues.index("hyperliquid")
        row = 1 + heatmap.assets.index("BTC")
        line = heatmap.render_line(row)
        w = heatmap.cell_width  # 7, or 13 where there is room for $/day
        cell = line.crop(6 + w * col, 6 + w * (col + 1))
        assert cell.text.rstrip().endswith("?")
        assert all(seg.style.bgcolor is None or seg.style.dim for seg in cell if seg.text.strip())
        heatmap.cursor = (col, row - 1)
        await pilot.pause()
        assert "last-known" in _text(app, "#funding-detail")


async def test_a_funding_cell_without_an_interval_says_interval_unknown():
    """A quote whose venue gave no interval (OKX without nextFundingTime) is a cell with no APR:
    "—?" without heat, its detail "interval unknown"; its position's funding columns unknown."""
    from cockpit.ui.widgets.heatmap import FundingHeatmap

    ok = account("ok", "okx", [position("ok", "okx", "BTC", "long", 1, 50_000)],
                 funding=[quote("okx", "BTC", 0.0001, None), quote("okx", "ETH", 0.0001)],
                 equity=200_000.0, maintenance=2_000.0)
    b = book(FROZEN, ok)
    a = RiskEngine().evaluate(b, instruments_for(b), FROZEN)
    frame = Frame(seq=1, now=FROZEN, mode=Mode.SIM, readonly=False, book=b, assessment=a)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.show_frame(frame)
        await pilot.pause()
        heatmap = app.screen.query_one(FundingHeatmap)
        col, row = heatmap.venues.index("okx"), 1 + heatmap.assets.index("BTC")
        w = heatmap.cell_width
        cell = heatmap.render_line(row).crop(6 + w * col, 6 + w * (col + 1))
        assert "—" in cell.text and cell.text.rstrip().endswith("?") and "%" not in cell.text
        assert all(seg.style.bgcolor is None or seg.style.dim for seg in cell if seg.text.strip())
        heatmap.cursor = (col, row - 1)
        await pilot.pause()
        detail = _text(app, "#funding-detail")
        assert "interval unknown" in detail and "/8h" not in detail
        positions = app.screen.query_one(PositionsTable)
        key = PositionKey("ok", "BTC/USDT:USDT")
        assert (_column(positions, key, "apr"), _column(positions, key, "fday")) == ("—", "—")


def test_an_inverse_trim_confirmation_counts_contracts_not_coins():
    """The executor's preview of an inverse swap is in contracts: the confirmation says so
    (not "SHORT 2 BTC", which would be $180k instead of $200)."""
    from decimal import Decimal

    from cockpit.engine.executor import TrimPreview
    from cockpit.model import Intent, IntentSource, Side
    from cockpit.ui.screens.cockpit import _trim_lines

    p = TrimPreview(intent=Intent("t", "acc", "BTC/USD:BTC", IntentSource.HOTKEY, "test", 0.25),
                    account="acc", venue="okx", symbol="BTC/USD:BTC", side=Side.LONG,
                    size=Decimal(10), cut=Decimal(2), order_side=Side.SHORT, est_price=90_000.0,
                    est_cost=0.1, after=Decimal(8), notional=200.0, asset="BTC", unit="contracts")
    lines = [str(x) for x in _trim_lines(p)]
    assert "LONG 10 contracts" in lines[1] and "SHORT 2 contracts" in lines[2]
    after = next(line for line in lines if line.startswith("After"))
    assert "BTC" not in lines[2] and "8 contracts" in after
