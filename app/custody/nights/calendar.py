"""The site's calendar, in ONE place: time zone, working hours, holidays, the nightly cutoff and grace, and
the time arithmetic that turns "night D" into UTC instants, daylight saving included (zoneinfo).

A *night* is named by the site-local date of its evening: night 2026-03-28 is evaluated at
2026-03-28 18:30 site time (the cutoff) and the sweep for it is due at cutoff + grace.
The door rules (after-hours passes) and the nightly sweep both ask this module.
"""
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from ..errors import N_, ValidationError
from ..models import Site
from ..rules import local_date  # noqa: F401 (the calendar's public surface; one pure helper in the core)
from ..settings import check_timezone
from .codes import WEEKDAYS

HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def outside_working_hours(moment: datetime, site: Site) -> bool:
    """True if the naive-UTC moment is outside the site's working hours (site-local).

    No working hours set means always open; a day without hours, or a holiday, is closed."""
    hours = working_hours(site)
    if not hours:
        return False
    local = local_time(moment, site.timezone)
    if local.date() in set(holidays(site)):
        return True
    span = hours.get(WEEKDAYS.values_tuple[local.weekday()])
    if not span:
        return True
    clock_text = local.strftime("%H:%M")
    return not (span[0] <= clock_text < span[1])


@dataclass(frozen=True)
class Night:
    """One night of one site, with its instants in naive UTC (as stored)."""

    site_id: int
    night: date
    tz: str
    cutoff_local: datetime  # aware, site time
    cutoff_at: datetime  # naive UTC
    due_at: datetime  # naive UTC
    is_workday: bool


def _tz(name: str) -> ZoneInfo:
    return ZoneInfo(check_timezone(name))


def parse_hhmm(value: str) -> time:
    """'18:30' → time(18, 30); raises ValidationError."""
    match = HHMM.match((value or "").strip())
    if not match:
        raise ValidationError(N_("Write times as HH:MM (24-hour clock), e.g. 18:30: %(value)s"), value=value)
    return time(int(match.group(1)), int(match.group(2)))


def working_hours(site: Site) -> dict[str, list[str]]:
    """The site's working hours per weekday ({"mon": ["08:00", "18:00"], …}; a missing day is off)."""
    try:
        data = json.loads(site.working_hours or "{}")
    except ValueError:
        return {}
    return {d: list(v) for d, v in data.items() if d in WEEKDAYS and isinstance(v, list) and len(v) == 2}


def holidays(site: Site) -> list[date]:
    """The site's holidays, sorted."""
    try:
        values = json.loads(site.holidays or "[]")
    except ValueError:
        return []
    out = []
    for v in values:
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            continue
    return sorted(set(out))


def is_workday(site: Site, day: date) -> bool:
    """True when the site works that day: the weekday has working hours and it is not a holiday.

    A site that has set no working hours at all counts every day except holidays as a working day.
    """
    hours = working_hours(site)
    if day in set(holidays(site)):
        return False
    if not hours:
        return True
    return WEEKDAYS.values_tuple[day.weekday()] in hours


def to_utc(local: datetime) -> datetime:
    """An aware local datetime as naive UTC."""
    return local.astimezone(UTC).replace(tzinfo=None)


def night_of(site: Site, night: date) -> Night:
    """The cutoff and due instants of a night.

    The local cutoff is resolved with zoneinfo, so the UTC instant moves by an hour across a
    daylight-saving change; a cutoff inside a spring-forward gap resolves (fold=0) to the instant
    one hour later on the wall clock, which is still "that evening".
    """
    tz = _tz(site.timezone)
    local = datetime.combine(night, parse_hhmm(site.cutoff), tzinfo=tz)
    cutoff_at = to_utc(local)
    return Night(site.id, night, site.timezone, local, cutoff_at,
                 cutoff_at + timedelta(minutes=int(site.grace_minutes or 0)), is_workday(site, night))


def night_for_moment(site: Site, moment: datetime) -> date:
    """The night a naive-UTC moment belongs to: the last night whose cutoff is at or before it."""
    local_day = moment.replace(tzinfo=UTC).astimezone(_tz(site.timezone)).date()
    return local_day if night_of(site, local_day).cutoff_at <= moment else local_day - timedelta(days=1)


def due_nights(site: Site, now: datetime, *, lookback: int) -> list[Night]:
    """Nights whose sweep is due by now, at most `lookback` nights back, none before the site existed."""
    last = night_for_moment(site, now)
    nights = []
    for back in range(lookback, -1, -1):
        n = night_of(site, last - timedelta(days=back))
        if n.due_at <= now and (site.created_at is None or n.cutoff_at >= site.created_at):
            nights.append(n)
    return nights


def local_time(moment: datetime, tz: str) -> datetime:
    """A naive-UTC moment as an aware site-local datetime."""
    return moment.replace(tzinfo=UTC).astimezone(_tz(tz))


def all_timezones() -> list[str]:
    """Every IANA zone name this machine knows, sorted."""
    return sorted(available_timezones())
