"""Vetting (4.7): the items each person completes before their badge may be activated."""
from datetime import date, datetime

from app.db import write_tx

from .. import clock
from ..errors import N_, ValidationError
from ..models import Person, User
from . import rules
from .changes import parse_date, person_of, record_change, site_today
from .codes import VETTING_ITEMS
from .models import PeopleSettings, Vetting
from .policy import settings

MAX_REFERENCE = 200

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


def roster(status: str | None = None) -> list[tuple[Person, list[str]]]:
    """People by badge code, each with the vetting items they still miss: everyone, those with one badge
    status, or ("waiting") those waiting for vetting."""
    if status == "waiting":
        query = waiting_for_vetting()
    else:
        query = Person.select()
        if status:
            query = query.where(Person.badge_status == status)
    conf, today = settings(), site_today()
    return [(who, [g.item for g in gaps(who, today=today, conf=conf)]) for who in query.order_by(Person.badge_code)]

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
    done = parse_date(done_on, "date")
    if done is None:
        raise ValidationError(N_("Give the date the item was done or checked."))
    today = site_today(now)
    if done > today:
        raise ValidationError(N_("The date %(date)s lies in the future."), date=done.isoformat())
    expires = parse_date(expires_on, "expires_on")
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
