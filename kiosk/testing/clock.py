"""Clocks that move only when a test (or the audit) says so."""

from __future__ import annotations

import datetime as dt

# A fixed "now" for screens and receipts: a Thursday afternoon in Paris, in UTC.
NOW = dt.datetime(2026, 11, 26, 13, 5, tzinfo=dt.UTC)


class FakeMonotonic:
    """A monotonic clock (the inactivity monitor's): ``advance`` moves it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeClock:
    """A wall clock giving aware UTC datetimes: ``advance`` moves it."""

    def __init__(self, start: dt.datetime = NOW) -> None:
        if start.tzinfo is None:
            raise ValueError("the fake clock needs an aware datetime")
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta | float) -> None:
        self.now += delta if isinstance(delta, dt.timedelta) else dt.timedelta(seconds=delta)
