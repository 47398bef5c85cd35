"""UI figures: start to first full frame, idle CPU, and the Positions pane frame.

- **start → first frame**: from spawning the process on a 120×40 pty to the moment the first
  frame with all four panes populated has been painted (the app stamps a file when
  `COCKPIT_BENCH_FIRST_FRAME` names one, then exits): the in-process `cockpit --demo`, and
  `cockpit attach` to a guard already running (`cockpit guard --demo`, started once, in its own
  process). Baseline: a bare Textual app (one Static) stamping the same way; the three are
  interleaved, run after run, so they see the same machine load; each in an isolated XDG home.
  The cockpit's modules are compiled to bytecode first, as `pip install` leaves them (Textual's
  already are): with `PYTHONDONTWRITEBYTECODE` set, a checkout would otherwise recompile every
  module on every start. The stamp also holds the CPU time the process had used: the CPU ratio
  of attach to bare is reported beside the wall one, as it barely moves with the machine's load.
- **idle CPU**: the cockpit on the simulator ticking at 1 Hz, CPU seconds of the process over a
  window of wall seconds, after a warm-up.
- bytes written to the terminal per second: `bench/bench_bytes.py` (`python -m bench bytes`).
- **positions pane**: a frame of 500 positions produced and rendered in the Positions pane (see
  `bench/bench_pane.py`).
"""

from __future__ import annotations

import compileall
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Figure
from bench.pty_run import PtyProcess

BARE_APP = r"""
import os, sys, time
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(self.stamp)
    def stamp(self):
        with open(os.environ["COCKPIT_BENCH_FIRST_FRAME"], "w") as f:
            f.write(f"{time.time()!r} {time.process_time()!r}\n")
        self.exit()
Bare().run()
"""


def _time_to_stamp(argv: list[str], timeout: float = 30.0, env: dict | None = None) -> tuple[float, float]:
    """(wall seconds from spawning `argv` to its first frame, CPU seconds it had used by then)."""
    with tempfile.TemporaryDirectory() as tmp:
        stamp = Path(tmp) / "stamp"
        proc = PtyProcess(argv, env={**(env or {}), "COCKPIT_BENCH_FIRST_FRAME": str(stamp)})
        deadline = time.time() + timeout
        while not stamp.exists() or not stamp.read_text().endswith("\n"):
            if time.time() > deadline:
                proc.stop()
                raise RuntimeError(f"no first frame from {argv} within {timeout}s")
            time.sleep(0.005)
        wall, cpu = map(float, stamp.read_text().split())
        proc.stop()
        return wall - proc.started, cpu


def _compile_cockpit() -> None:
    """Write the bytecode of the cockpit package, as pip does when it installs it, and the
    compiled methods of the dataclasses, as the first start after it does
    (`cockpit.model.classcache`; with ``PYTHONDONTWRITEBYTECODE`` set, nothing writes either).

    The modules are imported in the order `cockpit.cli` imports them for a terminal, attached or
    with an engine of its own: the model, then everything else inside ``compiled_methods("terminal")``."""
    import subprocess

    import cockpit

    compileall.compile_dir(str(Path(cockpit.__file__).parent), quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    warm = ("from cockpit.model.classcache import compiled_methods\n"
            "with compiled_methods('terminal'):\n"
            "    import cockpit.startup, cockpit.guard_cli, cockpit.engine.remote, cockpit.ui.app\n"
            "    import cockpit.engine.demo, cockpit.reports\n")
    subprocess.run([sys.executable, "-c", warm], env=env, check=True, cwd=Path(cockpit.__file__).parents[1])


def startup(runs: int = 7) -> list[Figure]:
    """Median start → first full frame: the in-process cockpit, a terminal attached to a running
    guard, and a bare Textual app (the baseline), interleaved."""
    from bench.bench_bytes import isolated_env
    from bench.bench_service import Guard

    _compile_cockpit()
    bare = [sys.executable, "-c", BARE_APP]
    local = [sys.executable, "-m", "cockpit", "--demo"]
    times: dict[str, list[float]] = {"bare": [], "local": [], "attach": []}
    cpu: dict[str, list[float]] = {"bare": [], "local": [], "attach": []}
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as root:
        env = isolated_env(root)
        guard = Guard(Path(root))
        attach = [sys.executable, "-m", "cockpit", "attach", "--socket", str(guard.socket)]
        try:
            for _ in range(runs):  # interleaved, so all three see the same machine load
                for kind, argv in (("bare", bare), ("local", local), ("attach", attach)):
                    wall, used = _time_to_stamp(argv, env=env)
                    times[kind].append(wall)
                    cpu[kind].append(used)
        finally:
            guard.stop()
    base, ours, attached = (statistics.median(times[k]) for k in ("bare", "local", "attach"))
    # CPU to the first frame: what the start costs, the same on a loaded machine (where another
    # process's turn on the core lengthens the longer start more: wall ratios drift up with load).
    cpu_base, cpu_attached = statistics.median(cpu["bare"]), statistics.median(cpu["attach"])
    return [
        Figure("start -> first frame, all four panes populated (in-process)", ours, "s", target=1.0,
               ratio=ours / base, note=f"bare Textual app {base:.3f}s; {runs} runs"),
        Figure("start -> first frame, cockpit attach to a running guard", attached, "s", target=1.5 * base,
               ratio=attached / base, note=f"target <= 1.5x the bare Textual app; {runs} runs"),
        Figure("CPU to first frame, cockpit attach", cpu_attached, "s", ratio=cpu_attached / cpu_base,
               note=f"bare Textual app {cpu_base:.3f}s CPU; {runs} runs"),
        Figure("start -> first frame, bare Textual app, one Static (baseline)", base, "s"),
    ]


def idle(window: float = 10.0, windows: int = 3, warmup: float = 4.0) -> list[Figure]:
    """CPU share of the cockpit idling on the 1 Hz simulator."""
    proc = PtyProcess([sys.executable, "-m", "cockpit", "--demo"])
    time.sleep(warmup)
    cpu = []
    for _ in range(windows):
        c0, t0 = proc.cpu_seconds(), time.time()
        time.sleep(window)
        c1, t1 = proc.cpu_seconds(), time.time()
        cpu.append((c1 - c0) / (t1 - t0) * 100)
    proc.stop()
    return [
        Figure("idle CPU, simulator at 1 Hz (120x40)", statistics.median(cpu), "%", target=5.0,
               note=f"median of {windows} x {window:g}s windows"),
    ]


def run(quick: bool = False) -> list[Figure]:
    """All UI figures."""
    from bench import bench_pane

    if quick:
        return startup(runs=3) + idle(window=5.0, windows=1, warmup=3.0) + bench_pane.run(quick=True)
    return startup() + idle() + bench_pane.run()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    for figure in run("--quick" in sys.argv):
        print(figure.line())
