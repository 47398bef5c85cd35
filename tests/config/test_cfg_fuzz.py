"""Fuzzing the loader: whatever the file holds, only ConfigError can escape (or a Config)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.config import Config, ConfigError, parse_config

PATH = Path("fuzz.toml")
FAST = settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))


def total(text: str) -> None:
    try:
        result = parse_config(text, PATH)
    except ConfigError as exc:
        assert "\n" not in str(exc) and exc.problems
    else:
        assert isinstance(result, Config)


@FAST
@given(st.text(max_size=300))
def test_any_text(text):
    total(text)


KEYS = st.sampled_from(["name", "venue", "layer", "readonly", "symbols", "sandbox", "api_url",
                        "label", "api_key", "theme", "x", "risk", "accounts"])
VALUES = st.one_of(
    st.sampled_from(['"binanceusdm"', '"hyperliquid"', '"dydx"', '"okx"', '"cex"', "true",
                     '"http://127.0.0.1:1"', '"https://h/x?q=1"', '["BTC"]', "[1, 2]", "{}",
                     '"a b"', "1e999", '"0x' + "ab" * 32 + '"', "1979-05-27", "[[]]", '""']),
    st.integers().map(str), st.text(max_size=20).map(lambda s: '"' + s.replace('"', "").replace(
        "\\", "") + '"'))
LINES = st.one_of(st.tuples(KEYS, VALUES).map(lambda kv: f"{kv[0]} = {kv[1]}"),
                  st.sampled_from(["[[accounts]]", "[risk]", "[accounts]", "[[risk]]", "# c",
                                   "[accounts.x]", ""]))


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(LINES, max_size=14))
def test_structured_fragments(lines):
    total("\n".join(lines))
