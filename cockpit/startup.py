"""What a run uses, checked before anything starts, and the engine built from it.

The command line's flags, the config file and the scenario are read and checked here, so a bad
one is one line and exit code 2 before a terminal is touched; then the engine is built over the
simulator, the paper venue or the configured accounts, with its journal.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.usage import UsageError

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.sim import Scenario

_SIM_ONLY = ("seed", "speed")  # options that mean something to the simulator only

#: How many journals of past simulator runs are kept (the newest; each run is a new market).
SIM_JOURNALS_KEPT = 10


@dataclass(frozen=True)
class Setup:
    """What a run was checked to use, before anything starts.

    Attributes:
        config: the config file whose accounts run; None for the simulator.
        scenario: the checked scenario of a simulator run (None: the default one).
    """

    config: "Config | None"
    scenario: "Scenario | None"


def setup(args) -> Setup:
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
        return Setup(None, None)
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
        return Setup(config, None)
    scenario = None
    if args.scenario is not None:
        from cockpit.sim import ScenarioError, load_scenario

        try:
            scenario = load_scenario(args.scenario)
        except ScenarioError as error:
            raise UsageError(str(error)) from None
    return Setup(config, scenario)


def look(args, chosen: tuple[str | None, str | None]):
    """The theme and keymap the flags ask for, else the config's (`chosen`: its theme and keymap
    names); errors are usage errors."""
    from cockpit.ui.keymap import DEFAULT_BINDINGS, KeymapError, load_keymap
    from cockpit.ui.themes import ThemeError, load_theme

    theme_name = args.theme or chosen[0] or "cockpit-dark"
    keymap_name = args.keymap or chosen[1]
    try:
        theme = load_theme(theme_name)
        keymap = load_keymap(keymap_name, known_ids=set(DEFAULT_BINDINGS)) if keymap_name else {}
    except (ThemeError, KeymapError) as error:
        raise UsageError(str(error)) from None
    return theme, keymap


def config_look(config) -> tuple[str | None, str | None]:
    """A loaded config's theme and keymap names (None each without a config)."""
    return (config.theme, config.keymap) if config is not None else (None, None)


def ui_choices_only() -> tuple[str | None, str | None]:
    """The default config file's theme and keymap, read without validating the rest (a terminal
    attached to a guard: the accounts are the guard's); a file that cannot be read is one line."""
    from cockpit.configfile import ConfigError, ui_choices

    try:
        return ui_choices(None)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def build_engine(args, setup: Setup):
    """The engine over the simulator (no accounts, --demo, --scenario), the paper venue
    (--paper) or the configured accounts, each with a journal on disk (see `journal_for`) and
    a reporter that writes each finished unwind run's report (`cockpit.reports`)."""
    from cockpit.reports import Reporter

    reporter = Reporter(reports_dir())
    engine = _engine(args, setup, reporter)
    reporter.attach(engine)
    return engine


def _engine(args, setup: Setup, reporter):
    if getattr(args, "paper", None) is not None:
        from cockpit.engine.demo import paper_engine
        from cockpit.model import VenueError

        journal = journal_for(args, default=paper_journal_path(args.paper))
        try:
            return paper_engine(args.paper, readonly=args.readonly, journal=journal,
                                absent_grace=getattr(args, "order_grace", None), reporter=reporter)
        except VenueError as error:
            journal.close()
            raise UsageError(f"--paper: {error} (start one: cockpit paper --socket {args.paper})") from None
    if setup.config is None or not setup.config.accounts:
        from cockpit.engine.demo import demo_engine

        # A fresh start shows the demo trader's resting orders too (the open-orders view).
        return demo_engine(seed=args.seed, scenario=setup.scenario, speed=args.speed, readonly=args.readonly,
                           journal=journal_for(args, default=sim_journal_path()), reporter=reporter, orders=True)
    return live_engine(setup.config, args, journal_for(args, default=live_journal_path()), reporter=reporter)


