"""The suite's clock.

TEST_NOW is the instant the suite starts at: CUSTODY_TEST_NOW (an ISO 8601 instant, e.g.
2027-12-04T10:00:00Z), read once per session, default the real now. An autouse fixture in
conftest.py (the repository root) travels the clock there for every test (time keeps running from it), so
clock.now(), date.today() and the models' defaults all answer from TEST_NOW. A test that needs an
exact moment travels itself (`at(moment)`) to a named instant taken relative to TEST_NOW.
"""
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine


def _read_test_now() -> datetime:
    text = os.environ.get("CUSTODY_TEST_NOW", "").strip()
    if not text:
        return datetime.now(UTC).replace(tzinfo=None)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"CUSTODY_TEST_NOW is not an ISO 8601 instant: {text!r}") from None
    if moment.tzinfo is None:
        raise SystemExit(f"CUSTODY_TEST_NOW needs a zone (Z or +08:00): {text!r}")
    return moment.astimezone(UTC).replace(tzinfo=None)


TEST_NOW: datetime = _read_test_now()  # naive UTC, like every stored time


def at(moment: datetime, *, tick: bool = False):
    """Travel the clock to moment (naive UTC or aware) for a with-block; frozen there unless tick."""
    return time_machine.travel(moment if moment.tzinfo else moment.replace(tzinfo=UTC), tick=tick)


def local_to_utc(day, hhmm: str, tz: str) -> datetime:
    """The naive UTC instant of wall time hh:mm on day in zone tz."""
    hour, minute = (int(p) for p in hhmm.split(":"))
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC).replace(tzinfo=None)


def last_weekday(weekday: int, hhmm: str, tz: str, before: datetime | None = None) -> datetime:
    """The latest wall time hh:mm in tz on a weekday (0 = Monday) strictly before `before`
    (naive UTC, default TEST_NOW); naive UTC."""
    before = before or TEST_NOW
    day = before.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).date()
    while True:
        if day.weekday() == weekday:
            moment = local_to_utc(day, hhmm, tz)
            if moment < before:
                return moment
        day -= timedelta(days=1)
