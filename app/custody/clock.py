"""The one clock. Services, the scheduler, the sweep and the door rules ask it for the time.

Stored times are naive UTC. Tests move this clock with time-machine (tests/conftest.py), so every
caller sees the same instant; nothing else in app/ reads the wall clock.
"""
from datetime import UTC, datetime


def now() -> datetime:
    """The current instant as naive UTC (microseconds kept)."""
    return datetime.now(UTC).replace(tzinfo=None)


def aware_now() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)
