"""Unwind incident reports on disk: written when a run ends, listed and printed by `cockpit report`.

Each finished run gives two files in ``<data dir>/reports/`` (`cockpit.startup.reports_dir`; the
directory 0700, the files 0600: a report names accounts, sizes and prices): ``unwind-<UTC start>-<run id>.md`` and the same name
in ``.json``. The Markdown is for people, the JSON for scripts; both come from
`cockpit.present.report`. The newest report is the one whose run started last (its name sorts last).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from cockpit.model import PositionKey
from cockpit.model.unwind import UnwindRun
from cockpit.present.report import build_report, report_markdown

PREFIX = "unwind-"


def report_name(run: UnwindRun) -> str:
    """``unwind-<UTC start, to the second>-<run id>`` (the id kept to letters, digits, - and _)."""
    when = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(run.started))
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", run.id)[:40] or "run"
    return f"{PREFIX}{when}-{safe}"


def _private_dir(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by its owner only (created 0600, never wider)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            fd = -1
            out.write(text)
    finally:
        if fd >= 0:
            os.close(fd)


def write_report(run: UnwindRun, rows: Sequence[Any], folder: Path, *,
                 funding: Mapping[PositionKey, float | None] | None = None) -> Path:
    """Write `run`'s report (Markdown and JSON) into `folder`; returns the Markdown's path."""
    data = build_report(run, rows, funding=funding)
    _private_dir(folder)
    base = folder / report_name(run)
    md = base.with_suffix(".md")
    _write_private(base.with_suffix(".json"), json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    _write_private(md, report_markdown(data))
    return md


def report_paths(folder: Path) -> list[Path]:
    """Every report's Markdown in `folder`, oldest first (empty when there is none)."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{PREFIX}*.md"), key=lambda p: (p.name, p.stat().st_mtime))


class Reporter:
    """The engine's reporter (`Engine(..., reporter=...)`): writes a finished run's report.

    It also watches the engine's frames for each position's funding per day (`watch`, attached
    with `attach`), so the report can estimate the funding paid while the run's positions were
    still open: by the time the report is written they are closed and gone from the frame.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.funding: dict[PositionKey, float] = {}

    def attach(self, engine: Any) -> "Reporter":
        """Watch `engine`'s frames (returns self)."""
        engine.subscribe(self.watch)
        return self

    def watch(self, frame: Any) -> None:
        """Remember each open position's funding per day as last seen."""
        for p in frame.assessment.positions:
            if p.funding_per_day is not None:
                self.funding[p.key] = p.funding_per_day

    def __call__(self, run: UnwindRun, rows: Sequence[Any]) -> str:
        """Write `run`'s report; returns the Markdown's path."""
        return str(write_report(run, rows, self.folder, funding=self.funding))


def print_report(action: str, folder: Path, out: Any = None) -> int:
    """`cockpit report last` (print the newest report) or `list` (every report, newest last).

    Exit 0; 2 with one line naming the directory when it holds no report (a `UsageError`).
    """
    import sys

    from cockpit.usage import UsageError

    out = out or sys.stdout
    paths = report_paths(folder)
    if not paths:
        raise UsageError(f"no unwind report in {folder}: a report is written when an unwind run ends "
                         f"(try: cockpit drill flash-crash)")
    if action == "list":
        for path in paths:
            out.write(f"{path}\n")
        return 0
    out.write(paths[-1].read_text(encoding="utf-8"))
    return 0
