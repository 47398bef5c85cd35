"""The restart drill in CI: `cockpit guard --auto` on the paper venue (the simulator in its own
process), SIGKILLed at random points of a funding-squeeze cut and restarted on the same journal.

Three seeds of five kills; `python -m bench restart` runs twenty of twenty (see bench/bench_restart.py
for the kill points and the invariants). Every invariant must hold on every seed: no duplicate
order, no orphan, one episode whose cut is exactly its plan (30% of the starting gross, not more),
no row left UNKNOWN, and the switch HALTED."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from bench.bench_restart import run_seed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_during_an_auto_cut_never_cuts_twice(seed):
    workdir = Path(tempfile.mkdtemp(prefix=f"ckr{seed}"))  # short: the socket path must fit
    try:
        result = run_seed(seed, 5, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert result.kills == 5
    assert result.problems == []
    assert (result.duplicates, result.orphans, result.unknown) == (0, 0, 0)
    assert result.episodes == 1 and result.status == "HALTED" and result.exact
    assert 0.30 - 0.002 <= result.planned <= 0.30 + 0.005
    assert result.executed == result.planned
