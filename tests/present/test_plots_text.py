"""The plots in charts and words (`cockpit.present.plots`): what each plot draws, in which
theme colour, and its key, from made-up series. No Textual."""

from __future__ import annotations


import pytest

from cockpit.model import Assessment, Book, Frame, Mode, StressRow
from cockpit.model.plots import Driver, EquityHistory, FundingHistory, Plots, Series, StressHistory
from cockpit.present import plots as pp, privacy

NOW = 1_000_000.0
H = 3600.0


def _frame(plots: Plots | None = None, stress: tuple = ()) -> Frame:
    return Frame(seq=1, now=NOW, mode=Mode.SIM, readonly=False, book=Book(accounts=(), now=NOW),
                 assessment=Assessment(now=NOW, stress=stress), plots=plots)


def test_time_unit_fits_the_history():
    assert pp.time_axis(30 * 60)[:2] == (60.0, "minutes ago")
    assert pp.time_axis(10 * H)[:2] == (H, "hours ago")
    assert pp.time_axis(5 * 86400)[:2] == (86400.0, "days ago")


def test_before_the_series_arrive_each_plot_says_it_waits():
    frame = _frame()
    panels = pp.panels(frame, ("BTC", "binance"))
    assert [p.plot.id for p in panels] == ["funding", "stress", "equity", "shocks"]
    assert all(not c.marks for p in panels for c in p.charts)
    assert panels[0].charts[0].empty == pp.WAITING
    assert "no funding cell" in pp.funding_panel(frame, None).charts[0].empty


def test_funding_marks_interval_changes_and_zero_only_when_funding_changed_sign():
    apr = ((NOW - 3 * H, -0.05), (NOW - 2 * H, 0.10), (NOW - H, 0.20))
    history = FundingHistory("BTC", "binance", "BTC/USDT:USDT", apr, ((NOW - 2 * H, 4.0),), 600.0)
    panel = pp.funding_panel(_frame(Plots(NOW, funding=(history,))), ("BTC", "binance"))
    chart = panel.charts[0]
    assert chart.x_label == "hours ago" and chart.x_range == (-3.0, 0.0)
    line = next(m for m in chart.marks if m.kind == "line")
    assert line.xs == (-3.0, -2.0, -1.0) and line.ys == pytest.approx((-5.0, 10.0, 20.0))
    assert [(m.kind, m.at) for m in chart.marks if m.kind != "line"] == [("level", 0.0), ("event", -2.0)]
    assert any("interval changed to 4h 2.0h ago" in words for _s, words, _c in panel.key)
    assert "BTC/USDT:USDT" in panel.title
    positive = history._replace(apr=apr[1:])
    chart = pp.funding_panel(_frame(Plots(NOW, funding=(positive,))), ("BTC", "binance")).charts[0]
    assert not [m for m in chart.marks if m.kind == "level"] and chart.y_ticks[0] == 0.0 > chart.y_range[0]


def test_stress_draws_its_three_lines_and_names_its_drivers():
    index = ((NOW - 50 * 60, 10.0), (NOW - 20 * 60, 70.0), (NOW, 20.0))
    drivers = (Driver("DOGE", 0.75, NOW - 30 * 60, NOW - 20 * 60), Driver("ETH", 0.25, NOW - 20 * 60, NOW - 20 * 60))
    stress = StressHistory(index, 60.0, 48.0, 35.0, drivers, raised=4, bucket=60.0)
    panel = pp.stress_panel(_frame(Plots(NOW, stress=stress)))
    chart = panel.charts[0]
    levels = {m.at: m.color for m in chart.marks if m.kind == "level"}
    assert levels == {60.0: "kill-reducing", 48.0: "kill-warn", 35.0: "kill-normal"}
    assert chart.y_ticks == (0.0, 20.0, 40.0, 60.0, 80.0, 100.0) and chart.y_range == (-5.0, 105.0) and chart.x_label == "minutes ago"
    assert panel.notes == ("drivers while raised: DOGE 75% (30m-20m ago), ETH 25% (20m ago)",
                           "collecting: 3 points, 50m so far")
    calm = pp.stress_panel(_frame(Plots(NOW, stress=stress._replace(raised=0, drivers=()))))
    assert calm.notes[0] == "drivers: none yet"


def test_equity_lines_per_account_and_drawdown_against_both_caps():
    a = ((NOW - 2 * H, 100_000.0), (NOW, 95_000.0))
    equity = EquityHistory((Series("a", a), Series("b", ((NOW - H, 50_000.0),))), ((NOW, 145_000.0),),
                           ((NOW - H, 0.01), (NOW, 0.06)), ((NOW, 0.08),), 0.05, 0.15, 60.0)
    panel = pp.equity_panel(_frame(Plots(NOW, equity=equity)))
    top, bottom = panel.charts
    assert [(m.label, m.color) for m in top.marks] == [("a", "primary"), ("b", "accent")]
    assert top.marks[0].ys == (100.0, 95.0) and not top.ticks  # $k; the x ticks are the chart's below
    assert {m.at for m in bottom.marks if m.kind == "level"} == {5.0, 15.0}
    assert bottom.y_range == (-1.0, 20.0) and bottom.y_ticks == (0.0, 5.0, 10.0, 15.0, 20.0)  # the peak cap in sight
    assert ("━", "a $95k", "primary") in panel.key and panel.notes[0].startswith("book $145k")


