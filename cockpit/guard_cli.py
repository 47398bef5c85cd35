"""`cockpit guard`, `cockpit attach` and `cockpit status`: the engine as a service, and the
terminals and scripts that reach it.

The guard is the engine with a durable journal and a Unix socket; it outlives every terminal.
`cockpit` attaches to it when one runs (and otherwise runs its own engine on a thread, serving
the same socket so that a second terminal attaches to it rather than starting a second engine).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import TextIO

from cockpit.usage import UsageError


def socket_path(args) -> Path:
    """The guard's socket: --socket, else the user's runtime directory."""
    from cockpit.engine.protocol import default_socket

    return getattr(args, "socket", None) or default_socket()


# -- the guard ----------------------------------------------------------------------------


class _Output:
    """The guard's log: one line per event on stdout, and JSON lines in --log FILE."""

    def __init__(self, log: TextIO | None) -> None:
        self.log = log
        self.closed = False  # stdout's reader went away (`cockpit guard | head -1`)

    def line(self, text: str, when: float | None = None) -> None:
        """Print one line, stamped with the local time."""
        from cockpit.present import format as fmt

        if self.closed:
            return
        try:
            print(f"{fmt.clock(when or time.time(), utc=False)} {text}", flush=True)
        except BrokenPipeError:
            # The reader is gone. Point stdout at /dev/null so that the interpreter's last flush
            # does not raise again on the way out.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            self.closed = True

    def event(self, event) -> None:
        """One event: a line on stdout and, with --log, a JSON line."""
        self.line(event.text, event.time)
        if self.log is not None:
            record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(event.time)), "seq": event.seq,
                      "kind": event.kind.value, "severity": event.severity.value, "text": event.text,
                      "account": event.account, "symbol": event.symbol, **dict(event.fields)}
            self.log.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.log.flush()


def _open_log(path: Path | None) -> TextIO | None:
    if path is None:
        return None
    try:
        return open(path, "a", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--log {path}: cannot write there ({error.strerror or error}); pick a writable file") from None


def run_guard(args, setup) -> int:
    """Run the engine as a daemon: poll, evaluate, journal, serve terminals, log every event.

    The first line says whether the kill switch may send orders. ``--duration`` is honoured even
    when shorter than one poll. SIGTERM and SIGINT stop it cleanly (exit 0) after journaling.
    Exits 1 with one line on stderr when risk evaluation fails (a guard that cannot evaluate
    guards nothing), 2 when another guard holds the socket or the journal, and 141 without a word
    when its output is closed (`cockpit guard | head -1`).
    """
    from cockpit.startup import attach_alerts, build_engine

    # Tracebacks would break the one-line contract; what failed is a notice on stdout and the
    # reason on stderr. (Logging configured by the caller still receives them.)
    logging.getLogger("cockpit").addHandler(logging.NullHandler())
    if getattr(args, "unwind_id", None) and getattr(args, "unwind", None) is None:
        raise UsageError("--unwind-id names the run --unwind starts: give --unwind flat or gross:N with it")
    path = socket_path(args)
    log = _open_log(getattr(args, "log", None))
    engine = build_engine(args, setup)
    out = _Output(log)
    alerter = None
    try:
        alerter = attach_alerts(engine, setup.config)
        _say_mode(engine, args, out)
        if alerter is not None:
            out.line(f"alerts: {len(alerter.targets)} targets ({', '.join(t.name for t in alerter.targets)})")
        reason = asyncio.run(_serve(engine, args, path, out))
    finally:
        if alerter is not None:
            alerter.drain(5.0)  # the "guard stopping" alert leaves before the process does
            alerter.close()
        engine.journal.close()
        if log is not None:
            log.close()
    if reason is None:
        return 0
    if reason == "":
        return 141  # what a shell reports for a process ended by SIGPIPE
    print(f"cockpit guard: {reason}: stopping (check the [risk] settings)", file=sys.stderr)
    return 1


def _say_mode(engine, args, out: _Output) -> None:
    from cockpit.model import KillMode

    if engine.readonly_reason() is not None:
        # --auto (or kill_mode = "auto" in the config) could only produce refused orders.
        engine.risk.set_kill_mode(KillMode.ADVISE)
        out.line("read-only (--readonly): the kill switch will advise, no order will be sent")
        return
    if args.auto:
        engine.risk.set_kill_mode(KillMode.AUTO)
    if engine.risk.kill.mode is KillMode.AUTO:
        out.line("auto: the kill switch sends its reduce-only cuts")
    else:
        out.line("advise: the kill switch will advise, no order will be sent (--auto sends its cuts)")
    held = [name for name in engine.venues if engine.readonly_reason(name) is not None]
    if held:
        out.line(f"read-only in the config: {', '.join(held)} (no order will be sent there)")


async def _serve(engine, args, path: Path, out: _Output) -> str | None:
    """Serve until --duration or a signal (None), a failed evaluation (its reason) or a closed
    stdout ("")."""
    from cockpit.engine.server import GuardRunning, GuardServer
    from cockpit.model.events import EventKind, Severity

    server = GuardServer(engine, path)
    try:
        await server.start()
    except GuardRunning as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"--socket {path}: cannot listen there ({error.strerror or error})") from None
    done = asyncio.Event()
    why: list[tuple[str, str]] = []  # (what ended it: signal, risk, closed, duration; its words)

    def stop(kind: str, text: str) -> None:
        if not why:
            why.append((kind, text))
        done.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, "signal", signal.Signals(sig).name)
    for text in engine.notices:  # said while it was built: a kill switch restored from the journal
        out.line(text)
    engine.on_event(out.event)
    engine.on_event(lambda event: stop("closed", "") if out.closed else None)
    engine.subscribe(lambda frame: stop("risk", frame.risk_error) if frame.risk_error is not None else None)
    engine.emit(EventKind.GUARD, f"guard started: {len(engine.venues)} accounts, serving terminals on {path} "
                                 f"(attach: cockpit attach)", started="yes", socket=str(path))
    engine.start()
    unwind = _start_unwind(engine, args, out)
    try:
        await asyncio.wait_for(done.wait(), args.duration or None)
    except asyncio.TimeoutError:
        stop("duration", "--duration reached")
    finally:
        if unwind is not None:
            unwind.cancel()
        kind, text = why[0] if why else ("stopped", "stopped")
        if kind != "closed":
            engine.emit(EventKind.GUARD, f"guard stopping ({text}): the book is no longer watched",
                        severity=Severity.CRITICAL, stopping="yes", reason=text)
        await server.close()
        await engine.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return {"risk": text, "closed": ""}.get(kind)


