"""A person joining the project, changing post or organisation, and leaving (refused while holding items)."""
from datetime import datetime

from app.db import write_tx

from .. import clock
from ..errors import N_, HoldingItemsError, ValidationError
from ..models import Person, User
from .badges import ensure_not_left
from .changes import holdings, parse_date, person_of, record_change, site_today
from .models import PersonnelChange


def change_post(person, *, position=None, organisation=None, by: User | None = None,
                now: datetime | None = None) -> Person:
    """Change a person's position and/or organisation: one register row per field changed."""
    now = now or clock.now()
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        ensure_not_left(person)
        for field, value in (("position", position), ("organisation", organisation)):
            if value is None:
                continue
            value = value.strip()
            if len(value) > (100 if field == "position" else 200):
                raise ValidationError(N_("%(field)s is too long."), field=field)
            before = getattr(person, field)
            if value == before:
                continue
            Person.update(**{field: value}).where(Person.id == person.id).execute()
            setattr(person, field, value)
            record_change(person, field, before=before, after=value, by=by, now=now)
    return person


def mark_joined(person, *, by: User | None = None, now: datetime | None = None) -> PersonnelChange:
    """Record that a person joined the project (imports and new registrations call it)."""
    now = now or clock.now()
    with write_tx():
        person = person_of(person)
        return record_change(person, "joined", after=f"{person.organisation} · {person.position}".strip(" ·"),
                             by=by, now=now)


def leave(person, *, by: User | None = None, on=None, reason: str = "", now: datetime | None = None) -> Person:
    """A person leaves: refused while they hold volumes, media or devices (HoldingItemsError lists them);
    otherwise the badge is revoked and the day recorded."""
    now = now or clock.now()
    day = parse_date(on, "date") or site_today(now)
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        ensure_not_left(person)
        held = holdings(person)
        if held:
            err = HoldingItemsError(name=person.name, count=len(held), codes=", ".join(i.code for i in held[:20]))
            err.items = held
            raise err
        before = person.badge_status
        Person.update(left_on=day, badge_status="revoked", badge_reason=(reason or "left")[:200]) \
            .where(Person.id == person.id).execute()
        person.left_on, person.badge_status = day, "revoked"
        record_change(person, "left", before=before, after=f"revoked · {day.isoformat()}", by=by, note=reason,
                      now=now)
    return person
