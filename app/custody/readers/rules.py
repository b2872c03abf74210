"""The rules a read sets off, by the reader's mode: door passes (badges), the exit alarm, internal doors,
shelves and desk stations. Custody changes go through app.custody.services, handed the item already read."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .. import alerts, audit, services
from ..errors import CustodyError
from ..lookup import Resolved
from ..models import Item, Location, Person, Reader, Site
from ..nights import calendar
from ..rules import local_date
from .batch import ReadIn


def access_decision(person: Person | None, moment: datetime, site: Site) -> tuple[bool, str]:
    """(allowed, reason) for a badge at a door at this moment: the badge's own rule (Person.badge_refusal)
    on the site-local day, then the site's working hours (nights.calendar)."""
    if person is None:
        return False, "unknown_badge"
    refusal = person.badge_refusal(local_date(moment, site.timezone))
    if refusal:
        return False, refusal
    if calendar.outside_working_hours(moment, site):
        return False, "after_hours"
    return True, ""


@dataclass
class Batch:
    """What one batch shares: the reader, its place and site, its settings, rows to insert at the end."""

    reader: Reader
    location: Location
    settings: dict
    now: datetime
    passes: list = field(default_factory=list)
    _site: Site | None = None

    @property
    def site(self) -> Site:
        """The reader's site, read when a rule first needs it (door passes: working hours, time zone)."""
        if self._site is None:
            self._site = Site.get_by_id(self.location.site_id)
        return self._site


def _door_pass(ctx: Batch, row: ReadIn, res: Resolved) -> str:
    reader, now = ctx.reader, ctx.now
    allowed, reason = access_decision(res.person, row.read_at, ctx.site)
    ctx.passes.append({"at": row.read_at, "reader": reader.id, "person": res.person.id if res.person else None,
                       "credential": row.tag[:64], "direction": ctx.settings.get("direction", "")[:8],
                       "allowed": allowed, "reason": reason, "recorded_at": now, "seq": row.seq})
    if not allowed:
        who = res.person.name if res.person else row.tag
        alerts.open_alert("access_denied", severity="warning", person=res.person, reader=reader,
                          location=ctx.location, dedupe_key=f"access:{reader.id}:{row.seq}",
                          message=f"{who} · {reason}", now=now,
                          data=audit.canonical_json({"reason": reason, "tag": row.tag,
                                                     "read_at": row.read_at.isoformat()}))
        return f"denied:{reason}"
    return "allowed"


def _visitor_pass(ctx: Batch, row: ReadIn, res: Resolved) -> str:
    # a visitor passes only right after their escort's badge at this door (people area); the pass is a
    # door-log row like any other, its credential the visitor's pass code
    from ..people.visitors import visitor_pass_decision

    reader, now, visitor = ctx.reader, ctx.now, res.visitor
    allowed, reason = visitor_pass_decision(visitor, reader_id=reader.id, moment=row.read_at,
                                            pending_passes=ctx.passes)
    if allowed and calendar.outside_working_hours(row.read_at, ctx.site):
        allowed, reason = False, "after_hours"
    ctx.passes.append({"at": row.read_at, "reader": reader.id, "person": None, "credential": visitor.pass_code,
                       "direction": ctx.settings.get("direction", "")[:8], "allowed": allowed, "reason": reason,
                       "recorded_at": now, "seq": row.seq})
    if not allowed:
        alerts.open_alert("access_denied", severity="warning", reader=reader, location=ctx.location,
                          dedupe_key=f"access:{reader.id}:{row.seq}", now=now,
                          message=f"{visitor.name} ({visitor.pass_code}) · {reason}",
                          data=audit.canonical_json({"reason": reason, "tag": row.tag, "visitor": visitor.pass_code,
                                                     "read_at": row.read_at.isoformat()}))
        return f"denied:{reason}"
    return "allowed"


def _exit_alarm(ctx: Batch, row: ReadIn, item: Item) -> str:
    # volumes never leave the premises (Hunan art. 12); media neither: alarm at once
    reader, now = ctx.reader, ctx.now
    alerts.open_alert("volume_at_exit", severity="critical", item=item, reader=reader, location=ctx.location,
                      dedupe_key=f"exit:{reader.id}:{row.seq}", message=f"{item.code} · {reader.name}", now=now,
                      data=audit.canonical_json({"tag": row.tag, "read_at": row.read_at.isoformat()}))
    return "exit_alarm"


def _in_zone(location: Location | None, zone: Location) -> bool:
    return location is not None and any(node.id == zone.id for node in location.path())


