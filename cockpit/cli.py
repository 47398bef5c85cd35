"""The `cockpit` command.

    cockpit [--seed N] [--scenario NAME|PATH] [--speed X] [--readonly] [--theme T] [--keymap K]
            [--config PATH | --demo]
    cockpit scenarios            list the simulator's scenarios
    cockpit guard [...]          run the engine as a service: kill switch, journal, socket for terminals
    cockpit attach               attach this terminal to the running guard (fails if none runs)
    cockpit status [--json]      is a guard running, its accounts, kill state and last event
    cockpit paper --socket PATH  serve the simulator as a paper venue (its own process)
    cockpit config init|check|path   write, validate or locate the config file
    cockpit keys set|list|delete|doctor
    cockpit alerts add|list|remove|test
    cockpit report last|list     print the newest unwind report, or list every report's path
    cockpit drill SCENARIO [--seed N] [--auto] [--target flat|gross:N|kill-cut] [--speed X]
                                 a fire drill, headless on the simulator: unwind, report, scores
    cockpit funding export --since YYYY-MM-DD [--out FILE] [--journal PATH]
                                 funding payments since a date as CSV (for accounting)

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
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, Sequence, TextIO

from cockpit import __version__
from cockpit.guard_unwind import add_flags as add_unwind_flags
from cockpit.usage import UsageError

if TYPE_CHECKING:
    from cockpit.secrets import SecretStore


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
    "attach": ("readonly", "theme", "keymap"),
    "status": (),
    "report": (),
    "drill": ("seed", "speed"),
    "funding": (),
}
#: A drill's market runs this many times faster than the wall clock unless --speed says otherwise.
DRILL_SPEED = 60.0


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
    guard = sub.add_parser("guard", help="run the engine as a service that terminals attach to",
                           description="Run the engine headless: pollers, risk, the kill switch and its "
                           "journal, serving terminals on a Unix socket (mode 0600). `cockpit` and `cockpit "
                           "attach` attach to it; a terminal that detaches changes nothing here. One line per "
                           "event on stdout. SIGTERM or SIGINT stop it cleanly.")
    _add_flags(guard, "guard", 1)
    guard.add_argument("--duration", type=_positive_float("--duration", 10 * 365 * 86400),
                       metavar="SECONDS", help="stop after this many seconds (any positive "
                       "number, even shorter than one poll)")
    guard.add_argument("--auto", action="store_true",
                       help="let the kill switch send its cuts (default: advise; never with --readonly)")
    guard.add_argument("--paper", type=Path, metavar="SOCKET",
                       help="trade the paper venue served at SOCKET (see: cockpit paper)")
    guard.add_argument("--journal", type=Path, metavar="PATH",
                       help="order and kill-switch journal (default: in the user's data directory: one for "
                            "real accounts, one per paper venue, a new one per simulator run)")
    guard.add_argument("--socket", type=Path, metavar="PATH",
                       help="serve terminals on this Unix socket (default: guard.sock in the user's runtime "
                            "directory, where `cockpit` looks)")
    guard.add_argument("--log", type=Path, metavar="FILE", help="also append every event to FILE as JSON lines")
    guard.add_argument("--order-grace", type=_positive_float("--order-grace", 600), metavar="S",
                       help="seconds before an order the venue does not know counts as never sent "
                            "(two look-ups that far apart): above the venue's receive window (default 10)")
    add_unwind_flags(guard)
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
    attach = sub.add_parser("attach", help="attach this terminal to the running guard",
                            description="Attach to the running guard (fails with one line when none runs). "
                            "With --readonly this terminal can look but not act.")
    _add_flags(attach, "attach", 1)
    attach.add_argument("--socket", type=Path, metavar="PATH", help="the guard's socket (default: its usual place)")
    status = sub.add_parser("status", help="is a guard running: accounts, kill state, last event",
                            description="One look at the running guard for scripts and SSH one-liners. "
                            "Exit 0 when a guard answers, 1 when none does.")
    _add_flags(status, "status", 1)
    status.add_argument("--socket", type=Path, metavar="PATH", help="the guard's socket (default: its usual place)")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    config = sub.add_parser("config", help="write or check the config file")
    _add_flags(config, "config", 1)
    add_config_actions(config)
    keys = sub.add_parser("keys", help="manage API keys in the OS keyring")
    _add_flags(keys, "keys", 1)
    add_keys_actions(keys)
    alerts = sub.add_parser("alerts", help="alert targets (phone, chat, mail): add, list, remove, test")
    _add_flags(alerts, "alerts", 1)
    add_alerts_actions(alerts)
    report = sub.add_parser("report", help="unwind incident reports: print the last one, or list them",
                            description="Each guided unwind run writes a report (Markdown and JSON) in the "
                            "user's data directory when it ends. `last` prints the newest Markdown; `list` "
                            "prints every report's path, oldest first. Exit 2 when there is none.")
    _add_flags(report, "report", 1)
    report.add_argument("action", choices=("last", "list"), help="last: print the newest report; list: every path")
    _add_drill(sub)
    from cockpit.funding_cli import add_funding_actions

    funding = sub.add_parser("funding", help="funding payments: export them as CSV for accounting")
    add_funding_actions(funding)
    return parser


def _scenario_names() -> str:
    # The shipped files, listed without importing the simulator (it loads numpy).
    folder = Path(__file__).parent / "sim" / "scenarios"
    return ", ".join(sorted(p.stem for p in folder.glob("*.toml")))


def _drill_target(text: str) -> str:
    from cockpit.drill_cli import parse_target

    try:
        parse_target(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _add_drill(sub) -> None:
    drill = sub.add_parser(
        "drill", help="a fire drill: a scenario headless on the simulator, an unwind, its report and scores",
        description="Run SCENARIO headless on the simulator (journal in memory) and let the kill switch act: "
        "by default it advises and the drill starts an unwind run to its cut when it reaches REDUCING; "
        "--target starts the run at once; --auto lets the switch send its own cut. The run goes "
        "without stops (a blind-venue hedge is confirmed automatically, in a drill only); its report is "
        "written with the others (cockpit report last) and the scores are printed: loss against the "
        "plan's estimate, time to reach the target, slippage, steps that failed. The market runs --speed "
        f"times faster than the wall clock (default {DRILL_SPEED:g} in a drill). Exit 0 with a report, "
        "1 when the switch never reached REDUCING within an hour of simulated time.")
    _add_flags(drill, "drill", 1)
    drill.add_argument("drill_scenario", metavar="SCENARIO", help=f"a scenario name ({_scenario_names()}) or a .toml file")
    drill.add_argument("--auto", action="store_true", help="the kill switch sends its own cut at REDUCING")
    drill.add_argument("--target", type=_drill_target, metavar="flat|gross:N|kill-cut",
                       help="start the unwind run at once to this target (gross:30 cuts gross by 30%%)")


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
        from cockpit.guard_cli import run_guard
        from cockpit.startup import setup

        return run_guard(args, setup(args))
    if args.command == "status":
        from cockpit.guard_cli import run_status

        return run_status(args)
    if args.command == "paper":
        return _paper(args)
    if args.command == "drill":
        return _drill(args)
    if args.command == "funding":
        from cockpit.funding_cli import run_funding

        return run_funding(args)
    if args.command == "report":
        from cockpit.reports import print_report
        from cockpit.startup import reports_dir

        return print_report(args.action, reports_dir())
    # The imports and the first frame allocate a few hundred thousand objects that live as long
    # as the process; the cyclic collector would walk them all several times before the first
    # paint (30-45 ms). Paused here, it is resumed by the app once the first frame is on screen,
    # with those objects frozen out of its sight (see CockpitApp.first_paint).
    gc.disable()
    from cockpit.model.classcache import compiled_methods

    api = None
    try:
        # Every dataclass made while the terminal starts (the model's, Textual's, the screens')
        # reuses the methods compiled by an earlier start (see `cockpit.model.classcache`).
        with compiled_methods("terminal"):
            api, theme, keymap = _engine_port(args)
            from cockpit.ui.app import CockpitApp
    except BaseException:  # (Ctrl-C during Textual's import too)
        gc.enable()
        if api is not None:  # its engine started, or its attach: never left running behind
            from cockpit.guard_cli import close_api

            close_api(api)
        raise
    from cockpit.guard_cli import close_api

    try:
        app = CockpitApp(api, theme=theme, keymap=keymap)
        app.run()
    finally:
        close_api(api)
    return app.return_code or 0


def _engine_port(args):
    """The engine this terminal shows, with its theme and keymap: a guard's (attached) or its own
    (on a thread). Flags and files are checked before the terminal, so a script sees the real
    error; on any error nothing is left attached."""
    from cockpit import guard_cli
    from cockpit.startup import config_look, look, setup, ui_choices_only

    # `cockpit attach`, and `cockpit` with a guard running (and no flag asking for an engine
    # of its own), attach: only the config's theme and keymap matter then, read without
    # loading the config's validation (pydantic, the venue profiles), so attaching is quick.
    attaching = args.command == "attach" or guard_cli.should_attach(args)
    checked = None if attaching else setup(args)
    choices = ui_choices_only() if attaching else config_look(checked.config)
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    # Attaching starts at once, on its own thread: the guard sends its frame while the screens load.
    remote = guard_cli.begin_attach(args) if attaching and tty else None
    try:
        theme, keymap = look(args, choices)
        if not tty:
            raise UsageError("needs a terminal: stdin and stdout must be a TTY (for a headless run: "
                             "cockpit guard)")
        api = guard_cli.attached(remote) if remote is not None else guard_cli.local_api(args, checked)
    except BaseException:
        if remote is not None:
            remote.detach()
        raise
    return api, theme, keymap


def _drill(args) -> int:
    from cockpit.drill_cli import DrillArgs, run_drill

    if args.auto and args.target is not None:
        raise UsageError("--auto and --target conflict: --auto lets the kill switch cut by itself, --target "
                         "starts a run at once (give one of them)")
    speed = args.speed if "speed" in args.given else DRILL_SPEED
    return run_drill(DrillArgs(scenario=args.drill_scenario, seed=args.seed, speed=speed, auto=args.auto,
                               target=args.target))


def _list_scenarios() -> int:
    from cockpit.sim import list_scenarios

    for name, description in list_scenarios():
        print(f"{name:<20} {description}")
    return 0


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
