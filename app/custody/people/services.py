"""The people area's state changes: vetting, the badge's life, leaving, settings, the nightly expiry
job — one transaction each, one personnel-register row (and an admin-log row for settings)."""
import re
from datetime import date, datetime, timedelta

from app.db import write_tx

from .. import alerts, audit, clock
from ..errors import (
    N_,
    ConflictError,
    HoldingItemsError,
    NotFoundError,
    ValidationError,
    VettingIncompleteError,
)
from ..models import Alert, Item, Person, Site, Tag, User
from ..rules import local_date
from . import rules
from .codes import APPROVER_ROLES, CHANGE_KINDS, VETTING_ITEMS
from .models import PeopleSettings, PersonnelChange, Vetting

MAX_REFERENCE = 200


# ---------------------------------------------------------------- lookups

def person_of(who) -> Person:
    """A Person from a Person, an id or a badge code; raises PersonNotFound."""
    if isinstance(who, Person):
        return who
    if isinstance(who, int):
        found = Person.get_or_none(Person.id == who)
        if found is None:
            raise NotFoundError(N_("Unknown person: %(id)s"), id=who)
        return found
    return Person.by_badge(str(who))


def site_today(now: datetime | None = None) -> date:
    """The site-local date of now."""
    return local_date(now or clock.now(), Site.timezone_name())


def settings() -> PeopleSettings:
    """The area's settings (defaults when never saved)."""
    return PeopleSettings.select().order_by(PeopleSettings.id).first() or PeopleSettings()


def vetting_records(person: Person) -> dict[str, Vetting]:
    """The person's vetting items by code."""
    return {v.item: v for v in Vetting.select().where(Vetting.person == person)}


def gaps(person: Person, *, today: date | None = None, conf: PeopleSettings | None = None) -> list:
    """What keeps this person's badge from activation (empty when vetting is complete)."""
    conf = conf or settings()
    return rules.vetting_gaps(vetting_records(person), org_kind=person.org_kind, required=conf.required,
                              min_hours=conf.min_training_hours, today=today or site_today())


def waiting_for_vetting():
    """People whose badge is pending (not yet vetted and activated) and who have not left."""
    return Person.select().where((Person.badge_status == "pending") & Person.left_on.is_null())


def holdings(person: Person) -> list[Item]:
    """The volumes, media and devices this person holds now (they hand them back before leaving)."""
    held = list(Item.select().where(Item.holder == person).order_by(Item.code))
    try:
        from ..media.models import MediaLoan
    except ImportError:  # pragma: no cover - the media area is part of the app
        return held
    known = {i.id for i in held}
    loans = (Item.select().join(MediaLoan, on=(MediaLoan.item == Item.id))
             .where((MediaLoan.borrower == person) & MediaLoan.returned_at.is_null()).order_by(Item.code))
    return held + [i for i in loans if i.id not in known]


def _by_name(by: User | None) -> str:
    if by is None:
        return "command line"
    return (by.person.name if by.person_id else "") or by.username


def record_change(person: Person, kind: str, *, before: str = "", after: str = "", by: User | None = None,
                  note: str = "", now: datetime) -> PersonnelChange:
    """Append one row to the personnel change register (inside the caller's transaction)."""
    if kind not in CHANGE_KINDS:
        raise ValueError(kind)
    return PersonnelChange.create(person=person, kind=kind, before=before[:2000], after=after[:2000], by=by,
                                  by_name=_by_name(by)[:100], at=now, note=(note or "")[:2000])


# ---------------------------------------------------------------- vetting

