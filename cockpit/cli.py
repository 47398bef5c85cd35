"""The `cockpit` command.

    cockpit [--seed N] [--scenario NAME|PATH] [--speed X] [--readonly] [--theme T] [--keymap K]
            [--config PATH | --demo]
    cockpit scenarios            list the simulator's scenarios
    cockpit guard [...]          run the engine and its kill switch headless (no terminal UI)
    cockpit paper --socket PATH  serve the simulator as a paper venue (its own process)
    cockpit config init|check|path   write, validate or locate the config file
    cockpit keys set|list|delete|doctor
    cockpit alerts add|list|remove|test

An option means the same before or after a subcommand's name (`cockpit --readonly guard` is
`cockpit guard --readonly`); the same option given twice with different values, `--config` with
`--demo` or `--scenario`, an option the command does not use, or `--seed`/`--speed` with a config
of real accounts is a usage error. Flags and files are checked before the terminal is. Every usage
error is one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, Sequence, TextIO

from cockpit import __version__

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.secrets import SecretStore
    from cockpit.sim import Scenario


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


# Every option the main command and its subcommands share: (argparse keywords, default). Each
# subcommand declares the ones it uses again, so an option means the same before or after the
# subcommand's name; `_merge` joins the two and refuses a value given twice differently.
_FLAGS: dict[str, tuple[dict, object]] = {
    "seed": (dict(type=_seed, metavar="N", help="simulator seed (default 7)"), 7),
    "scenario": (dict(metavar="NAME|PATH", help="run the simulator in this scenario "
                      "(see: cockpit scenarios)"), None),
    "speed": (dict(type=_positive_float("--speed", 3600), metavar="X",
                   help="simulated time runs X times faster (default 1)"), 1.0),
    "readonly": (dict(action="store_true", help="disable every order path"), False),
    "config": (dict(type=Path, metavar="PATH",
                    help="config file (default: the platform config dir)"), None),
    "demo": (dict(action="store_true", help="run the simulator, not the config's accounts"), False),
    "theme": (dict(metavar="NAME|PATH", help="palette: a shipped name or a .toml file"), None),
    "keymap": (dict(metavar="NAME|PATH", help="keymap: default, vim, or a .toml file"), None),
}
# Which shared options each command uses (None: the terminal UI); any other is a usage error
# rather than silently doing nothing.
_USES: dict[str | None, tuple[str, ...]] = {
    None: tuple(_FLAGS),
    "guard": ("seed", "scenario", "speed", "readonly", "config", "demo"),
    "config": ("config",),
    "keys": ("config",),
    "alerts": ("config",),
    "scenarios": (),
    "paper": ("seed", "scenario", "speed"),
}
_SIM_ONLY = ("seed", "speed")  # options that mean something to the simulator only


def _add_flags(parser: argparse.ArgumentParser, command: str | None, level: int) -> None:
    """Declare `command`'s shared options on `parser` (level 0: before any subcommand).

    The defaults are suppressed, so the namespace holds only what was typed, under
    ``name@level``; `_merge` fills in the defaults afterwards.
    """
    for name in _USES[command]:
        kwargs, _default = _FLAGS[name]
        parser.add_argument(f"--{name}", dest=f"{name}@{level}", default=argparse.SUPPRESS, **kwargs)


def add_config_actions(parser: argparse.ArgumentParser) -> None:
    """The actions of ``cockpit config`` (shared by `config_main`)."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = sub.add_parser("init", help="write a commented template")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    sub.add_parser("check", help="validate the file and print every problem")
    sub.add_parser("path", help="print where the file is looked for")
    for action in sub.choices.values():
        _add_flags(action, "config", 2)


