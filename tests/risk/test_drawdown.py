"""Drawdown of total equity: daily and from the peak; peaks move only on live data."""

from __future__ import annotations

import pytest

from cockpit.risk.drawdown import DAY, DrawdownTracker, drawdown


def test_daily_and_peak_drawdown():
    dd = DrawdownTracker()
    assert dd.update(0.0, 100.0, True) == (0.0, 0.0)
    dd.update(10.0, 120.0, True)
    assert dd.update(20.0, 108.0, True) == pytest.approx((0.1, 0.1))
    # A new UTC day: the daily peak starts again at the day's first equity; the all-time peak stays.
    assert dd.update(DAY + 1.0, 96.0, True) == pytest.approx((0.0, 0.2))
    assert dd.update(DAY + 2.0, 90.0, True) == pytest.approx((1 - 90 / 96, 0.25))


def test_peaks_hold_while_data_is_not_live():
    dd = DrawdownTracker()
    dd.update(0.0, 100.0, True)
    assert dd.update(1.0, 150.0, False) == (0.0, 0.0)  # a last-known figure does not set a peak
    assert dd.update(2.0, 90.0, True) == pytest.approx((0.1, 0.1))


def test_drawdown_of_nothing_is_zero():
    assert drawdown(10.0, None) == 0.0 and drawdown(10.0, 0.0) == 0.0 and drawdown(11.0, 10.0) == 0.0