def _date(value, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(N_("%(field)s must be a date such as 2026-03-01."), field=label) from None


def _describe(v: Vetting | None) -> str:
    if v is None:
        return ""
    parts = [v.done_on.isoformat(), v.reference]
    if v.hours is not None:
        parts.append(f"{v.hours:g} h")
    if v.expires_on:
        parts.append(f"→ {v.expires_on.isoformat()}")
    return " · ".join(p for p in parts if p)


def record_vetting(person, item: str, *, done_on, reference: str = "", hours=None, expires_on=None,
                   by: User | None = None, now: datetime | None = None) -> Vetting:
    """Record (or correct) one vetting item of a person; one register row with before → after.

    Raises ValidationError (unknown item, bad date, date in the future, no hours for training), PersonNotFound.
    """
    now = now or clock.now()
    if item not in VETTING_ITEMS:
        raise ValidationError(N_("Unknown vetting item: %(item)s"), item=item)
    done = _date(done_on, "date")
    if done is None:
        raise ValidationError(N_("Give the date the item was done or checked."))
    today = site_today(now)
    if done > today:
        raise ValidationError(N_("The date %(date)s lies in the future."), date=done.isoformat())
    expires = _date(expires_on, "expires_on")
    if expires is not None and expires < done:
        raise ValidationError(N_("The expiry date comes before the date it was done."))
    reference = (reference or "").strip()
    if len(reference) > MAX_REFERENCE:
        raise ValidationError(N_("The reference has at most %(n)s characters."), n=MAX_REFERENCE)
    if hours in ("", None):
        hours = None
    else:
        try:
            hours = float(hours)
        except (TypeError, ValueError):
            raise ValidationError(N_("Training hours must be a number.")) from None
        if not 0 < hours <= 10000:
            raise ValidationError(N_("Training hours must be more than 0."))
    if item == "training" and hours is None:
        raise ValidationError(N_("Give the training hours."))
    if item != "training":
        hours = None
    with write_tx():
        person = person_of(person)
        row = Vetting.get_or_none((Vetting.person == person) & (Vetting.item == item))
        before = _describe(row)
        if row is None:
            row = Vetting(person=person, item=item)
        row.done_on, row.reference, row.hours, row.expires_on = done, reference, hours, expires
        row.recorded_by, row.recorded_at = by, now
        row.save()
        record_change(person, "vetting", before=before, after=_describe(row), by=by, note=item, now=now)
        _mirror(person, item, row)
    return row


def _mirror(person: Person, item: str, row: Vetting) -> None:
    # the person row keeps the summary columns older pages and the API read
    fields = {"no_criminal_record": {"background_checked_on": row.done_on},
              "confidentiality": {"agreement_signed_on": row.done_on},
              "training": {"training_hours": row.hours or 0, "trained_on": row.done_on}}.get(item)
    if fields:
        Person.update(**fields).where(Person.id == person.id).execute()


# ---------------------------------------------------------------- the badge's life

def _set_status(person: Person, status: str, kind: str, *, by, reason: str = "", now: datetime,
                extra: dict | None = None) -> Person:
    before = person.badge_status
    fields = {"badge_status": status, "badge_reason": (reason or "")[:200]} | (extra or {})
    Person.update(**fields).where(Person.id == person.id).execute()
    for name, value in fields.items():
        setattr(person, name, value)
    record_change(person, kind, before=before, after=status, by=by, note=reason, now=now)
    return person


def _ensure_not_left(person: Person) -> None:
    if person.left_on is not None:
        raise ConflictError(N_("%(name)s has left: the badge cannot change."), name=person.name)


def activate(person, *, by: User | None = None, valid_from=None, valid_until=None,
             now: datetime | None = None) -> Person:
    """Activate a pending badge once every required vetting item is complete.

    Raises VettingIncompleteError naming each missing item, ConflictError (not pending, or left),
    ValidationError (dates).
    """
    now = now or clock.now()
    start, end = _date(valid_from, "valid_from"), _date(valid_until, "valid_until")
    with write_tx():
        person = person_of(person)
        person = Person.get_by_id(person.id)
        _ensure_not_left(person)
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
        return _set_status(person, "active", "badge_activated", by=by, now=now, extra=extra)


def suspend(person, *, reason: str, by: User | None = None, now: datetime | None = None) -> Person:
    """Suspend an active badge (a reason is required); raises ValidationError, ConflictError."""
    now = now or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(N_("Give the reason for suspending the badge."))
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        _ensure_not_left(person)
        if person.badge_status != "active":
            raise ConflictError(N_("Only an active badge can be suspended."))
        return _set_status(person, "suspended", "badge_suspended", by=by, reason=reason, now=now)


def reinstate(person, *, by: User | None = None, reason: str = "", now: datetime | None = None) -> Person:
    """Reinstate a suspended badge; vetting must still be complete. Raises ConflictError, VettingIncompleteError."""
    now = now or clock.now()
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        _ensure_not_left(person)
        if person.badge_status != "suspended":
            raise ConflictError(N_("Only a suspended badge can be reinstated."))
        today = site_today(now)
        found = gaps(person, today=today)
        if found:
            raise VettingIncompleteError(name=person.name, gaps=found)
        if person.valid_until and person.valid_until < today:
            raise ConflictError(N_("The badge's validity ended on %(date)s: change the validity first."),
                                date=person.valid_until.isoformat())
        return _set_status(person, "active", "badge_reinstated", by=by, reason=reason, now=now)


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
        return _set_status(person, "revoked", "badge_revoked", by=by, reason=reason, now=now)


_CODE_RE = re.compile(r"^B(\d{8})$")


def next_badge_code() -> str:
    """A badge code not used before: B + 8 digits, one above the highest in use."""
    highest = 0
    for (code,) in Person.select(Person.badge_code).where(Person.badge_code.startswith("B")).tuples():
        match = _CODE_RE.match(code)
        if match:
            highest = max(highest, int(match.group(1)))
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
        _ensure_not_left(person)
        if person.badge_status == "revoked":
            raise ConflictError(N_("The badge is revoked: a revoked badge is not replaced."))
        old_code = person.badge_code
        old_tags = [t.tag for t in Tag.select().where(Tag.person == person)]
        Tag.delete().where(Tag.person == person).execute()
        code = next_badge_code()
        Person.update(badge_code=code).where(Person.id == person.id).execute()
        person.badge_code = code
        if new_tag:
            if Tag.get_or_none(Tag.tag == new_tag) is not None:
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
    start, end = _date(valid_from, "valid_from"), _date(valid_until, "valid_until")
    if start and end and end < start:
        raise ValidationError(N_("The badge cannot end before it starts."))
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        before = f"{person.valid_from or ''} – {person.valid_until or ''}"
        Person.update(valid_from=start, valid_until=end).where(Person.id == person.id).execute()
        person.valid_from, person.valid_until = start, end
        record_change(person, "validity", before=before, after=f"{start or ''} – {end or ''}", by=by, now=now)
    return person


def change_post(person, *, position=None, organisation=None, by: User | None = None,
                now: datetime | None = None) -> Person:
    """Change a person's position and/or organisation: one register row per field changed."""
    now = now or clock.now()
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        _ensure_not_left(person)
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
    day = _date(on, "date") or site_today(now)
    with write_tx():
        person = Person.get_by_id(person_of(person).id)
        _ensure_not_left(person)
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


# ---------------------------------------------------------------- settings

def update_settings(changes: dict, *, by: User | None = None, ip: str = "", now: datetime | None = None):
    """Change the area's settings; one admin-log row. Raises ValidationError (nothing written then)."""
    now = now or clock.now()
    clean = {}
    if "required_items" in changes:
        items = changes["required_items"]
        items = [i.strip() for i in (items.split(",") if isinstance(items, str) else items) if i.strip()]
        unknown = [i for i in items if i not in VETTING_ITEMS]
        if unknown:
            raise ValidationError(N_("Unknown vetting item: %(item)s"), item=", ".join(unknown))
        clean["required_items"] = ",".join(i for i in VETTING_ITEMS if i in items)
    for field, low, high in (("min_training_hours", 0, 1000), ("warn_days", 1, 365)):
        if field in changes:
            try:
                value = float(changes[field])
            except (TypeError, ValueError):
                raise ValidationError(N_("%(field)s must be a number."), field=field) from None
            if not low <= value <= high:
                raise ValidationError(N_("%(field)s must lie between %(low)s and %(high)s."), field=field,
                                      low=low, high=high)
            clean[field] = int(value) if field == "warn_days" else value
    if "approver_role" in changes:
        if changes["approver_role"] not in APPROVER_ROLES:
            raise ValidationError(N_("Unknown role: %(role)s"), role=changes["approver_role"])
        clean["approver_role"] = changes["approver_role"]
    with write_tx():
        conf = PeopleSettings.select().order_by(PeopleSettings.id).first() or PeopleSettings()
        before = {k: getattr(conf, k) for k in clean}
        for key, value in clean.items():
            setattr(conf, key, value)
        conf.updated_at = now
        conf.save()
        audit.append_audit("people.settings", user=by, target="people_settings", ip=ip, at=now,
                           detail={"before": before, "after": clean})
    return conf


# ---------------------------------------------------------------- the nightly job

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
            _set_status(fresh, "suspended", "badge_expired", by=None, now=now,
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


def open_alerts_for(person: Person):
    """The person's unresolved alerts."""
    return Alert.select().where((Alert.person == person) & (Alert.status != "resolved"))


# ---------------------------------------------------------------- the register, read

def change_query(*, person: Person | None = None, kind: str = "", q: str = "", since=None, until=None):
    """Register rows, newest first, filtered by person, kind, a name/badge text, and site-local dates
    (since/until inclusive). Raises ValidationError for an unknown kind or a bad date."""
    query = (PersonnelChange.select(PersonnelChange, Person).join(Person)
             .order_by(PersonnelChange.at.desc(), PersonnelChange.id.desc()))
    if person is not None:
        query = query.where(PersonnelChange.person == person)
    if kind:
        if kind not in CHANGE_KINDS:
            raise ValidationError(N_("Unknown change: %(kind)s"), kind=kind)
        query = query.where(PersonnelChange.kind == kind)
    if q:
        query = query.where(Person.name.contains(q) | (Person.badge_code == q.upper())
                            | Person.organisation.contains(q))
    start, end = _date(since, "since"), _date(until, "until")
    if start or end:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(Site.timezone_name())

        def utc(day):
            moment = datetime(day.year, day.month, day.day, tzinfo=zone)
            return moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

        if start:
            query = query.where(PersonnelChange.at >= utc(start))
        if end:
            query = query.where(PersonnelChange.at < utc(end + timedelta(days=1)))
    return query


# ---------------------------------------------------------------- visitors

_ID_TAIL = re.compile(r"^[0-9]{3}[0-9Xx]$")


def register_visitor(*, name: str, id_last4: str, organisation: str = "", reason: str, escort,
                     expected_at: datetime, by: User | None = None, ip: str = "", now: datetime | None = None):
    """Register a visitor with an escort whose badge is active; returns the Visitor with its pass code.

    Raises ValidationError (name, last four of the ID number, reason, escort not active), PersonNotFound.
    """
    from .models import Visitor

    now = now or clock.now()
    name, reason, organisation = (name or "").strip(), (reason or "").strip(), (organisation or "").strip()
    id_last4 = (id_last4 or "").strip().upper()
    if not name or len(name) > 100:
        raise ValidationError(N_("Give the visitor's name (1 to 100 characters)."))
    if not _ID_TAIL.match(id_last4):
        raise ValidationError(N_("Give the last four characters of the ID number (digits, the last may be X)."))
    if not reason or len(reason) > 500:
        raise ValidationError(N_("Give the reason for the visit."))
    if len(organisation) > 200:
        raise ValidationError(N_("%(field)s is too long."), field="organisation")
    if not isinstance(expected_at, datetime):
        raise ValidationError(N_("Give a date and time."))
    with write_tx():
        escort = person_of(escort)
        if escort.badge_status != "active" or escort.left_on is not None:
            raise ValidationError(N_("The escort %(name)s has no active badge."), name=escort.name)
        highest = 0
        for (code,) in Visitor.select(Visitor.pass_code).tuples():
            if code[1:].isdigit():
                highest = max(highest, int(code[1:]))
        visitor = Visitor.create(name=name, id_last4=id_last4, organisation=organisation, reason=reason,
                                 escort=escort, expected_at=expected_at, pass_code=f"G{highest + 1:08d}",
                                 registered_by=by, registered_at=now)
        audit.append_audit("visitor.register", user=by, target=f"visitor:{visitor.pass_code}", ip=ip, at=now,
                           detail={"name": name, "escort": escort.badge_code, "expected_at": expected_at.isoformat()})
    return visitor


def end_visit(visitor, *, by: User | None = None, ip: str = "", now: datetime | None = None):
    """End a visit: the pass stops opening doors. Raises ConflictError if already ended."""
    from .models import Visitor

    now = now or clock.now()
    with write_tx():
        visitor = Visitor.get_by_id(visitor.id)
        if visitor.ended_at is not None:
            raise ConflictError(N_("This visit has already ended."))
        Visitor.update(ended_at=now).where(Visitor.id == visitor.id).execute()
        audit.append_audit("visitor.end", user=by, target=f"visitor:{visitor.pass_code}", ip=ip, at=now)
    visitor.ended_at = now
    return visitor


def visitor_pass_decision(visitor, *, reader_id: int, moment: datetime, pending_passes=()) -> tuple[bool, str]:
    """The door rule for a visitor's pass read at a reader at a moment (what the door ingest calls):
    allowed only on the expected day, before the visit ended, within rules.ESCORT_WINDOW_SECONDS after the
    escort's badge was allowed at the same reader (in the database or earlier in the same batch)."""
    from ..models import AccessEvent

    since = moment - timedelta(seconds=rules.ESCORT_WINDOW_SECONDS)
    escorted = any(p["person"] == visitor.escort_id and p["allowed"] and p["reader"] == reader_id
                   and since <= p["at"] <= moment for p in pending_passes) or AccessEvent.select().where(
        (AccessEvent.reader == reader_id) & (AccessEvent.person == visitor.escort_id)
        & (AccessEvent.allowed == True) & AccessEvent.at.between(since, moment)).exists()  # noqa: E712
    return rules.visitor_decision(ended=visitor.ended_at is not None and visitor.ended_at <= moment,
                                  expected_day=site_today(visitor.expected_at), today=site_today(moment),
                                  escorted=escorted)
