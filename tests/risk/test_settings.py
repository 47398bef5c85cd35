"""Settings: documented defaults, validation naming the field, the README table."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.risk import RiskSettings, SettingsError
from cockpit.risk.settings import settings_table


def test_defaults_are_valid_and_documented():
    s = RiskSettings()
    assert s.warn_fraction == 0.8 and s.cut_fraction == 0.30 and s.kelly_fraction == 0.25
    assert (s.funding_stress_threshold, s.funding_stress_reentry, s.dwell_seconds) == (60.0, 35.0, 600.0)
    for f in dataclasses.fields(RiskSettings):
        assert f.metadata["doc"], f.name
    table = settings_table()
    assert table.count("\n") == len(dataclasses.fields(RiskSettings)) + 1
    assert "| `warn_fraction` | 0.8 |" in table


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RiskSettings().cut_fraction = 0.5  # type: ignore[misc]


def test_negative_cap_is_an_error_naming_the_field():
    with pytest.raises(SettingsError) as err:
        RiskSettings.from_mapping({"asset_gross_cap": -1.0}, source="config.toml [risk]")
    assert str(err.value).startswith("risk.asset_gross_cap: must not be negative")
    assert "config.toml [risk]" in str(err.value)


def test_warn_above_reducing_is_an_error_naming_the_field():
    with pytest.raises(SettingsError, match=r"^risk\.warn_fraction: .*below 1 \(the REDUCING level\)"):
        RiskSettings(warn_fraction=1.2)


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as err:
        RiskSettings.from_mapping({"funding_stress_reentry": 70.0, "cut_fraction": 0.0, "bogus": 1,
                                   "kill_mode": "yolo"})
    fields = sorted(p.split(":")[0] for p in err.value.problems)
    assert fields == ["risk.bogus", "risk.cut_fraction", "risk.funding_stress_reentry", "risk.kill_mode"]


@pytest.mark.parametrize("values, field", [
    ({"daily_drawdown_cap": 0.2, "peak_drawdown_cap": 0.1}, "daily_drawdown_cap"),
    ({"reentry_fraction": 0.9}, "reentry_fraction"),
    ({"funding_exposure_weight": 1.0}, "funding_exposure_weight"),
    ({"vol_percentile_trigger": 100.0}, "vol_percentile_trigger"),
    ({"vol_min_samples": 5000}, "vol_min_samples"),
    ({"max_leverage": float("nan")}, "max_leverage"),
    ({"funding_history_samples": 1}, "funding_history_samples"),
    ({"funding_stress_reentry": 50.0}, "funding_stress_reentry"),  # above WARN (48)
])
def test_inconsistent_values_name_their_field(values, field):
    with pytest.raises(SettingsError, match=rf"risk\.{field}:"):
        RiskSettings.from_mapping(values)


@pytest.mark.parametrize("value", [True, "0.3", None, [0.3]])
def test_wrong_types_are_rejected(value):
    with pytest.raises(SettingsError, match=r"risk\.cut_fraction: must be a float"):
        RiskSettings.from_mapping({"cut_fraction": value})


def test_from_mapping_keeps_defaults_and_accepts_ints_for_floats():
    s = RiskSettings.from_mapping({"cut_fraction": 0.5, "dwell_seconds": 60, "kill_mode": "auto"})
    assert s.cut_fraction == 0.5 and s.dwell_seconds == 60.0 and isinstance(s.dwell_seconds, float)
    assert s.kill_mode == "auto" and s.warn_fraction == RiskSettings().warn_fraction


def test_every_numeric_setting_has_a_documented_range_holding_its_default():
    from cockpit.risk.settings import RANGES

    numeric = {f.name for f in dataclasses.fields(RiskSettings) if isinstance(f.default, (int, float))}
    assert set(RANGES) == numeric
    for name, allowed in RANGES.items():
        assert getattr(RiskSettings(), name) in allowed, name
        assert f"| `{name}` |" in settings_table() and allowed.text() in settings_table()


@pytest.mark.parametrize("values, field, allowed", [
    ({"funding_history_samples": 100_000_000}, "funding_history_samples", "at least 2 and at most 2016"),
    ({"vol_history_samples": 10**9}, "vol_history_samples", "at most 10080"),
    ({"index_history_samples": 10**7}, "index_history_samples", "at most 8640"),
    ({"playbook_max_steps": 10**6}, "playbook_max_steps", "at most 1000"),
    ({"max_leverage": 1e6}, "max_leverage", "above 0 and at most 200"),
    ({"funding_sample_seconds": 1e-9}, "funding_sample_seconds", "at least 1 and"),
    ({"buffer_min": 1e300}, "buffer_min", "at most 1e+09"),
])
def test_a_setting_out_of_its_range_names_field_range_and_source(values, field, allowed):
    with pytest.raises(SettingsError) as err:
        RiskSettings.from_mapping(values, source="c.toml [risk]")
    message = str(err.value)
    assert message.startswith(f"risk.{field}: must be ") and allowed in message
    assert message.endswith("(in c.toml [risk])") and "\n" not in message


@given(st.dictionaries(st.sampled_from([f.name for f in dataclasses.fields(RiskSettings)]),
                       st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.booleans()),
                       max_size=6))
@settings(max_examples=300, deadline=None)
def test_any_table_gives_settings_in_range_or_a_settings_error(values):
    # Whatever the [risk] table holds, the result is settings whose every value is in range
    # (so no history is ever allocated beyond its bound), or a SettingsError naming fields.
    from cockpit.risk.settings import RANGES

    try:
        s = RiskSettings.from_mapping(values)
    except SettingsError as err:
        assert err.problems and all(p.startswith("risk.") for p in err.problems)
    else:
        assert all(getattr(s, name) in allowed for name, allowed in RANGES.items())


def test_the_readme_table_is_the_generated_one():
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2] / "README.md"
    assert settings_table() in readme.read_text(encoding="utf-8")


@pytest.mark.parametrize("values, message", [
    ({"vol_trigger_multiple": 0.5}, r"^risk\.vol_trigger_multiple: must be at least 1 and at most 100, got 0\.5"),
    ({"vol_trigger_min_samples": 5000},
     r"^risk\.vol_trigger_min_samples: must not exceed vol_history_samples \(1440\), got 5000"),
    ({"vol_trigger_min_samples": 1}, r"^risk\.vol_trigger_min_samples: must be at least 2"),
])
def test_the_volatility_trigger_bounds_are_checked(values, message):
    assert RiskSettings().vol_trigger_min_samples == 120 and RiskSettings().vol_trigger_multiple == 2.0
    with pytest.raises(SettingsError, match=message):
        RiskSettings.from_mapping(values)
