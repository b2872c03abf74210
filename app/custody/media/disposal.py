"""The end of media and internal disks (7.3): handed over on one list, wiped or destroyed; equipment
checked for residual information (7.4); and the reconciliation of every entry with its end."""
from datetime import datetime

from peewee import fn

from app.db import write_tx

from ..errors import N_, ValidationError
from ..models import Item
from ..services import _record
from . import codes
from .entries import ensure_in_hand, event_data, locked_record, now_or, person_of, record_of, text, user_id
from .models import MediaDisposal, MediaRecord


def _handover_number(now: datetime) -> str:
    prefix = f"MH{now:%Y%m%d}-"
    taken = (MediaDisposal.select(fn.COUNT(fn.DISTINCT(MediaDisposal.handover_no)))
             .where(MediaDisposal.handover_no.startswith(prefix)).scalar()) or 0
    return f"{prefix}{taken + 1:03d}"


def dispose(items, *, kind: str, done_by, method: str = "", verification: str = "", witness=None,
            certificate_no: str = "", receiver=None, note: str = "", done_at: datetime | None = None,
            user=None, now: datetime | None = None) -> list[MediaDisposal]:
    """Record the end of media or internal disks: handed over (one list for all), wiped or destroyed.

    Raises ValidationError (a detail the kind needs is missing, or equipment named), NotRegisteredError,
    EndedError, OnLoanError, ConflictError (under repair).
    """
    now = now_or(now)
    if kind not in codes.END_KINDS:
        raise ValidationError(N_("Unknown end: %(value)s."), value=kind)
    items = [items] if isinstance(items, (str, Item)) else list(items)
    if not items:
        raise ValidationError(N_("Name at least one medium."))
    done_by = person_of(done_by, missing=N_("Name who did it (badge code)."))
    witness, receiver = person_of(witness), person_of(receiver)
    method, verification = text(method, 200), text(verification, 200)
    certificate_no = text(certificate_no, 100)
    if kind == "handed_over" and (receiver is None or receiver.org_kind != "archive"):
        raise ValidationError(N_("Name the receiver of the archive department."))
    if kind == "wiped" and not (method and verification):
        raise ValidationError(N_("Give the wiping method and how it was verified."))
    if kind == "destroyed" and not (method and witness is not None and certificate_no):
        raise ValidationError(N_("Give the destruction method, the witness and the certificate number."))
    rows = []
    with write_tx():
        handover_no = _handover_number(now) if kind == "handed_over" else ""
        for one in items:
            record = locked_record(one)
            item = record.item
            if item.kind != "media":
                raise ValidationError(N_("%(code)s is equipment: check it for residual information instead."),
                                      code=item.code)
            ensure_in_hand(record)
            row = MediaDisposal.create(item=item, kind=kind, method=method, verification=verification,
                                       witness=witness, certificate_no=certificate_no, receiver=receiver,
                                       handover_no=handover_no, done_by=done_by, done_at=done_at or now,
                                       recorded_by=user_id(user), note=text(note))
            _record(item, "dispose", dst=item.location, holder=None, state="retired", actor=done_by, user=user,
                    via="web", reader=None, now=now, note=text(note),
                    data=event_data(end=kind, method=method, verification=verification,
                                     witness=witness.name if witness else None, certificate=certificate_no,
                                     receiver=receiver.name if receiver else None, handover=handover_no))
            MediaRecord.update(status="ended").where(MediaRecord.id == record.id).execute()
            rows.append(row)
    return rows


def check_residual(device, *, result: str, done_by, note: str = "", user=None,
                   now: datetime | None = None) -> MediaDisposal:
    """Record the check of a piece of equipment for residual information (7.4); raises ValidationError."""
    now = now_or(now)
    if result not in codes.RESIDUAL_RESULTS:
        raise ValidationError(N_("Unknown result: %(value)s."), value=result)
    done_by = person_of(done_by, missing=N_("Name who did it (badge code)."))
    with write_tx():
        record = record_of(device)
        item = record.item
        if item.kind != "device":
            raise ValidationError(N_("Only equipment is checked for residual information."))
        row = MediaDisposal.create(item=item, kind="residual_check", result=result, done_by=done_by, done_at=now,
                                   recorded_by=user_id(user), note=text(note))
        _record(item, "residual_check", dst=item.location, holder=item.holder, state=item.state, actor=done_by,
                user=user, via="web", reader=None, now=now, note=text(note), data=event_data(result=result))
    return row



def end_state(record: MediaRecord, ends: dict[int, MediaDisposal]) -> str:
    """The end kind of a medium, "checked" for checked equipment, or "" when it has none yet."""
    row = ends.get(record.item_id)
    if row is None:
        return ""
    return row.kind if row.kind != "residual_check" else "checked"


def reconciliation() -> tuple[list[tuple[MediaRecord, MediaDisposal | None]], int]:
    """Every register entry ever made with its end (or residual check for equipment); and how many are open."""
    ends: dict[int, MediaDisposal] = {}
    for row in MediaDisposal.select().order_by(MediaDisposal.id):
        ends[row.item_id] = row
    rows, open_ = [], 0
    for record in (MediaRecord.select(MediaRecord, Item).join(Item, on=(MediaRecord.item == Item.id))
                   .order_by(Item.kind.desc(), Item.code)):
        end = ends.get(record.item_id)
        rows.append((record, end))
        open_ += end is None
    return rows, open_
