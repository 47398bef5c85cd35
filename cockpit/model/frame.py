"""The frame: one frozen picture of everything the UI shows, published by the engine."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from cockpit.model.assessment import Assessment
from cockpit.model.book import Book
from cockpit.model.unwind import UnwindRun
from cockpit.model.deadman import DeadManState
from cockpit.model.funding import CellStats, FundingLedger
from cockpit.model.orders import WorkingOrder
from cockpit.model.plots import Plots


class Mode(str, Enum):
    """Whether the venues are simulated or real."""

    SIM = "SIM"
    LIVE = "LIVE"


@dataclass(frozen=True, slots=True)
class Frame:
    """What the panes show at one moment.

    Attributes:
        seq: increases by one per published frame.
        now: wall-clock time of the frame (POSIX seconds).
        sim_time: the simulator's clock, when venues are simulated.
        readonly: every order path is disabled.
        notices: recent one-line messages from the engine (fills, rejections, errors).
        risk_error: set when this frame's risk evaluation failed: why, in one line. The frame
            then carries the last good assessment (marked as such on screen) and the kill
            switch does not act on it.
        alerts: how many alert targets (phone, chat, mail) the engine sends alerts to.
        run: the guided unwind run in progress (or the last one, until dismissed).
        lost: set by an attached terminal whose guard went away: why, in one line. The frame is
            the last one received, kept on screen and marked, until the guard answers again.
        dead_man: the dead-man's switch of each account that opted in (`cockpit.model.deadman`).
        funding_stats: each funding cell's figures over the last day and week, from the
            engine's history (`cockpit.model.funding.CellStats`).
        ledger: funding paid and earned, booked by the venues (or the simulator), against the
            cockpit's own estimate; None until the engine has read any.
        working: every order of ours not done yet (journaled and not filled, cancelled or
            rejected: on its way, resting, or with an unknown outcome), oldest first. The venues'
            own open orders, ours and others', are in each account's snapshot.
        plots: the plot series, while a terminal watches them (`cockpit.model.commands.WatchPlots`);
            None otherwise.
    """

    seq: int
    now: float
    mode: Mode
    readonly: bool
    book: Book
    assessment: Assessment
    sim_time: float | None = None
    speed: float = 1.0
    scenario: str = ""
    notices: tuple[str, ...] = ()
    risk_error: str | None = None
    alerts: int = 0
    lost: str | None = None
    run: UnwindRun | None = None
    dead_man: tuple[DeadManState, ...] = ()
    funding_stats: tuple[CellStats, ...] = ()
    ledger: FundingLedger | None = None
    working: tuple[WorkingOrder, ...] = ()
    plots: Plots | None = None

    def orders_off(self, account: str | None = None) -> bool:
        """Whether the engine refuses orders: the whole frame is read-only, or `account` is (None:
        every account is). The UI offers an order key, or asks before sending, only where this is
        False; where it is True it sends at once, so the engine's refusal says why."""
        if self.readonly:
            return True
        if account is None:
            accounts = self.book.accounts
            return bool(accounts) and all(acc.info.readonly for acc in accounts)
        found = self.book.account(account)
        return found is not None and found.info.readonly
