"""Alerts: open (idempotent per dedupe key), acknowledge, resolve."""
from datetime import datetime

from peewee import Case

from app.db import write_tx

from . import audit, clock
from .codes import ALERT_KINDS, ALERT_SEVERITIES
from .errors import N_, ConflictError, NotFoundError
from .models import Alert


def open_alert(kind: str, *, severity: str = "warning", item=None, person=None, location=None, reader=None,
               night=None, dedupe_key: str | None = None, message: str = "", data: str = "{}",
               now: datetime | None = None) -> Alert:
    """Open an alert; with a dedupe_key an existing alert of that key is returned instead.

    Raises ValueError for a kind or severity not declared in app/custody/codes.py (a programming error)."""
    ALERT_KINDS.check(kind)
    ALERT_SEVERITIES.check(severity)
    now = now or clock.now()
    with write_tx():
        if dedupe_key is not None:
            existing = Alert.get_or_none(Alert.dedupe_key == dedupe_key)
            if existing is not None:
                return existing
        return Alert.create(kind=kind, severity=severity, item=item, person=person, location=location,
                            reader=reader, night=night, dedupe_key=dedupe_key, message=message, data=data,
                            opened_at=now)


def _get(alert_id: int) -> Alert:
    alert = Alert.get_or_none(Alert.id == alert_id)
    if alert is None:
        raise NotFoundError(N_("Unknown alert: %(id)s"), id=alert_id)
    return alert


def acknowledge(alert_id: int, *, user, note: str = "", now: datetime | None = None) -> Alert:
    """Acknowledge an open alert; raises ConflictError when it is not open."""
    now = now or clock.now()
    with write_tx():
        alert = _get(alert_id)
        if alert.status != "open":
            raise ConflictError(N_("Alert %(id)s is not open."), id=alert_id)
        alert.status, alert.acknowledged_at, alert.acknowledged_by, alert.ack_note = \
            "acknowledged", now, user, note
        alert.save()
        audit.append_audit("alert.acknowledge", user=user, target=f"alert:{alert.id}",
                           detail={"note": note, "kind": alert.kind}, at=now)
    return alert


def resolve(alert_id: int, *, user=None, note: str = "", auto: bool = False,
            now: datetime | None = None) -> Alert:
    """Resolve an open or acknowledged alert (auto=True when the system resolves it)."""
    now = now or clock.now()
    with write_tx():
        alert = _get(alert_id)
        if alert.status == "resolved":
            raise ConflictError(N_("Alert %(id)s is already resolved."), id=alert_id)
        alert.status, alert.resolved_at, alert.resolved_by = "resolved", now, user
        alert.resolution, alert.is_auto_resolved = note, auto
        alert.save()
        if not auto:
            audit.append_audit("alert.resolve", user=user, target=f"alert:{alert.id}",
                               detail={"note": note, "kind": alert.kind}, at=now)
    return alert


RETURN_NOTE = "returned to storage"  # the resolution a return writes on the item's overnight alerts


def reopen_resolved_by(item, kinds: tuple[str, ...], *, note: str, at: datetime) -> int:
    """Undo the auto-resolution a custody change made (its note, at its moment): the item's alerts of
    these kinds go back to acknowledged when someone had acknowledged them, else to open. Caller holds
    the write transaction (services.undo). Returns how many."""
    back = Case(None, [(Alert.acknowledged_at.is_null(False), "acknowledged")], "open")
    return (Alert.update(status=back, resolved_at=None, resolution="", is_auto_resolved=False)
            .where((Alert.item == item.id) & Alert.kind.in_(kinds) & (Alert.status == "resolved")
                   & (Alert.is_auto_resolved == True) & (Alert.resolution == note)  # noqa: E712
                   & (Alert.resolved_at == at))
            .execute())


def resolve_open_for_item(item, kinds: tuple[str, ...], *, note: str, now: datetime) -> int:
    """Auto-resolve the item's open alerts of these kinds; returns how many."""
    from . import statements  # the custody hot path runs this on every return

    return statements.resolve_item_alerts(item.id, kinds, note=note, now=now)
