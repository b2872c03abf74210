"""Sending equipment or a medium out for repair (5.10) and taking it back once checked."""
from datetime import datetime

from app.db import write_tx

from .. import rules
from ..errors import N_, ConflictError, ValidationError
from ..models import Item, Person
from ..services import _ensure_badge_active, _record
from .entries import ensure_in_hand, event_data, locked_record, now_or, person_of, record_of, row_of, text
from .errors import RepairNotApprovedError
from .models import MediaRecord, MediaRepair


def send_for_repair(item, *, approval_ref: str, approved_by, supervisor, repairer: str = "", fault: str = "",
                    actor: Person | None = None, user=None, now: datetime | None = None) -> MediaRepair:
    """Send equipment or a medium out for repair (5.10); it is "under repair" until back and checked.

    Raises RepairNotApprovedError (no written approval, approver or supervisor of the archive department),
    NotRegisteredError, OnLoanError, EndedError, ConflictError.
    """
    now = now_or(now)
    approval_ref = text(approval_ref, 200)
    approved_by = person_of(approved_by) if (approved_by or "") != "" else None
    supervisor = person_of(supervisor) if (supervisor or "") != "" else None
    if (not approval_ref or approved_by is None or supervisor is None
            or approved_by.org_kind != "archive" or supervisor.org_kind != "archive"):
        raise RepairNotApprovedError()
    with write_tx():
        record = locked_record(item)
        item = record.item
        ensure_in_hand(record)
        _ensure_badge_active(supervisor, now)
        repair = MediaRepair.create(item=item, approval_ref=approval_ref, approved_by=approved_by,
                                    supervisor=supervisor, repairer=text(repairer, 200), fault=text(fault),
                                    sent_at=now, sent_by=actor)
        _record(item, "repair_out", dst=None, holder=supervisor, state="out", actor=actor, user=user, via="web",
                reader=None, now=now, note=text(fault),
                data=event_data(repair=repair.id, approval=approval_ref, supervisor=supervisor.name))
        MediaRecord.update(status="under_repair").where(MediaRecord.id == record.id).execute()
    return repair


def repair_back(repair_id, *, check_note: str, actor: Person | None = None, user=None,
                now: datetime | None = None) -> MediaRepair:
    """The item is back from repair and checked; it returns to its cabinet. Raises NotFoundError, ConflictError."""
    now = now_or(now)
    check_note = text(check_note)
    if not check_note:
        raise ValidationError(N_("Say how the item was checked on its return."))
    with write_tx():
        repair = row_of(MediaRepair, repair_id, N_("Unknown repair: %(id)s"))
        if repair.status != "out":
            raise ConflictError(N_("This repair is already closed."))
        record = record_of(Item.get_by_id(repair.item_id))
        repair.status, repair.back_at, repair.checked_by, repair.check_note = "back", now, actor, check_note
        repair.save()
        cabinet = record.cabinet
        state = rules.state_at(cabinet) if cabinet is not None else "in_storage"
        _record(record.item, "repair_back", dst=cabinet, holder=None if state == "in_storage" else actor,
                state=state, actor=actor, user=user, via="web", reader=None, now=now, note=check_note,
                data=event_data(repair=repair.id))
        MediaRecord.update(status="registered").where(MediaRecord.id == record.id).execute()
    return repair
