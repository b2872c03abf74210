"""Seals (封条) on equipment ports, their checks, and port unsealing for a transfer or backup: requested,
approved by the archive department, opened under supervision, closed with a new seal."""
from datetime import datetime

from app.db import write_tx

from .. import alerts, audit
from ..errors import N_, ConflictError, NotAllowedError, NotFoundError, ValidationError
from ..models import Alert, Item, Person
from ..services import _ensure_badge_active, _record
from .entries import audit_user, ensure_not_ended, event_data, now_or, person_of, record_of, row_of, text
from .models import MediaSeal, MediaUnsealing


def register_seal(device, *, port: str, number: str, actor: Person | None = None, user=None,
                  now: datetime | None = None) -> MediaSeal:
    """Register the seal (封条) on a port of a device; the port's previous seal counts as removed."""
    now = now_or(now)
    port, number = text(port, 100), text(number, 100)
    if not port or not number:
        raise ValidationError(N_("Give the port and the seal number."))
    with write_tx():
        record = record_of(device)
        if record.item.kind != "device":
            raise ValidationError(N_("Seals are put on the ports of equipment."))
        ensure_not_ended(record)
        (MediaSeal.update(removed_at=now).where((MediaSeal.device == record.item_id) & (MediaSeal.port == port)
                                                & MediaSeal.removed_at.is_null()).execute())
        seal = MediaSeal.create(device=record.item, port=port, number=number, sealed_at=now, sealed_by=actor)
        item = record.item
        _record(item, "seal", dst=item.location, holder=item.holder, state=item.state, actor=actor, user=user,
                via="web", reader=None, now=now, data=event_data(port=port, seal=number))
    return seal


def check_seal(seal_id: int, *, intact: bool, note: str = "", actor: Person | None = None, user=None,
               now: datetime | None = None) -> MediaSeal:
    """Record an inspection of a seal; a broken seal opens a critical alert. Raises NotFoundError."""
    now = now_or(now)
    with write_tx():
        seal = MediaSeal.get_or_none(MediaSeal.id == seal_id)
        if seal is None:
            raise NotFoundError(N_("Unknown seal: %(id)s"), id=seal_id)
        seal.checked_at, seal.checked_by, seal.check_note = now, actor, text(note) or ("intact" if intact else "")
        seal.save()
        audit.append_audit("media.seal.check", user=audit_user(user),
                           target=f"media_seal:{seal.id}", detail={"intact": intact, "note": seal.check_note},
                           at=now)
        if not intact:
            alerts.open_alert("seal_broken", severity="critical", item=seal.device, person=actor,
                              message=seal.check_note, dedupe_key=f"seal_broken:{seal.id}", now=now,
                              data=audit.canonical_json({"code": seal.device.code, "port": seal.port,
                                                         "seal": seal.number}))
    return seal


def unsealing_of(unsealing_or_id) -> MediaUnsealing:
    """The unsealing for a MediaUnsealing or an id; raises NotFoundError."""
    return row_of(MediaUnsealing, unsealing_or_id, N_("Unknown unsealing: %(id)s"))


def request_unsealing(device, *, port: str, reason: str, planned_start: datetime, planned_end: datetime,
                      medium=None, requested_by: Person | None = None, user=None,
                      now: datetime | None = None) -> MediaUnsealing:
    """Ask to unseal a device's port for a transfer or backup, naming the medium and the time span.

    Raises NotRegisteredError, ValidationError, EndedError.
    """
    now = now_or(now)
    port, reason = text(port, 100), text(reason)
    if not port or not reason:
        raise ValidationError(N_("Give the port and the reason."))
    if planned_start is None or planned_end is None or planned_end <= planned_start:
        raise ValidationError(N_("The approved time span must end after it starts."))
    with write_tx():
        record = record_of(device)
        if record.item.kind != "device":
            raise ValidationError(N_("Seals are put on the ports of equipment."))
        ensure_not_ended(record)
        medium_item = record_of(medium).item if medium not in (None, "") else None
        row = MediaUnsealing.create(device=record.item, port=port, reason=reason, medium=medium_item,
                                    planned_start=planned_start, planned_end=planned_end,
                                    requested_by=requested_by, requested_at=now)
        audit.append_audit("media.unsealing.request", user=audit_user(user),
                           target=f"media_unsealing:{row.id}",
                           detail={"device": record.item.code, "port": port}, at=now)
    return row


