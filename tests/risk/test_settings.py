"""Settings: documented defaults, validation naming the field, the README table."""

from __future__ import annotations

import dataclasses

import pytest

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


@pytest.mark.parametrize("values, message", [
    ({"vol_trigger_multiple": 0.5}, r"^risk\.vol_trigger_multiple: must be at least 1, got 0\.5"),
    ({"vol_trigger_min_samples": 5000},
     r"^risk\.vol_trigger_min_samples: must be between 2 and vol_history_samples \(1440\), got 5000"),
    ({"vol_trigger_min_samples": 1}, r"^risk\.vol_trigger_min_samples: must be between 2"),
])
def test_the_volatility_trigger_bounds_are_checked(values, message):
    assert RiskSettings().vol_trigger_min_samples == 120 and RiskSettings().vol_trigger_multiple == 2.0
    with pytest.raises(SettingsError, match=message):
        RiskSettings.from_mapping(values)
