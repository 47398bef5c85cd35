"""The numpy helpers agree with numpy's own functions and keep numpy.ma off the first frame's path."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.risk.arrays import fill_nan, median, unique
from cockpit.risk.funding import row_medians


@settings(max_examples=300)
@given(st.lists(st.integers(-5, 5), max_size=40))
def test_unique_matches_numpy(values):
    assert unique(np.array(values, dtype=np.int64)).tolist() == np.unique(np.array(values, dtype=np.int64)).tolist()


@settings(max_examples=300)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40))
def test_medians_match_numpy(values):
    assert row_medians(np.array(values)[None, :])[0] == np.median(values)
    assert median(np.array(values)) == np.median(values)
    assert np.isnan(median(np.zeros(0)))


def test_fill_nan_replaces_only_nan():
    assert fill_nan([1.0, np.nan, np.inf], fill=-1.0).tolist() == [1.0, -1.0, np.inf]


def test_first_evaluation_does_not_import_numpy_ma():
    # np.unique and np.median import numpy.ma (~20 ms) on their first call; the first frame must not.
    code = ("import asyncio, sys\n"
            "from cockpit.sim import build_demo\n"
            "from cockpit.engine import Engine\n"
            "s = build_demo(seed=7, clock=lambda: 1.78e9)\n"
            "e = Engine(s.venues, sim=s, clock=lambda: 1.78e9)\n"
            "asyncio.run(e.poll_once())\n"
            "assert e.latest.assessment.positions\n"
            "print('numpy.ma' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
