"""`PositionKey`: the typed identity of a position, and its text "account|symbol"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.model import Intent, IntentSource, Position, PositionKey, Side


def test_a_key_reads_as_the_text_the_journal_and_intent_ids_always_held():
    key = PositionKey("binance", "BTC/USDT:USDT")
    assert str(key) == "binance|BTC/USDT:USDT"
    assert f"kill:1@60:{key}" == "kill:1@60:binance|BTC/USDT:USDT"  # intent ids keep their text
    assert PositionKey.parse("binance|BTC/USDT:USDT") == key
    assert (key.account, key.symbol) == ("binance", "BTC/USDT:USDT")


def test_only_the_first_separator_splits_a_key():
    assert PositionKey.parse("a|odd|symbol") == PositionKey("a", "odd|symbol")


@pytest.mark.parametrize("text", ["", "|", "binance", "binance|", "|BTC/USDT:USDT"])
def test_text_that_is_not_a_key_is_refused_clearly(text):
    with pytest.raises(ValueError, match="not a position key"):
        PositionKey.parse(text)


def test_a_key_is_never_equal_to_its_text():
    """A typed key and a text key must not silently meet in one dict."""
    assert PositionKey("a", "B") != "a|B"


def test_positions_and_intents_name_their_key():
    p = Position(account="a", venue="binance", symbol="ETH/USDT:USDT", asset="ETH", side=Side.LONG,
                 size=Decimal(1), entry_price=Decimal(2000))
    i = Intent(id="t", account="a", symbol="ETH/USDT:USDT", source=IntentSource.HOTKEY, reason="test",
               fraction=0.5)
    assert p.key == i.key == PositionKey("a", "ETH/USDT:USDT")


@given(account=st.text(min_size=1).filter(lambda s: "|" not in s), symbol=st.text(min_size=1))
def test_any_key_reads_back_from_its_text(account, symbol):
    key = PositionKey(account, symbol)
    assert PositionKey.parse(str(key)) == key
