"""The engine as a service: a trim's round trip through the guard's socket, an attached terminal's
start and its idle CPU.

    python -m bench service            (about two minutes)
    python -m bench --quick service

- **key → order accepted**: a guard on the simulator (`cockpit guard --demo --socket ...`, its
  journal on disk) in its own process, and a `RemoteEngine` attached to it here. For each trim,
  from the key (the preview request, as a person's `t` asks for the confirmation) to the answer of
  `send(Trim(...))` with the previewed size as its cap (the order journaled, sent and filled at the
  simulated venue): small fractions across every position, p50 and p99. The same through a
  `LocalEngine` in this process (its journal on disk too): the baseline, measured in the same run.
- **the same from the app**: `CockpitApp` attached to the guard, headless (Textual's `run_test`):
  from the `t` key event to the notification of the order's outcome (`y` pressed as soon as the
  confirmation has been drawn: the dialog ignores it before), against the RemoteEngine alone measured just before.
- **start → first frame**: from spawning the process on a 120×40 pty to its first full frame
  painted (see `bench/bench_ui.py`): `cockpit attach` to the running guard, the in-process
  `cockpit --demo`, and a bare Textual app (one Static) as the baseline, interleaved, medians.
- **idle CPU of an attached terminal**: `cockpit attach` on a 120×40 pty for a minute after a
  warm-up, user + system CPU from /proc; the baseline is the in-process `cockpit --demo` (its
  engine and the simulator included) measured the same way in the same run. The guard's own CPU
  and memory are another suite's.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Figure

ROOT = Path(__file__).resolve().parents[1]
FRACTIONS = (0.02, 0.03, 0.05)  # small: many trims before a position nears its venue minimum


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


class Guard:
    """`cockpit guard --demo` in its own process, on a socket and a journal in `workdir`."""

    def __init__(self, workdir: Path, *, duration: float = 900.0) -> None:
        self.socket = workdir / "guard.sock"
        self.log = open(workdir / "guard.log", "ab")
        # `timeout` as well as --duration: a bench interrupted never leaves a guard behind.
        self.proc = subprocess.Popen(
            ["timeout", str(int(duration) + 30), sys.executable, "-m", "cockpit", "guard", "--demo",
             "--socket", str(self.socket), "--journal", str(workdir / "journal.sqlite"),
             "--duration", str(duration)],
            stdout=self.log, stderr=subprocess.STDOUT, env=_env(), cwd=ROOT)
        deadline = time.monotonic() + 60
        while not self.socket.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the guard did not start (see {workdir / 'guard.log'})")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM (the guard stops cleanly), then SIGKILL if it lingers."""
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# -- key -> order accepted ------------------------------------------------------------------


async def _trims(api, n: int, rng: random.Random) -> list[float]:
    """Seconds from each preview request to the answer of its send, for `n` accepted trims."""
    from cockpit.model.commands import Refused, Trim, new_command_id

    deadline = time.monotonic() + 30
    while api.latest is None:  # a guard just started serves before its first poll is done
        if time.monotonic() > deadline:
            raise RuntimeError("no frame from the engine within 30 s")
        await asyncio.sleep(0.05)
    keys = [p.key for p in api.latest.book.positions()]
    samples: list[float] = []
    misses = 0
    while len(samples) < n:
        key, fraction = rng.choice(keys), rng.choice(FRACTIONS)
        t0 = time.perf_counter()
        preview = await api.preview(Trim(key, fraction))
        if isinstance(preview, Refused):
            why = preview.reason
        else:
            result = await api.send(Trim(key, fraction, id=new_command_id(), cap=preview.cut))
            elapsed = time.perf_counter() - t0
            if result.ok:
                samples.append(elapsed)
                why = ""
            else:
                why = result.message
        if why:
            misses += 1
            if misses > n:
                raise RuntimeError(f"{misses} trims refused, the last: {why}")
        await asyncio.sleep(0.02)  # a person does not press keys back to back
    return samples


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def remote_trims(socket: Path, n: int) -> list[float]:
    """`n` trims through a `RemoteEngine` attached to the guard at `socket`."""
    from cockpit.engine.remote import RemoteEngine

    remote = RemoteEngine(socket)
    remote.attach(10.0)
    try:
        return asyncio.run(_trims(remote, n, random.Random(1)))
    finally:
        remote.detach()