def approve_unsealing(unsealing, *, approver: Person, user=None, now: datetime | None = None) -> MediaUnsealing:
    """An approver of the archive department approves; raises NotAllowedError, ConflictError."""
    now = now_or(now)
    with write_tx():
        row = unsealing_of(unsealing)
        if row.status != "requested":
            raise ConflictError(N_("This unsealing is not waiting for approval."))
        if approver is None or approver.org_kind != "archive":
            raise NotAllowedError(N_("An unsealing is approved by a person of the archive department."))
        row.status, row.approved_by, row.approved_at = "approved", approver, now
        row.save()
        audit.append_audit("media.unsealing.approve", user=audit_user(user),
                           target=f"media_unsealing:{row.id}", detail={"approver": approver.name}, at=now)
    return row


def start_unsealing(unsealing, *, supervisor, actor: Person | None = None, user=None,
                    now: datetime | None = None) -> MediaUnsealing:
    """Open the port under a named supervising person; the port's seal is recorded as removed.

    Raises ConflictError (not approved), ValidationError, BadgeNotActiveError.
    """
    now = now_or(now)
    supervisor = person_of(supervisor, missing=N_("Name the supervising person (badge code)."))
    with write_tx():
        row = unsealing_of(unsealing)
        if row.status != "approved":
            raise ConflictError(N_("Only an approved unsealing can start."))
        _ensure_badge_active(supervisor, now)
        seal = (MediaSeal.select().where((MediaSeal.device == row.device_id) & (MediaSeal.port == row.port)
                                         & MediaSeal.removed_at.is_null()).first())
        if seal is not None:
            seal.removed_at = now
            seal.save()
        row.status, row.supervisor, row.started_at = "open", supervisor, now
        row.old_seal = seal.number if seal else ""
        row.save()
        item = Item.get_by_id(row.device_id)
        _record(item, "port_unseal", dst=item.location, holder=item.holder, state=item.state, actor=actor,
                user=user, via="web", reader=None, now=now, note=row.reason,
                data=event_data(unsealing=row.id, port=row.port, supervisor=supervisor.name,
                                 old_seal=row.old_seal))
    return row


def end_unsealing(unsealing, *, new_seal: str, actor: Person | None = None, note: str = "", user=None,
                  now: datetime | None = None) -> MediaUnsealing:
    """Close the port again with a new seal (registered on the device); raises ConflictError, ValidationError."""
    now = now_or(now)
    new_seal = text(new_seal, 100)
    if not new_seal:
        raise ValidationError(N_("Give the number of the new seal."))
    with write_tx():
        row = unsealing_of(unsealing)
        if row.status != "open":
            raise ConflictError(N_("Only an open port can be re-sealed."))
        MediaSeal.create(device=row.device_id, port=row.port, number=new_seal, sealed_at=now, sealed_by=actor)
        row.status, row.new_seal, row.ended_at, row.ended_by = "closed", new_seal, now, actor
        row.note = text(note)
        row.save()
        item = Item.get_by_id(row.device_id)
        _record(item, "port_reseal", dst=item.location, holder=item.holder, state=item.state, actor=actor,
                user=user, via="web", reader=None, now=now,
                data=event_data(unsealing=row.id, port=row.port, seal=new_seal))
        (Alert.update(status="resolved", resolved_at=now, resolution="re-sealed", is_auto_resolved=True)
         .where((Alert.dedupe_key == f"unsealing_overdue:{row.id}") & (Alert.status != "resolved")).execute())
    return row
