"""The funding ledger against hand-worked payments, and the period figures of a cell."""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
import pytest

from cockpit.model import PositionKey, PositionRisk, Side, Layer, LiqKind
from cockpit.model.funding import FundingPayment
from cockpit.risk.ledger import build_ledger, day_of, ledger_lines
from cockpit.risk.periods import cell_figures, period_figures, weighted_median

DAY0 = 1_710_000_000.0 - 1_710_000_000.0 % 86400  # 2024-03-09 00:00 UTC
BTC = "BTC/USDT:USDT"


def pay(t, amount, account="a", symbol=BTC, id_=None):
    return FundingPayment(account=account, venue="v", symbol=symbol, asset=symbol.split("/")[0], time=t,
                          amount=D(amount), currency="USDT", id=id_ or f"{symbol}@{t}")


def est(t, amount, account="a", symbol=BTC):
    return (account, "v", symbol, symbol.split("/")[0], t, amount, 0.0001, 1000.0)


def test_booked_and_estimated_payments_agree_within_tolerance():
    """Three 8-hourly payments of -0.10 booked; the cockpit estimated -0.10, -0.10, -0.11."""
    times = [DAY0, DAY0 + 8 * 3600, DAY0 + 16 * 3600]
    (line,) = ledger_lines([pay(t, "-0.10") for t in times],
                           [est(t + 2, a) for t, a in zip(times, (-0.10, -0.10, -0.11))])
    assert line.day == day_of(DAY0) == "2024-03-09"
    assert line.booked == D("-0.30") and line.payments == 3
    assert line.estimate == pytest.approx(-0.31) and not line.disagrees


def test_a_payment_far_from_the_estimate_is_flagged():
    """The venue booked -2.00 where the cockpit expected -0.50: flagged."""
    (line,) = ledger_lines([pay(DAY0 + 3600, "-2.00")], [est(DAY0 + 3600, -0.50)])
    assert line.disagrees


def test_payments_the_cockpit_did_not_watch_are_never_a_disagreement():
    """Booked before the cockpit started (no estimate near it): no flag, though the sums differ."""
    (line,) = ledger_lines([pay(DAY0, "-2.00"), pay(DAY0 + 8 * 3600, "-0.10")], [est(DAY0 + 8 * 3600, -0.10)])
    assert line.booked == D("-2.10") and line.estimate == pytest.approx(-0.10) and not line.disagrees


def test_lines_are_per_day_account_and_symbol_newest_first():
    lines = ledger_lines([pay(DAY0, "1"), pay(DAY0 + 86400, "2"), pay(DAY0 + 86400, "3", account="b")], [])
    assert [(l.day, l.account, l.booked) for l in lines] == [
        ("2024-03-10", "a", D("2")), ("2024-03-10", "b", D("3")), ("2024-03-09", "a", D("1"))]


def _position(asset, per_day):
    key = PositionKey("a", f"{asset}/USDT:USDT")
    return PositionRisk(key=key, account="a", venue="v", layer=Layer.CEX, symbol=key.symbol, asset=asset,
                        side=Side.LONG, size=D(1), notional=100.0, entry=100.0, mark=100.0, upnl=0.0,
                        leverage=None, liq_price=None, liq_distance=None, liq_kind=LiqKind.UNKNOWN,
                        funding_apr=0.1, funding_per_day=per_day)


def test_totals_per_account_and_asset_with_the_projection():
    payments = [pay(DAY0, "-0.25"), pay(DAY0 + 1, "0.05", account="b", symbol="ETH/USDT:USDT")]
    ledger = build_ledger(DAY0 - 86400, payments, [], [_position("BTC", -1.5), _position("BTC", 0.5)],
                          {"a": "venue", "b": "sim"})
    assert ledger.per_account == (("a", D("-0.25")), ("b", D("0.05")))
    assert [(x.asset, x.booked, x.projected_per_day) for x in ledger.per_asset] == [
        ("BTC", D("-0.25"), pytest.approx(-1.0)), ("ETH", D("0.05"), 0.0)]
    assert ledger.sources == (("a", "venue"), ("b", "sim")) and ledger.disagreements == 0


# -- period figures ------------------------------------------------------------------------------


def test_a_sample_holds_until_the_next_so_sparse_and_dense_samples_weigh_by_time():
    """One settled 8 h rate at +30 % then twelve 5-minute samples at -10 % over the last hour:
    the day's mean weighs 8 h against 1 h, not one sample against twelve."""
    now = DAY0 + 9 * 3600
    times = np.array([DAY0 + 0.0] + [DAY0 + 8 * 3600 + 300 * i for i in range(12)])
    apr = np.array([0.30] + [-0.10] * 12)
    mean, positive, median, covered = period_figures(times, apr, now, 86400)
    assert covered == 9 * 3600
    assert mean == pytest.approx((0.30 * 8 - 0.10 * 1) / 9)
    assert positive == pytest.approx(8 / 9) and median == 0.30


def test_a_gap_longer_than_the_longest_interval_counts_for_nothing():
    now = DAY0 + 86400
    mean, positive, _, covered = period_figures(np.array([DAY0]), np.array([0.2]), now, 86400)
    assert covered == 8 * 3600 and mean == 0.2 and positive == 1.0


def test_no_history_gives_no_figures():
    assert period_figures(np.array([]), np.array([]), DAY0, 86400) == (None, None, None, 0.0)


def test_interval_changes_and_stability():
    times = np.array([DAY0 + 3600.0 * h for h in range(0, 24, 4)])
    apr = np.array([0.1, 0.1, 0.1, 0.1, 0.5, 0.1])
    intervals = np.array([8, 8, 8, 4, 4, 4], float)
    f = cell_figures(times, apr, intervals, DAY0 + 24 * 3600)
    assert f["interval_changes"] == (DAY0 + 12 * 3600,)
    assert f["stability"] == 0.0  # most of the week at one level: the robust spread ignores one spike
    assert f["avg_1d"] == pytest.approx((0.1 * 20 + 0.5 * 4) / 24)


def test_weighted_median():
    assert weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 5.0])) == 3.0
    assert np.isnan(weighted_median(np.array([1.0]), np.array([0.0])))
