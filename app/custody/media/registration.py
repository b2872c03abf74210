"""Registering a medium or a piece of equipment in the media register (5.7): its item and entry."""
from datetime import date, datetime

from app.db import write_tx

from .. import rules
from ..codes import format_code
from ..errors import N_, ConflictError, ValidationError
from ..models import CODE_PREFIX, Item, Person, highest_number
from ..services import _record
from . import codes
from .entries import event_data, item_of, location_of, now_or, person_of, text, user_id
from .models import MediaRecord


def _next_code(kind: str) -> str:
    prefix = CODE_PREFIX[kind]
    return format_code(prefix, highest_number(Item.code, prefix) + 1)


def register(*, category: str, serial_no: str, make: str = "", capacity: str = "", owner_org: str = "archive",
             keeper=None, cabinet=None, device=None, checked_on: date | None = None, checked_by=None,
             code: str = "", note: str = "", actor: Person | None = None, user=None,
             now: datetime | None = None) -> MediaRecord:
    """Register one medium or piece of equipment (an internal disk names its device); returns the entry.

    An existing media/device item named by `code` is registered as it is; otherwise an item is created
    with the next code. Raises ValidationError, ConflictError (serial or item already registered),
    ItemNotFound, PersonNotFound, LocationNotFound.
    """
    now = now_or(now)
    if category not in codes.CATEGORIES:
        raise ValidationError(N_("Unknown category: %(value)s."), value=category)
    if owner_org not in codes.OWNER_ORGS:
        raise ValidationError(N_("The owner is the archive department or the service organisation."))
    serial_no = text(serial_no, 100)
    if not serial_no:
        raise ValidationError(N_("Give the serial number."))
    kind = "media" if category in codes.MEDIA_CATEGORIES else "device"
    keeper, checked_by = person_of(keeper), person_of(checked_by)
    cabinet = location_of(cabinet)
    device_item = item_of(device) if device not in (None, "") else None
    if device_item is not None and (category != "internal_disk" or device_item.kind != "device"):
        raise ValidationError(N_("Only an internal hard disk is registered inside a piece of equipment."))
    with write_tx():
        clash = (MediaRecord.select(Item.code).join(Item, on=(MediaRecord.item == Item.id))
                 .where((Item.serial_no == serial_no) & (MediaRecord.category == category)).first())
        if clash is not None:
            raise ConflictError(N_("A %(category)s with serial %(serial)s is already registered as %(code)s."),
                                category=codes.CATEGORIES[category], serial=serial_no, code=clash.item.code)
        if code.strip():
            item = Item.by_code(code)
            if item.kind != kind:
                raise ValidationError(N_("%(code)s is not a medium or a device of that kind."), code=item.code)
            if MediaRecord.get_or_none(MediaRecord.item == item.id) is not None:
                raise ConflictError(N_("%(code)s is already in the media register."), code=item.code)
            Item.update(media_type=codes.CATEGORIES.msgid(category), capacity=text(capacity, 50), serial_no=serial_no,
                        custodian=keeper).where(Item.id == item.id).execute()
        else:
            item = Item.create(code=_next_code(kind), kind=kind, title=text(make, 200) or category,
                               media_type=codes.CATEGORIES.msgid(category), capacity=text(capacity, 50), serial_no=serial_no,
                               custodian=keeper, state=rules.state_at(cabinet) if cabinet else "in_storage",
                               location=cabinet, state_since=now, created_at=now)
        record = MediaRecord.create(item=item, category=category, make=text(make, 200), owner_org=owner_org,
                                    keeper=keeper, cabinet=cabinet, device=device_item, checked_on=checked_on,
                                    checked_by=checked_by, registered_at=now, registered_by=user_id(user),
                                    note=text(note))
        state = rules.state_at(cabinet) if cabinet is not None else item.state
        _record(item, "media_register", dst=cabinet if cabinet is not None else item.location,
                holder=None if state == "in_storage" else item.holder, state=state, actor=actor, user=user,
                via="web", reader=None, now=now,
                data=event_data(category=category, serial=serial_no, owner=owner_org,
                                 device=device_item.code if device_item else None))
    record.item = item
    return record
