"""Dead-man's switches: a venue cancels an account's orders unless cockpit keeps refreshing it.

Several venues offer a "cancel all my orders if I go quiet" timer (Binance USDⓈ-M countdown
cancel-all, OKX cancel-all-after, Hyperliquid's scheduled cancel). Armed and refreshed as a
heartbeat, it makes sure resting orders (an unwind's limit ladder) do not outlive a cockpit that
crashed or lost its network. It cancels **orders, not positions**: a position stays open, and a
protective stop resting at the venue is cancelled with everything else.

`DeadMan` is what a venue answers when the switch is armed; `DeadManState` is what the frame
carries per account; `DeadManPolicy` is what an account's config asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: Said wherever a switch is armed: what it does, and what it does not do.
CANCELS_ORDERS = "cancels orders, not positions"


class DeadManMode(str, Enum):
    """When an account's switch is armed (``dead_man`` in its config)."""

    OFF = "off"  # never (the default)
    DURING_RUN = "during-run"  # while a run with resting orders is active (`Engine.want_dead_man`)
    ALWAYS = "always"  # from connect to a clean stop


class DeadManStatus(str, Enum):
    """Where an opted-in account's switch stands."""

    IDLE = "idle"  # opted in for runs; no run is active, so it is not armed
    ARMED = "armed"  # armed and refreshed: the venue cancels the orders if cockpit stops
    FAILING = "failing"  # armed, but the last refresh failed: it expires unless one succeeds
    EXPIRED = "expired"  # not refreshed in time: the venue has cancelled (or is cancelling) the orders
    EXHAUSTED = "exhausted"  # the venue's daily limit of firings is used up: not armed until 00:00 UTC
    UNSUPPORTED = "unsupported"  # the venue (or its adapter) has none cockpit can arm; `detail` says why


@dataclass(frozen=True, slots=True)
class DeadMan:
    """A venue's answer to arming its switch.

    Attributes:
        supported: the venue has a switch cockpit can arm; False with `note` saying why not.
        armed_until: when it fires unless refreshed (POSIX seconds): the venue's own time when its
            reply says, else the local time the request left plus the window (never later than
            the venue's). None when not armed.
        remaining_today: how many more times it may fire today, where the venue itself says;
            None when it does not (the engine then counts firings against `daily_limit`).
        daily_limit: how many times a day the venue lets it fire (Hyperliquid: 10, counted from
            00:00 UTC); None: no limit.
        note: what it does ("cancels orders, not positions", and its scope), or why it is not
            supported.
    """

    supported: bool
    armed_until: float | None = None
    remaining_today: int | None = None
    daily_limit: int | None = None
    note: str = CANCELS_ORDERS


@dataclass(frozen=True, slots=True)
class DeadManState:
    """One opted-in account's switch, as a frame shows it.

    Attributes:
        account: the account's name.
        status: armed, failing, expired, idle or unsupported.
        expires_at: when it fires unless refreshed (POSIX seconds, the engine's clock), while
            armed or failing; when it fired, once expired.
        remaining_today: how many more times it may fire today (Hyperliquid), else None.
        detail: one line: its scope and "cancels orders, not positions", the last refresh's
            error, or why it is unsupported.
    """

    account: str
    status: DeadManStatus
    expires_at: float | None = None
    remaining_today: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DeadManPolicy:
    """What one account's config asks of its switch: when to arm it, and its window (seconds)."""

    mode: DeadManMode = DeadManMode.OFF
    seconds: float = 60.0
