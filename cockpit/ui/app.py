"""The cockpit application: themes, keymap, the one screen, and a crash screen without secrets."""

from __future__ import annotations

import gc
from pathlib import Path

from typing import Iterable

from rich.text import Text
from textual.app import SystemCommand
from textual.screen import Screen
from textual.theme import Theme

from cockpit.engine.api import EngineAPI
from cockpit.present import privacy
from cockpit.ui import palette
from cockpit.ui.bindings import bind
from cockpit.ui.compat import CrashExitApp, start_with_theme
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.themes import THEME_VARIABLE_DEFAULTS, ThemeError, load_theme, shipped_themes
from cockpit.ui.uistate import UiState, load_ui_state, save_ui_state, ui_state_path


YOUNG_COLLECTION = 5_000
"""Allocations between two collections of the youngest generation (Python's default: 700)."""


def settle_collector() -> None:
    """Resume the garbage collector as the running cockpit wants it.

    What exists at the first paint (modules, classes, styles, the first frame) lives as long as
    the process, so it is frozen into the permanent generation, where later collections do not
    walk it. A frame at 500 positions allocates a few thousand rows that live until the next
    frame, and the default threshold walked them (and Textual's strips) about eight times a frame,
    plus a 1 ms collection of the middle generation most frames. At `YOUNG_COLLECTION` a frame
    produced and painted costs 9.30 instead of 9.73 ms CPU, 12.07 instead of 13.46 ms with
    Textual's own paint of it (`python -m bench ui`, medians of 7 runs alternating the two). The
    rows hold no reference cycles: reference counting frees them either way.
    """
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, *gc.get_threshold()[1:])
    gc.enable()


