"""The `?` help: the keys live on the screen it was opened from (as this terminal's keymap has
them), why any account is not LIVE, and what every column, flag, mark and unit there means.

Pushed over any screen by `app.help`; escape (`help.close`) or `?` again closes it. The text of
the glossary is `cockpit.present.glossary`; a screen names its sections in `HELP_SECTIONS` (the
cockpit screen: its panes', current pane first) and its name in `HELP_TITLE`. The keys are read
from the screen's bindings (`cockpit.ui.palette.live_bindings`), so a key added to the binding
table and bound there is listed without another edit; one `check_action` refuses now is listed
under "when they apply".
"""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from cockpit.model import Frame, Health
from cockpit.present import glossary
from cockpit.present.deadman import dms_lines
from cockpit.present.status import health_lines
from cockpit.ui.bindings import bind, cursor_bindings, key_of, keys_of
from cockpit.ui.palette import LiveBinding, live_bindings
from cockpit.ui.pane import BasePane
from cockpit.ui.widgets.keybar import KeyBar
from cockpit.ui.widgets.line import Line

COMMON = ("status", "units")
"""Sections shown on every screen that has no `HELP_SECTIONS` of its own."""


class HelpText(VerticalScroll, can_focus=True):
    """The help's text, scrolled by the cursor keys (so a remapped cursor scrolls it too)."""

    BINDINGS = cursor_bindings("scroll_up", "scroll_down", "scroll_left", "scroll_right", "page_up", "page_down",
                               "scroll_home", "scroll_end")


