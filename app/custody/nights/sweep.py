"""The nightly sweep: at a night's cutoff, every volume outside storage opens one overnight alert.

Decided from the log, not from the clock of the sweep: an item's state at the cutoff is its current
state unless it has events that happened after the cutoff, in which case it is the state its last
event at or before the cutoff left it in (events carry the time they happened, spooled reader reads
included). So a sweep that was missed and runs hours late opens exactly what the on-time sweep would
have, says it ran late, and records volumes that were returned in between as "returned late".

The work is an index lookup (items out or quarantined now, via the partial index) plus the events
after the cutoff (via event.at), never a scan of the whole log.

Policy decisions (README, "Nightly return to storage"):
- Quarantined volumes get no overnight alert: nobody may move them until they are released, and
  they already carry a critical quarantine alert. They are counted and listed in the night's report.
- A volume still covered by an unresolved overnight alert from an earlier night opens nothing new
  ("already open"); that alert is raised to critical, because a second night out is worse.
- Nights after a non-working day (holiday, or a weekday without working hours) are swept too unless
  the site switches that off: a volume left out over a holiday is exactly what the rule is about.
"""
import json
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from peewee import JOIN

from app.db import db, is_sqlite, write_tx

from .. import alerts, audit, clock
from ..models import Alert, Event, Item, Location, MediaLoan, Person, Site, SweepRun
from ..models.places import STORAGE_KINDS
from .calendar import Night, night_for_moment, night_of

LATE_AFTER = timedelta(minutes=10)  # a sweep starting this long after it was due "ran late"
RETURN_NOTE = alerts.RETURN_NOTE  # what services.return_to_storage writes when it auto-resolves
BATCH = 500
OUTSIDE = ("out", "quarantined")


@dataclass
class Snapshot:
    """What the log says about one item at an instant."""

    item_id: int
    state: str
    holder_id: int | None
    location_id: int | None
    since: datetime | None  # when its last movement happened
    last_kind: str = ""
    last_event_id: int | None = None
    returned_at: datetime | None = None  # first return to storage after the instant
    code: str = ""
    archive_no: str = ""


@dataclass
class SweepReport:
    """What one sweep did (the CLI prints it, the scheduler logs it)."""

    site_code: str
    night: date
    tz: str
    cutoff_local: datetime
    cutoff_at: datetime
    evaluated_at: datetime
    due_at: datetime
    started_at: datetime
    is_late: bool = False
    is_workday: bool = True
    skipped: str = ""  # why nothing was swept ("nonworking", "claimed")
    rerun: bool = False
    unreturned: int = 0
    opened: int = 0
    already_open: int = 0
    returned_late: int = 0
    quarantined: int = 0
    media_opened: int = 0
    media_resolved: int = 0
    seconds: float = 0.0
    opened_ids: list[int] = field(default_factory=list)
    checkpoint_id: int | None = None  # the checkpoint sealed after the sweep (seal.py)


def _chunks(values, size=BATCH):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _locations() -> dict[int, tuple[int, str, str]]:
    return {r[0]: (r[1], r[2], r[3]) for r in Location.select(Location.id, Location.site, Location.kind,
                                                                Location.name).tuples()}


