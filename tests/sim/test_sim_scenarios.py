"""Scenario files: the shipped ones load, and a broken one gets one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from cockpit.sim import ScenarioError, build_demo, list_scenarios, load_scenario
from cockpit.sim.scenario import EVENT_FIELDS, parse_scenario, seconds

SHIPPED = ["calm", "funding-squeeze", "flash-crash", "venue-outage", "bridge-congestion", "margin-call"]


def test_the_shipped_scenarios_are_listed_with_one_line_descriptions():
    listed = list_scenarios()
    names = [n for n, _ in listed]
    assert names[:6] == SHIPPED
    for name, description in listed:
        assert description and "\n" not in description
        assert load_scenario(name).name == name


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_runs_an_hour(name):
    from cockpit.sim import build_world

    world = build_world(7, name, assets=12)
    world.advance(3600)
    kinds = {e.kind for e in world.log.since(0)}
    assert "scenario" in kinds
    assert world.t == world.start + 3600


def test_a_scenario_loads_from_a_path(tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text('description = "my test"\n[[event]]\nat = "1m"\nkind = "jump"\nasset = "SOL"\n'
                    'move = -0.2\n')
    sc = load_scenario(path)
    assert sc.name == "mine" and sc.events[0].at == 60.0
    session = build_demo(scenario=str(path), clock=lambda: 0.0, assets=12)
    assert session.scenario_name == "mine" and session.scenario_description == "my test"


def test_a_scenario_sets_accounts_wallets_and_leaves_the_others_as_the_demo_has_them(tmp_path: Path):
    from cockpit.sim import build_world
    from cockpit.sim.demo import SPOT, WALLETS

    path = tmp_path / "lean.toml"
    path.write_text('description = "lean"\n[accounts.okx]\nwallet = 21000\nspot = 32000\n'
                    '[accounts.hyperliquid]\nspot = 0\n')
    assert [(a.name, a.wallet, a.spot) for a in load_scenario(path).accounts] == [
        ("okx", 21000.0, 32000.0), ("hyperliquid", None, 0.0)]
    ledger = build_world(7, path, assets=12).ledger
    index = {a.name: a.index for a in ledger.accounts}
    assert ledger.wallet[index["okx"]] == 21000.0 and ledger.spot[index["okx"]] == 32000.0  # okx holds no isolated margin
    assert ledger.wallet[index["hyperliquid"]] == WALLETS["hyperliquid"] and ledger.spot[index["hyperliquid"]] == 0.0
    assert ledger.spot[index["binance"]] == SPOT["binance"]


BROKEN = [
    ('description = "x"\n[[event]]\nat = 5\nkind = "flashcrash"\n', "line 4", "unknown event kind 'flashcrash'"),
    ('description = "x"\n[[event]]\nat = 5\nkind = "fault"\naccount = "kraken"\nfault = "outage"\n'
     'duration = 60\n', "line 5", "unknown account 'kraken'"),
    ('description = "x"\n[[event]]\nat = 5\nkind = "jump"\nasset = "LUNA"\nmove = -0.9\n',
     "line 5", "unknown asset 'LUNA'"),
    ('description = "x"\n[[event]]\nat = "five minutes"\nkind = "note"\ntext = "a"\n', "line 3",
     "field 'at': expected seconds"),
    ('description = "x"\n[[event]]\nat = -3\nkind = "note"\ntext = "a"\n', "line 3", "field 'at'"),
    ('description = "x"\n[[event]]\nkind = "note"\ntext = "a"\n', "line 2", "missing field 'at'"),
    ('description = "x"\n[[event]]\nat = 1\nkind = "jump"\nmove = 0.1\n', "line 2",
     "missing field 'asset'"),
    ('description = "x"\n[[event]]\nat = 1\nkind = "jump"\nasset = "SOL"\nmove = 0.1\ndrop = 2\n',
     "line 7", "unknown field 'drop'"),
    ('[[event]]\nat = 1\nkind = "note"\ntext = "a"\n', "", "missing field 'description'"),
    ('description = "x"\nevent = [\n', ".toml:2: ", "invalid TOML"),
    ('description = "x"\n[settings]\nfault_rate = 3\n', "line 3", "field 'fault_rate': expected a number between 0 and 1"),
    ('description = "x"\n[settings]\nspeed = 3\n', "line 3", "unknown field 'speed'"),
    ('description = "x"\nauthor = "me"\n', "line 2", "unknown field 'author'"),
    ('description = "x"\n[[event]]\nat = 1\nkind = "funding_regime"\nregime = "mania"\n', "line 5",
     "unknown regime 'mania'"),
    ('description = "x"\n[[event]]\nat = 1\nkind = "bridge_congestion"\nlayer = "solana"\nfactor = 2\n',
     "line 5", "unknown layer 'solana'"),
    ("description = \"x\"\na = " + "[" * 600 + "\n", "", "invalid TOML: nested too deeply"),
    ('description = "x"\n[accounts.kraken]\nwallet = 5\n', "line 2", "[accounts]: unknown account 'kraken'"),
    ('description = "x"\n[accounts.bybit]\nwallet = -5\n', "line 3",
     "[accounts.bybit]: field 'wallet': expected a number >= 0"),
    ('description = "x"\n[accounts.bybit]\nspot = "lots"\n', "line 3", "field 'spot': expected a number"),
    ('description = "x"\n[accounts.okx]\nmargin = 5\n', "line 3", "unknown field 'margin' (expected: wallet, spot)"),
    ('description = "x"\n[accounts.dydx]\nwallet = 5\nspot = 5\n', "line 4",
     "field 'spot': dydx has no spot or funding wallet"),
    ('description = "x"\naccounts = 5\n', "line 2", "field 'accounts': expected [accounts.NAME] tables"),
]


@pytest.mark.parametrize(("text", "line", "what"), BROKEN)
def test_a_broken_scenario_gets_one_clear_line(tmp_path: Path, text, line, what):
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert line in message and what in message


def test_unknown_names_and_unreadable_files(tmp_path: Path):
    with pytest.raises(ScenarioError, match="unknown scenario 'nope': expected one of calm"):
        load_scenario("nope")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.toml")
    bad = tmp_path / "bin.toml"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(bad)
    with pytest.raises(ScenarioError):
        build_demo(scenario="nope")


@pytest.mark.parametrize(("text", "value"), [
    (90, 90.0), (1.5, 1.5), ("90s", 90.0), ("5m", 300.0), ("1h30m", 5400.0), ("2d", 172800.0),
    ("00:05:00", 300.0), ("05:00", 300.0), ("1:00:00", 3600.0),
])
def test_times_and_durations(text, value):
    assert seconds(text) == value


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_text_either_parses_or_gives_a_scenario_error(text):
    try:
        parse_scenario(text, "fuzz.toml")
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.toml")


_EVENT = st.fixed_dictionaries({
    "at": st.one_of(st.integers(-5, 10_000), st.sampled_from(["5m", "00:01:00", "x", ""])),
    "kind": st.sampled_from(sorted(EVENT_FIELDS) + ["bogus"]),
}, optional={
    "account": st.sampled_from(["binance", "dydx", "nobody"]),
    "asset": st.sampled_from(["BTC", "WIF", "LUNA"]),
    "move": st.floats(-2, 2, allow_nan=False), "duration": st.sampled_from([10, "1m", "?"]),
    "regime": st.sampled_from(["calm", "euphoric", "squeeze", "boom"]),
    "fault": st.sampled_from(["outage", "stale", "gremlins"]),
    "level": st.sampled_from(["calm", "panic", "mild"]), "factor": st.floats(0, 20),
    "layer": st.sampled_from(["cex", "starknet", "moon"]), "amount": st.integers(-5, 50_000),
    "to": st.sampled_from(["arbitrum", "ethereum"]), "text": st.sampled_from(["hi", ""]),
})


def _toml(value) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


@settings(max_examples=200)
@given(st.lists(_EVENT, max_size=4))
def test_structured_scenarios_either_load_and_run_or_fail_on_one_line(events):
    text = 'description = "fuzz"\n' + "".join(
        "[[event]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in ev.items()) for ev in events)
    try:
        sc = parse_scenario(text, "fuzz.toml")
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.toml: ")
        return
    from cockpit.sim import build_world

    world = build_world(1, sc, assets=12)
    world.advance(2)  # every event at t <= 2 s applies without raising