def add_keys_actions(parser: argparse.ArgumentParser) -> None:
    """The actions of ``cockpit keys`` (shared by `keys_main`)."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("set", help="store an account's keys (asked without echo)").add_argument("account")
    sub.add_parser("list", help="which accounts have which fields (never the values)")
    sub.add_parser("delete", help="remove an account's keys").add_argument("account")
    sub.add_parser("doctor", help="which keyring is in use, and how to get one that works")
    for action in sub.choices.values():
        _add_flags(action, "keys", 2)


def keys_main(argv: list[str], config_path: Path | None, *, store: SecretStore | None = None,
              prompt: Callable[[str], str] = getpass.getpass, out: TextIO | None = None) -> int:
    """Run ``cockpit keys set|list|delete|doctor`` from its own arguments; returns the exit code."""
    args = _standalone("cockpit keys", "Account keys in the OS keyring (never in the config file).",
                       add_keys_actions, argv)
    if isinstance(args, int):
        return args
    from cockpit import accounts_cli

    return accounts_cli.run_keys(args, getattr(args, "config@2", config_path), store=store,
                                 prompt=prompt, out=out)


def alerts_main(argv: list[str], config_path: Path | None, *, store: SecretStore | None = None,
                prompt: Callable[[str], str] = getpass.getpass, out: TextIO | None = None,
                terminal: TextIO | None = None, env: dict[str, str] | None = None) -> int:
    """Run ``cockpit alerts add|list|remove|test`` from its own arguments; returns the exit code."""
    from cockpit import alerts_cli

    args = _standalone("cockpit alerts", "Alert targets: names in the config, URLs in the OS keyring.",
                       add_alerts_actions, argv)
    if isinstance(args, int):
        return args
    return alerts_cli.run_alerts(args, getattr(args, "config@2", config_path), store=store, prompt=prompt,
                                 out=out, terminal=terminal, env=env)


def _target_name(text: str) -> str:
    from cockpit.alerts_cli import target_name  # here: building the parser must not load pydantic

    return target_name(text)


def add_alerts_actions(parser: argparse.ArgumentParser) -> None:
    """The actions of ``cockpit alerts`` (shared by `alerts_main`)."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("add", help="store a target's notification URL in the keyring (asked without echo)"
                   ).add_argument("name", type=_target_name)
    sub.add_parser("list", help="the configured targets and whether each has a URL (never the URL)")
    sub.add_parser("remove", help="remove a target's URL from the keyring").add_argument("name", type=_target_name)
    sub.add_parser("test", help="send one test alert to every target and to this terminal")
    for action in sub.choices.values():
        _add_flags(action, "alerts", 2)


def config_main(argv: list[str], config_path: Path | None, *, out: TextIO | None = None) -> int:
    """Run ``cockpit config init|check|path`` from its own arguments; returns the exit code."""
    args = _standalone("cockpit config", "The configuration file (accounts, risk, theme, keymap; "
                       "no keys).", add_config_actions, argv)
    if isinstance(args, int):
        return args
    from cockpit import accounts_cli

    return accounts_cli.run_config(args, getattr(args, "config@2", config_path), out=out)


