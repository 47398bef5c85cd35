"""The ``[alerts]`` table: target names and the rate limit, never a URL; one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import AlertsConfig, ConfigError, load_config, parse_config, write_template

F = Path("f.toml")


def error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, F)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_targets_and_rate_limit_are_read():
    cfg = parse_config('[alerts]\ntargets = ["phone", "desk.mail"]\nrate_limit_seconds = 30\n', F)
    assert cfg.alerts == AlertsConfig(targets=("phone", "desk.mail"), rate_limit_seconds=30.0)


def test_no_alerts_table_means_no_targets():
    assert parse_config("", F).alerts == AlertsConfig() and AlertsConfig().rate_limit_seconds == 60


@pytest.mark.parametrize("text,expected", [
    ('[alerts]\ntargets = ["a b"]\n', "f.toml:2: alerts.targets: 'a b' is not a target name"),
    ('[alerts]\ntargets = ["a", "a"]\n', "f.toml:2: alerts.targets: a target is named twice"),
    ('[alerts]\ntargets = "phone"\n', "f.toml:2: alerts.targets: Input should be a valid tuple — write a list"),
    ('[alerts]\ntargets = [1]\n', "f.toml:2: alerts.targets: write a list of target names"),
    ('[alerts]\nrate_limit_seconds = -1\n', "f.toml:2: alerts.rate_limit_seconds: Input should be greater than"),
    ('[alerts]\nrate_limit_seconds = "60"\n', "f.toml:2: alerts.rate_limit_seconds: Input should be a valid number"
     " — write a number (no quotes)"),
    ('[alerts]\nrate_limit_seconds = 100000\n', "f.toml:2: alerts.rate_limit_seconds: Input should be less than"),
    ('[alerts]\nurls = ["x"]\n', "f.toml:2: alerts.urls: Extra inputs are not permitted"),
])
def test_a_bad_alerts_table_gives_one_line_naming_the_field(text, expected):
    assert error(text).startswith(expected)


@pytest.mark.parametrize("target", ["ntfys://Zq8vN3kP1sT6topic", "mailto://me:Zq8vN3kP1sT6@example.org"])
def test_a_url_in_targets_is_refused_without_being_echoed(target):
    message = error(f'[alerts]\ntargets = ["{target}"]\n')
    assert message.startswith("f.toml:2: alerts.targets: holds a URL") and "cockpit alerts add NAME" in message
    assert "Zq8vN3kP1sT6" not in message


def test_a_token_in_the_alerts_table_points_at_cockpit_alerts_add():
    message = error('[alerts]\ntoken = "Zq8vN3kP1sT6"\n')
    assert message.startswith("f.toml:2: alerts.token: looks like a credential")
    assert "cockpit alerts add NAME" in message and "Zq8vN3kP1sT6" not in message


def test_the_template_documents_alerts_and_its_example_is_valid(tmp_path):
    path = write_template(tmp_path / "config.toml")
    text = path.read_text()
    assert "cockpit alerts add NAME" in text and 'pip install "cockpit[alerts]"' in text
    text = text.replace("# [alerts]", "[alerts]").replace('# targets = ["phone"]', 'targets = ["phone"]')
    text = text.replace("# rate_limit_seconds = 60", "rate_limit_seconds = 60")
    path.write_text(text)
    assert load_config(path).alerts == AlertsConfig(targets=("phone",), rate_limit_seconds=60)
