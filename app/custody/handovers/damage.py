"""The damage register (6.1, 6.3): damage found on any scan or handover, its notes, and its close as repaired
or accepted as is."""
from datetime import datetime

from peewee import JOIN

from app.db import write_tx

from .. import clock, lookup, services
from ..errors import N_, ConflictError, NotFoundError, ValidationError
from ..models import Item, Person
from .codes import DAMAGE_SOURCES, DAMAGE_STATUSES
from .models import DamageNote, DamageRecord, Handover
from .numbers import get_handover, user_id


def register_damage(code, *, actor: Person | None, user=None, description: str, pages: str = "",
                    source: str = "item", handover=None, photo: str = "", via: str = "web",
                    now: datetime | None = None) -> DamageRecord:
    """Register damage on a volume (what, which pages, optional photo): a damage event, alert and register row.

    Raises ItemNotFound, ValidationError (no description, unknown source).
    """
    now = now or clock.now()
    description = (description or "").strip()
    if not description:
        raise ValidationError(N_("Describe the damage."))
    if source not in DAMAGE_SOURCES:
        raise ValidationError(N_("Unknown source: %(source)s"), source=source)
    with write_tx():
        item = lookup.item(code)
        event = services.record_damage(item.code, actor=actor, description=description, user=user_id(user),
                                       via=via, now=now)
        return DamageRecord.create(item=item.id, event=event.id, found_by=actor.id if actor else None,
                                   found_user=user_id(user), found_at=now, source=source,
                                   handover=get_handover(handover).id if handover else None,
                                   description=description, pages=(pages or "").strip()[:200], photo=photo)


def _damage(record_id) -> DamageRecord:
    record = DamageRecord.get_or_none(DamageRecord.id == record_id)
    if record is None:
        raise NotFoundError(N_("Unknown damage record: %(id)s"), id=record_id)
    return record


def add_damage_note(record_id, *, user, text: str, now: datetime | None = None) -> DamageNote:
    """Add a note to a damage record's history; raises ValidationError (empty), NotFoundError."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(N_("Write the note."))
    with write_tx():
        record = _damage(record_id)
        return DamageNote.create(record=record.id, at=now or clock.now(), user=user_id(user), text=text)


def record_repair(record_id, *, user, repaired_by: str, how: str, at: datetime | None = None,
                  now: datetime | None = None) -> DamageRecord:
    """Record the repair of a damage (who, when, how): the record is closed as repaired.

    Raises ValidationError (who or how missing), ConflictError (already closed), NotFoundError.
    """
    now = now or clock.now()
    repaired_by, how = (repaired_by or "").strip(), (how or "").strip()
    if not repaired_by or not how:
        raise ValidationError(N_("Say who repaired it and how."))
    with write_tx():
        record = _damage(record_id)
        if record.status != "open":
            raise ConflictError(N_("This damage record is already closed."))
        record.status, record.repaired_at, record.repaired_by = "repaired", at or now, repaired_by[:100]
        record.repair_how, record.closed_user = how, user_id(user)
        record.save()
        DamageNote.create(record=record.id, at=now, user=user_id(user), text=f"{repaired_by}: {how}")
    return record


def accept_damage(record_id, *, user, note: str, now: datetime | None = None) -> DamageRecord:
    """Close a damage record as accepted as is (not repaired), with a note.

    Raises ValidationError (no note), ConflictError (already closed), NotFoundError.
    """
    now = now or clock.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError(N_("Write the note."))
    with write_tx():
        record = _damage(record_id)
        if record.status != "open":
            raise ConflictError(N_("This damage record is already closed."))
        record.status, record.closed_user = "accepted", user_id(user)
        record.save()
        DamageNote.create(record=record.id, at=now, user=user_id(user), text=note)
    return record


def damage_records(*, status: str = "", q: str = ""):
    """The damage register, newest first, each row with its volume (and handover): one status of
    DAMAGE_STATUSES (another is ignored), a volume's code or part of its archive number."""
    query = (DamageRecord.select(DamageRecord, Item).join(Item)
             .switch(DamageRecord).join(Handover, JOIN.LEFT_OUTER).order_by(DamageRecord.id.desc()))
    if status in DAMAGE_STATUSES:
        query = query.where(DamageRecord.status == status)
    text = (q or "").strip()
    if text:
        query = query.where((Item.code == text.upper()) | Item.archive_no.contains(text))
    return query
