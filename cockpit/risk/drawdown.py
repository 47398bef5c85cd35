"""Drawdown of total equity: from the UTC day's peak (daily) and from the all-time peak.

Total equity counts collateral in flight between layers, so moving margin is not a loss. Peaks
only move on live data: while an account holding positions is STALE or DOWN the book's equity is
partly last-known, so the peaks are held and the drawdown triggers do not read it.
"""

from __future__ import annotations

DAY = 86400.0


def drawdown(equity: float, peak: float | None) -> float:
    """Fraction below `peak` (0 at or above it, or without a positive peak)."""
    if peak is None or peak <= 0:
        return 0.0
    return max(0.0, 1.0 - equity / peak)


class DrawdownTracker:
    """Peaks of total equity over the engine's life and within the current UTC day."""

    def __init__(self) -> None:
        self.peak: float | None = None
        self.day: int | None = None
        self.day_peak: float | None = None

    def restore(self, now: float, peak: float | None, day_peak: float | None, day: int | None) -> None:
        """Put back the peaks of a run that just stopped (a restart): the all-time peak, and the
        day's peak when it is of `now`'s UTC day, so a restart never resets the drawdown triggers."""
        if peak is not None and peak > 0:
            self.peak = peak
        if day_peak is not None and day_peak > 0 and day == int(now // DAY):
            self.day, self.day_peak = day, day_peak

    def update(self, now: float, equity: float, live: bool) -> tuple[float, float]:
        """(daily, peak-to-trough) drawdown at `now`; peaks move only when `live`."""
        if live:
            day = int(now // DAY)
            if day != self.day:
                self.day, self.day_peak = day, equity
            self.day_peak = max(self.day_peak if self.day_peak is not None else equity, equity)
            self.peak = max(self.peak if self.peak is not None else equity, equity)
        return drawdown(equity, self.day_peak), drawdown(equity, self.peak)
