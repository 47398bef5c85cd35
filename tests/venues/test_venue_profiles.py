"""Venue profiles: every profile declares every fact, every secret it has is scrubbed, nothing
outside the profiles tests a venue's name, and any other ccxt venue works read-only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cockpit.model import Layer
from cockpit.redact import credential_names, scrub
from cockpit.venues.profiles import PROFILES, UnknownVenue, VenueProfile, profile_for
from cockpit.venues.profiles.base import CLIENT_ID_FORMATS

ROOT = Path(__file__).resolve().parents[2]
SIX = ("binanceusdm", "bybit", "okx", "hyperliquid", "dydx", "paradex")


def all_profiles() -> list[VenueProfile]:
    """The six profiles and the generic one (for a venue ccxt knows)."""
    return [*PROFILES.values(), profile_for("woofipro")]


def test_the_six_venues_have_their_own_profile():
    assert tuple(PROFILES) == SIX
    assert all(p.trading and p.read_only_reason() is None for p in PROFILES.values())


@pytest.mark.parametrize("profile", all_profiles(), ids=repr)
def test_every_profile_declares_every_fact(profile):
    # Set by the profile itself (its class, or the generic one's instance), not inherited blank.
    own = {k for cls in type(profile).__mro__ if cls is not VenueProfile for k in vars(cls)}
    own |= set(getattr(profile, "__dict__", {}))
    missing = [fact for fact in VenueProfile.FACTS if fact not in own]
    assert not missing, f"{profile.venue} does not declare {missing}"
    assert isinstance(profile.layer, Layer) and profile.client_id in CLIENT_ID_FORMATS
    assert profile.credentials and isinstance(profile.title, str) and profile.title
    assert profile.funding_hours is None or profile.funding_hours > 0
    # The adapter reads the account's collateral through the profile: it must say how.
    assert type(profile).collateral is not VenueProfile.collateral


@pytest.mark.parametrize("profile", all_profiles(), ids=repr)
def test_every_secret_credential_of_every_profile_is_scrubbed(profile):
    value = "Zq7-not-a-real-value-4242"
    names = set(profile.secret_names())
    for cred in profile.credentials:
        if cred.secret:
            assert {cred.name, cred.ccxt_key.removeprefix("options.")} <= names
    for name in names:
        assert name.lower() in credential_names()  # pushed into redact when profiles loaded
        for text in (f"GET /x?{name}={value}&a=1", f"{{'{name}': '{value}'}}",
                     f'{{"{name}": "{value}"}}', f"{name}: {value}"):
            assert value not in scrub(text), (profile.venue, text)


def test_addresses_are_identifiers_not_secrets():
    # A wallet address is shown (masked in part) by `keys list`: declared so on purpose.
    for profile in all_profiles():
        for cred in profile.credentials:
            assert cred.secret is (cred.name != "walletAddress" and cred.name not in (
                "uid", "accountId", "login")), (profile.venue, cred.name)


def _code(path: Path) -> str:
    text = path.read_text()
    if path.name == "config.py":  # the commented template names venues as examples
        text = text.split("TEMPLATE = ", 1)[0]
    return text


def test_no_venue_name_is_tested_outside_the_profiles():
    # The simulator names its own venues after the real ones, and the model's layers share two
    # names with venues: neither is a branch on a venue.
    skip = ("cockpit/venues/profiles/", "cockpit/sim/", "cockpit/model/")
    quoted = re.compile(r"""["'](%s)["']""" % "|".join(SIX))
    found = [f"{path.relative_to(ROOT)}: {m.group(0)}"
             for path in sorted((ROOT / "cockpit").rglob("*.py"))
             if not str(path.relative_to(ROOT)).startswith(skip)
             for m in quoted.finditer(_code(path))]
    assert found == []


def test_a_venue_ccxt_does_not_know_is_refused_by_name():
    with pytest.raises(UnknownVenue, match="unknown venue 'bnance'; use one of binanceusdm"):
        profile_for("bnance")
    for bad in ("", "../okx", "__init__", "base"):
        with pytest.raises(UnknownVenue):
            profile_for(bad)
