"""Reading the media pages' form fields: text, dates and site-local times (stored as naive UTC)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import request

from app.custody.errors import N_, ValidationError
from app.custody.models import Site


def text(name: str) -> str:
    """A form field as stripped text ('' when absent)."""
    return (request.form.get(name) or "").strip()


def site_tz() -> ZoneInfo:
    return ZoneInfo(Site.timezone_name())


def local_datetime(name: str, *, required: bool = True) -> datetime | None:
    """A datetime-local field (site time) as naive UTC; raises ValidationError when missing or malformed."""
    raw = text(name)
    if not raw:
        if required:
            raise ValidationError(N_("Give a date and time."))
        return None
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(N_("Not a date and time: %(value)s"), value=raw) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=site_tz())
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def day(name: str) -> date | None:
    """A date field (YYYY-MM-DD) or None; raises ValidationError when malformed."""
    raw = text(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(N_("Not a date: %(value)s"), value=raw) from None


def to_local_input(moment: datetime | None) -> str:
    """A naive-UTC datetime as the value of a datetime-local input in site time."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(site_tz()).strftime("%Y-%m-%dT%H:%M")
