"""Unwind reports on disk: a finished run writes Markdown and JSON (private), and `cockpit report`
prints the newest or lists them; none is one line and exit 2."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

from cockpit.cli import main
from cockpit.engine import Engine
from cockpit.engine.handling import send
from cockpit.model.commands import ResumeRun, StartUnwind
from cockpit.model.unwind import RunMode, TargetKind, UnwindTarget
from cockpit.reports import Reporter, report_paths
from cockpit.startup import reports_dir
from cockpit.sim import build_demo
from tests.engine.fakes import Clock


async def _flat_run(folder: Path, run_id: str, start: float) -> Engine:
    clock = Clock(start)
    session = build_demo(seed=7, clock=clock)
    reporter = Reporter(folder)
    engine = Engine(session.venues, sim=session, clock=clock, reporter=reporter)
    reporter.attach(engine)
    await engine.poll_once()
    assert (await send(engine, StartUnwind(UnwindTarget(TargetKind.FLAT), id=run_id, mode=RunMode.RUNNING))).ok
    assert (await send(engine, ResumeRun(run_id))).ok
    for _ in range(2000):
        if engine.unwind.run.state.over:
            break
        clock.now += 0.5  # time passes, so the funding paid while the positions were open is > 0
        await asyncio.sleep(0.005)
    assert engine.unwind.run.state.over
    return engine


def test_a_finished_run_writes_private_markdown_and_json(tmp_path):
    folder = tmp_path / "reports"
    engine = asyncio.run(_flat_run(folder, "r1", 1_780_000_000.0))
    run = engine.unwind.run
    md = Path(run.report)
    assert md.parent == folder and md.name == "unwind-20260528T202640Z-r1.md"
    data = json.loads(md.with_suffix(".json").read_text())
    assert data["run"] == "r1" and data["summary"]["done"] == data["summary"]["steps"] == 21
    assert data["summary"]["reached"] and data["after"]["positions"] == 0
    assert data["summary"]["fees_source"] == "venue"  # the simulator reports each fill's fee
    assert data["summary"]["funding_est"] is not None  # seen on the frames while the positions were open
    slices = sum(s.slices for s in run.steps if s.kind.value == "cut")  # a step may go in slices (book depth)
    assert len(data["orders"]) == slices >= 21 and all(o["status"] == "filled" for o in data["orders"])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in (md, md.with_suffix(".json")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "# Unwind report — run r1" in md.read_text()


def test_report_last_prints_the_newest_and_list_every_path(tmp_path, capsys):
    folder = reports_dir()  # the data dir of this test (conftest: XDG_DATA_HOME in tmp_path)
    asyncio.run(_flat_run(folder, "early", 1_780_000_000.0))
    asyncio.run(_flat_run(folder, "late", 1_780_003_600.0))
    assert [p.name for p in report_paths(folder)] == ["unwind-20260528T202640Z-early.md",
                                                     "unwind-20260528T212640Z-late.md"]
    capsys.readouterr()
    assert main(["report", "last"]) == 0
    assert capsys.readouterr().out.startswith("# Unwind report — run late")
    assert main(["report", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [str(p) for p in report_paths(folder)]


def test_no_report_is_one_line_naming_the_directory(capsys):
    assert main(["report", "last"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(reports_dir()) in err
    assert main(["report", "nope"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_the_engine_startup_builds_writes_reports(monkeypatch):
    from cockpit.cli import parse_args
    from cockpit.startup import build_engine, setup

    args = parse_args(["--demo"])
    engine = build_engine(args, setup(args))
    try:
        assert isinstance(engine.unwind.reporter, Reporter)
        assert engine.unwind.reporter.folder == reports_dir()
    finally:
        engine.journal.close()
