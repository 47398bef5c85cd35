"""Shared fixtures for the simulator tests: a controllable wall clock and small sessions."""

from __future__ import annotations

import pytest

from cockpit.sim import build_demo


class FakeClock:
    """A wall clock that moves only when told to."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        """Move wall time forward."""
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def new_clock():
    """A factory of fresh `FakeClock`s, for tests that run several sessions."""
    return FakeClock


@pytest.fixture
def session(clock: FakeClock):
    """The calm demo with 12 assets and a frozen clock."""
    return build_demo(seed=7, clock=clock, assets=12)


def find_venue(session, name: str):
    """The session's venue for account `name`."""
    return next(v for v in session.venues if v.info.name == name)


@pytest.fixture
def venue_of():
    """`venue_of(session, name)`: the venue of one account."""
    return find_venue
