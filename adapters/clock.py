"""Clocks: the system's for real work, a simulated one for deterministic demo data and tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["SimulatedClock", "system_clock"]


def system_clock() -> datetime:
    return datetime.now(UTC)


class SimulatedClock:
    """Time that moves only when told to, so a seeded run records the same times every time."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now
