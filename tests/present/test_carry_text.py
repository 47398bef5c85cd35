"""The carry scanner in words: the table's cells, the selected pair explained, the size field."""

from __future__ import annotations

import math

import pytest

from cockpit.model import CarryScan, Side
from cockpit.present import carry as pc
from cockpit.risk import carry
from tests.risk.test_carry import A_RATE, B_RATE, cell


def _scan(**held):
    """The hand-worked pair of `tests/risk/test_carry.py` (A +0.01%/8h, B −0.005%/1h, 5 bps, $100k)."""
    cells = [cell("A", A_RATE, 8, held=held.get("A"), next_time=3600.0),
             cell("B", B_RATE, 1, held=held.get("B"), next_time=600.0)]
    return carry.scan(cells, [0.0005, 0.0005], 100_000.0, 30.0)


def test_the_hand_worked_pair_as_a_row():
    """gross 54.75 %, net 50.78 %, break-even 2.18 days, capacity 26.3M / 115.6M, costs
    (0.002 + 0.00126) × $100k = $326."""
    s = _scan()
    assert pc.pair_cells(s.pairs[0], s) == ("", "BTC", "B", "A", "+55%", "+51%", "2.2d", "$26M", "$116M", "—",
                                            "1h/8h", "$326")


def test_the_pair_explained_costs_interval_mismatch_and_unknown_stability():
    s = _scan()
    text = "\n".join(pc.detail(s.pairs[0], s, 0.0))
    assert "long B earns 44%/y (-0.0050%/1h)" in text and "short A earns 11%/y (+0.0100%/8h)" in text
    assert "= $326, back in 2.2d. Net +51%/y over 30 days; it halves at $26M/leg, zero at $116M." in text
    # One 8h payment of A at $100k: 0.0001 × 100,000 = $10.
    assert "Paid at different times (1h/8h)" in text and "0.0100% = $10" in text
    assert "Next: B in 10m, A in 1.0h." in text
    assert "Spread stability unknown: 0 samples of history (2 needed)." in text


def test_a_held_pair_paying_on_both_legs_is_the_first_row_and_says_so():
    s = _scan(A=Side.LONG, B=Side.SHORT)
    warn = s.pairs[0]
    assert pc.pair_cells(warn, s)[0] == pc.WARN_MARK
    lines = pc.detail(warn, s, 0.0)
    assert lines[0].startswith("!! You hold this pair and pay funding on BOTH legs (-55%/y")
    assert "never paid back: the pair earns no carry" in "\n".join(lines)
    assert pc.summary(s) == "2 pairs · 1 held pays funding on both legs (!!, first) · best net APR first"


def test_a_held_pair_is_marked():
    s = _scan(A=Side.SHORT, B=Side.LONG)
    assert pc.pair_cells(s.pairs[0], s)[0] == pc.HELD_MARK
    assert pc.summary(s) == "1 pair · 1 held (●) · best net APR first"


def test_stability_from_history():
    s = carry.scan([cell("A", A_RATE, 8, history=[0.1, 0.1, 0.1]), cell("B", B_RATE, 1, history=[-0.4, -0.5, 0.2])],
                   [0.0005, 0.0005], 100_000.0, 30.0)
    assert pc.pair_cells(s.pairs[0], s)[9] == "67%"
    assert pc.stability_text(s.pairs[0]) == "Spread positive in 67% of 3 samples; median +50%, low -10% (extremes clipped)."
    spaced = CarryScan(s.size, s.horizon_days, s.depth, s.pairs, sample_seconds=300.0)
    assert pc.stability_text(s.pairs[0], spaced).startswith("Spread positive in 67% of 3 samples ≥5m apart;")


def test_figures_that_are_not_numbers_say_what_they_mean():
    assert pc.capacity(math.inf) == "∞" and pc.capacity(0.0) == "none" and pc.capacity(2.5e6) == "$2.5M"
    assert pc.days(None) == "never" and pc.days(5000.0) == ">10y" and pc.days(0.25) == "6.0h"
    assert pc.summary(CarryScan(1e5, 30.0)).startswith("No asset is quoted live on two venues")
    assert pc.header(None) == "CARRY SCANNER · waiting for the engine's first scan"
    assert pc.header(CarryScan(1e5, 30.0), asked=2.5e5).endswith("· pricing $250k…")


@pytest.mark.parametrize("text, size", [("100k", 1e5), ("$2.5M", 2.5e6), ("250,000", 2.5e5), (" 1b ", 1e9),
                                        ("1000", 1e3), ("75K", 7.5e4)])
def test_sizes_people_write(text, size):
    assert pc.parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "", "-5k", "1e5", "999", "2b", "k"])
def test_a_size_that_is_not_one_names_the_field_and_the_fix(text):
    with pytest.raises(ValueError, match=r"^size: write USD per leg from \$1k to \$1bn, e\.g\. 100k"):
        pc.parse_size(text)


@pytest.mark.parametrize("size, text", [(1e5, "100k"), (1.25e6, "1.25M"), (2.5e5, "250k"), (1e9, "1B"), (1500.0, "1.5k")])
def test_the_size_field_shows_the_size_exactly_and_reads_it_back(size, text):
    assert pc.size_text(size) == text and pc.parse_size(text) == size
