"""The auditor's log viewers: custody log and admin log, read-only; chain status; CSV exports."""
import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from peewee import JOIN, fn

from app.custody import clock, history, seal
from app.custody.codes import normalize_scan
from app.custody.models import AuditLog, Event, Item, Location, LogHead, Person, Reader, User
from app.db import db
from app.i18n import site_timezone
from app.security import require

from . import bp

PAGE_SIZE = 50
EXPORT_BATCH = 1000
# above this many rows in both logs together the status panel verifies only when asked: it reads every row
# and checks its seal signature (~0.13 ms a row: 20,000 rows ≈ 3 s)
AUTO_VERIFY_ROWS = 20_000


@dataclass
class Filters:
    """The filters of one log page, parsed from the query string; errors are translated messages."""

    values: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    start: datetime | None = None  # naive UTC, inclusive
    end: datetime | None = None  # naive UTC, exclusive


def _local_day_start(day: date, tz: ZoneInfo) -> datetime:
    """Midnight of a site-local day as naive UTC (how times are stored)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def _parse_dates(filters: Filters) -> None:
    tz = ZoneInfo(site_timezone())
    days = {}
    for key in ("date_from", "date_to"):
        raw = (request.args.get(key) or "").strip()
        filters.values[key] = raw
        if not raw:
            continue
        try:
            days[key] = date.fromisoformat(raw)
        except ValueError:
            filters.errors.append(_("Not a date: %(value)s (use YYYY-MM-DD).", value=raw))
    if "date_from" in days and "date_to" in days and days["date_from"] > days["date_to"]:
        filters.errors.append(_("The start date is after the end date."))
    if "date_from" in days:
        filters.start = _local_day_start(days["date_from"], tz)
    if "date_to" in days:
        filters.end = _local_day_start(days["date_to"] + timedelta(days=1), tz)


def _date_window(model, filters: Filters) -> list:
    """Conditions for a date range, plus the id range it spans (read from the `at` index) so a
    newest-first page walks only that stretch of the log instead of every newer row."""
    if not (filters.start or filters.end):
        return []
    where = []
    if filters.start:
        where.append(model.at >= filters.start)
    if filters.end:
        where.append(model.at < filters.end)
    lo, hi = model.select(fn.MIN(model.id), fn.MAX(model.id)).where(*where).scalar(as_tuple=True)
    if lo is None:
        return [model.id < 0]  # nothing in the range
    return where + [model.id.between(lo, hi)]


def _text_arg(filters: Filters, key: str, limit: int = 100) -> str:
    value = (request.args.get(key) or "").strip()[:limit]
    filters.values[key] = value
    return value


# ---------------------------------------------------------------- custody log

def _event_query():
    return history.events(with_login=True).order_by()


def _event_filters() -> tuple[Filters, list]:
    filters, where = Filters(), []
    code = _text_arg(filters, "item")
    if code:
        item_id = Item.select(Item.id).where(Item.code == normalize_scan(code)).scalar()
        where.append(Event.item == item_id if item_id else Event.id < 0)
    who = _text_arg(filters, "person")
    if who:
        ids = [p.id for p in Person.select(Person.id).where(
            (Person.badge_code == normalize_scan(who)) | (Person.name.contains(who))).limit(500)]
        where.append(Event.actor.in_(ids) | Event.holder.in_(ids) if ids else Event.id < 0)
    kind = _text_arg(filters, "kind", 24)
    if kind:
        where.append(Event.kind == kind)
    _parse_dates(filters)
    if not filters.errors:
        where += _date_window(Event, filters)
    return filters, where


def _page(query, model, filters, where):
    """One keyset page, newest first: rows with id below ?before=, and the id to continue from.

    The page's ids are picked from the log table alone (every filter is on its own columns), and only
    those rows are joined to items, people and places: the joins never run over the whole log.
    """
    before = request.args.get("before", type=int)
    filters.values.pop("before", None)
    ids = model.select(model.id)
    for cond in where:
        ids = ids.where(cond)
    if before:
        ids = ids.where(model.id < before)
    # two steps, ids then rows: as one query with an IN (subquery) PostgreSQL plans the nine-table
    # join first and hashes the whole log
    ids = [row[0] for row in ids.order_by(model.id.desc()).limit(PAGE_SIZE + 1).tuples()]
    rows = list(query.where(model.id.in_(ids)).order_by(model.id.desc())) if ids else []
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].id if more else None), before


@bp.route("/")
@require("audit.read")
def index():
    rows = sum(head.last_id for head in LogHead.select())
    algorithm = seal.algorithm()
    # an SM2 verification costs ~3x an Ed25519 one (bench/seal_bench.py): the page checks a quarter as many
    limit = AUTO_VERIFY_ROWS if algorithm == seal.ALGORITHM else AUTO_VERIFY_ROWS // 4
    verify = rows <= limit or request.args.get("verify") == "1"
    sealed = seal.verify() if verify else None
    panels = []
    for label, name, model in ((_("Custody log"), "event", Event), (_("Admin log"), "audit", AuditLog)):
        report = sealed.chains[name] if sealed else None
        bad_row = model.get_or_none(model.id == report.first_bad_id) if report and report.first_bad_id else None
        panels.append({"label": label, "report": report, "bad_row": bad_row,
                       "problem": _(seal.PROBLEMS[report.problem]) if report and report.problem else ""})
    checkpoints = [(cp, seal.short_code(cp)) for cp in seal.latest_checkpoints(10)]
    return render_template("audit/index.html", panels=panels, verified=verify, rows=rows, sealed=sealed,
                           fingerprint=seal.public_key_fingerprint(), checkpoints=checkpoints,
                           algorithm=algorithm,
                           checkpoint_problem=_(seal.PROBLEMS[sealed.checkpoint_problem])
                           if sealed and sealed.checkpoint_problem else "")


@bp.route("/events")
@require("audit.read")
def events():
    filters, where = _event_filters()
    rows, next_before, before = [], None, None
    if not filters.errors:
        rows, next_before, before = _page(_event_query(), Event, filters, where)
    return render_template("audit/events.html", rows=rows, filters=filters, next_before=next_before,
                           before=before), 422 if filters.errors else 200


# ---------------------------------------------------------------- admin log

def _audit_filters() -> tuple[Filters, list]:
    filters, where = Filters(), []
    action = _text_arg(filters, "action", 48)
    if action:
        # "user" finds user.create, user.roles, …; "user.roles" only that action
        where.append((AuditLog.action == action) | AuditLog.action.startswith(action.rstrip(".") + "."))
    username = _text_arg(filters, "user", 64)
    if username:
        where.append(AuditLog.username == username)
    _parse_dates(filters)
    if not filters.errors:
        where += _date_window(AuditLog, filters)
    return filters, where


@bp.route("/admin-log")
@require("audit.read")
def admin_log():
    filters, where = _audit_filters()
    rows, next_before, before = [], None, None
    if not filters.errors:
        rows, next_before, before = _page(AuditLog.select(), AuditLog, filters, where)
    for row in rows:
        row.detail_pretty = _detail_text(row.detail)
    return render_template("audit/admin_log.html", rows=rows, filters=filters, next_before=next_before,
                           before=before), 422 if filters.errors else 200


def _detail_text(detail: str) -> str:
    try:
        data = json.loads(detail or "{}")
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return detail
    return "; ".join(f"{k}: {json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
                     for k, v in sorted(data.items()))


# ---------------------------------------------------------------- CSV exports

def _local(dt: datetime | None, tz: ZoneInfo) -> str:
    if dt is None:
        return ""
    return dt.replace(tzinfo=UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _csv_stream(header, query, model, to_row, filename):
    """Stream a CSV in id order, batch by batch (keyset), with a BOM so Excel reads UTF-8 (Chinese) right."""
    tz = ZoneInfo(site_timezone())

    def generate():
        # the body is sent after the view returned and the request's connection was closed (PostgreSQL
        # returns it to the pool at teardown): take one for the length of the download
        reopened = db.is_closed()
        if reopened:
            db.connect()
        try:
            buf = io.StringIO()
            writer = csv.writer(buf)
            buf.write("\ufeff")
            writer.writerow(header)
            last = 0
            while True:
                rows = list(query.where(model.id > last).order_by(model.id).limit(EXPORT_BATCH).tuples())
                writer.writerows(to_row(row, tz) for row in rows)
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
                if len(rows) < EXPORT_BATCH:
                    break
                last = rows[-1][0]
        finally:
            if reopened and not db.is_closed():
                db.close()

    response = Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


EVENT_COLUMNS = ("id", "at_utc", "at_local", "kind", "item_code", "archive_no", "from_location", "to_location",
                 "holder_badge", "holder_name", "actor_badge", "actor_name", "user", "via", "reader", "state",
                 "note", "data", "prev_hash", "hash")
AUDIT_COLUMNS = ("id", "at_utc", "at_local", "user", "action", "target", "detail", "ip", "prev_hash", "hash")


def _event_export_query():
    """The custody log as plain tuples in EVENT_COLUMNS order (no model objects: exports are large)."""
    src, dst = Location.alias(), Location.alias()
    actor, holder = Person.alias(), Person.alias()
    return (Event.select(Event.id, Event.at, Event.kind, Item.code, Item.archive_no, src.code, dst.code,
                         holder.badge_code, holder.name, actor.badge_code, actor.name, User.username, Event.via,
                         Reader.name, Event.state, Event.note, Event.data, Event.prev_hash, Event.hash)
            .join(Item, on=(Event.item == Item.id))
            .switch(Event).join(src, JOIN.LEFT_OUTER, on=(Event.src == src.id))
            .switch(Event).join(dst, JOIN.LEFT_OUTER, on=(Event.dst == dst.id))
            .switch(Event).join(holder, JOIN.LEFT_OUTER, on=(Event.holder == holder.id))
            .switch(Event).join(actor, JOIN.LEFT_OUTER, on=(Event.actor == actor.id))
            .switch(Event).join(User, JOIN.LEFT_OUTER, on=(Event.user == User.id))
            .switch(Event).join(Reader, JOIN.LEFT_OUTER, on=(Event.reader == Reader.id)))


def _with_times(row, tz):
    """(id, at, rest…) → (id, at in UTC, at site-local, rest…); NULLs as empty cells."""
    row_id, at, *rest = row
    at = _as_datetime(at)
    return (row_id, at.strftime("%Y-%m-%d %H:%M:%S.%f"), _local(at, tz), *(_cell(value) for value in rest))


# a cell starting with one of these is a formula to Excel: a note such as =HYPERLINK(…) typed by
# anyone would run on the auditor's machine (OWASP "CSV injection"); a leading ' makes it plain text
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _as_datetime(value) -> datetime:
    # tuples skip the model's conversion; SQLite hands back the stored text
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _stamp() -> str:
    return clock.now().strftime("%Y%m%d-%H%M%S")


@bp.route("/events.csv")
@require("export.read")
def export_events():
    filters, where = _event_filters()
    if filters.errors:
        return render_template("audit/events.html", rows=[], filters=filters, next_before=None, before=None), 422
    query = _event_export_query()
    for cond in where:
        query = query.where(cond)
    return _csv_stream(EVENT_COLUMNS, query, Event, _with_times, f"custody-log-{_stamp()}.csv")


@bp.route("/admin-log.csv")
@require("export.read")
def export_admin_log():
    filters, where = _audit_filters()
    if filters.errors:
        return render_template("audit/admin_log.html", rows=[], filters=filters, next_before=None,
                               before=None), 422
    query = AuditLog.select(AuditLog.id, AuditLog.at, AuditLog.username, AuditLog.action, AuditLog.target,
                            AuditLog.detail, AuditLog.ip, AuditLog.prev_hash, AuditLog.hash)
    for cond in where:
        query = query.where(cond)
    return _csv_stream(AUDIT_COLUMNS, query, AuditLog, _with_times, f"admin-log-{_stamp()}.csv")