def _standalone(prog: str, description: str, add_actions: Callable, argv: list[str]):
    """A standalone parser of one command's actions (the `cockpit` parser shares them): the
    namespace, or the exit code argparse chose (0 after --help, 2 for a usage error)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    add_actions(parser)
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser. Its namespace is raw: pass it through `_merge`."""
    parser = _Parser(
        prog="cockpit",
        description="A terminal cockpit for perpetual futures across venues and settlement layers. "
        "With no config it opens on the embedded simulator. Every option means the same before "
        "or after a subcommand's name.",
    )
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    _add_flags(parser, None, 0)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.add_parser("scenarios", help="list the simulator's scenarios")
    guard = sub.add_parser("guard", help="run the engine and kill switch headless")
    _add_flags(guard, "guard", 1)
    guard.add_argument("--duration", type=_positive_float("--duration", 10 * 365 * 86400),
                       metavar="SECONDS", help="stop after this many seconds (any positive "
                       "number, even shorter than one poll)")
    guard.add_argument("--auto", action="store_true",
                       help="let the kill switch send its cuts (default: advise; never with --readonly)")
    guard.add_argument("--paper", type=Path, metavar="SOCKET",
                       help="trade the paper venue served at SOCKET (see: cockpit paper)")
    guard.add_argument("--journal", type=Path, metavar="PATH",
                       help="order and kill-switch journal (default: in memory for the simulator and paper "
                            "venue, the user's data directory for real accounts)")
    guard.add_argument("--order-grace", type=_positive_float("--order-grace", 600), metavar="S",
                       help="seconds before an order the venue does not know counts as never sent "
                            "(two look-ups that far apart): above the venue's receive window (default 10)")
    paper = sub.add_parser("paper", help="serve the simulator as a paper venue on a Unix socket")
    _add_flags(paper, "paper", 1)
    paper.add_argument("--socket", type=Path, metavar="PATH", required=True, help="the Unix socket to serve on")
    paper.add_argument("--order-delay", type=_positive_float("--order-delay", 60), metavar="S",
                       help="hold each order up to S seconds (random) before executing it")
    paper.add_argument("--reply-delay", type=_positive_float("--reply-delay", 60), metavar="S",
                       help="hold each order's answer up to S seconds (random)")
    paper.add_argument("--recv-window", type=_positive_float("--recv-window", 60), default=5.0, metavar="S",
                       help="refuse an order that arrives more than S seconds after it was sent (default 5)")
    paper.add_argument("--orders-log", type=Path, metavar="PATH", help="append every order received to PATH (JSON lines)")
    paper.add_argument("--duration", type=_positive_float("--duration", 10 * 365 * 86400),
                       help="stop after this many seconds")
    config = sub.add_parser("config", help="write or check the config file")
    _add_flags(config, "config", 1)
    add_config_actions(config)
    keys = sub.add_parser("keys", help="manage API keys in the OS keyring")
    _add_flags(keys, "keys", 1)
    add_keys_actions(keys)
    alerts = sub.add_parser("alerts", help="alert targets (phone, chat, mail): add, list, remove, test")
    _add_flags(alerts, "alerts", 1)
    add_alerts_actions(alerts)
    return parser


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line, checked: every shared option has its value (typed or default).

    ``given`` holds the names of the shared options that were typed. Raises `UsageError`.
    """
    return _merge(build_parser().parse_args(list(argv)))


def _merge(raw: argparse.Namespace) -> argparse.Namespace:
    """Join each shared option typed before and after the subcommand; refuse conflicts."""
    values = {key: value for key, value in vars(raw).items() if "@" not in key}
    command = values.get("command")
    typed: dict[str, object] = {}
    for key, value in vars(raw).items():
        name, at, _level = key.partition("@")
        if not at:
            continue
        if name in typed and typed[name] != value:
            raise UsageError(f"--{name} is given twice with different values ({typed[name]} and "
                             f"{value}): give it once")
        typed[name] = value
    where = f"`cockpit {command}`" if command else "the terminal UI"
    for name in typed:
        if name not in _USES[command]:
            raise UsageError(f"--{name} has no effect on {where}: remove it")
    for a, b in (("config", "demo"), ("config", "scenario")):
        if a in typed and b in typed:
            raise UsageError(f"--{a} and --{b} conflict: --{b} runs the simulator, --{a} the "
                             f"accounts in the file (give one of them)")
    for name, (_kwargs, default) in _FLAGS.items():
        values[name] = typed.get(name, default)
    values["given"] = frozenset(typed)
    return argparse.Namespace(**values)


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
    args = parse_args(argv)
    if args.command == "scenarios":
        return _list_scenarios()
    if args.command in ("config", "keys"):
        from cockpit import accounts_cli

        runner = accounts_cli.run_config if args.command == "config" else accounts_cli.run_keys
        return runner(args, args.config)
    if args.command == "alerts":
        from cockpit import alerts_cli

        return alerts_cli.run_alerts(args, args.config)
    if args.command == "guard":
        return _guard(args, _setup(args))
    if args.command == "paper":
        return _paper(args)
    # The imports and the first frame allocate a few hundred thousand objects that live as long
    # as the process; the cyclic collector would walk them all several times before the first
    # paint (30-45 ms). Paused here, it is resumed by the app once the first frame is on screen,
    # with those objects frozen out of its sight (see CockpitApp.first_paint).
    gc.disable()
    try:
        # Flags and files are checked before the terminal, so a script sees the real error.
        setup = _setup(args)
        theme, keymap = _look(args, setup.config)
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError("needs a terminal: stdin and stdout must be a TTY (for a headless run: "
                             "cockpit guard)")
    except BaseException:
        gc.enable()
        raise
    from cockpit.engine.local import LocalEngine

    api = LocalEngine(_engine(args, setup))
    api.start()  # its own thread: a slow paint or a UI error never stops a poll or the kill switch
    try:
        from cockpit.ui.app import CockpitApp

        app = CockpitApp(api, theme=theme, keymap=keymap)
        app.run()
    finally:
        api.stop()
    return app.return_code or 0


def _list_scenarios() -> int:
    from cockpit.sim import list_scenarios

    for name, description in list_scenarios():
        print(f"{name:<20} {description}")
    return 0


@dataclass(frozen=True)
class _Setup:
    """What a run was checked to use, before anything starts.

    Attributes:
        config: the config file whose accounts run; None for the simulator.
        scenario: the checked scenario of a simulator run (None: the default one).
    """

    config: "Config | None"
    scenario: "Scenario | None"


def _setup(args) -> _Setup:
    """Read and check the config file and the scenario the flags ask for (UsageError if bad)."""
    config = None
    if getattr(args, "order_grace", None) is not None and getattr(args, "paper", None) is None:
        raise UsageError("--order-grace applies to the paper venue only (--paper SOCKET): remove it")
    if getattr(args, "paper", None) is not None:
        # The paper venue's server owns the market: nothing here would reach it.
        for name in ("config", "demo", "seed", "scenario", "speed"):
            if name in args.given:
                raise UsageError(f"--{name} has no effect with --paper (the paper venue's server "
                                 f"decides its market): remove it, or give it to `cockpit paper`")
        return _Setup(None, None)
    if not (args.demo or args.scenario is not None):  # --demo and --scenario never read the config
        from cockpit.config import ConfigError, load_config

        try:
            config = load_config(args.config)
        except ConfigError as error:
            raise UsageError(str(error)) from None
    if config is not None and config.accounts:
        typed = [name for name in _SIM_ONLY if name in args.given]
        if typed:
            raise UsageError(f"--{typed[0]} applies to the simulator only, but {config.path} has "
                             f"accounts: add --demo to run the simulator, or remove --{typed[0]}")
        return _Setup(config, None)
    scenario = None
    if args.scenario is not None:
        from cockpit.sim import ScenarioError, load_scenario

        try:
            scenario = load_scenario(args.scenario)
        except ScenarioError as error:
            raise UsageError(str(error)) from None
    return _Setup(config, scenario)


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


def _engine(args, setup: _Setup):
    """The engine over the simulator (no accounts, --demo, --scenario), the paper venue
    (--paper) or the configured accounts."""
    journal = _journal(args)
    if getattr(args, "paper", None) is not None:
        from cockpit.engine.demo import paper_engine
        from cockpit.model import VenueError

        try:
            return paper_engine(args.paper, readonly=args.readonly, journal=journal,
                                absent_grace=getattr(args, "order_grace", None))
        except VenueError as error:
            if journal is not None:
                journal.close()
            raise UsageError(f"--paper: {error} (start one: cockpit paper --socket {args.paper})") from None
    if setup.config is None or not setup.config.accounts:
        from cockpit.engine.demo import demo_engine

        return demo_engine(seed=args.seed, scenario=setup.scenario, speed=args.speed,
                           readonly=args.readonly, journal=journal)
    return _live_engine(setup.config, args, journal)


def _journal(args):
    """The journal --journal names (None: the engine's default), or a usage error naming it."""
    path = getattr(args, "journal", None)
    return None if path is None else _open_journal(path, f"--journal {path}")


def _open_journal(path: Path, where: str):
    """Open the journal at `path`; `where` names it in the one-line usage error when that fails."""
    import sqlite3

    from cockpit.engine.journal import Journal, JournalBusy

    try:
        return Journal(path)
    except JournalBusy as error:  # one engine per journal: a guard or another cockpit holds it
        raise UsageError(str(error)) from None
    except (OSError, sqlite3.Error) as error:
        raise UsageError(f"{where}: cannot open it ({error}); pick a writable file") from None


def _live_engine(config, args, journal=None):
    """The engine over real accounts (ccxt is imported later, in the background)."""
    import platformdirs

    from cockpit.engine import Engine
    from cockpit.model import Mode
    from cockpit.redact import install_redaction
    from cockpit.risk import RiskEngine
    from cockpit.secrets import SecretStore
    from cockpit.venues.open import open_account

    install_redaction()
    if journal is None:  # --journal, else the user's data directory; first, so a refusal opens nothing
        default = Path(platformdirs.user_data_dir("cockpit")) / "journal.sqlite"
        journal = _open_journal(default, f"journal {default} (the default; or give --journal PATH)")
    secrets = SecretStore()
    venues = [open_account(account.venue_account(), secrets=secrets, clock=time.time)
              for account in config.accounts]
    return Engine(venues, risk=RiskEngine(config.settings), mode=Mode.LIVE, readonly=args.readonly,
                  journal=journal)


def _guard(args, setup: _Setup) -> int:
    """Run the engine headless: poll, evaluate, journal, and print every notice.

    The first line says whether the kill switch may send orders. ``--duration`` is honoured even
    when shorter than one poll: the run stops then, whatever the engine is doing.
    Exits 1 with one line on stderr when risk evaluation fails (a guard that cannot evaluate
    guards nothing), and 141 without a word when its output is closed (`cockpit guard | head -1`).
    """
    import asyncio
    import logging
    import os

    from cockpit.model import KillMode
    from cockpit.present import format as fmt

    # Tracebacks would break the one-line contract; what failed is a notice on stdout and the
    # reason on stderr. (Logging configured by the caller still receives them.)
    logging.getLogger("cockpit").addHandler(logging.NullHandler())
    engine = _engine(args, setup)
    stopped: list[str] = []  # why guard ends early: a failed evaluation, or "" for a closed stdout
    done = asyncio.Event()

    def stop(reason: str) -> None:
        if not stopped:
            stopped.append(reason)
        done.set()

    def report(notice: str) -> None:
        try:
            print(f"{fmt.clock(time.time(), utc=False)} {notice}", flush=True)
        except BrokenPipeError:
            # The reader is gone. Point stdout at /dev/null so that the interpreter's last flush
            # does not raise again on the way out.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            stop("")

    def watch(frame) -> None:
        if frame.risk_error is not None:
            stop(frame.risk_error)

    if engine.readonly_reason() is not None:
        # --auto (or kill_mode = "auto" in the config) could only produce refused orders.
        engine.risk.set_kill_mode(KillMode.ADVISE)
        report("read-only (--readonly): the kill switch will advise, no order will be sent")
    else:
        if args.auto:
            engine.risk.set_kill_mode(KillMode.AUTO)
        if engine.risk.kill.mode is KillMode.AUTO:
            report("auto: the kill switch sends its reduce-only cuts")
        else:
            report("advise: the kill switch will advise, no order will be sent (--auto sends its cuts)")
        held = [name for name in engine.venues if engine.readonly_reason(name) is not None]
        if held:
            report(f"read-only in the config: {', '.join(held)} (no order will be sent there)")

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
