"""A tiny terminal for tests: the cells (character and SGR state) that a stream of cursor moves,
SGR sequences and text leaves on a screen. Only what the cockpit's screen updates use: CUP
(`ESC [ y ; x H`), SGR (`ESC [ ... m`, with 38/48;5;n and 38/48;2;r;g;b colours), newlines,
and text (one cell per character, two for a wide one)."""

from __future__ import annotations

import re

from rich.cells import get_character_cell_size

_SEQUENCE = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x1b]*\x1b\\")


class Screen:
    """`width` × `height` cells, each (character, frozenset of SGR attributes, fg, bg)."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells = [[(" ", frozenset(), None, None)] * width for _ in range(height)]
        self.x = self.y = 0
        self.attrs: set[str] = set()
        self.fg: str | None = None
        self.bg: str | None = None

    def feed(self, data: str) -> None:
        """Apply terminal output `data`."""
        pos = 0
        for match in _SEQUENCE.finditer(data):
            self._text(data[pos:match.start()])
            pos = match.end()
            params, final = match.group(1), match.group(2)
            if final == "H":
                y, _, x = (params or "1;1").partition(";")
                self.y, self.x = int(y or 1) - 1, int(x or 1) - 1
            elif final == "m":
                self._sgr([int(p) if p else 0 for p in (params or "0").split(";")])
        self._text(data[pos:])

    def _sgr(self, codes: list[int]) -> None:
        names = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 7: "reverse", 8: "conceal",
                 9: "strike", 21: "underline2", 53: "overline"}
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                self.attrs, self.fg, self.bg = set(), None, None
            elif code in names:
                self.attrs.add(names[code])
            elif code in (38, 48):
                n = 3 if codes[i + 1] == 5 else 5
                colour = ";".join(map(str, codes[i + 1:i + n]))
                if code == 38:
                    self.fg = colour
                else:
                    self.bg = colour
                i += n - 1
            elif code == 39:
                self.fg = None
            elif code == 49:
                self.bg = None
            elif 30 <= code <= 37 or 90 <= code <= 97:
                self.fg = str(code)
            elif 40 <= code <= 47 or 100 <= code <= 107:
                self.bg = str(code)
            i += 1

    def _text(self, text: str) -> None:
        for ch in text:
            if ch == "\n":
                self.y, self.x = min(self.y + 1, self.height - 1), 0
                continue
            if ch == "\r":
                self.x = 0
                continue
            cell = (ch, frozenset(self.attrs), self.fg, self.bg)
            if self.x < self.width:
                self.cells[self.y][self.x] = cell
            if get_character_cell_size(ch) == 2 and self.x + 1 < self.width:
                self.cells[self.y][self.x + 1] = ("", cell[1], cell[2], cell[3])
            self.x += get_character_cell_size(ch)

    def text(self, y: int) -> str:
        """Line `y`'s characters."""
        return "".join(c[0] for c in self.cells[y])

    def looks(self) -> list[list[tuple]]:
        """The cells as a person sees them: a blank's foreground and weight do not show (unless
        it is reversed or lined), so they are left out."""
        drawn = {"reverse", "underline", "underline2", "strike", "overline"}
        return [[(" ", frozenset(), None, bg) if ch == " " and not attrs & drawn else (ch, attrs, fg, bg)
                 for ch, attrs, fg, bg in line] for line in self.cells]
