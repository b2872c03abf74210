"""Site settings kept by the administrator: name, time zone, the public base URL printed on labels.

One service, update_site(changes), validates each field with the checker registered for it in
SITE_FIELDS and writes one admin-log row listing what changed. Other areas add their fields
(cutoff, working hours, …) by registering a checker: register_field("cutoff", check_cutoff).
"""
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.db import write_tx

from . import audit, clock
from .errors import N_, ValidationError
from .models import Site

DEFAULT_SITE_CODE = "SITE"


def check_name(value) -> str:
    """A site name of 1 to 200 characters; raises ValidationError."""
    name = (value or "").strip()
    if not name or len(name) > 200:
        raise ValidationError(N_("Give a site name of 1 to 200 characters."))
    return name


def check_timezone(value) -> str:
    """An IANA time zone name such as Asia/Shanghai; raises ValidationError."""
    name = (value or "").strip()
    try:
        # "/" guards against names zoneinfo reads as file paths; "UTC" is the one plain name we want
        if not name or name.startswith("/") or ".." in name:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(N_("Unknown time zone: %(tz)s (use a name such as Asia/Shanghai)."),
                              tz=name) from None
    return name


def check_base_url(value) -> str:
    """'' or an http(s) address without query or fragment, stored without a trailing slash."""
    url = (value or "").strip().rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment
            or len(url) > 200 or re.search(r"\s", url)):
        raise ValidationError(N_("The public address must look like https://custody.example.org "
                                 "(http or https, no query): %(url)s"), url=url)
    return url


SITE_FIELDS: dict[str, Callable] = {"name": check_name, "timezone": check_timezone, "base_url": check_base_url}


def register_field(name: str, checker: Callable) -> None:
    """Let update_site change another Site column; checker(value) returns the clean value or raises."""
    SITE_FIELDS[name] = checker


def current_site() -> Site | None:
    """The site (this application runs one site per database)."""
    return Site.select().order_by(Site.id).first()


def write_site(site: Site, clean: dict, *, action: str, by=None, ip: str = "", now: datetime) -> dict:
    """Write checked values to the site and log what changed under `action`; caller holds the transaction.

    The one writer of Site columns (the site settings page and the night rule both use it); returns
    {field: [old, new]} for what changed (empty: nothing written)."""
    current = Site.get_by_id(site.id)
    diff = {k: [getattr(current, k), v] for k, v in clean.items() if getattr(current, k) != v}
    if diff:
        Site.update(**{k: v for k, (_old, v) in diff.items()}).where(Site.id == site.id).execute()
        audit.append_audit(action, user=by, target=f"site:{site.code}", detail=diff, ip=ip, at=now)
    for k, (_old, v) in diff.items():
        setattr(site, k, v)
    return diff


def update_site(changes: dict, *, by=None, ip: str = "", now: datetime | None = None) -> Site:
    """Change site settings; creates the site if there is none yet.

    Raises ValidationError for an unknown field or a bad value; nothing is written then.
    """
    now = now or clock.now()
    clean = {}
    for field, value in changes.items():
        checker = SITE_FIELDS.get(field)
        if checker is None:
            raise ValidationError(N_("Unknown setting: %(name)s"), name=field)
        clean[field] = checker(value)
    with write_tx():
        site = current_site()
        created = site is None
        if created:
            if "name" not in clean:
                raise ValidationError(N_("Give a site name of 1 to 200 characters."))
            site = Site.create(code=DEFAULT_SITE_CODE, created_at=now, **clean)
            diff = {k: [None, v] for k, v in clean.items()}
            audit.append_audit("site.create", user=by, target=f"site:{site.code}", detail=diff, ip=ip, at=now)
        else:
            write_site(site, clean, action="site.settings", by=by, ip=ip, now=now)
    return site
