"""The guard's footprint: resident memory and idle CPU of `cockpit guard` as users run it.

Two guards, one after the other, each its own process, measured from outside through /proc:

* `cockpit guard --demo` (the embedded simulator at speed 1, polled once a second);
* `cockpit guard --config ...` with six ccxt accounts (Binance USDⓈ-M, Bybit, OKX, Hyperliquid,
  dYdX, Paradex), every one pointed (`api_url`) at the loopback replay server of the tests
  (`tests/fixtures/replay_server.py`: ccxt's own recorded replies and replies written in each
  venue's documented format), keys from the tests' file keyring (`DemoKeyring`, fake keys), a
  journal in a temporary directory. Unmodified ccxt talks real HTTP to it, as to a venue.

Per guard: its peak resident set (the kernel's VmHWM), its steady resident set (the median of
samples every 0.25 s over the measured minute) and its CPU (utime + stime from /proc/<pid>/stat)
over `window` seconds after a `warmup`, as a share of one core. Targets: peak RSS of the
six-account guard <= 200 MB; idle CPU <= 2% of a core. The baseline is a bare interpreter
(`python -c` sleeping) measured the same way. Run:

    python -m bench guard             # 20 s warm-up + 60 s measured, per guard (about 3 minutes)
    python -m bench guard --quick     # 10 s + 20 s
    python -m bench.bench_guard --warmup 20 --window 60 [--only demo|ccxt]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import Figure

ROOT = Path(__file__).resolve().parents[1]
ACCOUNTS = (("binanceusdm", "bn"), ("bybit", "by"), ("okx", "okx"), ("hyperliquid", "hl"),
            ("dydx", "dydx"), ("paradex", "pdx"))
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Usage:
    """What one process used.

    Attributes:
        peak: VmHWM at the last sample, bytes.
        steady: median resident set over the measured window, bytes.
        cpu: CPU seconds (user + system) over the measured window.
        window: the window's length in wall seconds.
        output: the process's first lines of output (to show why, when it failed).
    """

    peak: int = 0
    steady: int = 0
    cpu: float = 0.0
    window: float = 0.0
    output: str = ""
    rss: list[int] = field(default_factory=list)

    @property
    def share(self) -> float:
        """CPU as a percentage of one core."""
        return 100.0 * self.cpu / self.window if self.window else float("nan")


def _status(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value, _unit = line.split()
                out[name[:-1]] = int(value) * 1024
    return out


def _cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15)


def watch(cmd: list[str], env: dict[str, str], warmup: float, window: float) -> Usage:
    """Run `cmd` (which must stop by itself shortly after `warmup + window`), sample it, and kill
    it if it outlives that by more than 30 s."""
    usage = Usage()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        t0 = time.monotonic()
        cpu0 = None
        try:
            while proc.poll() is None:
                now = time.monotonic() - t0
                try:
                    st = _status(proc.pid)
                    if now >= warmup and cpu0 is None:
                        cpu0, w0 = _cpu(proc.pid), time.monotonic()
                    if cpu0 is not None and usage.window == 0.0:
                        usage.rss.append(st["VmRSS"])
                        if now >= warmup + window:
                            usage.cpu, usage.window = _cpu(proc.pid) - cpu0, time.monotonic() - w0
                    usage.peak = max(usage.peak, st["VmHWM"])
                except (FileNotFoundError, ProcessLookupError, KeyError):
                    break  # it exited between poll() and the read
                if now > warmup + window + 30:
                    break
                time.sleep(0.25)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        out.seek(0)
        usage.output = out.read(2000)
    usage.steady = int(statistics.median(usage.rss)) if usage.rss else 0
    return usage


class ReplayThread:
    """The tests' replay server on its own event loop in a thread of this process."""

    def __init__(self) -> None:
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> "ReplayThread":
        from tests.fixtures.replay_server import ReplayServer

        self._thread.start()
        self.server = asyncio.run_coroutine_threadsafe(self._make(ReplayServer), self._loop).result(30)
        self.url = self.server.url
        return self

    async def _make(self, cls):
        server = cls()
        await server.start()
        return server

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def write_accounts(directory: Path, url: str) -> tuple[Path, Path]:
    """A config of the six accounts pointed at `url`, and the file keyring with their fake keys."""
    from cockpit.secrets import SecretStore
    from tests.fixtures.keys import DemoKeyring, put_keys

    config = directory / "config.toml"
    config.write_text("".join(f'[[accounts]]\nname = "{name}"\nvenue = "{venue}"\napi_url = "{url}"\n\n'
                              for venue, name in ACCOUNTS))
    os.chmod(config, 0o600)
    keys = directory / "keys.json"
    previous = os.environ.get("COCKPIT_DEMO_KEYRING")
    os.environ["COCKPIT_DEMO_KEYRING"] = str(keys)
    try:
        store = SecretStore(backend=DemoKeyring())
        for venue, name in ACCOUNTS:
            put_keys(store, venue, name)
    finally:
        if previous is None:
            os.environ.pop("COCKPIT_DEMO_KEYRING", None)
        else:
            os.environ["COCKPIT_DEMO_KEYRING"] = previous
    return config, keys


