"""Changing the site's nightly return rule (administrators): validated, logged in the admin log."""
from datetime import date, datetime

from app.db import write_tx

from .. import audit, clock
from ..errors import N_, ValidationError
from ..models import Site
from ..settings import check_timezone, write_site
from .calendar import parse_hhmm
from .codes import WEEKDAYS

MAX_GRACE_MINUTES = 240


def _norm_hours(hours: dict) -> dict[str, list[str]]:
    out = {}
    for day in WEEKDAYS:
        span = hours.get(day)
        if not span or not any((s or "").strip() for s in span):
            continue
        if len(span) != 2 or not all((s or "").strip() for s in span):
            raise ValidationError(N_("Give both a start and an end time for %(day)s, or neither."), day=WEEKDAYS.coded(day))
        start, end = parse_hhmm(span[0]), parse_hhmm(span[1])
        if end <= start:
            raise ValidationError(N_("Working hours for %(day)s end before they start."), day=WEEKDAYS.coded(day))
        out[day] = [start.strftime("%H:%M"), end.strftime("%H:%M")]
    return out


def _norm_holidays(values) -> list[str]:
    days = set()
    for raw in values:
        raw = (raw or "").strip()
        if not raw:
            continue
        try:
            days.add(date.fromisoformat(raw))
        except ValueError:
            raise ValidationError(N_("Write holidays as YYYY-MM-DD, one per line: %(value)s"), value=raw) from None
    return [d.isoformat() for d in sorted(days)]


def update_night_rule(site: Site, *, user, timezone: str, cutoff: str, grace_minutes, hours: dict,
                      holiday_list, sweep_nonworking: bool, ip: str = "",
                      now: datetime | None = None) -> dict:
    """Change the site's nightly rule settings; logs the change in the admin log.

    Returns {field: [old, new]} for what changed (empty: nothing to do). Raises ValidationError.
    """
    now = now or clock.now()
    timezone = check_timezone(timezone)
    cutoff_t = parse_hhmm(cutoff).strftime("%H:%M")
    try:
        grace = int(grace_minutes)
    except (TypeError, ValueError):
        raise ValidationError(N_("The grace period is a number of minutes.")) from None
    if not 0 <= grace <= MAX_GRACE_MINUTES:
        raise ValidationError(N_("The grace period must be between 0 and %(max)s minutes."), max=MAX_GRACE_MINUTES)
    new = {
        "timezone": timezone, "cutoff": cutoff_t, "grace_minutes": grace,
        "working_hours": audit.canonical_json(_norm_hours(hours)),
        "holidays": audit.canonical_json(_norm_holidays(holiday_list)),
        "sweep_nonworking": bool(sweep_nonworking),
    }
    with write_tx():
        return write_site(site, new, action="site.night_rule", by=user, ip=ip, now=now)