def states_at(site: Site, instant: datetime, *, kind: str = "volume", locations=None) -> dict[int, Snapshot]:
    """Items of the site that were outside storage (out, or quarantined away from storage) at instant."""
    locs = locations if locations is not None else _locations()

    def outside(state, location_id):
        if state == "out":
            return True
        loc = locs.get(location_id)
        return state == "quarantined" and (loc is None or loc[1] not in STORAGE_KINDS)

    only_site = Site.select().count() == 1

    def at_site(location_id):
        # an item out of storage without a recorded place still counts, on a single-site install
        loc = locs.get(location_id)
        return loc[0] == site.id if loc is not None else only_site

    # events that happened after the instant (index on event.at), oldest first
    later: dict[int, list[tuple]] = {}
    for row in (Event.select(Event.item, Event.id, Event.at, Event.state, Event.src)
                .join(Item, on=(Event.item == Item.id))
                .where((Event.at > instant) & (Item.kind == kind))
                .order_by(Event.at, Event.id).tuples()):
        later.setdefault(row[0], []).append(row)

    result: dict[int, Snapshot] = {}
    # 1. items outside storage now and untouched since the instant: their current row is the answer
    last = Event.alias()
    for item_id, state, holder, location, since, last_event, code, archive_no, last_kind in (
            Item.select(Item.id, Item.state, Item.holder, Item.location, Item.state_since, Item.last_event_id,
                        Item.code, Item.archive_no, last.kind)
            .join(last, JOIN.LEFT_OUTER, on=(Item.last_event_id == last.id))
            .where((Item.state.in_(OUTSIDE)) & (Item.kind == kind)).tuples()):
        if item_id in later:
            continue
        if at_site(location) and outside(state, location):
            result[item_id] = Snapshot(item_id, state, holder, location, since, last_kind or "", last_event,
                                       code=code, archive_no=archive_no)

    # 2. items touched after the instant: the last event at or before it says where they were
    touched = list(later)
    before: dict[int, tuple] = {}
    for chunk in _chunks(touched):
        for row in (Event.select(Event.item, Event.id, Event.at, Event.state, Event.holder, Event.dst, Event.kind)
                    .where((Event.item.in_(chunk)) & (Event.at <= instant)).tuples()):
            prev = before.get(row[0])
            if prev is None or (row[2], row[1]) > (prev[2], prev[1]):
                before[row[0]] = row
    created, labels = {}, {}
    for chunk in _chunks(touched):
        for i, c, code, archive_no in (Item.select(Item.id, Item.created_at, Item.code, Item.archive_no)
                                       .where(Item.id.in_(chunk)).tuples()):
            created[i], labels[i] = c, (code, archive_no)
    for item_id in touched:
        after = later[item_id]
        returned_at = next((r[2] for r in after if r[3] == "in_storage"), None)
        row = before.get(item_id)
        if row is not None:
            _i, ev_id, at, state, holder, dst, ev_kind = row
            snap = Snapshot(item_id, state, holder, dst, at, ev_kind, ev_id, returned_at)
        else:
            # no event before the instant: it stood where the first later event took it from
            if created.get(item_id) and created[item_id] > instant:
                continue
            src = after[0][4]
            loc = locs.get(src)
            state = "out" if loc is not None and loc[1] not in STORAGE_KINDS else "in_storage"
            snap = Snapshot(item_id, state, None, src, None, returned_at=returned_at)
        if at_site(snap.location_id) and outside(snap.state, snap.location_id):
            snap.code, snap.archive_no = labels.get(item_id, ("", ""))
            result[item_id] = snap
    return result


def _fill_last_events(snaps: list[Snapshot]) -> None:
    need = [s for s in snaps if s.last_event_id and not s.last_kind]
    for chunk in _chunks(need):
        kinds = dict(Event.select(Event.id, Event.kind).where(Event.id.in_([s.last_event_id for s in chunk]))
                     .tuples())
        for s in chunk:
            s.last_kind = kinds.get(s.last_event_id, "")


def _iso(moment: datetime | None) -> str | None:
    return moment.replace(microsecond=0).isoformat() if moment else None


# one encoder for the many rows (json.dumps with options builds a new encoder per call); same output
# as audit.canonical_json: sorted keys, no spaces, Unicode kept
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _db_text(v):
    """SQLite stores times as text in the form peewee reads back ('YYYY-MM-DD HH:MM:SS[.ffffff]')."""
    if isinstance(v, datetime):
        return v.isoformat(" ")
    if isinstance(v, date):
        return v.isoformat()
    return v


def _insert_alerts(rows: list[tuple], converted: bool = False) -> None:
    """Bulk insert (one statement per batch of rows); the dedupe key makes a racing duplicate a no-op."""
    columns = ("kind", "severity", "status", "item_id", "person_id", "location_id", "night", "dedupe_key",
               "message", "data", "opened_at", "resolved_at", "resolution", "is_auto_resolved", "ack_note")
    p = db.param
    sql = (f"INSERT INTO alert ({', '.join(columns)}) VALUES ({', '.join([p] * len(columns))}) "
           "ON CONFLICT (dedupe_key) DO NOTHING")
    if is_sqlite() and not converted:
        rows = [tuple(map(_db_text, row)) for row in rows]
    cursor = db.cursor()
    for chunk in _chunks(rows, 2000):
        cursor.executemany(sql, chunk)