class HelpScreen(Screen):
    """The help for the screen `under` (see the module doc)."""

    BINDINGS = [bind("help.close", "close")]
    DEFAULT_CSS = """
    HelpScreen { layout: vertical; }
    #help-head { height: 1; background: $panel; text-style: bold; }
    #help-body { height: 1fr; padding: 0 1; }
    #help-text { text-wrap: nowrap; text-overflow: clip; }  /* wrapped by `_para`, hanging indents kept */
    """

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        """Title, the text, the keys."""
        yield Line(id="help-head")
        with HelpText(id="help-body"):
            yield Static(id="help-text", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        """Write the help for the screen below, as it is now; the text has the focus."""
        app = self.app
        title = getattr(self.under, "HELP_TITLE", type(self.under).__name__.removesuffix("Screen"))
        close = " or ".join(key_of(app, i) for i in ("help.close", "app.help"))
        scroll = f"{key_of(app, 'cursor.down')}/{key_of(app, 'cursor.up')}/{key_of(app, 'cursor.page_down')} scroll"
        self.query_one("#help-head", Line).show(Text(f" HELP · {title} · {close} closes · {scroll}",
                                                     no_wrap=True, overflow="ellipsis"))
        self._write()
        self.query_one(HelpText).focus()

    def on_resize(self) -> None:
        """Wrap the text again for the new width."""
        self._write()

    def redraw(self) -> None:
        """Write the text again now (the privacy mask was switched: the accounts' reasons)."""
        self._write()

    def _write(self) -> None:
        """The help's text, wrapped to the width there is (hanging indents are kept so)."""
        body = self.query_one(HelpText)
        width = (body.scrollable_content_region.width or self.app.size.width - 4) - 1
        frame = getattr(self.app, "api", None) and self.app.api.latest
        self.query_one("#help-text", Static).update(help_text(self.under, frame, width))

    def action_close(self) -> None:
        """Back to the screen it was opened from."""
        if self.app.screen is self:
            self.app.pop_screen()


def sections_of(screen: Screen) -> list[str]:
    """The glossary sections that explain `screen`: its own `HELP_SECTIONS`, and on a screen of
    panes each pane's (the one with the focus first), then the common ones."""
    own = list(getattr(screen, "HELP_SECTIONS", ()))
    panes = [pane for pane in screen.query(BasePane) if pane.pane_id in glossary.SECTIONS]
    current = getattr(screen, "current", None)
    panes.sort(key=lambda pane: pane.pane_id != current)
    wanted = [pane.pane_id for pane in panes] + own + ([] if own else list(COMMON))
    return [sid for sid in dict.fromkeys(wanted) if sid in glossary.SECTIONS]


def help_text(screen: Screen, frame: Frame | None, width: int = 80) -> Text:
    """The help for `screen`, `width` columns wide: health first (when something is not LIVE), the
    keys, the glossary."""
    text = Text(no_wrap=True, overflow="crop")
    _health(text, frame, width)
    _keys(text, screen, width)
    for sid in sections_of(screen):
        section = glossary.SECTIONS[sid]
        _heading(text, section.title)
        for entry in section.entries:
            _para(text, (entry.term, "bold"), (f"  {entry.meaning}", ""), width, 4)
    return text


def _para(text: Text, head: tuple[str, str], body: tuple[str, str], width: int, indent: int) -> None:
    """`head` then `body` (each text and style) as lines of `width`, the lines after the first
    indented by `indent`: a term, a key, then what it means."""
    lines = textwrap.wrap(head[0] + body[0], width=max(width, indent + 20), subsequent_indent=" " * indent,
                          break_on_hyphens=False) or [""]
    cut = len(head[0])
    text.append(lines[0][:cut], style=head[1])
    text.append(lines[0][cut:] + "\n", style=body[1])
    for line in lines[1:]:
        text.append(line + "\n", style=body[1])


def _heading(text: Text, title: str) -> None:
    text.append(("\n" if text.plain else "") + title + "\n", style="bold underline")


def _health(text: Text, frame: Frame | None, width: int) -> None:
    """Why accounts are not LIVE, and what each dead-man's switch is doing (nothing when all is well)."""
    if frame is None:
        return
    ailing = [acc for acc in frame.book.accounts if acc.health is not Health.LIVE]
    if ailing:
        _heading(text, "Accounts not LIVE")
        for line in health_lines(ailing).splitlines():
            _para(text, ("", ""), (line, ""), width, 4)
    switches = dms_lines(frame)
    if switches:
        _heading(text, "Dead-man's switches")
        for line in switches:
            _para(text, ("", ""), (line, ""), width, 4)


def keys_text(app, live: LiveBinding) -> str:
    """Every key of a binding as this terminal has it: "k, up"."""
    return ", ".join(app.get_key_display(Binding(key, "")) for key in keys_of(app, live.id))


def _owner(live: LiveBinding) -> str:
    """Where a binding is live: "" for the screen's and the app's keys, else the pane (or widget)
    that must have the focus."""
    node = live.node
    if node is node.app or isinstance(node, Screen):
        return ""
    if live.id.startswith("cursor."):
        return "Cursor (tables, the heatmap)"
    pane = next((a for a in node.ancestors_with_self if isinstance(a, BasePane)), None)
    return f"In the {pane.title} pane (when it has the focus)" if pane is not None else "When it has the focus"


def _keys(text: Text, screen: Screen, width: int) -> None:
    """The keys live on `screen`, grouped by where they act; those refused now at the end."""
    app = screen.app
    groups: dict[str, list[LiveBinding]] = {}
    later: list[LiveBinding] = []
    for live in live_bindings(screen, hidden=True):
        if live.state is False:
            later.append(live)
        else:
            groups.setdefault(_owner(live), []).append(live)
    for owner in sorted(groups, key=bool):  # the screen's own keys first
        _heading(text, owner or "Keys")
        for live in groups[owner]:
            _key_line(text, app, live, width, off=live.state is None)
    if later:
        _heading(text, "Keys when they apply")
        for live in later:
            _key_line(text, app, live, width, off=True)


KEY_WIDTH = 10
"""The keys' column (right-aligned): "shift+tab", "^u, pgup"."""


def _key_line(text: Text, app, live: LiveBinding, width: int, *, off: bool) -> None:
    """A key, its name and what it does (dim when it does nothing now)."""
    head = f"{keys_text(app, live):>{KEY_WIDTH}}  {live.description():<14}"
    _para(text, (head, "dim bold" if off else "bold"), (f" {live.help()}", "dim"), width, len(head) + 1)
