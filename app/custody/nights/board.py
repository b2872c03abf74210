"""The supervisors' alert board, as queries and actions shared by the pages and the API (no Flask).

Filters: status (active = open + acknowledged, or one status, or all), kind, severity, holder
(person id), location (id), opened between two site-local dates, night.
"""
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from peewee import JOIN, fn

from app.db import write_tx

from .. import alerts, clock
from ..codes import ALERT_KINDS, ALERT_SEVERITIES, ALERT_STATUSES
from ..errors import N_, ConflictError, NotFoundError, ValidationError
from ..models import Alert, Item, Location, Person, Reader
from ..vocab import Codes

# the board filters by the stored codes, declared once (app/custody/codes.py)
STATUSES = ALERT_STATUSES
KINDS = ALERT_KINDS
SEVERITIES = ALERT_SEVERITIES
# the status filter: one stored status, or "active" (open + acknowledged), or all of them
STATUS_FILTERS = Codes("alert_status_filter", active=N_("Open or acknowledged"), open=N_("Open"),
                       acknowledged=N_("Acknowledged"), resolved=N_("Resolved"), all=N_("All"))
MAX_BULK = 500


@dataclass
class Filters:
    status: str = "active"
    kind: str = ""
    severity: str = ""
    holder: int | None = None
    location: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    night: date | None = None

    def as_args(self) -> dict:
        """The filters as query-string arguments (empty ones left out)."""
        out = {"status": self.status, "kind": self.kind, "severity": self.severity, "holder": self.holder,
               "location": self.location, "from": self.date_from, "to": self.date_to, "night": self.night}
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in out.items()
                if v not in (None, "") and not (k == "status" and v == "active")}


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        raise ValidationError(N_("Not a number: %(value)s"), value=value) from None


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(N_("Not a date (YYYY-MM-DD): %(value)s"), value=value) from None


def parse_filters(args) -> Filters:
    """Filters from a mapping of strings (query string); raises ValidationError on bad values."""
    status = args.get("status") or "active"
    if status not in STATUS_FILTERS:
        raise ValidationError(N_("Unknown status: %(value)s"), value=status)
    kind = args.get("kind") or ""
    if kind and kind not in KINDS:
        raise ValidationError(N_("Unknown alert kind: %(value)s"), value=kind)
    severity = args.get("severity") or ""
    if severity and severity not in SEVERITIES:
        raise ValidationError(N_("Unknown severity: %(value)s"), value=severity)
    return Filters(status, kind, severity, _int(args.get("holder")), _int(args.get("location")),
                   _date(args.get("from")), _date(args.get("to")), _date(args.get("night")))


def _local_day_start(day: date, tz: str) -> datetime:
    from .calendar import to_utc

    return to_utc(datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)))


def apply_filters(query, f: Filters, tz: str):
    """Narrow an Alert query by the filters."""
    if f.status == "active":
        query = query.where(Alert.status.in_(("open", "acknowledged")))
    elif f.status != "all":
        query = query.where(Alert.status == f.status)
    if f.kind:
        query = query.where(Alert.kind == f.kind)
    if f.severity:
        query = query.where(Alert.severity == f.severity)
    if f.holder is not None:
        query = query.where(Alert.person == f.holder)
    if f.location is not None:
        query = query.where(Alert.location == f.location)
    if f.date_from is not None:
        query = query.where(Alert.opened_at >= _local_day_start(f.date_from, tz))
    if f.date_to is not None:
        query = query.where(Alert.opened_at < _local_day_start(f.date_to + timedelta(days=1), tz))
    if f.night is not None:
        query = query.where(Alert.night == f.night)
    return query


def alert_query(f: Filters, tz: str):
    """Alerts with their item, person, location and reader joined, newest first (overnight: by holder)."""
    query = (Alert.select(Alert, Item.id, Item.code, Item.archive_no, Person.id, Person.name, Location.id,
                          Location.code, Location.name, Reader.id, Reader.name)
             .join(Item, JOIN.LEFT_OUTER, on=(Alert.item == Item.id))
             .switch(Alert).join(Person, JOIN.LEFT_OUTER, on=(Alert.person == Person.id))
             .switch(Alert).join(Location, JOIN.LEFT_OUTER, on=(Alert.location == Location.id))
             .switch(Alert).join(Reader, JOIN.LEFT_OUTER, on=(Alert.reader == Reader.id)))
    query = apply_filters(query, f, tz)
    if f.kind == "overnight":
        return query.order_by(Alert.person, Alert.id.desc())  # grouped by holder
    return query.order_by(Alert.id.desc())


def page(f: Filters, tz: str, number: int, size: int) -> list[Alert]:
    """Page `number` of the board: up to size + 1 rows (the extra one says there is a next page).

    Newest-first pages pick their ids from the (status, id) index alone and join the people and
    places for those rows only, so the cost does not grow with the number of open alerts."""
    offset = (max(number, 1) - 1) * size
    order = (Alert.person, Alert.id.desc()) if f.kind == "overnight" else (Alert.id.desc(),)
    ids = [a for (a,) in apply_filters(Alert.select(Alert.id), f, tz).order_by(*order)
           .limit(size + 1).offset(offset).tuples()]
    if not ids:
        return []
    return list(alert_query(Filters(status="all", kind=f.kind), tz).where(Alert.id.in_(ids)))


def counts(f: Filters, tz: str) -> dict[str, int]:
    """How many alerts match per status (the other filters applied)."""
    base = apply_filters(Alert.select(Alert.status, fn.COUNT(Alert.id)), Filters(**{**f.__dict__, "status": "all"}), tz)
    got = dict(base.group_by(Alert.status).tuples())
    return {s: got.get(s, 0) for s in STATUSES}


