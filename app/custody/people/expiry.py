"""The expiry check: alerts before a badge or a vetting item expires, badges suspended when their validity
ends; the scheduler runs it every hour."""
from datetime import datetime, timedelta

from app.db import write_tx

from .. import alerts, clock
from ..models import Person
from .badges import set_status
from .changes import site_today
from .codes import VETTING_ITEMS
from .models import Vetting
from .policy import settings


def check_expiry(now: datetime | None = None) -> dict:
    """Open an alert warn_days before a vetting item or a badge expires; suspend badges whose validity ended.

    Returns {"alerts": [...], "suspended": [...]}; run again it opens nothing twice.
    """
    now = now or clock.now()
    conf = settings()
    today = site_today(now)
    opened, suspended = [], []
    limit = today + timedelta(days=conf.warn_days)
    ended = list(Person.select().where((Person.badge_status == "active") & Person.valid_until.is_null(False)
                                       & (Person.valid_until < today)))
    for person in ended:
        with write_tx():
            fresh = Person.get_by_id(person.id)
            if fresh.badge_status != "active":
                continue
            set_status(fresh, "suspended", "badge_expired", by=None, now=now,
                        reason=f"validity ended {fresh.valid_until.isoformat()}")
            opened.append(alerts.open_alert(
                "badge_expired", severity="warning", person=fresh, now=now,
                dedupe_key=f"badge_expired:{fresh.id}:{fresh.valid_until.isoformat()}",
                message=f"{fresh.name} · {fresh.badge_code} · {fresh.valid_until.isoformat()}"))
        suspended.append(fresh)
    soon = (Person.select().where((Person.badge_status == "active") & Person.valid_until.between(today, limit)))
    for person in soon:
        opened.append(alerts.open_alert(
            "badge_expiring", severity="info", person=person, now=now,
            dedupe_key=f"badge_expiring:{person.id}:{person.valid_until.isoformat()}",
            message=f"{person.name} · {person.badge_code} · {person.valid_until.isoformat()}"))
    expiring = (Vetting.select(Vetting, Person).join(Person)
                .where(Vetting.expires_on.between(today, limit) & Person.left_on.is_null()
                       & (Person.badge_status != "revoked")))
    for row in expiring:
        opened.append(alerts.open_alert(
            "vetting_expiring", severity="info", person=row.person, now=now,
            dedupe_key=f"vetting_expiring:{row.id}:{row.expires_on.isoformat()}",
            message=f"{row.person.name} · {VETTING_ITEMS.msgid(row.item)} · {row.expires_on.isoformat()}"))
    return {"alerts": opened, "suspended": suspended}


def expiry_job(now: datetime) -> str | None:
    """The scheduler's entry: run check_expiry, describe what it did (None when nothing)."""
    done = check_expiry(now)
    fresh = [a for a in done["alerts"] if a.opened_at == now]
    if not fresh and not done["suspended"]:
        return None
    return f"{len(fresh)} people alerts opened, {len(done['suspended'])} badges suspended"


def register_jobs() -> None:
    """Register the expiry check with the project's scheduler (every hour; it is idempotent)."""
    from ..scheduler import register_job

    register_job("people-expiry", 3600, expiry_job)
