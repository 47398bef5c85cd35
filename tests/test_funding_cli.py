"""`cockpit funding export`: the CSV an accountant gets, and its one-line errors."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from cockpit.cli import main
from cockpit.engine.history import HistoryStore, history_path
from cockpit.model.funding import FundingPayment

DAY = 1_710_892_800.0  # 2024-03-20 00:00 UTC
LTC = "LTC/USDT:USDT"


def booked(tmp_path):
    """Two of Bybit's recorded LTC payments (as the adapter maps them) and one from the day before."""
    journal = tmp_path / "journal.sqlite"
    store = HistoryStore(history_path(journal))
    store.add_payments([
        FundingPayment(account="bybit-main", venue="bybit", symbol=LTC, asset="LTC", time=DAY,
                       amount=Decimal("-0.0007797"), currency="USDT", id="c88057b1", rate=0.0001, notional=7.797),
        FundingPayment(account="bybit-main", venue="bybit", symbol=LTC, asset="LTC", time=DAY + 28800,
                       amount=Decimal("0.00708126"), currency="USDT", id="89102b18", rate=-0.000881, notional=8.033),
        FundingPayment(account="bybit-main", venue="bybit", symbol=LTC, asset="LTC", time=DAY - 28800,
                       amount=Decimal("-0.0023"), currency="USDT", id="older"),
    ])
    # The cockpit watched the first two: it expected the first, and far less than the second.
    store.add_estimate("bybit-main", "bybit", LTC, "LTC", DAY + 3, -0.00078, 0.0001, 7.8)
    store.add_estimate("bybit-main", "bybit", LTC, "LTC", DAY + 28800, 0.5, -0.000881, 8.0)
    store.close()
    return journal


def test_export_writes_every_payment_since_the_date(tmp_path, capsys):
    journal = booked(tmp_path)
    assert main(["funding", "export", "--since", "2024-03-20", "--journal", str(journal)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["payment_id"] for r in rows] == ["c88057b1", "89102b18"]  # the day before is not exported
    first, second = rows
    assert first["time_utc"] == "2024-03-20T00:00:00Z" and first["amount"] == "-0.0007797"
    assert first["direction"] == "paid" and first["disagrees"] == "no" and first["cockpit_estimate"] == "-0.00078000"
    assert second["amount"] == "0.00708126" and second["direction"] == "received"
    assert second["disagrees"] == "yes"  # the venue booked 0.007 where the cockpit expected 0.5
    assert (first["account"], first["venue"], first["symbol"], first["currency"]) == (
        "bybit-main", "bybit", LTC, "USDT")


def test_export_to_a_file(tmp_path, capsys):
    journal = booked(tmp_path)
    out = tmp_path / "funding.csv"
    assert main(["funding", "export", "--since", "2024-03-19", "--journal", str(journal), "--out", str(out)]) == 0
    assert len(list(csv.DictReader(out.open()))) == 3
    assert capsys.readouterr().err.strip() == f"3 funding payments written to {out}"


def test_a_bad_date_is_one_line_naming_the_flag(tmp_path, capsys):
    assert main(["funding", "export", "--since", "20/03/2024", "--journal", str(booked(tmp_path))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--since" in err[0] and "YYYY-MM-DD" in err[0]


def test_no_history_is_one_line(tmp_path, capsys):
    assert main(["funding", "export", "--since", "2024-03-20", "--journal", str(tmp_path / "none.sqlite")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "no funding history" in line and "--journal" in line