def _through_internal_door(reader: Reader, settings: dict, row: ReadIn, item: Item, now: datetime):
    side_a, side_b = Location.by_code(settings["side_a"]), Location.by_code(settings["side_b"])
    current = item.location
    # the item goes into the zone on the other side of the door from where it is recorded
    target = side_b if _in_zone(current, side_a) else side_a
    return services.move(item, to=target, actor=None, via="reader", reader=reader, now=row.read_at,
                         note=f"{reader.name}")


# the longest a read may wait in a reader's spool (read time → arrival) and still change custody; a reader's
# settings may set another (spool_max_hours). Past it, a read is logged late and applied by nobody: a spool
# does not hold reads for days in a working site, and a read dated further back (a reader's clock set back, a
# token used to post a return dated before last night's cutoff) must not rewrite what the log already says
DEFAULT_SPOOL_MAX_HOURS = 24


def spool_limit_hours(settings: dict) -> float:
    """The reader's spool limit in hours (its spool_max_hours setting, else DEFAULT_SPOOL_MAX_HOURS)."""
    value = settings.get("spool_max_hours")
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    return value if ok else DEFAULT_SPOOL_MAX_HOURS


def late_reason(item: Item, read_at: datetime, *, now: datetime, limit_hours: float) -> str | None:
    """Why a read must not be applied (codes.LATE_REASONS), or None: it was read before the item's current
    state began (applying it would put history out of order), or it waited in the spool past the limit."""
    if item.state_since is not None and read_at < item.state_since:
        return "after_last_event"
    if read_at < now - timedelta(hours=limit_hours):
        return "spool_age"
    return None


def apply(ctx: Batch, row: ReadIn, res: Resolved) -> tuple[str, int | None]:
    """Run the rule for one new read; returns (outcome, event id). Custody refusals become outcomes."""
    reader, settings, mode = ctx.reader, ctx.settings, ctx.reader.mode
    if reader.approved_at is None:
        # stored and shown, but a device nobody approved moves no volume, opens no alarm, logs no pass
        return "unapproved", None
    if row.kind == "departed":
        if mode == "shelf" and res.kind == "item":
            return "departure_pending", None
        return "ignored", None
    if res.kind == "person":
        if mode in ("perimeter_door", "internal_door"):
            return _door_pass(ctx, row, res), None
        return "ignored", None
    if res.kind == "visitor":
        if mode in ("perimeter_door", "internal_door"):
            return _visitor_pass(ctx, row, res), None
        return "ignored", None
    if res.kind == "unknown":
        if mode in ("perimeter_door", "internal_door") and row.scheme in ("em4100", "em-decimal"):
            return _door_pass(ctx, row, res), None
        return "unknown", None
    if res.kind != "item":
        return "ignored", None
    item = res.item
    try:
        limit = spool_limit_hours(settings)
        reason = late_reason(item, row.read_at, now=ctx.now, limit_hours=limit) \
            if mode in ("internal_door", "shelf", "station") else None
        if reason:
            if mode == "shelf" and item.location_id == reader.location_id and item.state == "in_storage":
                return "present", None
            intended = "return" if mode == "shelf" else (settings.get("action") or "move")
            event = services.record_late_read(item, intended=intended, read_at=row.read_at,
                                              location=ctx.location, reader=reader, now=ctx.now, reason=reason,
                                              limit_hours=limit if reason == "spool_age" else None)
            return "late", event.id
        if mode == "perimeter_door":
            if item.kind in ("volume", "media"):
                return _exit_alarm(ctx, row, item), None
            return "recorded", None
        if mode == "internal_door":
            event = _through_internal_door(reader, settings, row, item, ctx.now)
            return "moved", event.id
        if mode == "shelf":
            if item.location_id == reader.location_id and item.state == "in_storage":
                return "present", None
            event = services.return_to_storage(item, to=ctx.location, actor=None, via="reader",
                                               reader=reader, now=row.read_at)
            return "returned", event.id
        if mode == "station":
            action = settings.get("action", "return_to_storage")
            if action == "none":
                return "recorded", None
            if action == "step":
                from ..flow import services as flow

                result = flow.record_station_step(item, settings["step"], device=settings.get("device"),
                                                  reader=reader, location=ctx.location, now=row.read_at)
                return f"step:{result.row.outcome}"[:40], result.event.id
            to = Location.by_code(settings["location"]) if settings.get("location") else ctx.location
            call = services.return_to_storage if action == "return_to_storage" else services.move
            event = call(item, to=to, actor=None, via="reader", reader=reader, now=row.read_at)
            return ("returned" if event.kind == "return" else "moved"), event.id
    except CustodyError as err:
        return f"refused:{err.code}"[:40], None
    return "ignored", None
