"""The personnel change register (one row per change, inside the change's transaction) and the look-ups
every people service starts from: a person by badge or id, the site's today, what a person holds."""
from datetime import date, datetime, timedelta

from .. import clock
from ..errors import N_, NotFoundError, ValidationError
from ..models import Alert, Item, Person, Site, User
from ..rules import local_date
from .codes import CHANGE_KINDS
from .models import PersonnelChange


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

def parse_date(value, label: str) -> date | None:
    """A date from a date, a datetime or YYYY-MM-DD text (None for blank); raises ValidationError naming `label`."""
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

def open_alerts_for(person: Person):
    """The person's unresolved alerts."""
    return Alert.select().where((Alert.person == person) & (Alert.status != "resolved"))



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
    start, end = parse_date(since, "since"), parse_date(until, "until")
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
