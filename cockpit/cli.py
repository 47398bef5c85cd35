"""The `cockpit` command.

    cockpit [--seed N] [--scenario NAME|PATH] [--speed X] [--readonly] [--theme T] [--keymap K]
            [--config PATH | --demo]
    cockpit scenarios            list the simulator's scenarios
    cockpit guard [...]          run the engine and its kill switch headless (no terminal UI)
    cockpit paper --socket PATH  serve the simulator as a paper venue (its own process)
    cockpit config init|check    write or validate the config file
    cockpit keys set|list|delete|doctor

Every usage error is one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import NoReturn, Sequence

from cockpit import __version__


class UsageError(Exception):
    """A bad flag, value or file: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line and exits 2 (never a traceback)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see: cockpit --help)")


def _positive_float(name: str, upper: float):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        if not 0 < value <= upper:
            raise argparse.ArgumentTypeError(f"{name} must be above 0 and at most {upper:g}, got {text}")
        return value
    return parse


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed must be 0 or more, got {text}")
    return value


def _add_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=_seed, default=7, help="simulator seed (default 7)")
    p.add_argument("--scenario", metavar="NAME|PATH", help="simulator scenario (see: cockpit scenarios)")
    p.add_argument("--speed", type=_positive_float("--speed", 3600), default=1.0,
                   help="simulated time runs X times faster (default 1)")
    p.add_argument("--readonly", action="store_true", help="disable every order path")
    p.add_argument("--config", type=Path, metavar="PATH", help="config file (default: the platform config dir)")
    p.add_argument("--demo", action="store_true", help="use the simulator even when a config exists")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = _Parser(
        prog="cockpit",
        description="A terminal cockpit for perpetual futures across venues and settlement layers. "
        "With no config it opens on the embedded simulator.",
    )
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    _add_run_flags(parser)
    parser.add_argument("--theme", metavar="NAME|PATH", help="palette: a shipped name or a .toml file")
    parser.add_argument("--keymap", metavar="NAME|PATH", help="keymap: default, vim, or a .toml file")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.add_parser("scenarios", help="list the simulator's scenarios")
    guard = sub.add_parser("guard", help="run the engine and kill switch headless")
    _add_run_flags(guard)
    guard.add_argument("--duration", type=_positive_float("--duration", 10 * 365 * 86400),
                       help="stop after this many seconds")
    guard.add_argument("--auto", action="store_true", help="let the kill switch send its cuts (default: advise)")
    guard.add_argument("--paper", type=Path, metavar="SOCKET",
                       help="trade the paper venue served at SOCKET (see: cockpit paper)")
    guard.add_argument("--journal", type=Path, metavar="PATH",
                       help="order and kill-switch journal for the simulator or paper venue (default: in memory)")
    guard.add_argument("--order-grace", type=_positive_float("--order-grace", 600), metavar="S",
                       help="after a restart, seconds before a journaled order the venue does not know counts "
                            "as never sent: above the venue's receive window (default 10)")
    paper = sub.add_parser("paper", help="serve the simulator as a paper venue on a Unix socket")
    paper.add_argument("--socket", type=Path, metavar="PATH", required=True, help="the Unix socket to serve on")
    paper.add_argument("--seed", type=_seed, default=7, help="simulator seed (default 7)")
    paper.add_argument("--scenario", metavar="NAME|PATH", help="simulator scenario (see: cockpit scenarios)")
    paper.add_argument("--speed", type=_positive_float("--speed", 3600), default=1.0,
                       help="simulated time runs X times faster (default 1)")
    paper.add_argument("--order-delay", type=_positive_float("--order-delay", 60), metavar="S",
                       help="hold each order up to S seconds (random) before executing it")
    paper.add_argument("--reply-delay", type=_positive_float("--reply-delay", 60), metavar="S",
                       help="hold each order's answer up to S seconds (random)")
    paper.add_argument("--recv-window", type=_positive_float("--recv-window", 60), default=5.0, metavar="S",
                       help="refuse an order that arrives more than S seconds after it was sent (default 5)")
    paper.add_argument("--orders-log", type=Path, metavar="PATH", help="append every order received to PATH (JSON lines)")
    paper.add_argument("--duration", type=_positive_float("--duration", 10 * 365 * 86400),
                       help="stop after this many seconds")
    for name, text in (("config", "write or check the config file"), ("keys", "manage API keys in the OS keyring")):
        p = sub.add_parser(name, help=text, add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cockpit` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(argv)
    except UsageError as error:
        print(f"cockpit: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "scenarios":
        return _list_scenarios()
    if args.command in ("config", "keys"):
        from cockpit import accounts_cli

        runner = accounts_cli.config_main if args.command == "config" else accounts_cli.keys_main
        return runner(list(args.rest), args.config)
    if args.command == "guard":
        return _guard(args)
    if args.command == "paper":
        return _paper(args)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("needs a terminal: stdin and stdout must be a TTY (for a headless run: cockpit guard)")
    # The imports and the first frame allocate a few hundred thousand objects that live as long
    # as the process; the cyclic collector would walk them all several times before the first
    # paint (30-45 ms). Paused here, it is resumed by the app once the first frame is on screen,
    # with those objects frozen out of its sight (see CockpitApp.first_paint).
    gc.disable()
    config = _config(args)
    theme, keymap = _look(args, config)
    engine = _engine(args, config)
    from cockpit.ui.app import CockpitApp

    app = CockpitApp(engine, theme=theme, keymap=keymap)
    app.run()
    return app.return_code or 0


def _list_scenarios() -> int:
    from cockpit.sim import list_scenarios

    for name, description in list_scenarios():
        print(f"{name:<20} {description}")
    return 0


def _config(args):
    """The config file, unless the simulator is asked for; None when there is none."""
    if args.demo or args.scenario is not None:
        return None
    from cockpit.config import ConfigError, load_config

    try:
        return load_config(args.config)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def _look(args, config):
    """The theme and keymap the flags ask for, else the config's; errors are usage errors."""
    from cockpit.ui.keymap import DEFAULT_BINDINGS, KeymapError, load_keymap
    from cockpit.ui.themes import ThemeError, load_theme

    theme_name = args.theme or (config.theme if config else None) or "cockpit-dark"
    keymap_name = args.keymap or (config.keymap if config else None)
    try:
        theme = load_theme(theme_name)
        keymap = load_keymap(keymap_name, known_ids=set(DEFAULT_BINDINGS)) if keymap_name else {}
    except (ThemeError, KeymapError) as error:
        raise UsageError(str(error)) from None
    return theme, keymap


def _engine(args, config):
    """The engine over the simulator (no config, --demo, --scenario), the paper venue (--paper)
    or the configured accounts."""
    journal = _journal(args)
    if getattr(args, "paper", None) is not None:
        from cockpit.engine.demo import paper_engine
        from cockpit.model import VenueError

        try:
            return paper_engine(args.paper, readonly=args.readonly, journal=journal,
                                absent_grace=getattr(args, "order_grace", None))
        except VenueError as error:
            raise UsageError(f"--paper: {error} (start one: cockpit paper --socket {args.paper})") from None
    if config is None or not config.accounts:
        from cockpit.engine.demo import demo_engine
        from cockpit.sim import ScenarioError

        try:
            return demo_engine(seed=args.seed, scenario=args.scenario, speed=args.speed, readonly=args.readonly,
                               journal=journal)
        except ScenarioError as error:
            raise UsageError(str(error)) from None
    return _live_engine(config, args)


def _journal(args):
    """The journal --journal names (None: the engine's default), or a usage error naming it."""
    path = getattr(args, "journal", None)
    if path is None:
        return None
    import sqlite3

    from cockpit.engine.journal import Journal

    try:
        return Journal(path)
    except (OSError, sqlite3.Error) as error:
        raise UsageError(f"--journal {path}: cannot open it ({error}); pick a writable file") from None


def _live_engine(config, args):
    """The engine over real accounts (ccxt is imported later, in the background)."""
    import platformdirs

    from cockpit.engine import Engine
    from cockpit.engine.journal import Journal
    from cockpit.model import Mode
    from cockpit.redact import install_redaction
    from cockpit.risk import RiskEngine, RiskSettings, SettingsError
    from cockpit.secrets import SecretStore
    from cockpit.venues.open import open_account

    install_redaction()
    try:
        settings = RiskSettings.from_mapping(config.risk, source=f"{config.path} [risk]")
    except SettingsError as error:
        raise UsageError(str(error)) from None
    secrets = SecretStore()
    venues = [open_account(account, secrets=secrets, clock=time.time) for account in config.accounts]
    journal = Journal(Path(platformdirs.user_data_dir("cockpit")) / "journal.sqlite")
    return Engine(venues, risk=RiskEngine(settings), mode=Mode.LIVE, readonly=args.readonly, journal=journal)


def _guard(args) -> int:
    """Run the engine headless: poll, evaluate, journal, and print every notice.

    Exits 1 with one line on stderr when risk evaluation fails (a guard that cannot evaluate
    guards nothing), and 141 without a word when its output is closed (`cockpit guard | head -1`).
    """
    import asyncio
    import logging
    import os

    # Tracebacks would break the one-line contract; what failed is a notice on stdout and the
    # reason on stderr. (Logging configured by the caller still receives them.)
    logging.getLogger("cockpit").addHandler(logging.NullHandler())
    engine = _engine(args, _config(args))
    if args.auto:
        engine.risk.set_kill_mode("auto")
    stopped: list[str] = []  # why guard ends early: a failed evaluation, or "" for a closed stdout
    done = asyncio.Event()

    def stop(reason: str) -> None:
        if not stopped:
            stopped.append(reason)
        done.set()

    def report(notice: str) -> None:
        try:
            print(f"{time.strftime('%H:%M:%S')} {notice}", flush=True)
        except BrokenPipeError:
            # The reader is gone. Point stdout at /dev/null so that the interpreter's last flush
            # does not raise again on the way out.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            stop("")

    def watch(frame) -> None:
        if frame.risk_error is not None:
            stop(frame.risk_error)

    async def run() -> None:
        for text in engine.notices:  # said while it was built: a kill switch restored from the journal
            report(text)
        engine.on_notice(report)
        engine.subscribe(watch)
        engine.start()
        try:
            await asyncio.wait_for(done.wait(), args.duration or None)
        except asyncio.TimeoutError:
            pass
        finally:
            await engine.stop()

    asyncio.run(run())
    if not stopped:
        return 0
    if stopped[0] == "":
        return 141  # what a shell reports for a process ended by SIGPIPE
    print(f"cockpit guard: {stopped[0]}: stopping (check the [risk] settings)", file=sys.stderr)
    return 1


def _paper(args) -> int:
    """Serve the simulator as a paper venue until stopped (or for --duration seconds)."""
    import asyncio

    from cockpit.sim import ScenarioError, build_demo
    from cockpit.sim.paper import serve

    try:
        session = build_demo(seed=args.seed, scenario=args.scenario or "calm", speed=args.speed)
    except ScenarioError as error:
        raise UsageError(str(error)) from None

    def ready() -> None:
        print(f"paper venue: {len(session.venues)} accounts in {session.scenario_name} at speed "
              f"{args.speed:g}, serving on {args.socket}", flush=True)

    try:
        asyncio.run(serve(session, args.socket, duration=args.duration, ready=ready,
                          order_delay=(0.0, args.order_delay or 0.0), reply_delay=(0.0, args.reply_delay or 0.0),
                          recv_window=args.recv_window, orders_log=args.orders_log, seed=args.seed))
    except OSError as error:
        raise UsageError(f"--socket {args.socket}: cannot serve there ({error.strerror or error})") from None
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
