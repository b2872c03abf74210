"""Visitors: registered with an active escort, a pass that opens doors only on the day and with the escort."""
import re
from datetime import datetime, timedelta

from app.db import write_tx

from .. import audit, clock
from ..errors import N_, ConflictError, ValidationError
from ..models import User
from . import rules
from .changes import person_of, site_today

_ID_TAIL = re.compile(r"^[0-9]{3}[0-9Xx]$")


def register_visitor(*, name: str, id_last4: str, organisation: str = "", reason: str, escort,
                     expected_at: datetime, by: User | None = None, ip: str = "", now: datetime | None = None):
    """Register a visitor with an escort whose badge is active; returns the Visitor with its pass code.

    Raises ValidationError (name, last four of the ID number, reason, escort not active), PersonNotFound.
    """
    from .models import Visitor

    now = now or clock.now()
    name, reason, organisation = (name or "").strip(), (reason or "").strip(), (organisation or "").strip()
    id_last4 = (id_last4 or "").strip().upper()
    if not name or len(name) > 100:
        raise ValidationError(N_("Give the visitor's name (1 to 100 characters)."))
    if not _ID_TAIL.match(id_last4):
        raise ValidationError(N_("Give the last four characters of the ID number (digits, the last may be X)."))
    if not reason or len(reason) > 500:
        raise ValidationError(N_("Give the reason for the visit."))
    if len(organisation) > 200:
        raise ValidationError(N_("%(field)s is too long."), field="organisation")
    if not isinstance(expected_at, datetime):
        raise ValidationError(N_("Give a date and time."))
    with write_tx():
        escort = person_of(escort)
        if escort.badge_status != "active" or escort.left_on is not None:
            raise ValidationError(N_("The escort %(name)s has no active badge."), name=escort.name)
        highest = 0
        for (code,) in Visitor.select(Visitor.pass_code).tuples():
            if code[1:].isdigit():
                highest = max(highest, int(code[1:]))
        visitor = Visitor.create(name=name, id_last4=id_last4, organisation=organisation, reason=reason,
                                 escort=escort, expected_at=expected_at, pass_code=f"G{highest + 1:08d}",
                                 registered_by=by, registered_at=now)
        audit.append_audit("visitor.register", user=by, target=f"visitor:{visitor.pass_code}", ip=ip, at=now,
                           detail={"name": name, "escort": escort.badge_code, "expected_at": expected_at.isoformat()})
    return visitor


def end_visit(visitor, *, by: User | None = None, ip: str = "", now: datetime | None = None):
    """End a visit: the pass stops opening doors. Raises ConflictError if already ended."""
    from .models import Visitor

    now = now or clock.now()
    with write_tx():
        visitor = Visitor.get_by_id(visitor.id)
        if visitor.ended_at is not None:
            raise ConflictError(N_("This visit has already ended."))
        Visitor.update(ended_at=now).where(Visitor.id == visitor.id).execute()
        audit.append_audit("visitor.end", user=by, target=f"visitor:{visitor.pass_code}", ip=ip, at=now)
    visitor.ended_at = now
    return visitor


def visitor_pass_decision(visitor, *, reader_id: int, moment: datetime, pending_passes=()) -> tuple[bool, str]:
    """The door rule for a visitor's pass read at a reader at a moment (what the door ingest calls):
    allowed only on the expected day, before the visit ended, within rules.ESCORT_WINDOW_SECONDS after the
    escort's badge was allowed at the same reader (in the database or earlier in the same batch)."""
    from ..models import AccessEvent

    since = moment - timedelta(seconds=rules.ESCORT_WINDOW_SECONDS)
    escorted = any(p["person"] == visitor.escort_id and p["allowed"] and p["reader"] == reader_id
                   and since <= p["at"] <= moment for p in pending_passes) or AccessEvent.select().where(
        (AccessEvent.reader == reader_id) & (AccessEvent.person == visitor.escort_id)
        & (AccessEvent.allowed == True) & AccessEvent.at.between(since, moment)).exists()  # noqa: E712
    return rules.visitor_decision(ended=visitor.ended_at is not None and visitor.ended_at <= moment,
                                  expected_day=site_today(visitor.expected_at), today=site_today(moment),
                                  escorted=escorted)
