"""The quarantine register (6.5): a volume found with a secrecy mark is stopped at once and registered;
the security officer lifts it, or it goes back to the archive on a handover list."""
from datetime import datetime

from app.db import write_tx

from .. import clock, lookup, services
from ..models import Item, Location, Person
from .codes import QUARANTINE_STATUSES
from .models import QuarantineRecord
from .numbers import user_id

SECRECY_MARK = "secrecy mark found"



def raise_secrecy_mark(code, *, actor: Person | None, user=None, pages: str = "", note: str = "",
                       location=None, via: str = "web", now: datetime | None = None) -> QuarantineRecord:
    """Secrecy mark found: quarantine the volume at once (critical alert) and register it.

    Anyone handling the volume may raise it. Raises ItemNotFound, ConflictError (already quarantined).
    """
    now = now or clock.now()
    pages, note = (pages or "").strip()[:200], (note or "").strip()
    with write_tx():
        item = lookup.item(code)
        if location is not None and not isinstance(location, Location):
            location = Location.by_code(location)
        reason = SECRECY_MARK + (f" (pages {pages})" if pages else "") + (f": {note}" if note else "")
        event = services.quarantine(item.code, actor=actor, reason=reason, user=user_id(user), via=via, now=now)
        where = location.id if location is not None else item.location_id
        return QuarantineRecord.create(item=item.id, event=event.id, found_by=actor.id if actor else None,
                                       found_user=user_id(user), found_at=now, location=where, pages=pages,
                                       note=note)


def release_quarantine(code, *, actor: Person | None, user, reason: str, via: str = "web",
                       now: datetime | None = None) -> QuarantineRecord | None:
    """The security officer lifts a quarantine with a reason; the register entry is closed.

    Raises ItemNotFound, ValidationError (no reason), ConflictError (not quarantined).
    """
    now = now or clock.now()
    with write_tx():
        item = lookup.item(code)
        services.release(item.code, actor=actor, reason=reason, user=user_id(user), via=via, now=now)
        (QuarantineRecord.update(status="released", closed_at=now, closed_by=user_id(user),
                                 closing_note=reason.strip())
         .where((QuarantineRecord.item == item.id) & (QuarantineRecord.status == "open")).execute())
        return (QuarantineRecord.select().where(QuarantineRecord.item == item.id)
                .order_by(QuarantineRecord.id.desc()).first())


def quarantine_records(*, status: str = ""):
    """The quarantine register, newest first, each row with its volume; one status of QUARANTINE_STATUSES
    (another is ignored)."""
    query = QuarantineRecord.select(QuarantineRecord, Item).join(Item).order_by(QuarantineRecord.id.desc())
    if status in QUARANTINE_STATUSES:
        query = query.where(QuarantineRecord.status == status)
    return query
