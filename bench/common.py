"""Shared helpers for the benchmark scripts: medians and a printable figure."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Figure:
    """One measured figure, with its target and (when measured in the same run) a baseline ratio.

    Attributes:
        name: what was measured.
        value: the median.
        unit: "ms", "s", "%", "B/s" ...
        target: the issue's bound in the same unit, or None when the figure is only reported.
        ratio: value divided by a baseline measured in the same run, when there is one.
        note: what the baseline was, or anything a reader needs.
    """

    name: str
    value: float
    unit: str
    target: float | None = None
    ratio: float | None = None
    note: str = ""

    @property
    def ok(self) -> bool | None:
        """Within target (None when there is no target)."""
        return None if self.target is None else self.value <= self.target

    def line(self) -> str:
        """One aligned line for the report."""
        target = "" if self.target is None else f"  (target <= {self.target:g} {self.unit})"
        verdict = {True: "  ok", False: "  OVER", None: ""}[self.ok]
        ratio = "" if self.ratio is None else f"  x{self.ratio:.2f} baseline"
        note = f"  [{self.note}]" if self.note else ""
        return f"{self.name:<58} {self.value:>10.3f} {self.unit:<4}{ratio}{target}{verdict}{note}"


def median_time(fn: Callable[[], object], *, repeat: int = 21, warmup: int = 3) -> float:
    """Median wall time of `fn()` in seconds over `repeat` runs, after `warmup` runs."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def median_wall_and_cpu(fn: Callable[[], object], *, repeat: int = 21, warmup: int = 3) -> tuple[float, float]:
    """Median wall time and median CPU time of this thread in `fn()`, in seconds, over the same
    runs: on a loaded machine the CPU time leaves out the time other processes held the CPU."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.thread_time()
        fn()
        cpu.append(time.thread_time() - c0)
        wall.append(time.perf_counter() - t0)
    return statistics.median(wall), statistics.median(cpu)


class ManualClock:
    """A wall clock a run moves by hand (`clock.now += dt`): drills and long simulated runs go
    as fast as the machine, not as the wall clock."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