def local_trims(workdir: Path, n: int) -> list[float]:
    """`n` trims through a `LocalEngine` over the same demo book in this process."""
    from cockpit.engine.demo import demo_engine
    from cockpit.engine.journal import Journal
    from cockpit.engine.local import LocalEngine

    local = LocalEngine(demo_engine(journal=Journal(workdir / "local.sqlite")))
    local.start()
    try:
        return asyncio.run(_trims(local, n, random.Random(1)))
    finally:
        local.stop()


def trim_figures(remote: list[float], local: list[float]) -> list[Figure]:
    """p50 and p99 of both, the remote's against the local's."""
    r50, r99, l50, l99 = (_pct(remote, 0.5) * 1e3, _pct(remote, 0.99) * 1e3,
                          _pct(local, 0.5) * 1e3, _pct(local, 0.99) * 1e3)
    return [
        Figure("key -> order accepted, through the guard's socket, p50", r50, "ms", ratio=r50 / l50,
               note=f"{len(remote)} trims; baseline: in-process {l50:.1f} ms"),
        Figure("key -> order accepted, through the guard's socket, p99", r99, "ms", target=50.0,
               ratio=r99 / l99, note=f"baseline: in-process {l99:.1f} ms"),
        Figure("key -> order accepted, in-process LocalEngine, p50", l50, "ms", note=f"{len(local)} trims"),
        Figure("key -> order accepted, in-process LocalEngine, p99", l99, "ms"),
    ]


def memory_trims(n: int) -> list[float]:
    """`n` trims through a `LocalEngine` whose journal is in memory: what the synced commits of
    the journal on disk cost, by difference (the product always journals on disk)."""
    from cockpit.engine.demo import demo_engine
    from cockpit.engine.local import LocalEngine

    local = LocalEngine(demo_engine())
    local.start()
    try:
        return asyncio.run(_trims(local, n, random.Random(1)))
    finally:
        local.stop()


# -- the same, from the app -----------------------------------------------------------------


async def _app_trims(socket: Path, n: int) -> tuple[list[float], list[float]]:
    from textual import events

    from cockpit.engine.remote import RemoteEngine
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.screens.confirm import ConfirmScreen
    from cockpit.ui.widgets.positions import PositionsTable

    remote = RemoteEngine(socket)
    remote.attach(10.0)
    app = CockpitApp(remote)
    told: list[tuple[float, str]] = []
    notify = app.notify

    def stamped(message, *args, **kwargs):  # the moment the person is told the outcome
        told.append((time.perf_counter(), str(message)))
        return notify(message, *args, **kwargs)

    app.notify = stamped  # type: ignore[method-assign]

    def press(key: str) -> None:
        # The key as a terminal's driver delivers it; Pilot's own press would also wait for
        # the screen to settle, which a person's key does not.
        app.post_message(events.Key(key, key))

    samples: list[float] = []
    drawn: list[float] = []  # from t to the confirmation drawn
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            while app.screen.query(PositionsTable).first().selected_position is None:
                app.screen.query_one(PositionsTable).move_cursor(row=0)
                await pilot.pause(0.05)
            table = app.screen.query_one(PositionsTable)
            rows, row, tries = table.row_count, 0, 0
            while len(samples) < n and tries < 4 * n:
                tries += 1
                table.focus()
                table.move_cursor(row=row % rows)
                row += 1
                await pilot.pause()
                if table.selected_position is None:
                    continue  # a summary line
                told.clear()
                t0 = time.perf_counter()
                press("t")
                # `y` counts only once the dialog has been drawn (a person must see it first).
                while not (isinstance(app.screen, ConfirmScreen) and app.screen.shown) and not told:
                    await asyncio.sleep(0.001)
                if told:
                    continue  # refused (too small to trim again): said at once
                shown = time.perf_counter()
                press("y")
                deadline = time.monotonic() + 60
                while not told and time.monotonic() < deadline:
                    await asyncio.sleep(0.001)
                if not told:
                    raise RuntimeError("no outcome notified within 60 s of y")
                samples.append(told[0][0] - t0)
                drawn.append(shown - t0)
                await pilot.pause(0.02)
    finally:
        remote.detach()
    return samples, drawn


