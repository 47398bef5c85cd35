"""Number formatting: fixed widths hold for every value, and unknown is never shown as 0."""

from hypothesis import given, strategies as st

from cockpit.ui import format as fmt


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
