"""Bytes written to the terminal per second: the cockpit against a full redraw of the same tables.

Run: ``python -m bench bytes``, or ``python -m bench.bench_bytes [--quick] [--seconds N]``.

* **cockpit**: `cockpit` with no config (the embedded simulator, 1 Hz, the demo book) on a
  120×40 pty, with XDG_CONFIG_HOME / XDG_DATA_HOME / XDG_STATE_HOME / XDG_RUNTIME_DIR in a
  temporary directory, so no user config, journal or running guard is met.
* **baseline**: `python -m bench.live_baseline` on the same pty size: the same simulator and the
  cockpit's own cells (status line, positions, heatmap, collateral, playbook, stress table),
  redrawn in full once a second by `rich.Live`.

Each runs for `seconds` whole seconds after its first frame and a warm-up; the figure is the
median of the per-second byte counts (the mean is in the note). The two run one after the
other in the same invocation. `bench.pty_run.terminal_bytes` takes any command line, so the same
count can be taken over an SSH session.
"""

from __future__ import annotations

import os
import sys
import tempfile

from bench.common import Figure
from bench.pty_run import ByteRate, terminal_bytes

COLS, ROWS = 120, 40


def isolated_env(root: str) -> dict[str, str]:
    """Environment variables that keep a cockpit away from the user's config, data and guard."""
    env = {}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        path = os.path.join(root, name.lower())
        os.makedirs(path, mode=0o700, exist_ok=True)
        env[name] = path
    return env


def measure(seconds: int = 20, warmup: float = 3.0) -> tuple[ByteRate, ByteRate]:
    """(cockpit, rich.Live baseline) byte rates at 120×40, one after the other."""
    with tempfile.TemporaryDirectory() as root:
        env = isolated_env(root)
        ours = terminal_bytes([sys.executable, "-m", "cockpit"], cols=COLS, rows=ROWS, seconds=seconds,
                              warmup=warmup, env=env)
        base = terminal_bytes([sys.executable, "-m", "bench.live_baseline"], cols=COLS, rows=ROWS,
                              seconds=seconds, warmup=warmup, env=env)
    return ours, base


def run(quick: bool = False, seconds: int | None = None) -> list[Figure]:
    """The byte figures: the cockpit's median bytes/s, its ratio to the baseline, and the baseline."""
    n = seconds or (8 if quick else 20)
    ours, base = measure(seconds=n)
    where = f"{COLS}x{ROWS}, simulator at 1 Hz, median of {n} s after first frame + 3 s"
    return [
        Figure("bytes/s written to the terminal, cockpit", ours.median, "B/s", target=4000.0,
               ratio=ours.median / base.median,
               note=f"{where}; mean {ours.mean:.0f}; target <= 0.1x baseline"),
        Figure("bytes/s, rich.Live full redraw of the same tables (baseline)", base.median, "B/s",
               note=f"mean {base.mean:.0f}"),
    ]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    args = sys.argv[1:]
    secs = int(args[args.index("--seconds") + 1]) if "--seconds" in args else None
    for figure in run("--quick" in args, seconds=secs):
        print(figure.line())
