"""The ledger's export key as the engine carries it out (`ExportLedger`): the same CSV as
`cockpit funding export`, written beside the journal, and a clear answer where it cannot be."""

from __future__ import annotations

import asyncio
import csv
import io
import os

from cockpit.cli import main
from cockpit.engine import handling
from cockpit.engine.demo import demo_engine
from cockpit.engine.journal import Journal
from cockpit.model.commands import ExportLedger
from tests.test_funding_cli import DAY, booked

FROZEN = 1_780_000_000.0


def test_the_export_is_the_cli_csv_written_beside_the_journal(tmp_path, capsys):
    journal_path = booked(tmp_path)
    engine = demo_engine(seed=7, clock=lambda: FROZEN, journal=Journal(journal_path), readonly=True)
    try:
        result = asyncio.run(handling.send(engine, ExportLedger(since=DAY)))
    finally:
        engine.journal.close()
    assert result.ok, result.message  # read-only: it writes a file and sends nothing
    written = list((tmp_path / "exports").iterdir())
    assert [p.name for p in written] == ["funding-since-2024-03-20-at-20260528-202640.csv"]
    assert result.message == f"2 funding payments written to {written[0]}"
    assert main(["funding", "export", "--since", "2024-03-20", "--journal", str(journal_path)]) == 0
    assert written[0].read_text() == capsys.readouterr().out  # the same file as the command line's
    rows = list(csv.DictReader(io.StringIO(written[0].read_text())))
    assert [r["payment_id"] for r in rows] == ["c88057b1", "89102b18"]
    assert oct(os.stat(tmp_path / "exports").st_mode & 0o777) == "0o700"


def test_an_engine_without_files_refuses_and_says_where_to_look():
    engine = demo_engine(seed=7, clock=lambda: FROZEN)
    result = asyncio.run(handling.send(engine, ExportLedger(since=DAY)))
    assert not result.ok and "cockpit funding export" in result.message


def test_without_a_date_or_a_ledger_there_is_nothing_to_export(tmp_path):
    engine = demo_engine(seed=7, clock=lambda: FROZEN, journal=Journal(tmp_path / "j.sqlite"))
    try:
        result = asyncio.run(handling.send(engine, ExportLedger()))
    finally:
        engine.journal.close()
    assert not result.ok and "nothing to export yet" in result.message
    assert not (tmp_path / "exports").exists()


def test_a_read_only_terminal_may_look_but_not_act(tmp_path):
    """`cockpit --readonly` attached to a trading guard: the plots' watch and the ledger's export
    (they change nothing but what terminals see, or write a file) and the scanner's size pass;
    the kill switch and a run are refused with the terminal's reason."""
    from cockpit.model import KillMode
    from cockpit.model.commands import DismissRun, PauseRun, ResetKill, SetCarrySize, SetKillMode, WatchPlots

    engine = demo_engine(seed=7, clock=lambda: FROZEN, journal=Journal(tmp_path / "j.sqlite"))
    why = "this terminal is read-only (--readonly)"
    try:
        for command in (ResetKill(), SetKillMode(KillMode.ADVISE), PauseRun("r1"), DismissRun("r1")):
            result = asyncio.run(handling.send(engine, command, readonly=why))
            assert (result.ok, result.message) == (False, why), command
        assert asyncio.run(handling.send(engine, WatchPlots("t1"), readonly=why)).ok
        export = asyncio.run(handling.send(engine, ExportLedger(since=DAY), readonly=why))
        assert export.message != why  # judged on its own merits (here: written, with no payments)
        assert asyncio.run(handling.send(engine, SetCarrySize(50_000.0), readonly=why)).ok  # it informs only
    finally:
        engine.journal.close()