class CockpitApp(CrashExitApp):
    """The terminal cockpit.

    Args:
        api: the engine's port: the frames this app shows, the commands it sends.
        theme: a palette (default: the shipped `cockpit-dark`).
        keymap: binding id → keys, already validated (see `cockpit.ui.keymap.load_keymap`).
        state_path: where the UI's remembered choices live (default: `uistate.ui_state_path`).

    The privacy mask (`cockpit.present.privacy`) is this app's choice, remembered in `state_path`:
    the app switches it for its own thread while it runs, and off again when it ends.
    """

    CSS_PATH = "cockpit.tcss"
    TITLE = "cockpit"
    BINDINGS = [
        bind("app.quit", "quit"),
        bind("app.help", "help"),
        bind("app.commands", "command_palette", show=False),
        bind("app.screenshot", "screenshot", show=False),
        # On every screen, unless the screen has its own use for the key (the run's pause).
        bind("view.privacy", "privacy", show=False),
    ]

    def __init__(
        self,
        api: EngineAPI,
        *,
        theme: Theme | None = None,
        keymap: dict[str, str] | None = None,
        state_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.api = api
        self.cockpit_theme = theme or load_theme("cockpit-dark")
        # Chosen before the CSS is first read: set once the app runs, it would be read twice.
        start_with_theme(self, self.cockpit_theme)
        self.keymap_overrides = keymap or {}
        self.state_path = state_path or ui_state_path()
        self.ui_state = UiState()

    def toasts_shown(self) -> int:
        """Two toasts on a small terminal (80×24 over SSH), four on a large one."""
        return 2 if self.size.height < 30 or self.size.width < 100 else 4

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Defaults for the cockpit's own colour variables, so any theme works with the CSS."""
        return dict(THEME_VARIABLE_DEFAULTS)

    async def on_mount(self) -> None:
        """Apply the keymap, then show the cockpit (the theme is applied as the app is made).

        The engine is started by the program before the app (on the simulator, its first frame is
        already there: the screen is drawn once, with data); the app never starts or stops it.
        """
        if self.keymap_overrides:
            self.set_keymap(self.keymap_overrides)
        self.ui_state, warning = load_ui_state(self.state_path)
        privacy.set_masked(self.ui_state.privacy_mask)  # before the first frame is drawn
        self.push_screen(CockpitScreen(self.api))
        if warning:
            self.notify(warning, severity="warning", timeout=15, markup=False)

    def on_unmount(self) -> None:
        """The mask is this app's: texts made on this thread after it (a test's, a CLI's) are not masked."""
        privacy.set_masked(False)

    @property
    def privacy_mask(self) -> bool:
        """Whether money amounts and sizes are masked on screen."""
        return self.ui_state.privacy_mask

    def set_privacy_mask(self, on: bool) -> None:
        """Mask (or unmask) money amounts and sizes on every screen, remember the choice, and say so."""
        self.ui_state.privacy_mask = on
        privacy.set_masked(on)
        for screen in self.screen_stack:  # redrawn now, not at the next frame
            redraw = getattr(screen, "redraw", None)
            if callable(redraw):
                redraw()
        failed = save_ui_state(self.state_path, self.ui_state)
        if failed:
            self.notify(failed, severity="warning", timeout=10, markup=False)
        self.notify("Privacy mask ON: amounts and sizes hidden (%, APR, prices kept)" if on
                    else "Privacy mask off: amounts and sizes shown", timeout=3)

    def action_privacy(self) -> None:
        """Toggle the privacy mask."""
        self.set_privacy_mask(not self.privacy_mask)

    def notify(self, message: str, *, title: str = "", **kwargs) -> None:
        """Textual's notification; under the privacy mask its figures are masked: its text may be
        the engine's or a venue's (`privacy.mask_text`)."""
        super().notify(privacy.private(message), title=privacy.private(title), **kwargs)

    def first_paint(self) -> None:
        """The first frame is on screen: resume the garbage collector if start-up paused it
        (`cockpit.cli` pauses it while the app starts; see `settle_collector`)."""
        self._register_shipped_themes()
        if not gc.isenabled():
            settle_collector()

    def _register_shipped_themes(self) -> None:
        """Offer every shipped theme in Textual's theme picker (the palette's "Theme"), after the
        first paint: the start-up reads only the theme in use."""
        for name in shipped_themes():
            if name not in self.available_themes:
                try:
                    self.register_theme(load_theme(name))
                except ThemeError as error:  # a broken install: the picker lacks one, the app runs on
                    self.notify(str(error), severity="warning", markup=False)

    def action_help(self) -> None:
        """Open the help for the screen on top (the keys live there, why an account is not LIVE,
        what every figure means); close it when it is the one on top."""
        from cockpit.ui.screens.help import HelpScreen  # when first asked for: not needed to start

        if isinstance(self.screen, HelpScreen):
            self.screen.action_close()
        else:
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action live on `screen`, from the binding table (`cockpit.ui.palette`), then
        Textual's own commands (the theme picker, maximize) where ours do not already name them
        (Textual's "Keys" would open its keys panel instead of the help)."""
        ours = [SystemCommand(title, help, callback) for title, help, callback in palette.commands(screen)]
        yield from ours
        titles = {command.title for command in ours} | {"Keys"}
        yield from (command for command in super().get_system_commands(screen) if command.title not in titles)

    def action_screenshot(self) -> None:
        """Save an SVG of the screen in the current directory."""
        path = self.save_screenshot(path=str(Path.cwd()))
        self.notify(f"Screenshot saved: {Path(path).name}")

    def crash_renderable(self, error: BaseException) -> Text:
        """The traceback printed after a crash: without local variables, and scrubbed.

        Textual's own crash screen shows locals (`show_locals=True`), which would print any secret
        held in a local to the terminal and its scrollback. Ours shows none, and is scrubbed (see
        `crash_report`).
        """
        return Text(crash_report(error))

def crash_report(error: BaseException, width: int = 100) -> str:
    """The traceback of `error` as plain text `width` columns wide, without locals or secrets.

    The texts are scrubbed before the traceback is laid out: scrubbing the laid-out text would miss
    a secret that a line wrap cut in two. The result is scrubbed again in case layout joined
    anything.
    """
    from rich.console import Console
    from rich.traceback import Traceback

    from cockpit.redact import scrub

    trace = Traceback.extract(type(error), error, error.__traceback__, show_locals=False)
    _scrub_trace(trace, scrub)
    console = Console(record=True, width=width, file=_Null(), color_system=None)
    console.print(Traceback(trace, width=width))
    return scrub(console.export_text())


def _scrub_trace(trace, scrub) -> None:
    """Scrub every text of a Rich `Trace` in place: messages, notes, source lines, nested groups."""
    for stack in trace.stacks:
        stack.exc_value = scrub(stack.exc_value)
        stack.notes = [scrub(note) for note in stack.notes]
        if stack.syntax_error is not None:
            stack.syntax_error.line = scrub(stack.syntax_error.line)
            stack.syntax_error.msg = scrub(stack.syntax_error.msg)
        for frame in stack.frames:
            frame.line = scrub(frame.line)
        for nested in stack.exceptions:
            _scrub_trace(nested, scrub)


class _Null:
    """A file that swallows writes (the console only records)."""

    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass
