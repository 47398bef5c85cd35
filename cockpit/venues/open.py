"""Open the venue of one configured account, without importing ccxt (that waits for connect)."""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from cockpit.secrets import SecretStore
from cockpit.venues.account import VenueAccount
from cockpit.venues.ccxt_adapter import CcxtVenue
from cockpit.venues.protocol import Venue


def open_account(account: VenueAccount, *, secrets: SecretStore,
                 clock: Callable[[], float] = time.time, timeout: float = 8.0,
                 options: Mapping[str, Any] | None = None, rate_limit: bool = True) -> Venue:
    """The `Venue` of `account`. Nothing is read or imported until its `connect()`.

    Missing keys or a refused keyring backend make `connect()` raise AuthError with the reason;
    ``api_url`` in the account sends every request to that server instead of the venue.
    """
    return CcxtVenue(account, secrets=secrets, clock=clock, timeout=timeout, options=options,
                     rate_limit=rate_limit)
