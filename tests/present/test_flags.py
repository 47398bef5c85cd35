"""Flag texts: every flag names the limit it breaches and by how much; the apply key says why not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cockpit.model import Layer, LiqKind, PositionKey, PositionRisk, Side
from cockpit.present import flags
from cockpit.risk.sizing import REASONS


def _row(*tags, reason="max-loss", trim=0.0, distance=0.30, limit=56_000.0) -> PositionRisk:
    return PositionRisk(PositionKey("bn", "SOL/USDT:USDT"), "bn", "binance", Layer.CEX, "SOL/USDT:USDT", "SOL",
                        Side.SHORT, Decimal(450), 63_000.0, 137.3, 140.0, -1_200.0, 0.2, 812.9, distance,
                        LiqKind.POSITION, 0.36, 63.0, tuple(tags), limit, 63_000.0 * trim, trim, reason)


@pytest.mark.parametrize("reason", REASONS)
def test_over_a_limit_names_each_kind_of_limit_and_the_trim_back_to_it(reason):
    p = _row("over-limit", reason=reason, trim=0.111)
    assert flags.position_flags(p, 0.10) == f"OVER {reason} −11%"
    assert flags.suggested_trim(p) == 0.111


def test_every_limit_risk_names_has_a_name_on_screen():
    assert set(REASONS) <= set(flags.LIMIT_NAMES)


def test_near_liquidation_says_how_near_against_the_flag_distance():
    assert flags.position_flags(_row("near-liq", distance=0.0645), 0.10) == "LIQ 6.5%<10%"
    assert flags.position_flags(_row("near-liq", distance=None), 0.10) == "LIQ"


def test_stale_says_how_old_the_data_is():
    assert flags.position_flags(_row("stale"), 0.10, data_age=42.0) == "STALE 42s"
    assert flags.position_flags(_row("stale"), 0.10) == "STALE"


def test_flags_read_most_urgent_first_and_a_kill_cut_comes_before_them():
    p = _row("near-liq", "over-limit", "stale", reason="leverage", trim=0.25, distance=0.05)
    assert flags.position_flags(p, 0.10, cut=0.3, data_age=5.0) == "CUT 30% LIQ 5.0%<10% OVER leverage −25% STALE 5.0s"


def test_a_trim_within_the_tolerance_names_its_limit_without_a_flag_and_offers_nothing():
    p = _row(reason="kelly", trim=0.01)
    assert flags.position_flags(p, 0.10) == "kelly −1%"
    assert flags.suggested_trim(p) is None
    assert "not flagged, no trim to apply" in flags.apply_refusal(p, 0.10)
    assert flags.position_flags(_row(), 0.10) == ""  # nothing to say: no flag, no suggestion


def test_the_apply_hint_names_the_key_and_where_the_trim_leaves_the_position():
    p = _row("over-limit", trim=0.111, limit=56_000.0)
    assert flags.apply_hint(p, "f") == "f trims to $56k"
    assert flags.apply_hint(p._replace(limit_notional=None), "F") == "F trims 11%"


def test_the_apply_key_says_why_it_has_nothing_to_apply():
    keys = {"trim": "w", "accept": "A"}
    near = flags.apply_refusal(_row("near-liq", distance=0.064), 0.10, keys=keys)
    assert near == ("bn SOL is 6.4% from liquidation (flagged under 10%) but within its sizing limits: "
                    "no trim suggested; trim by hand with w")
    cut = flags.apply_refusal(_row(), 0.10, cut=0.3, keys=keys)
    assert cut == "bn SOL has no sizing flag; the kill switch proposes cutting 30%: A accepts it"
    assert flags.apply_refusal(_row(), 0.10) == "bn SOL has no flag: within every limit, no trim suggested"
    assert flags.apply_refusal(None, 0.10).startswith("No flagged position selected")
    nothing = flags.apply_refusal(_row("over-limit", trim=0.0), 0.10, keys=keys)
    assert "risk suggests no trim" in nothing and nothing.endswith("with w")


def test_a_narrow_flags_cell_shows_the_first_flag_in_full_and_how_many_more():
    p = _row("near-liq", "over-limit", "stale", distance=0.05, trim=0.25, reason="leverage")
    parts = flags.flag_parts(p, 0.10, cut=0.3, data_age=5.0)
    assert " ".join(parts) == flags.position_flags(p, 0.10, cut=0.3, data_age=5.0)
    assert flags.fit_flags(parts, 60) == "CUT 30% LIQ 5.0%<10% OVER leverage −25% STALE 5.0s"
    assert flags.fit_flags(parts, 16) == "CUT 30% +3"
    assert flags.fit_flags(parts[2:], 22) == "OVER leverage −25% +1"
    assert flags.fit_flags(parts[2:], 18) == "OVER leverage −25%"  # no room for "+1": the first alone
    assert flags.fit_flags(parts, None) == " ".join(parts)


def test_a_stale_age_on_the_border_moves_in_steps_not_by_the_second():
    assert [flags.stale_step(a) for a in (None, 4.0, 12.0, 19.9, 20.0, 59.0, 61.0, 119.0, 700.0)] == [
        "STALE", "STALE <10s", "STALE >10s", "STALE >10s", "STALE >20s", "STALE >50s", "STALE >1m", "STALE >1m",
        "STALE >10m"]
    p = _row("stale")
    assert flags.flag_parts(p, 0.10, data_age=13.0) == ["STALE 13s"]
    assert flags.flag_parts(p, 0.10, data_age=13.0, coarse=True) == ["STALE >10s"]
