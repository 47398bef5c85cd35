"""`cockpit drill`: a scenario headless on the simulator, an unwind, its report and the scores;
a bad scenario or flag is one line and exit 2."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.drill_cli import parse_target
from cockpit.model.unwind import TargetKind
from cockpit.reports import report_paths
from cockpit.startup import reports_dir


def _report(out: str) -> tuple[Path, dict]:
    line = next(x for x in out.splitlines() if x.startswith("drill: report: "))
    path = Path(line.removeprefix("drill: report: "))
    return path, json.loads(path.with_suffix(".json").read_text())


def test_a_flash_crash_drill_to_flat_writes_the_report_and_prints_the_scores(capsys):
    assert main(["drill", "flash-crash", "--seed", "3", "--target", "flat"]) == 0
    out = capsys.readouterr().out
    path, data = _report(out)
    assert report_paths(reports_dir()) == [path]
    assert data["target"] == "flat" and data["trigger"] == "drill flash-crash: target flat at once"
    assert data["summary"]["reached"] and data["after"]["positions"] == 0
    scores = out.split("scores:\n", 1)[1]
    for what in ("loss against the plan: ", "time to target: ", "slippage: ", "steps that failed: 0 of "):
        assert what in scores
    assert f"{data['summary']['time_to_target_s']:.2f} s" in scores


def test_a_margin_call_drill_confirms_the_top_up_and_its_report_shows_the_money_moved(capsys):
    assert main(["drill", "margin-call", "--speed", "600"]) == 0
    out = capsys.readouterr().out
    _, data = _report(out)
    (top,) = [s for s in data["steps"] if s["kind"] == "topup"]
    assert top["account"] == "bybit" and top["status"] == "done" and top["filled"] == top["planned"]
    assert Decimal(top["planned"]) > 0 and f"arrived: {top['planned']} USDT" in top["detail"]
    assert f"top-up sent: {top['planned']} USDT into bybit" in out
    first_cut = min(s["seq"] for s in data["steps"] if s["kind"] == "cut" and s["account"] == "bybit")
    assert top["seq"] < first_cut


def test_with_auto_the_switch_cuts_by_itself_and_its_cut_is_reported_against_the_plan(capsys):
    assert main(["drill", "flash-crash", "--seed", "3", "--auto", "--speed", "180"]) == 0
    out = capsys.readouterr().out
    assert "kill switch REDUCING at" in out and "the kill switch's cut:" in out
    _path, data = _report(out)
    assert data["target"] == "kill-cut" and "auto cut" in data["trigger"]
    assert data["orders"] and all(o["intent"].startswith(f"unwind:{data['run']}:") for o in data["orders"])
    cut = {(s["account"], s["symbol"]) for s in data["steps"]}
    assert {(o["account"], o["symbol"]) for o in data["orders"]} <= cut
    assert data["summary"]["est_cost"] is not None and data["summary"]["slippage_bps"] is not None


@pytest.mark.parametrize("argv, says", [
    (["drill", "no-such-scenario"], "no-such-scenario"),
    (["drill", "flash-crash", "--target", "gross:0"], "--target"),
    (["drill", "flash-crash", "--target", "half"], "--target"),
    (["drill", "flash-crash", "--auto", "--target", "flat"], "conflict"),
    (["drill", "flash-crash", "--speed", "0"], "--speed"),
    (["drill"], "SCENARIO"),
])
def test_bad_input_is_one_line_and_exit_2(argv, says, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0]
    assert report_paths(reports_dir()) == []


def test_targets():
    assert parse_target("flat").kind is TargetKind.FLAT
    assert parse_target("kill-cut").kind is TargetKind.KILL_CUT
    gross = parse_target("gross:30")
    assert gross.kind is TargetKind.GROSS and gross.fraction == pytest.approx(0.30)
    for bad in ("gross:101", "gross:", "gross:x", "net:30"):
        with pytest.raises(ValueError, match="--target must be"):
            parse_target(bad)


def test_a_calm_market_never_trips_the_switch_so_nothing_is_run_and_the_exit_is_1(capsys):
    assert main(["drill", "calm", "--speed", "3600"]) == 1  # an hour of calm in about a second
    out = capsys.readouterr().out
    assert "never reached REDUCING" in out and "scores:" not in out
    assert report_paths(reports_dir()) == []
