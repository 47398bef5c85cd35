"""One account as the venues package needs it: a plain value built from the config.

`cockpit.config.AccountConfig.venue_account()` builds it, so the venues package never imports the
config module (the config validates against `cockpit.venues.profiles`, not the other way round).
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.model import AccountInfo, Layer
from cockpit.venues.profiles import profile_for


@dataclass(frozen=True, slots=True)
class VenueAccount:
    """Where one account trades and how, never its credentials.

    Attributes:
        name: how the account is called everywhere (and in ``cockpit keys set NAME``).
        venue: a profiled venue or any other ccxt exchange id (read-only).
        layer: where its collateral settles.
        readonly: True disables every order path for this account.
        symbols: assets or symbols shown in the funding heatmap; empty for all.
        sandbox: use the venue's testnet.
        api_url: send every request to this base URL instead (a proxy, a local test server).
        label: what panes show instead of the name.
    """

    name: str
    venue: str
    layer: Layer
    readonly: bool = True
    symbols: tuple[str, ...] = ()
    sandbox: bool = False
    api_url: str | None = None
    label: str = ""

    def info(self) -> AccountInfo:
        """The account as the rest of the program sees it (no secrets, no URLs).

        A venue without its own profile is read-only whatever the config says, with the reason.
        """
        reason = profile_for(self.venue).read_only_reason()
        return AccountInfo(name=self.name, venue=self.venue, layer=self.layer,
                           readonly=self.readonly or reason is not None, label=self.label,
                           readonly_reason=reason or "")