def attach_alerts(engine, config):
    """Send `engine`'s alerts to the config's alert targets (phone, chat, mail); the `Alerter`,
    or None when the config names none. A target that cannot be reached is one line (exit 2),
    at the start rather than when the alert is due."""
    if config is None:
        return None
    from cockpit.alerts_cli import build_alerter
    from cockpit.engine.alerts import AlertsUnavailable

    try:
        alerter = build_alerter(config.alerts)
    except AlertsUnavailable as error:
        raise UsageError(str(error)) from None
    if alerter is not None:
        alerter.attach(engine)
    return alerter


def data_dir() -> Path:
    """The user's data directory for cockpit (journals; unwind reports in ``reports/``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("cockpit"))


def reports_dir() -> Path:
    """Where unwind reports go (`cockpit.reports`): ``reports/`` beside the journals."""
    return data_dir() / "reports"


def live_journal_path() -> Path:
    """The journal of the configured accounts: one, kept for good."""
    return data_dir() / "journal.sqlite"


def paper_journal_path(socket: Path) -> Path:
    """The journal of the paper venue at `socket`: one per paper venue, so a guard or cockpit
    that restarts against it resumes with its orders and its kill switch's latch."""
    import hashlib

    tag = hashlib.sha256(str(Path(socket).resolve()).encode()).hexdigest()[:10]
    return data_dir() / "paper" / f"journal-{tag}.sqlite"


def sim_journal_path() -> Path:
    """A new journal for this run of the embedded simulator (each run is a new market, so an
    earlier run's orders and latch mean nothing to it); the newest `SIM_JOURNALS_KEPT` are kept
    on disk for a look afterwards, older ones removed."""
    folder = data_dir() / "sim"
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    _prune(folder, SIM_JOURNALS_KEPT - 1)
    return folder / f"journal-{stamp}-{os.getpid()}.sqlite"


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the newest `keep` journals in `folder` (with their lock and WAL files and
    their funding history), sparing any journal another run holds."""
    from cockpit.engine.history import history_path
    from cockpit.engine.journal import Journal, JournalBusy

    journals = sorted((p for p in folder.glob("journal-*.sqlite") if not p.name.endswith("-history.sqlite")),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    for old in journals[keep:]:
        try:
            Journal(old).close()  # takes the lock: a journal in use says JournalBusy
        except JournalBusy:
            continue
        except Exception:  # not a journal we can open: leave it for the user
            continue
        for base in (str(old), history_path(old)):
            for extra in ("", "-wal", "-shm", ".lock"):
                Path(f"{base}{extra}").unlink(missing_ok=True)


def journal_for(args, *, default: Path):
    """The journal --journal names, else `default`, open; a usage error naming it when it cannot
    be opened (held by another engine, unwritable)."""
    path = getattr(args, "journal", None)
    if path is not None:
        return open_journal(path, f"--journal {path}")
    return open_journal(default, f"journal {default} (the default; or give --journal PATH)")


def open_journal(path: Path, where: str):
    """Open the journal at `path`; `where` names it in the one-line usage error when that fails."""
    import sqlite3

    from cockpit.engine.journal import Journal, JournalBusy

    try:
        return Journal(path)
    except JournalBusy as error:  # one engine per journal: a guard or another cockpit holds it
        raise UsageError(str(error)) from None
    except (OSError, sqlite3.Error) as error:
        raise UsageError(f"{where}: cannot open it ({error}); pick a writable file") from None


def live_engine(config, args, journal, *, reporter=None):
    """The engine over real accounts (ccxt is imported later, in the background)."""
    from cockpit.engine import Engine
    from cockpit.engine.core import LIVE_SETTINGS
    from cockpit.model import Mode
    from cockpit.redact import install_redaction
    from cockpit.risk import RiskEngine
    from cockpit.secrets import SecretStore
    from cockpit.venues.open import open_account

    install_redaction()
    secrets = SecretStore()
    venues = [open_account(account.venue_account(), secrets=secrets, clock=time.time)
              for account in config.accounts]
    return Engine(venues, risk=RiskEngine(config.settings), settings=LIVE_SETTINGS, mode=Mode.LIVE,
                  readonly=args.readonly, journal=journal, reporter=reporter,
                  dead_man={a.name: a.dead_man_policy() for a in config.accounts})