def _env(directory: Path, **extra: str) -> dict[str, str]:
    """The guard's environment: this checkout first on the path, and every per-user directory
    (data, state, runtime: the journal and the guard's socket) inside `directory`."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               XDG_DATA_HOME=str(directory / "data"), XDG_STATE_HOME=str(directory / "state"),
               XDG_RUNTIME_DIR=str(directory / "run"), XDG_CONFIG_HOME=str(directory / "config"))
    (directory / "run").mkdir(mode=0o700, exist_ok=True)
    env.update(extra)
    return env


def measure_demo(warmup: float, window: float) -> Usage:
    """`cockpit guard --demo` at speed 1."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        duration = warmup + window + 3
        return watch([sys.executable, "-m", "cockpit", "guard", "--demo", "--duration", f"{duration:g}"],
                     _env(d), warmup, window)


def measure_ccxt(warmup: float, window: float) -> Usage:
    """`cockpit guard --config` with six ccxt accounts on the replay server."""
    with tempfile.TemporaryDirectory() as tmp, ReplayThread() as replay:
        d = Path(tmp)
        config, keys = write_accounts(d, replay.url)
        duration = warmup + window + 3
        env = _env(d, PYTHON_KEYRING_BACKEND="tests.fixtures.keys.DemoKeyring", COCKPIT_DEMO_KEYRING=str(keys))
        return watch([sys.executable, "-m", "cockpit", "guard", "--config", str(config), "--journal",
                      str(d / "journal.sqlite"), "--duration", f"{duration:g}"], env, warmup, window)


def measure_bare(window: float) -> Usage:
    """A bare interpreter, sleeping: the floor every Python process starts from."""
    with tempfile.TemporaryDirectory() as tmp:
        return watch([sys.executable, "-c", f"import time; time.sleep({window + 2:g})"], _env(Path(tmp)),
                     0.5, window)


def run(quick: bool = False, warmup: float | None = None, window: float | None = None,
        only: str | None = None) -> list[Figure]:
    """Every guard figure."""
    warmup = warmup or (10.0 if quick else 20.0)
    window = window or (20.0 if quick else 60.0)
    bare = measure_bare(3.0)
    mb = 1e6
    out = []
    for name, measure, what in (("demo", measure_demo, "guard --demo (sim, 1 Hz)"),
                                ("ccxt", measure_ccxt, "guard, 6 ccxt accounts on the replay server")):
        if only not in (None, name):
            continue
        u = measure(warmup, window)
        if not u.window:
            out.append(Figure(f"{what}: did not run", float("nan"), "", note=" ".join(u.output.split())[:300]))
            continue
        out.append(Figure(f"{what}: peak RSS", u.peak / mb, "MB", target=200.0 if name == "ccxt" else None,
                          ratio=u.peak / bare.peak, note="baseline: a bare interpreter"))
        out.append(Figure(f"{what}: steady RSS", u.steady / mb, "MB",
                          note=f"median over {u.window:.0f} s after {warmup:g} s"))
        out.append(Figure(f"{what}: idle CPU", u.share, "%", target=2.0,
                          note=f"{u.cpu:.2f} CPU s over {u.window:.0f} s"))
    return out


def main(argv: list[str]) -> int:
    """`python -m bench.bench_guard [--quick] [--warmup S] [--window S] [--only demo|ccxt]`."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_guard", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--warmup", type=float, help="seconds before measuring (default 20)")
    parser.add_argument("--window", type=float, help="seconds measured (default 60)")
    parser.add_argument("--only", choices=("demo", "ccxt"))
    args = parser.parse_args(argv)
    for figure in run(args.quick, args.warmup, args.window, args.only):
        print(figure.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
