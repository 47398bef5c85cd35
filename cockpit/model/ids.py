"""Identities: the typed key of a position, and the text it is written as.

A position is one account's holding in one symbol. Its key was once the text "account|symbol",
built and split in half a dozen places; `PositionKey` is that pair as a value. Its `str()` is
still "account|symbol", so the journal, intent ids and anything else written as text keep the
exact same text, and `PositionKey.parse` reads it back.
"""

from __future__ import annotations

from typing import NamedTuple

SEPARATOR = "|"
"""Between account and symbol in a position key's text. Account names never contain it (the
config refuses them); a symbol may, since only the first separator splits the text."""


class PositionKey(NamedTuple):
    """The identity of a position across snapshots: its account and its ccxt unified symbol."""

    account: str
    symbol: str

    def __str__(self) -> str:
        return f"{self.account}{SEPARATOR}{self.symbol}"

    @classmethod
    def parse(cls, text: str) -> PositionKey:
        """The key written as `text` ("account|symbol"); ValueError when `text` is not one."""
        account, sep, symbol = text.partition(SEPARATOR)
        if not sep or not account or not symbol:
            raise ValueError(f"not a position key (expected 'account{SEPARATOR}symbol'): {text!r}")
        return cls(account, symbol)