def app_trims(socket: Path, n: int) -> tuple[list[float], list[float]]:
    """`n` trims pressed in `CockpitApp` attached to the guard at `socket`, `t` then `y`: the
    seconds from `t` to the outcome's notification, and from `t` to the confirmation drawn."""
    return asyncio.run(_app_trims(socket, n))


# -- an attached terminal at rest ------------------------------------------------------------


def idle_cpu(argv: list[str], *, window: float = 60.0, warmup: float = 5.0) -> float:
    """CPU share (% of a core) of `argv` on a 120×40 pty over `window` seconds, after `warmup`,
    in an isolated XDG home."""
    from bench.bench_bytes import isolated_env
    from bench.pty_run import PtyProcess

    with tempfile.TemporaryDirectory(prefix="bench-idle-") as root:
        proc = PtyProcess(argv, env=isolated_env(root))
        try:
            time.sleep(warmup)
            if proc.proc.poll() is not None:
                raise RuntimeError(f"{argv} exited with {proc.proc.returncode}")
            c0, t0 = proc.cpu_seconds(), time.monotonic()
            time.sleep(window)
            c1, t1 = proc.cpu_seconds(), time.monotonic()
        finally:
            proc.stop()
    return (c1 - c0) / (t1 - t0) * 100


def run(quick: bool = False) -> list[Figure]:
    """Every figure of the suite (quick: fewer samples, shorter windows)."""
    n, m, window = (60, 10, 15.0) if quick else (300, 40, 60.0)
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        workdir = Path(tmp)
        guard = Guard(workdir)
        try:
            remote = remote_trims(guard.socket, n)
            local = local_trims(workdir, n)
            memory = memory_trims(n)
            pressed, drawn = app_trims(guard.socket, m)
            idle = idle_cpu([sys.executable, "-m", "cockpit", "attach", "--socket", str(guard.socket)],
                            window=window)
            # The baseline: the cockpit running its own engine on the same demo book.
            own = idle_cpu([sys.executable, "-m", "cockpit", "--demo"], window=window)
        finally:
            guard.stop()
    m50 = _pct(memory, 0.5) * 1e3
    p50, p99 = _pct(pressed, 0.5) * 1e3, _pct(pressed, 0.99) * 1e3
    return trim_figures(remote, local) + [
        Figure("key -> order accepted, in-process, journal in memory, p50", m50, "ms",
               note=f"p99 {_pct(memory, 0.99) * 1e3:.1f} ms: the rest is the journal's synced commits"),
        Figure("t pressed -> outcome notified, CockpitApp attached, p50", p50, "ms",
               ratio=p50 / (_pct(remote, 0.5) * 1e3),
               note=f"p99 {p99:.1f} ms, {len(pressed)} trims; baseline: the same through RemoteEngine alone"),
        Figure("t pressed -> confirmation drawn, CockpitApp attached, p50", _pct(drawn, 0.5) * 1e3, "ms",
               note="y is pressed then: the rest of the line above is y -> notified"),
        Figure("idle CPU, cockpit attach to a demo guard (120x40)", idle, "%", target=3.0, ratio=idle / own,
               note=f"{window:g} s after 5 s of warm-up; baseline: the in-process cockpit {own:.2f}%"),
        Figure("idle CPU, cockpit --demo, its own engine (baseline)", own, "%"),
    ]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    for figure in run("--quick" in sys.argv):
        print(figure.line())
