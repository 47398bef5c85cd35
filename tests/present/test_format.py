"""Number formatting: fixed widths hold for every value, and unknown is never shown as 0."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, strategies as st

from cockpit.present import format as fmt


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_apr_fits_a_heatmap_cell(value):
    text = fmt.apr(value)
    assert len(text) <= 5
    if value * 100 >= 0.05:
        assert text.startswith("+")
    if value * 100 <= -0.05:
        assert text.startswith("-")


def test_apr_worked_examples():
    assert fmt.apr(0.1095) == "+11%"
    assert fmt.apr(0.032) == "+3.2%"
    assert fmt.apr(-0.45) == "-45%"
    assert fmt.apr(4.89) == "+489%"
    assert fmt.apr(170.0) == "+17k"  # 17,000%
    assert fmt.apr(11.0) == "+1.1k"  # 1,100%
    assert fmt.apr(1.1) == "+110%"


def test_unknown_is_a_dash_never_zero():
    assert fmt.money(None) == fmt.price(None) == fmt.pct(None) == fmt.apr(None) == "—"


def test_money_short_keeps_two_figures():
    assert fmt.money(1725, signed=True, short=True) == "+1.7k"
    assert fmt.money(-12_345, short=True) == "-12k"
    assert fmt.money(1_250_000) == "1.25M"
    assert fmt.money(574.6) == "575"


def test_liq_distance_says_which_way_and_whose():
    assert fmt.liq_distance(0.065, -1) == "↓6.5%"
    assert fmt.liq_distance(3.9552, +1, account=True) == "↑396%a"  # was "395.6%a": read as a drop
    assert fmt.liq_distance(0.7455, +1, account=True) == "↑74.6%a"
    assert fmt.liq_distance(0.0, 0) == "0.0%"
    assert fmt.liq_distance(None, 1) == "—"


@given(st.floats(min_value=0, max_value=99.99), st.sampled_from([-1, 1]), st.booleans())
def test_liq_distance_fits_its_column_and_keeps_its_arrow(value, direction, account):
    text = fmt.liq_distance(value, direction, account=account)
    assert len(text) <= 7
    assert text[0] == ("↑" if direction > 0 else "↓")


def test_maintenance_used_reads_100_percent_as_liquidation():
    from cockpit.model.assessment import maint_used

    assert maint_used(95.57) == pytest.approx(0.010463, rel=1e-3)  # equity 95.57× maintenance
    assert fmt.maint_used(maint_used(95.57)) == "1.0%"
    assert fmt.maint_used(maint_used(1.5)) == "67%"
    assert fmt.maint_used(maint_used(1.0)) == "100%"
    assert fmt.maint_used(maint_used(-2.0)) == ">999%"  # equity below zero: past liquidation
    assert maint_used(None) is None and fmt.maint_used(None) == "—"


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_maintenance_used_fits_its_column(ratio):
    from cockpit.model.assessment import maint_used

    assert len(fmt.maint_used(maint_used(ratio))) <= 6


def test_a_total_over_unknowns_says_partial_never_counts_them_as_zero():
    assert fmt.total([100.0, 200.0]) == "300"
    assert fmt.total([100.0, None], signed=True) == "+100" + fmt.PARTIAL
    assert fmt.total([None, None]) == "—"
    assert fmt.total([]) == "—"


def test_money_in_a_sentence_has_a_dollar_and_a_true_minus():
    assert fmt.money(2_500_000, dollars=True) == "$2.5M"
    assert fmt.money(-310.4, dollars=True) == "−$310"
    assert fmt.money(-48_000, dollars=True) == "−$48k"
    assert fmt.money(1_200, dollars=True) == "$1.2k"


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_every_figure_climbs_one_ladder(value):
    """money, short money and size share `SCALES`: the same suffix for the same magnitude."""
    suffix = next((s for scale, s in fmt.SCALES if value >= scale), "")
    if value >= 1e4:
        assert fmt.size(value)[-1] == suffix
    if value >= 1e3:
        for text in (fmt.money(value), fmt.money(value, short=True), fmt.money(value, dollars=True)):
            assert text[-1] == suffix


def test_a_funding_interval_in_hours_or_what_unknown_reads_as():
    assert [fmt.interval(h) for h in (8.0, 1.0, 4, 0.5, None)] == ["8h", "1h", "4h", "0.5h", "—"]
    assert fmt.interval(None, "?") == "?" and fmt.interval(2.0, "?") == "2h"


def test_leverage_in_a_legend_and_in_a_cell():
    assert fmt.leverage(2.0123) == "2.01×"
    assert fmt.leverage(2.0123, compact=True) == "2.0x"
    assert fmt.leverage(None) == fmt.leverage(float("nan")) == "—"


@pytest.mark.parametrize("value", [None, float("nan"), np.float64("nan"), Decimal("NaN")])
def test_none_and_nan_are_unknown_and_every_formatter_says_so(value):
    assert fmt.unknown(value)
    if not isinstance(value, Decimal):
        for text in (fmt.money(value), fmt.pct(value), fmt.apr(value), fmt.leverage(value), fmt.maint_used(value),
                     fmt.liq_distance(value, 1)):
            assert text == fmt.DASH
        assert fmt.total([value, 5.0]) == "5" + fmt.PARTIAL


@pytest.mark.parametrize("value", [0, 0.0, -0.0, Decimal("0"), np.float64(0.0), float("inf")])
def test_zero_and_other_numbers_are_known(value):
    assert not fmt.unknown(value)
