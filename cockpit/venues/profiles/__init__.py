"""One profile per venue, and the generic one for any other ccxt venue (read-only).

`profile_for` is how everything else finds a venue's facts and hooks; nothing outside this package
tests a venue's name. Loading it hands every profile's credential names to `cockpit.redact`, so a
new profile cannot leak its credentials by being forgotten there. No ccxt import.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from cockpit import redact
from cockpit.venues.profiles.base import Credential, VenueProfile
from cockpit.venues.profiles.generic import Generic

__all__ = ["PROFILES", "Credential", "UnknownVenue", "VenueProfile", "ccxt_knows", "profile_for"]


def _discover() -> dict[str, VenueProfile]:
    """The `PROFILE` of every module in this package but `base` and `generic`: adding a venue
    is adding its file."""
    found: dict[str, VenueProfile] = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name in ("base", "generic"):
            continue
        profile = importlib.import_module(f"{__name__}.{module.name}").PROFILE
        found[profile.venue] = profile
    return found


#: The venues with their own profile (full support, trading included), by config id.
PROFILES: Mapping[str, VenueProfile] = MappingProxyType(_discover())

# One call: each one recompiles the scrubbing patterns, and this runs on the way to the first frame.
redact.add_credential_names([*(n for p in PROFILES.values() for n in p.secret_names()), *Generic.redact_names])

_generic: dict[str, Generic] = {}


class UnknownVenue(KeyError):
    """A venue id that is neither profiled nor a ccxt exchange."""

    def __str__(self) -> str:
        return str(self.args[0])


def ccxt_knows(venue: str) -> bool:
    """ccxt has an exchange class called `venue` (looked up on disk: ccxt is not imported)."""
    if not venue.isidentifier() or venue.startswith("_"):
        return False
    spec = importlib.util.find_spec("ccxt")
    roots = spec.submodule_search_locations if spec else None
    return any((Path(root) / "async_support" / f"{venue}.py").is_file() for root in roots or ())


def profile_for(venue: str) -> VenueProfile:
    """The profile of `venue`: its own, else the generic one when ccxt knows the venue.

    Raises:
        UnknownVenue: ccxt has no such exchange; the message names the profiled venues.
    """
    profile = PROFILES.get(venue) or _generic.get(venue)
    if profile is not None:
        return profile
    if not ccxt_knows(venue):
        raise UnknownVenue(f"unknown venue {venue[:40]!r}; use one of {', '.join(PROFILES)}, "
                           "or another ccxt exchange id (read-only)")
    return _generic.setdefault(venue, Generic(venue))