def test_equity_below_zero_reads_as_money_in_a_sentence():
    """A negative equity (an account past liquidation, a book in deficit) reads "−$5.0k" as money in
    a sentence does everywhere, not "$-5k"; masked, "−$•••"."""
    equity = EquityHistory((Series("a", ((NOW - H, 1_000.0), (NOW, -5_000.0))),), ((NOW, -4_200.0),),
                           ((NOW, 0.01),), ((NOW, 0.02),), 0.05, 0.15, 60.0)
    panel = pp.equity_panel(_frame(Plots(NOW, equity=equity)))
    assert ("━", "a −$5.0k", "primary") in panel.key and panel.notes[0].startswith("book −$4.2k;")
    privacy.set_masked(True)
    try:
        masked = pp.equity_panel(_frame(Plots(NOW, equity=equity)))
    finally:
        privacy.set_masked(False)
    assert ("━", "a −$•••", "primary") in masked.key and masked.notes[0].startswith("book −$•••;")


def test_the_time_axis_reads_in_whole_units_back_to_now():
    """Seconds, minutes, hours, days as the history grows; "now" at the right edge, whole numbers
    before it (a fresh start read "-1.0 -0.8 … -0.2 -0.0 minutes ago")."""
    fresh = pp.time_axis(10.0)
    assert fresh.name == "seconds ago" and fresh.low == -60.0
    assert fresh.ticks == ((0, "now"), (-15, "15"), (-30, "30"), (-45, "45"), (-60, "60"))
    assert [a.name for a in map(pp.time_axis, (100, 20 * 60, 5 * H, 2 * 86400, 7 * 86400))] == [
        "seconds ago", "minutes ago", "hours ago", "hours ago", "days ago"]
    for extent in (0, 59, 61, 179, 180, 599, 3599, 3 * H, 10 * H, 86400, 3 * 86400 - 1, 7 * 86400):
        axis = pp.time_axis(extent)
        assert axis.ticks[0] == (0, "now") and 2 <= len(axis.ticks) <= pp.MAX_STEPS + 1, extent
        assert all(label.isdigit() for _x, label in axis.ticks[1:]), axis  # no "-0.0", no "0.8"
        assert all(axis.low <= x <= 0 for x, _ in axis.ticks)


@pytest.mark.parametrize(("values", "levels", "from_zero"), [
    ((11.0,), (0.0,), True),  # a fresh start's one funding point: +11% APR
    ((309.0, 23.1, 62.0), (), False),  # accounts' equity, $k
    ((0.0,), (0.0, 5.0, 15.0), True),  # no drawdown yet against the caps
    ((661.0,), (), False),  # one value alone
    ((-5.0, 10.0, 20.0), (0.0,), True),
    ((0.0,), (), False),
])
def test_a_y_range_holds_the_data_and_the_levels_with_a_margin(values, levels, from_zero):
    (low, high), ticks = pp.value_range(values, levels, from_zero=from_zero)
    every = (*values, *levels)
    assert low < min(every) and high > max(every)  # never a value on (or past) the frame
    assert ticks[-1] == high and 2 <= len(ticks) <= 6  # the top labelled
    assert ticks[0] == (0.0 if from_zero and min(every) >= 0 else low)  # the bottom (or zero)


def test_a_fresh_start_draws_one_point_per_series_and_says_it_is_collecting():
    """One sample of each: every series is a line of one point the plot draws, the y ranges hold
    it, and each plot says it is collecting rather than look broken."""
    cell = FundingHistory("ETH", "binance", "ETH/USDT:USDT", ((NOW - 10, 0.1095),), (), 10.0)
    equity = EquityHistory((Series("binance", ((NOW - 10, 308_700.0),)),), ((NOW - 10, 660_900.0),),
                           ((NOW - 10, 0.0),), ((NOW - 10, 0.0),), 0.05, 0.15, 10.0)
    stress = StressHistory(((NOW - 10, 3.0),), bucket=10.0)
    frame = _frame(Plots(NOW, funding=(cell,), stress=stress, equity=equity))
    funding, stress_panel, equity_panel = pp.panels(frame, ("ETH", "binance"))[:3]
    chart = funding.charts[0]
    line = next(m for m in chart.marks if m.kind == "line")
    assert line.ys == pytest.approx((10.95,)) and chart.y_range[0] < 0 < 10.95 < chart.y_range[1]
    assert chart.y_ticks[0] == 0 and chart.y_ticks[-1] == chart.y_range[1]
    assert chart.x_label == "seconds ago" and chart.x_ticks[0] == (0, "now")
    assert "collecting: 1 point, 10s so far" in funding.notes
    assert "collecting: 1 point, 10s so far" in stress_panel.notes
    top, bottom = equity_panel.charts
    assert top.y_range[0] < 308.7 < top.y_range[1]
    assert [len(m.xs) for m in bottom.marks if m.kind == "line"] == [1, 1]
    assert equity_panel.notes[1] == "collecting: 1 point, 10s so far"


def test_shocks_as_bars_coloured_by_sign_and_liquidation():
    rows = (StressRow("down 20%", -0.2, -12_000.0, 0.9), StressRow("up 20%", 0.2, 3_000.0, 2.5),
            StressRow("tail", -0.2, -20_000.0, None, liquidated_accounts=("bybit",), tail=True))
    panel = pp.shocks_panel(_frame(stress=rows))
    top, bottom = panel.charts
    assert top.categories == ("-20%", "+20%", "tail")
    bars = next(m for m in top.marks if m.kind == "bars")
    assert bars.ys == (-12.0, 3.0, -20.0) and bars.colors == ("pnl-down", "pnl-up", "pnl-down")
    used = next(m for m in bottom.marks if m.kind == "bars")
    assert used.ys == (111.1, 40.0, 0.0) and used.colors[0] == "kill-halted"  # rounded as the axis shows
    assert any(m.kind == "level" and m.at == 100.0 for m in bottom.marks)
    assert panel.notes[0].startswith("worst tail: -20k, liquidates bybit")
    assert pp.shocks_panel(_frame()).charts[0].empty.startswith("no stress table")