def _start_unwind(engine, args, out: _Output) -> asyncio.Task | None:
    """--unwind: the run's start, once every account is reconciled (`cockpit.guard_unwind`)."""
    if getattr(args, "unwind", None) is None:
        return None
    from cockpit.guard_unwind import start_when_reconciled

    return asyncio.ensure_future(start_when_reconciled(engine, args.unwind, args.unwind_id, out.line))


# -- terminals ----------------------------------------------------------------------------


_OWN_ENGINE = frozenset({"seed", "scenario", "speed", "config", "demo"})  # flags that shape an engine


def should_attach(args) -> bool:
    """`cockpit` with no flag that shapes an engine of its own, and a guard answering."""
    from cockpit.engine.protocol import guard_answers

    return not (_OWN_ENGINE & set(args.given)) and guard_answers(socket_path(args))


def local_api(args, setup):
    """A local engine on its own thread for `cockpit` (no guard to attach to, or flags that ask
    for an engine of its own). It also serves the socket when that is free, so a second
    terminal attaches to this one rather than starting a second engine."""
    from cockpit.engine.local import LocalEngine
    from cockpit.engine.protocol import guard_answers
    from cockpit.startup import attach_alerts, build_engine

    path = socket_path(args)
    engine = build_engine(args, setup)
    local = LocalEngine(engine, serve=None if guard_answers(path) else path,
                        alerter=attach_alerts(engine, setup.config))
    local.start()  # its own thread: a slow paint or a UI error never stops a poll or the kill switch
    return local


def attach(args, *, timeout: float = 5.0):
    """A `RemoteEngine` attached to the guard (`cockpit attach`, or `cockpit` when
    `should_attach`); `UsageError` (one line) when none answers."""
    return attached(begin_attach(args), timeout=timeout)


def begin_attach(args):
    """A `RemoteEngine` starting to attach to the guard on its own thread (see `attached`)."""
    from cockpit.engine.remote import RemoteEngine

    remote = RemoteEngine(socket_path(args), readonly=args.readonly)
    remote.begin()
    return remote


def attached(remote, *, timeout: float = 5.0):
    """`remote` (from `begin_attach`) once attached with its first frame; `UsageError` (one
    line) when no guard answers."""
    from cockpit.engine.protocol import ProtocolError
    from cockpit.engine.remote import NoGuard

    try:
        remote.wait(timeout)
    except (NoGuard, ProtocolError) as error:
        raise UsageError(str(error)) from None
    return remote


def close_api(api) -> None:
    """Stop a local engine, or detach from a guard (which carries on)."""
    if hasattr(api, "detach"):
        api.detach()
    else:
        api.stop()


def run_status(args) -> int:
    """`cockpit status`: is a guard running, its accounts, kill state and last event; one
    screenful of text (or JSON with --json) for scripts and SSH one-liners. Exit 0 when a guard
    answers, 1 when none does."""
    from cockpit.engine.protocol import ProtocolError
    from cockpit.engine.remote import NoGuard, RemoteEngine
    from cockpit.present.status import status_report

    remote = RemoteEngine(socket_path(args), readonly=True)
    try:
        remote.attach(timeout=5.0)
    except (NoGuard, ProtocolError) as error:
        print(f"cockpit status: {error}", file=sys.stderr)
        return 1
    try:
        # Its own attach is not news to whoever asked.
        told = [e for e in remote.events if e.field("pid") != str(os.getpid())]
        report = status_report(remote.welcome, remote.latest, told)
    finally:
        remote.detach()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print("\n".join(report["lines"]))
    return 0
