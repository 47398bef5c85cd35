"""Risk thresholds: one frozen settings object with documented defaults, validated on creation.

Every field carries its meaning in `metadata["doc"]`, so the README table (`settings_table()`) and
the validation messages come from one place. `RiskSettings.from_mapping` reads the `[risk]` table
of a config file; any problem raises `SettingsError` naming each offending field, e.g.
``risk.warn_fraction: must be below 1 (the REDUCING level), got 1.2``.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Mapping, NamedTuple

from cockpit.model import KillMode


class SettingsError(ValueError):
    """Invalid risk settings; the message names every offending field (``risk.<name>: …``).

    Attributes:
        problems: one ``risk.<name>: reason`` line per offending field.
    """

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = tuple(problems)
        where = f" (in {source})" if source else ""
        super().__init__("; ".join(problems) + where)


def _doc(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True, slots=True)
class RiskSettings:
    """Every threshold of the risk engine. Money is in the settle currency (USD); fractions are
    of equity or of price unless said otherwise; times are seconds of the `now` passed in."""

    # -- kill switch -----------------------------------------------------------------------------
    kill_mode: str = _doc("advise", "advise: show the proposed cut and ask; auto: send it")
    warn_fraction: float = _doc(0.8, "WARN when any trigger reaches this fraction of its threshold")
    cut_fraction: float = _doc(0.30, "REDUCING cuts gross exposure by at least this fraction")
    reentry_fraction: float = _doc(
        0.5, "a non-funding trigger has cleared below this fraction of its threshold "
             "(for the volatility percentile: of the way into its tail, i.e. the 90th)")
    dwell_seconds: float = _doc(
        600.0, "the cause must stay below its re-entry level this long before a person may reset")
    warn_clear_seconds: float = _doc(60.0, "WARN returns to NORMAL after this long below the WARN level")
    stale_limit_seconds: float = _doc(
        120.0, "an account STALE/DOWN this long while it holds positions trips the switch")
    # -- funding stress index --------------------------------------------------------------------
    funding_stress_threshold: float = _doc(60.0, "index level (0-100) that trips REDUCING")
    funding_stress_reentry: float = _doc(35.0, "index level below which funding has normalized")
    funding_z: float = _doc(3.0, "k: a cell deviates when its APR is more than k robust scales from "
                                 "its baseline")
    funding_prior_apr: float = _doc(
        0.1095, "calm baseline APR used while a cell has little history (0.01% per 8h)")
    funding_scale_floor: float = _doc(0.10, "smallest robust scale of a cell, in APR (10 points)")
    funding_prior_samples: int = _doc(
        12, "samples of history that weigh as much as the calm prior (warm-up)")
    funding_sample_seconds: float = _doc(300.0, "spacing of the per-cell APR history")
    funding_history_samples: int = _doc(288, "length of the per-cell APR history (24 h at 5 min)")
    funding_exposure_weight: float = _doc(
        0.5, "share of a cell's weight from your exposure (the rest from open interest)")
    index_sample_seconds: float = _doc(10.0, "spacing of the index history")
    index_history_samples: int = _doc(360, "length of the index history (1 h at 10 s)")
    # -- drawdown --------------------------------------------------------------------------------
    daily_drawdown_cap: float = _doc(0.05, "drawdown from the UTC day's equity peak that trips REDUCING")
    peak_drawdown_cap: float = _doc(0.15, "drawdown from the all-time equity peak that trips REDUCING")
    # -- volatility ------------------------------------------------------------------------------
    vol_sample_seconds: float = _doc(60.0, "spacing of the mark samples behind realized volatility")
    vol_halflife_seconds: float = _doc(3600.0, "half-life of the EWMA variance")
    vol_history_samples: int = _doc(1440, "length of each asset's volatility history (1 day at 1 min)")
    vol_min_samples: int = _doc(30, "history needed before a volatility percentile is reported")
    vol_default: float = _doc(0.8, "annualized volatility assumed until an asset has been measured")
    vol_percentile_trigger: float = _doc(
        95.0, "exposure-weighted volatility percentile that trips REDUCING")
    vol_trigger_min_samples: int = _doc(
        120, "history an asset needs before its volatility counts toward the kill switch (at "
             "least vol_min_samples; 2 h at 1 min: two half-lives, so the EWMA's start-up is not read as a spike)")
    vol_trigger_multiple: float = _doc(
        2.0, "the kill switch reads an asset's percentile in full only when its volatility is at "
             "least this multiple of its own median; below, scaled down in proportion (a calm "
             "market's own top 5% comes round every day)")
    # -- liquidation and stress ------------------------------------------------------------------
    near_liq_distance: float = _doc(0.10, "flag 'near-liq' when the mark is closer than this to liquidation")
    tail_shock: float = _doc(0.20, "market move of the correlated tail scenario (beta-scaled per asset)")
    tail_corr_push: float = _doc(0.8, "how far the tail scenario pushes each correlation toward 1")
    # -- sizing ----------------------------------------------------------------------------------
    risk_per_trade: float = _doc(0.01, "loss budget per position at its stop, as a fraction of equity")
    stop_floor: float = _doc(0.02, "narrowest stop distance assumed for a position")
    stop_vol_multiple: float = _doc(2.0, "stop distance in daily volatilities")
    vol_target: float = _doc(
        0.5, "a position's annualized volatility may be at most this fraction of equity")
    kelly_fraction: float = _doc(0.25, "fraction of the Kelly leverage allowed")
    kelly_edge_apr: float = _doc(0.60, "assumed edge (annual return) of a position before haircut")
    kelly_haircut: float = _doc(0.5, "share of the assumed edge discounted as estimation error")
    max_leverage: float = _doc(5.0, "per-account effective leverage cap (gross after offsets / equity)")
    high_vol_percentile: float = _doc(80.0, "above this volatility percentile the leverage cap tightens")
    high_vol_leverage_factor: float = _doc(0.5, "the leverage cap is multiplied by this in high volatility")
    asset_gross_cap: float = _doc(2.0, "gross exposure per asset, in multiples of total equity")
    total_gross_cap: float = _doc(5.0, "gross exposure of the whole book, in multiples of total equity")
    over_limit_tolerance: float = _doc(0.02, "flag 'over-limit' only beyond this fraction over the limit")
    # -- collateral and playbook -----------------------------------------------------------------
    buffer_fraction: float = _doc(0.10, "free collateral each account keeps, as a fraction of its gross")
    buffer_min: float = _doc(500.0, "smallest buffer of an account that holds positions (USD)")
    playbook_cut_fraction: float = _doc(1.0, "the standing unwind plan cuts this fraction of gross (1 = flat)")
    playbook_max_steps: int = _doc(
        50, "steps the standing plan lists; it is re-planned on every evaluation, so executed "
            "steps make room for the next ones")
    # -- carry scanner ---------------------------------------------------------------------------
    carry_size: float = _doc(
        100_000.0, "notional per leg (USD) the carry scanner prices pairs at, until a terminal sets another")
    carry_horizon_days: float = _doc(
        30.0, "holding period (days) the carry scanner spreads entry and exit costs over in its net APR")

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise SettingsError(problems)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], source: str = "") -> "RiskSettings":
        """Settings from a config table: unknown keys and wrong types are errors, missing keys
        keep their defaults. Raises `SettingsError` naming every offending field."""
        known = {f.name: f for f in fields(cls)}
        problems: list[str] = []
        kwargs: dict[str, Any] = {}
        for name, value in values.items():
            spec = known.get(name)
            if spec is None:
                problems.append(f"risk.{name}: unknown setting")
                continue
            want = type(spec.default)
            if want is str:
                ok = isinstance(value, str)
            elif want is int:
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok:
                problems.append(f"risk.{name}: must be a {want.__name__}, got {value!r}")
                continue
            kwargs[name] = float(value) if want is float else value
        # Values of the fields that parsed are checked too, so one run reports everything.
        problems += _problems(_unchecked(cls, kwargs))
        if problems:
            raise SettingsError(problems, source)
        return cls(**kwargs)


def _unchecked(cls: type[RiskSettings], kwargs: dict[str, Any]) -> RiskSettings:
    # Build without __post_init__ so from_mapping can report every problem together with the source.
    obj = object.__new__(cls)
    for f in fields(cls):
        object.__setattr__(obj, f.name, kwargs.get(f.name, f.default))
    return obj


class Range(NamedTuple):
    """The values a numeric setting may take: from `lo` to `hi`, each end included unless open.

    `note` says why an end is where it is, when that is not obvious.
    """

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False
    note: str = ""

    def __contains__(self, value: object) -> bool:
        assert isinstance(value, (int, float))
        above = value > self.lo if self.lo_open else value >= self.lo
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below

    def text(self) -> str:
        """'above 0 and at most 1', 'at least 2 and at most 2016 (…)'."""
        lo = f"above {self.lo:g}" if self.lo_open else f"at least {self.lo:g}"
        hi = f"below {self.hi:g}" if self.hi_open else f"at most {self.hi:g}"
        return f"{lo} and {hi}" + (f" ({self.note})" if self.note else "")


_FRACTION = Range(0, 1, lo_open=True)
_PERCENT = Range(0, 100, lo_open=True)
DAY = 86400.0

# The sane range of every numeric setting. Bounds keep each setting where the risk engine's
# arithmetic and memory stay sound: a history of 10^8 samples per cell is a MemoryError, not a
# stricter risk limit. Relations between settings are checked after these, in `_problems`.
RANGES: dict[str, Range] = {
    "warn_fraction": Range(0, 1, lo_open=True, hi_open=True, note="the REDUCING level"),
    "cut_fraction": _FRACTION,
    "reentry_fraction": _FRACTION,
    "dwell_seconds": Range(0, 7 * DAY, note="one week"),
    "warn_clear_seconds": Range(0, DAY),
    "stale_limit_seconds": Range(0, DAY, lo_open=True),
    "funding_stress_threshold": _PERCENT,
    "funding_stress_reentry": Range(0, 100, hi_open=True),
    "funding_z": Range(0, 100, lo_open=True),
    "funding_prior_apr": Range(0, 10, note="1000% a year"),
    "funding_scale_floor": Range(0, 10, lo_open=True),
    "funding_prior_samples": Range(0, 10_000),
    "funding_sample_seconds": Range(1, DAY),
    "funding_history_samples": Range(2, 2016, note="one week at 5 min; one row per cell"),
    "funding_exposure_weight": Range(0, 1, hi_open=True),
    "index_sample_seconds": Range(1, 3600),
    "index_history_samples": Range(2, 8640, note="one day at 10 s"),
    "daily_drawdown_cap": _FRACTION,
    "peak_drawdown_cap": _FRACTION,
    "vol_sample_seconds": Range(1, 3600),
    "vol_halflife_seconds": Range(0, 30 * DAY, lo_open=True),
    "vol_history_samples": Range(2, 10_080, note="one week at 1 min; one row per asset"),
    "vol_min_samples": Range(0, 10_080),
    "vol_trigger_min_samples": Range(2, 10_080),
    # Below 1 the bound would let a volatility under its own median read as a spike.
    "vol_trigger_multiple": Range(1, 100),
    "vol_default": Range(0, 10, lo_open=True),
    "vol_percentile_trigger": Range(0, 100, lo_open=True, hi_open=True, note="100 leaves no tail"),
    "near_liq_distance": _FRACTION,
    "tail_shock": _FRACTION,
    "tail_corr_push": _FRACTION,
    "risk_per_trade": _FRACTION,
    "stop_floor": Range(0, 1, lo_open=True, hi_open=True),
    "stop_vol_multiple": Range(0, 100, lo_open=True),
    "vol_target": Range(0, 10, lo_open=True),
    "kelly_fraction": _FRACTION,
    "kelly_edge_apr": Range(0, 10),
    "kelly_haircut": _FRACTION,
    "max_leverage": Range(0, 200, lo_open=True),
    "high_vol_percentile": _PERCENT,
    "high_vol_leverage_factor": _FRACTION,
    "asset_gross_cap": Range(0, 200, lo_open=True),
    "total_gross_cap": Range(0, 200, lo_open=True),
    "over_limit_tolerance": Range(0, 1),
    "buffer_fraction": _FRACTION,
    "buffer_min": Range(0, 1e9),
    "playbook_cut_fraction": _FRACTION,
    "playbook_max_steps": Range(2, 1000),
    "carry_size": Range(1_000, 1e9, note="the sizes a terminal may set"),
    "carry_horizon_days": Range(1, 3650, note="ten years"),
}


def _problems(s: RiskSettings) -> list[str]:
    """Every rule a settings object breaks, one ``risk.<name>: …`` line each."""
    out: list[str] = []
    for f in fields(s):
        value = getattr(s, f.name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if value != value or value in (float("inf"), float("-inf")):
                out.append(f"risk.{f.name}: must be a finite number, got {value!r}")
            elif value < 0:
                out.append(f"risk.{f.name}: must not be negative, got {value!r}")
    if out:
        return out
    if s.kill_mode not in {m.value for m in KillMode}:
        out.append(f"risk.kill_mode: must be 'advise' or 'auto', got {s.kill_mode!r}")
    bad = {name for name, allowed in RANGES.items() if getattr(s, name) not in allowed}
    out += [f"risk.{name}: must be {RANGES[name].text()}, got {getattr(s, name)!r}"
            for name in RANGES if name in bad]
    # Relations between settings, each checked only when the settings it reads are in range.
    warn_level = s.warn_fraction * s.funding_stress_threshold
    relations = (
        (("funding_stress_reentry", "funding_stress_threshold"),
         s.funding_stress_reentry >= s.funding_stress_threshold,
         f"risk.funding_stress_reentry: must be below funding_stress_threshold "
         f"({s.funding_stress_threshold!r}), got {s.funding_stress_reentry!r}"),
        # Re-entry at or above WARN would let a reset land straight back in WARN.
        (("funding_stress_reentry", "funding_stress_threshold", "warn_fraction"),
         s.funding_stress_threshold > s.funding_stress_reentry >= warn_level,
         f"risk.funding_stress_reentry: must be below the WARN level ({warn_level:g}), "
         f"got {s.funding_stress_reentry!r}"),
        (("reentry_fraction", "warn_fraction"), s.reentry_fraction >= s.warn_fraction,
         f"risk.reentry_fraction: must be below warn_fraction ({s.warn_fraction!r}), "
         f"got {s.reentry_fraction!r}"),
        (("daily_drawdown_cap", "peak_drawdown_cap"), s.daily_drawdown_cap > s.peak_drawdown_cap,
         f"risk.daily_drawdown_cap: must not exceed peak_drawdown_cap ({s.peak_drawdown_cap!r}), "
         f"got {s.daily_drawdown_cap!r}"),
        (("vol_min_samples", "vol_history_samples"), s.vol_min_samples > s.vol_history_samples,
         f"risk.vol_min_samples: must not exceed vol_history_samples ({s.vol_history_samples!r}), "
         f"got {s.vol_min_samples!r}"),
        # More than the history holds would never be reached: the trigger would be off for good.
        (("vol_trigger_min_samples", "vol_history_samples"), s.vol_trigger_min_samples > s.vol_history_samples,
         f"risk.vol_trigger_min_samples: must not exceed vol_history_samples ({s.vol_history_samples!r}), "
         f"got {s.vol_trigger_min_samples!r}"),
    )
    out += [message for names, broken, message in relations if broken and not bad.intersection(names)]
    return out


def settings_table() -> str:
    """The README table of every setting: name, default, allowed values, meaning (markdown)."""
    rows = ["| setting | default | allowed | meaning |", "|---|---|---|---|"]
    for f in fields(RiskSettings):
        default = f.default if f.default is not MISSING else ""
        allowed = RANGES[f.name].text() if f.name in RANGES else "advise or auto"
        rows.append(f"| `{f.name}` | {default!r} | {allowed} | {f.metadata['doc'].replace('|', '/')} |")
    return "\n".join(rows)
