"""Finding the register's entries, and the checks every state change of an entry makes first.

Shared by the area's modules (registration, loans, counts, seals, repairs, disposal); record_of is public.
"""
from datetime import datetime

from .. import audit, clock, statements
from ..codes import normalize_scan
from ..errors import N_, ConflictError, ItemNotFound, NotFoundError, ValidationError
from ..models import Item, Location, Person, User
from . import codes
from .errors import EndedError, NotRegisteredError, OnLoanError
from .models import MediaDisposal, MediaLoan, MediaRecord


def now_or(now: datetime | None) -> datetime:
    return now or clock.now()


def text(value, limit: int | None = None) -> str:
    """The value stripped (and cut to `limit` characters); "" for None."""
    value = (value or "").strip()
    return value[:limit] if limit else value


def user_id(user):
    return user.id if isinstance(user, User) else user


def audit_user(user) -> User | None:
    return user if isinstance(user, User) else None


def event_data(**values) -> str:
    """A custody event's data: the given values that are set, as canonical JSON."""
    return audit.canonical_json({k: v for k, v in values.items() if v not in (None, "")})


def item_of(item_or_code) -> Item:
    """The Item for an Item or a scanned code; raises ItemNotFound."""
    return item_or_code if isinstance(item_or_code, Item) else Item.by_code(item_or_code)


def person_of(person_or_badge, *, missing: str | None = None) -> Person | None:
    """The Person for a Person or a badge code; blank gives None, or ValidationError(missing) when given.

    Raises PersonNotFound for an unknown badge.
    """
    if isinstance(person_or_badge, Person):
        return person_or_badge
    if not (person_or_badge or "").strip():
        if missing:
            raise ValidationError(missing)
        return None
    return Person.by_badge(person_or_badge)


def location_of(location_or_code) -> Location | None:
    """The Location for a Location or a code (None for blank); raises LocationNotFound."""
    if location_or_code is None or isinstance(location_or_code, Location):
        return location_or_code
    if not location_or_code.strip():
        return None
    return Location.by_code(location_or_code)


def row_of(model, row_or_id, unknown: str):
    """The row itself when handed one, else the `model` row with this id; raises NotFoundError(unknown)."""
    if isinstance(row_or_id, model):
        return row_or_id
    row = model.get_or_none(model.id == int(row_or_id))
    if row is None:
        raise NotFoundError(unknown, id=row_or_id)
    return row


def record_of(item_or_code) -> MediaRecord:
    """The register entry of a medium or piece of equipment; raises ItemNotFound, NotRegisteredError."""
    item = item_of(item_or_code)
    record = MediaRecord.get_or_none(MediaRecord.item == item.id)
    if record is None:
        raise NotRegisteredError(code=item.code)
    record.item = item
    return record


def locked_record(item_or_code) -> MediaRecord:
    """record_of, with the item's row locked on PostgreSQL (the core's lock order: item first), so two
    racing writers (two loans of one medium) see each other; raises ItemNotFound, NotRegisteredError."""
    code = item_or_code.code if isinstance(item_or_code, Item) else normalize_scan(item_or_code)
    item = statements.item_by_code(code)
    if item is None:
        raise ItemNotFound(code=code)
    return record_of(item)


def open_loan(item: Item) -> MediaLoan | None:
    """The item's loan not yet returned, if any."""
    return (MediaLoan.select().where((MediaLoan.item == item.id) & MediaLoan.returned_at.is_null())
            .order_by(MediaLoan.id.desc()).first())


def ensure_not_ended(record: MediaRecord) -> None:
    """Raises EndedError when the entry has reached its end (handed over, wiped, destroyed)."""
    if record.status == "ended":
        last = (MediaDisposal.select().where((MediaDisposal.item == record.item_id)
                                             & MediaDisposal.kind.in_(codes.END_KINDS.values_tuple))
                .order_by(MediaDisposal.id.desc()).first())
        raise EndedError(code=record.item.code, end=codes.END_KINDS.msgid(last.kind) if last else "")


def ensure_in_hand(record: MediaRecord) -> None:
    """The entry is here to lend, repair or end: not ended, not on loan, not under repair.

    Raises EndedError, OnLoanError, ConflictError.
    """
    ensure_not_ended(record)
    if (loan := open_loan(record.item)) is not None:
        raise OnLoanError(code=record.item.code, holder=loan.borrower.name)
    if record.status == "under_repair":
        raise ConflictError(N_("%(code)s is under repair."), code=record.item.code)
