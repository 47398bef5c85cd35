"""The heatmap's view in words: values per period, the colour scale, filters, the card."""

from __future__ import annotations

from cockpit.model import Assessment, Frame, FundingCell, Mode, Side
from cockpit.model.book import Book
from cockpit.model.funding import CellStats, Period
from cockpit.present import funding as pf

NOW = 1_780_000_000.0


def frame(*cells, stats=()):
    a = Assessment(now=NOW, funding=cells, assets=tuple(dict.fromkeys(c.asset for c in cells)),
                   venues=tuple(dict.fromkeys(c.venue for c in cells)))
    return Frame(seq=1, now=NOW, mode=Mode.SIM, readonly=False, book=Book(now=NOW, accounts=()), assessment=a,
                 funding_stats=stats)


BTC = FundingCell("BTC", "v", "BTC/USDT:USDT", 0.30, 0.000274, 8.0, NOW + 3600, 0.0003, Side.LONG, (), 0.0, False,
                  2.0e9, -82.2)
ETH = FundingCell("ETH", "v", "ETH/USDT:USDT", -0.06, -0.0000548, 8.0, None, None, None, (), 0.0, False, 5.0e5, None)


def test_fixed_and_relative_scales():
    f = frame(BTC, ETH)
    fixed = pf.shown(f, pf.HeatView())
    assert fixed.saturation == pf.SATURATION
    assert fixed.cells[("BTC", "v")].heat == pf.heat(0.30) < 1.0
    rel = pf.shown(f, pf.HeatView(relative=True))
    assert rel.saturation == 0.30 and rel.cells[("BTC", "v")].heat == 1.0  # the largest shown is full
    assert rel.cells[("ETH", "v")].heat < 0.5  # shorts pay: the cold side


def test_periods_show_the_engines_means_and_no_history_is_dim():
    stats = (CellStats("BTC", "v", avg_1d=0.2, positive_1d=0.9, avg_7d=-0.1, positive_7d=0.4),)
    f = frame(BTC, ETH, stats=stats)
    week = pf.shown(f, pf.HeatView(period=Period.WEEK), extra=5)
    assert week.cells[("BTC", "v")].text == "▲ -10%  40%"
    assert week.cells[("ETH", "v")].heat is None  # no history for the week: no colour, not a zero
    now = pf.shown(f, pf.HeatView(), extra=5)
    assert now.cells[("BTC", "v")].text == "▲ +30%  -82"  # what the long pays per day there


def test_filters_hide_cells_and_say_how_many():
    f = frame(BTC, ETH)
    assert pf.shown(f, pf.HeatView(held_only=True)).assets == ("BTC",)
    big = pf.shown(f, pf.HeatView(min_oi=1e6))
    assert big.assets == ("BTC",) and big.hidden == 1
    line = pf.options_line(pf.HeatView(min_oi=1e6), 1, {"funding.period": "d", "funding.min_oi": "m"})
    assert "d now" in line and "m OI ≥$1.0M" in line and "1 hidden" in line
    assert pf.HeatView().next_period().next_period().next_period() == pf.HeatView()


def test_the_card():
    lines = pf.card(BTC, None, frame(BTC))
    assert lines[1].startswith("last +0.0274% = +30% APR · predicted +0.0300% · every 8h, next in 1.0h")
    assert lines[2] == "open interest $2.0B · you are long: you pay $82/day"
    assert "no history yet" in lines[3]


VENUES = ("binanceusdm", "bybit", "okx", "hyperliquid", "dydx", "paradex")


def test_the_venue_header_names_venues_in_full_by_borrowing_their_neighbours_room():
    """From 9-cell columns (6 venues in 60 cells) every name is whole, each starting over its own
    column; in 7-cell ones they cannot all be, and each is cut to its column as before."""
    header = pf.venue_header(VENUES, 6, 9, 60)
    assert header.split() == list(VENUES)
    for k, name in enumerate(VENUES):
        x = 6 + header.index(name)
        assert 6 + 9 * k <= x < 6 + 9 * (k + 1)  # it starts over its own column
    assert pf.venue_header(VENUES, 6, 7, 50).split() == ["binanc", "bybit", "okx", "hyperl", "dydx", "parade"]
    # Names that fit their columns are right-aligned over them, as the APRs are.
    assert pf.venue_header(("okx", "dydx"), 6, 7, 20) == "   okx   dydx "
    assert pf.venue_header((), 6, 7, 20) == ""
