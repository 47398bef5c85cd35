"""Venue adapters: the protocol every venue implements, the errors they raise, one profile per venue.

Importing this package does not import ccxt: the ccxt adapter is loaded only when a real
account is opened, so the first frame never waits for it.
"""

from cockpit.venues.protocol import Venue

__all__ = ["Venue"]