def overnight_by_holder(f: Filters, tz: str, limit: int = 50) -> list[tuple]:
    """(person id, name, count) of the matching overnight alerts, most first."""
    g = Filters(**{**f.__dict__, "kind": "overnight"})
    # counted from the (kind, status, person_id) index alone; names looked up for the few shown
    counted = list(apply_filters(Alert.select(Alert.person, fn.COUNT(Alert.id)), g, tz)
                   .group_by(Alert.person).order_by(fn.COUNT(Alert.id).desc(), Alert.person).limit(limit).tuples())
    names = dict(Person.select(Person.id, Person.name).where(Person.id.in_([p for p, _n in counted if p]))
                 .tuples()) if counted else {}
    return [(p, names.get(p, ""), n) for p, n in counted]


def newer_than(after_id: int, f: Filters, tz: str, limit: int = 50) -> list[Alert]:
    """Matching alerts with an id above after_id (the board's "anything new" poll), newest first."""
    return list(alert_query(Filters(**{**f.__dict__}), tz).where(Alert.id > after_id)
                .order_by(Alert.id.desc()).limit(limit))


SHOWN_MAX = 200  # rows a board can ask about in one poll (a page of 50 plus the ones that came in live)


def changed_since_shown(shown: dict[int, str], tz: str) -> list[Alert]:
    """Of the alerts a board shows ({id: status as shown}), those whose status is now different
    (acknowledged or resolved elsewhere, reopened by an undone return), with their rows' joins."""
    ids = list(shown)[:SHOWN_MAX]
    if not ids:
        return []
    now = dict(Alert.select(Alert.id, Alert.status).where(Alert.id.in_(ids)).tuples())
    differ = [i for i in ids if i in now and now[i] != shown[i]]
    if not differ:
        return []
    return list(alert_query(Filters(status="all"), tz).where(Alert.id.in_(differ)))


def latest_id() -> int:
    """The newest alert id (0 when there are none)."""
    return Alert.select(fn.MAX(Alert.id)).scalar() or 0


def active_count() -> tuple[int, int]:
    """(open alerts, critical open alerts): the navigation badge."""
    rows = dict(Alert.select(Alert.severity, fn.COUNT(Alert.id)).where(Alert.status == "open")
                .group_by(Alert.severity).tuples())
    return sum(rows.values()), rows.get("critical", 0)


def data(alert: Alert) -> dict:
    """An alert's JSON data as a dict."""
    try:
        value = json.loads(alert.data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _iso(moment):
    return moment.isoformat() + "Z" if moment else None


def serialize(alert: Alert) -> dict:
    """The API's view of an alert."""
    item = alert.item if alert.item_id else None
    person = alert.person if alert.person_id else None
    loc = alert.location if alert.location_id else None
    return {
        "id": alert.id, "kind": alert.kind, "severity": alert.severity, "status": alert.status,
        "night": alert.night.isoformat() if alert.night else None,
        "item": {"id": item.id, "code": item.code, "archive_no": item.archive_no} if item else None,
        "holder": {"id": person.id, "name": person.name} if person else None,
        "location": {"id": loc.id, "code": loc.code, "name": loc.name} if loc else None,
        "reader": alert.reader.name if alert.reader_id else None,
        "message": alert.message, "data": data(alert),
        "opened_at": _iso(alert.opened_at),
        "acknowledged_at": _iso(alert.acknowledged_at), "ack_note": alert.ack_note,
        "acknowledged_by": alert.acknowledged_by.username if alert.acknowledged_by_id else None,
        "resolved_at": _iso(alert.resolved_at), "resolution": alert.resolution,
        "resolved_by": alert.resolved_by.username if alert.resolved_by_id else None,
        "auto_resolved": alert.is_auto_resolved,
    }


@dataclass
class BulkResult:
    done: list[int]
    skipped: list[int]


def act(action: str, ids, *, user, note: str = "", now: datetime | None = None) -> BulkResult:
    """Acknowledge or resolve alerts by id, all in one transaction; those not in a fitting state are skipped.

    Raises ValidationError (no ids, too many, unknown action, resolve without a note), NotFoundError.
    """
    now = now or clock.now()
    note = (note or "").strip()
    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise ValidationError(N_("Choose alerts by their numbers.")) from None
    if not ids:
        raise ValidationError(N_("Choose at least one alert."))
    if len(ids) > MAX_BULK:
        raise ValidationError(N_("At most %(max)s alerts at once."), max=MAX_BULK)
    if action not in ("acknowledge", "resolve"):
        raise ValidationError(N_("Unknown action: %(value)s"), value=action)
    if action == "resolve" and not note:
        raise ValidationError(N_("Write a note saying how the alert was resolved."))
    if len(note) > 2000:
        raise ValidationError(N_("The note is too long (at most %(max)s characters)."), max=2000)
    result = BulkResult([], [])
    with write_tx():
        known = {a for (a,) in Alert.select(Alert.id).where(Alert.id.in_(ids)).tuples()}
        missing = [i for i in ids if i not in known]
        if missing:
            raise NotFoundError(N_("Unknown alert: %(id)s"), id=missing[0])
        for alert_id in ids:
            try:
                if action == "acknowledge":
                    alerts.acknowledge(alert_id, user=user, note=note, now=now)
                else:
                    alerts.resolve(alert_id, user=user, note=note, now=now)
                result.done.append(alert_id)
            except ConflictError:
                result.skipped.append(alert_id)
    return result