def _open_overnight(site: Site, n: Night, unreturned: dict[int, Snapshot], *, evaluated_at: datetime,
                    now: datetime, is_late: bool, report: SweepReport) -> None:
    ids = list(unreturned)
    by_item: dict[int, tuple[int, date | None, str]] = {}
    # this night's alerts (any status) and every unresolved overnight alert (a continuing one)
    for aid, item_id, night, status in (Alert.select(Alert.id, Alert.item, Alert.night, Alert.status)
                                        .where((Alert.kind == "overnight") & (Alert.night == n.night)).tuples()):
        by_item[item_id] = (aid, night, status)
    for aid, item_id, night, status in (Alert.select(Alert.id, Alert.item, Alert.night, Alert.status)
                                        .where((Alert.kind == "overnight")
                                               & (Alert.status.in_(("open", "acknowledged")))).tuples()):
        by_item.setdefault(item_id, (aid, night, status))
    continuing = [by_item[i][0] for i in ids if i in by_item and by_item[i][1] != n.night
                  and by_item[i][2] != "resolved"]
    report.already_open = sum(1 for i in ids if i in by_item)
    for chunk in _chunks(continuing):
        Alert.update(severity="critical").where((Alert.id.in_(chunk)) & (Alert.severity != "critical")).execute()

    new = [unreturned[i] for i in ids if i not in by_item]
    if not new:
        return
    _fill_last_events(new)
    people = {}
    for chunk in _chunks({s.holder_id for s in new if s.holder_id}):
        people.update(Person.select(Person.id, Person.name).where(Person.id.in_(chunk)).tuples())
    locs = dict(Location.select(Location.id, Location.name).tuples())
    rows = []
    cutoff_iso, evaluated_iso, night_iso = _iso(n.cutoff_at), _iso(evaluated_at), n.night.isoformat()
    sqlite = is_sqlite()
    night_v, now_v = (night_iso, _db_text(now)) if sqlite else (n.night, now)
    for s in new:
        returned = s.returned_at is not None and s.returned_at <= now
        data = _JSON.encode({
            "code": s.code, "archive_no": s.archive_no, "holder": people.get(s.holder_id, ""),
            "location": locs.get(s.location_id, ""), "last_kind": s.last_kind, "last_at": _iso(s.since),
            "cutoff_at": cutoff_iso, "evaluated_at": evaluated_iso, "late_sweep": is_late,
            "returned_at": _iso(s.returned_at) if returned else None,
        })
        resolved_at = (_db_text(s.returned_at) if sqlite else s.returned_at) if returned else None
        rows.append(("overnight", "warning", "resolved" if returned else "open", s.item_id, s.holder_id,
                     s.location_id, night_v, f"overnight:{night_iso}:{s.item_id}", "", data, now_v,
                     resolved_at, RETURN_NOTE if returned else "", returned, ""))
        report.returned_late += returned
    _insert_alerts(rows, converted=True)
    report.opened = len(rows)


def _media_overdue(instant: datetime, now: datetime, report: SweepReport) -> None:
    """Open one "medium overdue" alert per loan past its due time; auto-resolve those since returned."""
    loans = list(MediaLoan.select(MediaLoan.id, MediaLoan.item, MediaLoan.borrower, MediaLoan.due_at,
                                  MediaLoan.reason)
                 .where(MediaLoan.returned_at.is_null() & MediaLoan.due_at.is_null(False)
                        & (MediaLoan.due_at <= instant)).tuples())
    keys = {f"medium_overdue:{loan[0]}" for loan in loans}
    existing = set()
    for chunk in _chunks(keys):
        existing.update(k for (k,) in Alert.select(Alert.dedupe_key).where(Alert.dedupe_key.in_(chunk)).tuples())
    rows = []
    for loan_id, item_id, borrower_id, due_at, reason in loans:
        key = f"medium_overdue:{loan_id}"
        if key in existing:
            continue
        item = Item.get_by_id(item_id)
        person = Person.get_or_none(Person.id == borrower_id)
        data = audit.canonical_json({"code": item.code, "loan": loan_id, "due_at": _iso(due_at),
                                     "holder": person.name if person else "", "reason": reason})
        rows.append(("medium_overdue", "warning", "open", item_id, borrower_id, item.location_id, None, key,
                     "", data, now, None, "", False, ""))
    _insert_alerts(rows)
    report.media_opened = len(rows)
    # loans returned since: their alerts resolve themselves
    stale = (Alert.select(Alert.id, Alert.dedupe_key)
             .where((Alert.kind == "medium_overdue") & (Alert.status != "resolved")).tuples())
    returned_ids = []
    for aid, key in stale:
        loan_id = int(key.rsplit(":", 1)[1]) if key and key.rsplit(":", 1)[-1].isdigit() else None
        loan = MediaLoan.get_or_none(MediaLoan.id == loan_id) if loan_id else None
        if loan is not None and loan.returned_at is not None:
            returned_ids.append(aid)
    if returned_ids:
        report.media_resolved = (Alert.update(status="resolved", resolved_at=now, resolution="medium returned",
                                              is_auto_resolved=True)
                                 .where(Alert.id.in_(returned_ids)).execute())


