"""The badge's life: activated once vetting is complete, suspended, reinstated, revoked, lost and replaced;
its validity dates."""
import re
from datetime import datetime

from app.db import write_tx

from .. import clock
from ..errors import N_, ConflictError, ValidationError, VettingIncompleteError
from ..models import Person, Tag, User, highest_number, taken
from .changes import parse_date, person_of, record_change, site_today
from .models import PersonnelChange
from .vetting import gaps


def set_status(person: Person, status: str, kind: str, *, by, reason: str = "", now: datetime,
                extra: dict | None = None) -> Person:
    """Set the badge status and register the change (inside the caller's transaction)."""
    before = person.badge_status
    fields = {"badge_status": status, "badge_reason": (reason or "")[:200]} | (extra or {})
    Person.update(**fields).where(Person.id == person.id).execute()
    for name, value in fields.items():
        setattr(person, name, value)
    record_change(person, kind, before=before, after=status, by=by, note=reason, now=now)
    return person


def ensure_not_left(person: Person) -> None:
    """Raises ConflictError when the person has left (nothing about them changes then)."""
    if person.left_on is not None:
        raise ConflictError(N_("%(name)s has left: the badge cannot change."), name=person.name)


def activate(person, *, by: User | None = None, valid_from=None, valid_until=None,
             now: datetime | None = None) -> Person:
    """Activate a pending badge once every required vetting item is complete.

    Raises VettingIncompleteError naming each missing item, ConflictError (not pending, or left),
    ValidationError (dates).
    """
    now = now or clock.now()
    start, end = parse_date(valid_from, "valid_from"), parse_date(valid_until, "valid_until")
    with write_tx():
        person = person_of(person)
        person = Person.get_by_id(person.id)
        ensure_not_left(person)
        if person.badge_status != "pending":
            raise ConflictError(N_("The badge of %(name)s is not waiting for activation (it is %(status)s)."),
                                name=person.name, status=person.badge_status)
        found = gaps(person, today=site_today(now))
        if found:
            raise VettingIncompleteError(name=person.name, gaps=found)
        extra = {}
        if start or end:
            start, end = start or person.valid_from, end or person.valid_until
            if start and end and end < start:
                raise ValidationError(N_("The badge cannot end before it starts."))
            extra = {"valid_from": start, "valid_until": end}
        return set_status(person, "active", "badge_activated", by=by, now=now, extra=extra)


def suspend(person, *, reason: str, by: User | None = None, now: datetime | None = None) -> Person:
    """Suspend an active badge (a reason is required); raises ValidationError, ConflictError."""
    now = now or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(N_("Give the reason for suspending the badge."))
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        ensure_not_left(person)
        if person.badge_status != "active":
            raise ConflictError(N_("Only an active badge can be suspended."))
        return set_status(person, "suspended", "badge_suspended", by=by, reason=reason, now=now)


def reinstate(person, *, by: User | None = None, reason: str = "", now: datetime | None = None) -> Person:
    """Reinstate a suspended badge; vetting must still be complete. Raises ConflictError, VettingIncompleteError."""
    now = now or clock.now()
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        ensure_not_left(person)
        if person.badge_status != "suspended":
            raise ConflictError(N_("Only a suspended badge can be reinstated."))
        today = site_today(now)
        found = gaps(person, today=today)
        if found:
            raise VettingIncompleteError(name=person.name, gaps=found)
        if person.valid_until and person.valid_until < today:
            raise ConflictError(N_("The badge's validity ended on %(date)s: change the validity first."),
                                date=person.valid_until.isoformat())
        return set_status(person, "active", "badge_reinstated", by=by, reason=reason, now=now)


def revoke(person, *, reason: str, by: User | None = None, now: datetime | None = None) -> Person:
    """Revoke a badge for good (a reason is required); raises ValidationError, ConflictError."""
    now = now or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(N_("Give the reason for revoking the badge."))
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        if person.badge_status == "revoked":
            raise ConflictError(N_("The badge is already revoked."))
        return set_status(person, "revoked", "badge_revoked", by=by, reason=reason, now=now)


_CODE_RE = re.compile(r"^B(\d{8})$")


def next_badge_code() -> str:
    """A badge code not used before: B + 8 digits, one above the highest in use."""
    highest = highest_number(Person.badge_code, "B")  # a loading staff list's badges included
    retired = PersonnelChange.select(PersonnelChange.before).where(PersonnelChange.kind == "badge_lost")
    for (text,) in retired.tuples():
        match = _CODE_RE.match(text.split(" ")[0])
        if match:
            highest = max(highest, int(match.group(1)))
    return f"B{highest + 1:08d}"


def report_lost(person, *, by: User | None = None, reason: str = "", new_tag: str = "",
                now: datetime | None = None) -> Person:
    """The badge is lost: its code and RFID tags stop working at once, a new badge code is issued.

    The person keeps their status (an active badge stays active under the new code). Raises ConflictError
    (revoked, left), ValidationError (new tag already bound).
    """
    now = now or clock.now()
    new_tag = (new_tag or "").strip().upper()
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        ensure_not_left(person)
        if person.badge_status == "revoked":
            raise ConflictError(N_("The badge is revoked: a revoked badge is not replaced."))
        old_code = person.badge_code
        old_tags = [t.tag for t in Tag.select().where(Tag.person == person)]
        Tag.delete().where(Tag.person == person).execute()
        code = next_badge_code()
        Person.update(badge_code=code).where(Person.id == person.id).execute()
        person.badge_code = code
        if new_tag:
            if taken(Tag.tag, new_tag):  # a loading import's tags included
                raise ValidationError(N_("The tag %(tag)s is already bound."), tag=new_tag)
            Tag.create(tag=new_tag, person=person)
        before = " ".join([old_code] + old_tags)
        after = " ".join([code] + ([new_tag] if new_tag else []))
        record_change(person, "badge_lost", before=before, after=after, by=by, note=reason, now=now)
    return person


BADGE_SERVICES = {"activate": activate, "suspend": suspend, "reinstate": reinstate, "revoke": revoke,
                  "lost": report_lost}


def badge_action(person, action: str, *, by: User | None = None, reason: str = "", valid_from=None,
                 valid_until=None, new_tag: str = "", now: datetime | None = None) -> Person:
    """One badge action by its code (codes.BADGE_ACTIONS); what the API and the command line call."""
    if action == "activate":
        return activate(person, by=by, valid_from=valid_from, valid_until=valid_until, now=now)
    if action in ("suspend", "revoke"):
        return BADGE_SERVICES[action](person, reason=reason, by=by, now=now)
    if action == "reinstate":
        return reinstate(person, by=by, reason=reason, now=now)
    if action == "lost":
        return report_lost(person, by=by, reason=reason, new_tag=new_tag, now=now)
    raise ValidationError(N_("Unknown badge action: %(action)s"), action=action)


def set_validity(person, *, valid_from=None, valid_until=None, by: User | None = None,
                 now: datetime | None = None) -> Person:
    """Change a badge's validity dates; raises ValidationError."""
    now = now or clock.now()
    start, end = parse_date(valid_from, "valid_from"), parse_date(valid_until, "valid_until")
    if start and end and end < start:
        raise ValidationError(N_("The badge cannot end before it starts."))
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        before = f"{person.valid_from or ''} – {person.valid_until or ''}"
        Person.update(valid_from=start, valid_until=end).where(Person.id == person.id).execute()
        person.valid_from, person.valid_until = start, end
        record_change(person, "validity", before=before, after=f"{start or ''} – {end or ''}", by=by, now=now)
    return person