def node_name() -> str:
    """This process, for the sweep_run row: host:pid:random (the random part makes the claim unique)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def sweep_night(site: Site, night: date | None = None, *, at: datetime | None = None,
                now: datetime | None = None, trigger: str = "cli", claim: bool = False) -> SweepReport:
    """Sweep one night of one site (see _sweep_night), then seal both logs in the day's checkpoint."""
    from .. import seal

    report = _sweep_night(site, night, at=at, now=now, trigger=trigger, claim=claim)
    if at is None and report.skipped != "claimed" and seal.has_key():
        report.checkpoint_id = seal.seal(now, reason="nightly").id
    return report


def _sweep_night(site: Site, night: date | None = None, *, at: datetime | None = None,
                 now: datetime | None = None, trigger: str = "cli", claim: bool = False) -> SweepReport:
    """Sweep one night of one site, in one transaction; idempotent per item and night.

    night: the site-local date of the evening (default: the last night whose cutoff has passed).
    at: evaluate at this exact UTC moment instead of the cutoff (recorded on the alerts, not as the
    night's run). claim=True (the scheduler): do nothing when another process has claimed the night —
    the claim is the unique (site, night) sweep_run row, inserted in this same transaction.
    Raises ValidationError (bad site settings).
    """
    now = now or clock.now()
    started = time.perf_counter()  # a duration, not business time
    if night is None:
        night = night_for_moment(site, at or now)
    n = night_of(site, night)
    evaluated_at = at or n.cutoff_at
    report = SweepReport(site.code, n.night, n.tz, n.cutoff_local, n.cutoff_at, evaluated_at, n.due_at, now,
                         # an --at evaluation is not the night's sweep: it is neither on time nor late
                         is_late=at is None and now > n.due_at + LATE_AFTER, is_workday=n.is_workday)
    with write_tx():
        run = None
        if at is None:
            me = node_name()
            SweepRun.insert(site=site.id, night=n.night, cutoff_at=n.cutoff_at, due_at=n.due_at, started_at=now,
                            is_late=report.is_late, is_workday=n.is_workday, trigger=trigger, node=me,
                            ).on_conflict_ignore().execute()
            run = SweepRun.get((SweepRun.site == site.id) & (SweepRun.night == n.night))
            if run.node != me:
                if claim:
                    report.skipped = "claimed"
                    return report
                report.rerun = True
        if not n.is_workday and not site.sweep_nonworking:
            report.skipped = "nonworking"
            if run is not None and not report.rerun:
                SweepRun.update(status="skipped", finished_at=now).where(SweepRun.id == run.id).execute()
            return report
        locs = _locations()
        snaps = states_at(site, evaluated_at, locations=locs)
        unreturned = {i: s for i, s in snaps.items() if s.state == "out"}
        report.unreturned = len(unreturned)
        report.quarantined = len(snaps) - len(unreturned)
        _open_overnight(site, n, unreturned, evaluated_at=evaluated_at, now=now, is_late=report.is_late,
                        report=report)
        _media_overdue(evaluated_at, now, report)
        if run is not None:
            fields = {"finished_at": now, "status": "done", "unreturned": report.unreturned,
                      "quarantined": report.quarantined}
            if report.rerun:
                fields.update(opened=SweepRun.opened + report.opened,
                              media_opened=SweepRun.media_opened + report.media_opened)
            else:
                fields.update(opened=report.opened, already_open=report.already_open,
                              returned_late=report.returned_late, media_opened=report.media_opened)
            SweepRun.update(**fields).where(SweepRun.id == run.id).execute()
    report.seconds = time.perf_counter() - started
    return report


def run_due_sweeps(now: datetime | None = None, *, lookback: int = 7, trigger: str = "scheduler") -> list[SweepReport]:
    """Sweep every site's nights that are due and not yet swept (missed ones too, up to lookback nights)."""
    from .calendar import due_nights

    now = now or clock.now()
    reports = []
    for site in Site.select().order_by(Site.id):
        done = {r for (r,) in SweepRun.select(SweepRun.night).where(
            (SweepRun.site == site.id) & (SweepRun.night >= now.date() - timedelta(days=lookback + 2))).tuples()}
        for n in due_nights(site, now, lookback=lookback):
            if n.night in done:
                continue
            report = sweep_night(site, n.night, now=now, trigger=trigger, claim=True)
            if report.skipped != "claimed":
                reports.append(report)
    return reports


def alert_data(alert: Alert) -> dict:
    """An alert's JSON data as a dict (empty when unreadable)."""
    try:
        value = json.loads(alert.data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
