"""Readers on the server side: registration and tokens, batch ingest, and the door / shelf / station rules.

Every custody change a read causes goes through app.custody.services (move, return_to_storage);
door passes become AccessEvents; exits, denials, removals and silent readers open alerts.
No Flask here: the API, the CLI and the scheduler share these functions.
"""
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.db import db, is_sqlite, write_tx

from . import alerts, audit, clock, services
from .codes import normalize_scan
from .errors import N_, ConflictError, CustodyError, NotAllowedError, NotFoundError, ValidationError
from .models import (
    AccessEvent,
    Alert,
    Event,
    Item,
    Location,
    Person,
    Reader,
    ReaderRead,
    ReaderStatus,
    Site,
    Tag,
)
from .nights.codes import WEEKDAYS
from .readers.codes import READ_KINDS, READER_MODES, STATION_ACTIONS, TAG_SCHEMES

TOKEN_PREFIX = "rdr_"
MAX_BATCH = 500
DEFAULT_OFFLINE_SECONDS = 300
DEFAULT_DEPARTURE_GRACE_MINUTES = 15


# ---------------------------------------------------------------- registration and tokens

def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, _digest(secret), secret[:10]


def parse_settings(mode: str, settings) -> dict:
    """Validate a reader's settings JSON for its mode; returns the dict. Raises ValidationError."""
    if isinstance(settings, str):
        try:
            settings = json.loads(settings or "{}")
        except ValueError:
            raise ValidationError(N_("The reader settings are not valid JSON.")) from None
    if not isinstance(settings, dict):
        raise ValidationError(N_("The reader settings must be a JSON object."))
    if mode == "internal_door":
        for side in ("side_a", "side_b"):
            code = settings.get(side)
            if not code:
                raise ValidationError(N_("An internal door needs the locations on both sides (side_a and side_b)."))
            Location.by_code(code)
    if mode == "station":
        action = settings.get("action", "return_to_storage")
        if action not in STATION_ACTIONS:
            raise ValidationError(N_("Unknown station action: %(action)s"), action=action)
        if settings.get("location"):
            Location.by_code(settings["location"])
        if action == "step":  # the flow sheet: the settings name the step (and the device)
            from .flow import services as flow

            flow.check_station_settings(settings.get("step"), settings.get("device"))
    for key in ("offline_seconds", "departure_grace_minutes"):
        if key in settings and (not isinstance(settings[key], int | float) or settings[key] <= 0):
            raise ValidationError(N_("%(key)s must be a positive number."), key=key)
    return settings


def register_reader(name: str, *, location: Location, mode: str, protocol: str, settings=None, by=None,
                    ip: str = "", now: datetime | None = None) -> tuple[Reader, str]:
    """Register a reader; returns it and its token (shown once, only the hash is stored).

    Raises ValidationError (name, mode, protocol, settings), ConflictError (name taken).
    """
    now = now or clock.now()
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(N_("Give the reader a name of 1 to 100 characters."))
    if mode not in READER_MODES:
        raise ValidationError(N_("Unknown reader mode: %(mode)s"), mode=mode)
    protocol = (protocol or "").strip()
    if not protocol or len(protocol) > 32:
        raise ValidationError(N_("Give the reader's protocol."))
    settings = parse_settings(mode, settings or {})
    secret, digest, prefix = _new_token()
    with write_tx():
        if Reader.get_or_none(Reader.name == name) is not None:
            raise ConflictError(N_("A reader named %(name)s already exists."), name=name)
        reader = Reader.create(name=name, location=location, mode=mode, protocol=protocol, token_hash=digest,
                               token_prefix=prefix, settings=audit.canonical_json(settings), created_at=now)
        audit.append_audit("reader.create", user=by, target=f"reader:{name}", ip=ip, at=now,
                           detail={"location": location.code, "mode": mode, "protocol": protocol,
                                   "settings": settings, "token": prefix, "approved": False})
    return reader, secret


def rotate_token(reader: Reader, *, by=None, ip: str = "", now: datetime | None = None) -> str:
    """Give the reader a new token (the old one stops working at once); returns the new secret."""
    now = now or clock.now()
    secret, digest, prefix = _new_token()
    with write_tx():
        # whoever holds the new token is a new device as far as custody goes: approved again before it counts
        Reader.update(token_hash=digest, token_prefix=prefix, is_active=True, approved_at=None,
                      approved_by=None).where(Reader.id == reader.id).execute()
        audit.append_audit("reader.rotate_token", user=by, target=f"reader:{reader.name}", ip=ip, at=now,
                           detail={"token": prefix, "old": reader.token_prefix, "approved": False})
    reader.token_hash, reader.token_prefix, reader.is_active = digest, prefix, True
    reader.approved_at = reader.approved_by = None
    return secret


def approve_reader(reader: Reader, *, by, ip: str = "", now: datetime | None = None) -> Reader:
    """The security officer approves a reader's current token: from now on its reads change custody.

    Raises NotAllowedError (not a security officer), ConflictError (no token, or already approved).
    """
    from .permissions import allowed

    now = now or clock.now()
    if by is None or not allowed(by.roles, "readers.approve"):
        raise NotAllowedError(N_("Only the security officer approves readers."))
    with write_tx():
        current = Reader.get_by_id(reader.id)
        if current.token_hash is None:
            raise ConflictError(N_("%(name)s has no token: issue one first."), name=reader.name)
        if current.approved_at is not None:
            raise ConflictError(N_("%(name)s is already approved."), name=reader.name)
        Reader.update(approved_at=now, approved_by=by.id).where(Reader.id == reader.id).execute()
        audit.append_audit("reader.approve", user=by, target=f"reader:{reader.name}", ip=ip, at=now,
                           detail={"token": current.token_prefix, "mode": current.mode,
                                   "location": Location.get_by_id(current.location_id).code})
    reader.approved_at, reader.approved_by = now, by
    return reader


def revoke_token(reader: Reader, *, by=None, ip: str = "", now: datetime | None = None) -> None:
    """Revoke the reader's token: its posts are refused until a new token is issued."""
    now = now or clock.now()
    if reader.token_hash is None:
        raise ConflictError(N_("The token of %(name)s is already revoked."), name=reader.name)
    with write_tx():
        Reader.update(token_hash=None, is_active=False).where(Reader.id == reader.id).execute()
        audit.append_audit("reader.revoke_token", user=by, target=f"reader:{reader.name}", ip=ip, at=now,
                           detail={"token": reader.token_prefix})
    reader.token_hash, reader.is_active = None, False


def reader_for_token(secret: str) -> Reader | None:
    """The active reader this bearer token belongs to, or None (compared in constant time)."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = _digest(secret)
    reader = Reader.get_or_none((Reader.token_hash == digest) & (Reader.is_active == True))  # noqa: E712
    if reader is None or not hmac.compare_digest(reader.token_hash or "", digest):
        return None
    return reader


def reader_settings(reader: Reader) -> dict:
    try:
        value = json.loads(reader.settings or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------- batch validation

class BatchError(ValidationError):
    """A batch with malformed rows; `rows` lists each bad row with its own message. Nothing applied."""

    code = "invalid_batch"
    template = N_("%(n)s of the events in this batch are malformed; nothing was recorded.")

    def __init__(self, rows: list[dict]):
        super().__init__(n=len(rows))
        self.rows = rows


class SeqConflictError(ConflictError):
    """The batch reuses sequence numbers the server holds for different reads (the reader lost its spool)."""

    code = "seq_conflict"
    template = N_("Sequence number %(seq)s is already recorded for a different read; continue after %(last_seq)s.")


@dataclass
class ReadIn:
    seq: int
    kind: str
    tag: str
    scheme: str
    symbology: str
    read_at: datetime


def parse_time(value) -> datetime | None:
    """ISO 8601 (Z or offset, or naive = UTC) → naive UTC; None if unreadable."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    return moment


# how far ahead of the server's clock a read may be dated (the readers' clocks drift; NTP keeps them within
# seconds): a read further in the future is refused, so nobody can pre-date custody (docs/security.md)
CLOCK_SKEW = timedelta(minutes=2)


def validate_batch(events, *, now: datetime) -> list[ReadIn]:
    """Check every row; raises BatchError listing each bad row (index, seq, field, message)."""
    if not isinstance(events, list):
        raise ValidationError(N_("'events' must be a list."))
    if len(events) > MAX_BATCH:
        raise ValidationError(N_("At most %(n)s events per batch."), n=MAX_BATCH)
    rows, errors, seen = [], [], set()
    latest = now + CLOCK_SKEW

    def bad(index, row, fieldname, message, **params):
        seq = row.get("seq") if isinstance(row, dict) else None
        errors.append({"index": index, "seq": seq if isinstance(seq, int) else None, "field": fieldname,
                       "message": message, "params": params})

    for index, row in enumerate(events):
        if not isinstance(row, dict):
            bad(index, row, "", N_("Each event must be a JSON object."))
            continue
        seq = row.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < 2 ** 62:
            bad(index, row, "seq", N_("seq must be a positive whole number."))
            continue
        if seq in seen:
            bad(index, row, "seq", N_("seq %(seq)s appears twice in this batch."), seq=seq)
            continue
        seen.add(seq)
        kind = row.get("kind", "read")
        if kind not in READ_KINDS:
            bad(index, row, "kind", N_("kind must be read or departed."))
            continue
        tag = row.get("tag")
        if not isinstance(tag, str) or not tag.strip() or len(tag) > 200:
            bad(index, row, "tag", N_("tag must be a text of 1 to 200 characters."))
            continue
        scheme = row.get("scheme", "")
        if scheme not in TAG_SCHEMES:
            bad(index, row, "scheme", N_("scheme must be one of em4100, em-decimal, epc, barcode."))
            continue
        symbology = row.get("symbology") or ""
        if not isinstance(symbology, str) or len(symbology) > 4:
            bad(index, row, "symbology", N_("symbology must be an AIM identifier such as ]C0."))
            continue
        read_at = parse_time(row.get("read_at"))
        if read_at is None:
            bad(index, row, "read_at", N_("read_at must be an ISO 8601 time."))
            continue
        if read_at > latest:
            bad(index, row, "read_at", N_("read_at lies in the future: check the reader's clock."))
            continue
        rows.append(ReadIn(seq, kind, tag.strip(), scheme, symbology, read_at))
    if errors:
        raise BatchError(errors)
    return rows


# ---------------------------------------------------------------- resolution

@dataclass
class Resolved:
    kind: str = "unknown"  # item | person | location | visitor | unknown
    item: Item | None = None
    person: Person | None = None
    location: Location | None = None
    visitor: object = None  # people.models.Visitor (a visitor's pass code)


def _key(row: "ReadIn") -> tuple[str, str]:
    return (row.scheme, row.tag.upper() if row.scheme in ("em4100", "epc") else row.tag)


def _resolve_all(rows: list[ReadIn]) -> dict[tuple[str, str], Resolved]:
    """Resolve every distinct (scheme, tag) of a batch with as few queries as possible."""
    out: dict[tuple[str, str], Resolved] = {}
    rfid = {r.tag.upper() for r in rows if r.scheme in ("em4100", "epc")}
    if rfid:
        bound = list(Tag.select(Tag.tag, Tag.item, Tag.person).where(Tag.tag.in_(sorted(rfid))).tuples())
        item_ids = {i for _t, i, _p in bound if i}
        person_ids = {p for _t, i, p in bound if p and not i}
        # only the columns the rules read: building full rows is most of a batch's Python time
        items = {i.id: i for i in Item.select(Item.id, Item.code, Item.kind, Item.state, Item.location,
                                              Item.holder, Item.state_since).where(Item.id.in_(item_ids))} if item_ids else {}
        people = {p.id: p for p in Person.select(Person.id, Person.name, Person.badge_code, Person.badge_status,
                                                 Person.valid_from, Person.valid_until)
                  .where(Person.id.in_(person_ids))} if person_ids else {}
        for tag, item_id, person_id in bound:
            res = Resolved("item", item=items[item_id]) if item_id else Resolved("person", person=people[person_id])
            for scheme in ("em4100", "epc"):
                out[(scheme, tag)] = res
    for row in rows:
        key = _key(row)
        if key in out:
            continue
        if row.scheme in ("em4100", "epc"):
            out[key] = Resolved()
        elif row.scheme == "em-decimal":
            out[key] = _resolve_decimal(row.tag)
        else:
            out[key] = _resolve_code(row.tag)
    return out


def _resolve_decimal(digits: str) -> Resolved:
    # 8H10D: the decimal is the EM4100 ID without its version byte (READERS.md §1.1)
    if not digits.isdigit() or int(digits) > 0xFFFFFFFF:
        return Resolved()
    suffix = f"{int(digits):08X}"
    matches = list(Tag.select().where(Tag.tag.endswith(suffix)).limit(2))
    if len(matches) != 1 or len(matches[0].tag) != 10:
        return Resolved()
    tag = matches[0]
    return Resolved("item", item=tag.item) if tag.item_id else Resolved("person", person=tag.person)


def _resolve_code(text: str) -> Resolved:
    code = normalize_scan(text)
    if not code:
        return Resolved()
    item = Item.get_or_none(Item.code == code)
    if item is not None:
        return Resolved("item", item=item)
    person = Person.get_or_none(Person.badge_code == code)
    if person is not None:
        return Resolved("person", person=person)
    location = Location.get_or_none(Location.code == code)
    if location is not None:
        return Resolved("location", location=location)
    tag = Tag.get_or_none(Tag.tag == code)
    if tag is not None:
        return Resolved("item", item=tag.item) if tag.item_id else Resolved("person", person=tag.person)
    from .people.models import Visitor

    visitor = Visitor.get_or_none(Visitor.pass_code == code)
    if visitor is not None:
        return Resolved("visitor", visitor=visitor)
    return Resolved()


# ---------------------------------------------------------------- door rules

def outside_working_hours(moment: datetime, site: Site) -> bool:
    """True if the naive-UTC moment is outside the site's working hours (site-local).

    working_hours is {"mon": ["08:00", "18:00"], ...}; empty means always open; a day missing
    from a non-empty table, or a listed holiday, is closed.
    """
    try:
        hours = json.loads(site.working_hours or "{}")
        holidays = set(json.loads(site.holidays or "[]"))
    except ValueError:
        return False
    if not hours:
        return False
    local = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(site.timezone))
    if local.date().isoformat() in holidays:
        return True
    span = hours.get(WEEKDAYS.values_tuple[local.weekday()])
    if not span or len(span) != 2:
        return True
    clock = local.strftime("%H:%M")
    return not (span[0] <= clock < span[1])


def access_decision(person: Person | None, moment: datetime, site: Site) -> tuple[bool, str]:
    """(allowed, reason) for a badge at a door at this moment."""
    if person is None:
        return False, "unknown_badge"
    status = person.badge_status
    if status == "pending":
        return False, "not_vetted"
    if status in ("suspended", "revoked"):
        return False, status
    local_day = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(site.timezone)).date()
    if person.valid_until and local_day > person.valid_until:
        return False, "expired"
    if person.valid_from and local_day < person.valid_from:
        return False, "not_yet_valid"
    if status != "active":
        return False, "not_vetted"
    if outside_working_hours(moment, site):
        return False, "after_hours"
    return True, ""


@dataclass
class _Batch:
    """What one batch shares: the reader, its place and site, its settings, rows to insert at the end."""

    reader: Reader
    location: Location
    site: Site
    settings: dict
    now: datetime
    passes: list = field(default_factory=list)


def _door_pass(ctx: _Batch, row: ReadIn, res: Resolved) -> str:
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


def _visitor_pass(ctx: _Batch, row: ReadIn, res: Resolved) -> str:
    # a visitor passes only right after their escort's badge at this door (people area); the pass is a
    # door-log row like any other, its credential the visitor's pass code
    from .people.services import visitor_pass_decision

    reader, now, visitor = ctx.reader, ctx.now, res.visitor
    allowed, reason = visitor_pass_decision(visitor, reader_id=reader.id, moment=row.read_at,
                                            pending_passes=ctx.passes)
    if allowed and outside_working_hours(row.read_at, ctx.site):
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


def _exit_alarm(ctx: _Batch, row: ReadIn, item: Item) -> str:
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
    return services.move(item.code, to=target, actor=None, via="reader", reader=reader, now=row.read_at,
                         note=f"{reader.name}")


def _is_late(item: Item, row: ReadIn) -> bool:
    """A read from before the item's current state began: applying it would put history out of order."""
    return item.state_since is not None and row.read_at < item.state_since


def _apply(ctx: _Batch, row: ReadIn, res: Resolved) -> tuple[str, int | None]:
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
        if mode in ("internal_door", "shelf", "station") and _is_late(item, row):
            if mode == "shelf" and item.location_id == reader.location_id and item.state == "in_storage":
                return "present", None
            intended = "return" if mode == "shelf" else (settings.get("action") or "move")
            event = services.record_late_read(item.code, intended=intended, read_at=row.read_at,
                                              location=ctx.location, reader=reader, now=ctx.now)
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
            event = services.return_to_storage(item.code, to=ctx.location, actor=None, via="reader",
                                               reader=reader, now=row.read_at)
            return "returned", event.id
        if mode == "station":
            action = settings.get("action", "return_to_storage")
            if action == "none":
                return "recorded", None
            if action == "step":
                from .flow import services as flow

                result = flow.record_station_step(item, settings["step"], device=settings.get("device"),
                                                  reader=reader, location=ctx.location, now=row.read_at)
                return f"step:{result.row.outcome}"[:40], result.event.id
            to = Location.by_code(settings["location"]) if settings.get("location") else ctx.location
            call = services.return_to_storage if action == "return_to_storage" else services.move
            event = call(item.code, to=to, actor=None, via="reader", reader=reader, now=row.read_at)
            return ("returned" if event.kind == "return" else "moved"), event.id
    except CustodyError as err:
        return f"refused:{err.code}"[:40], None
    return "ignored", None


# ---------------------------------------------------------------- ingest

@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    last_seq: int = 0
    outcomes: list = field(default_factory=list)  # (seq, outcome) for the newly recorded reads


def _bulk_insert(model, rows: list[dict]) -> None:
    """One multi-row INSERT with plain SQL: peewee's insert_many spends ~15 ms building 50 rows."""
    names = list(rows[0])
    fields = [model._meta.fields[n] for n in names]
    param = db.obj.param
    group = "(" + ", ".join([param] * len(names)) + ")"
    sql = (f'INSERT INTO "{model._meta.table_name}" ({", ".join(f.column_name for f in fields)}) VALUES '
           + ", ".join([group] * len(rows)))
    db.execute_sql(sql, [field.db_value(row[n]) for row in rows for n, field in zip(names, fields, strict=False)])


def _lock_reader(reader: Reader) -> Reader:
    query = Reader.select().where(Reader.id == reader.id)
    if not is_sqlite():
        query = query.for_update()  # one batch per reader at a time: dedupe stays exact
    return query.get()


def ingest(reader: Reader, events, heartbeat=None, *, now: datetime | None = None) -> IngestResult:
    """Record a batch of reads from a reader, once per sequence number, and apply the rules.

    Raises BatchError / ValidationError for a malformed batch (nothing recorded).
    """
    now = now or clock.now()
    rows = validate_batch(events, now=now)
    if heartbeat is not None and not isinstance(heartbeat, dict):
        raise ValidationError(N_("'heartbeat' must be a JSON object."))
    result = IngestResult()
    # on SQLite write_tx queues concurrent batches on the site's write lock, not in the busy handler
    with write_tx():
        reader = _lock_reader(reader)
        if rows:
            seqs = [r.seq for r in rows]
            stored = {s: (k, t, at) for s, k, t, at in
                      ReaderRead.select(ReaderRead.seq, ReaderRead.kind, ReaderRead.tag, ReaderRead.read_at)
                      .where((ReaderRead.reader == reader) & (ReaderRead.seq.in_(seqs))).tuples()}
            for row in rows:
                # a replay carries the same read; a different read under a known number is a reader
                # that lost its spool and numbers from 1 again: refuse, so it renumbers instead of losing reads
                if row.seq in stored and stored[row.seq][:2] != (row.kind, row.tag):
                    raise SeqConflictError(seq=row.seq, last_seq=reader.last_seq)
            known = set(stored)
            fresh = sorted((r for r in rows if r.seq not in known), key=lambda r: r.seq)
            result.duplicates = len(rows) - len(fresh)
            if fresh:
                location = Location.get_by_id(reader.location_id)
                ctx = _Batch(reader, location, Site.get_by_id(location.site_id), reader_settings(reader), now)
                resolved = _resolve_all(fresh)
                records = []
                for row in fresh:
                    res = resolved[_key(row)]
                    outcome, event_id = _apply(ctx, row, res)
                    records.append({"reader": reader.id, "seq": row.seq, "kind": row.kind, "read_at": row.read_at,
                                    "received_at": now, "tag": row.tag, "scheme": row.scheme,
                                    "symbology": row.symbology, "resolved_kind": res.kind,
                                    "item": res.item.id if res.item else None,
                                    "person": res.person.id if res.person else None,
                                    "location": res.location.id if res.location else None,
                                    "outcome": outcome, "detail": "", "event_id": event_id})
                    result.outcomes.append((row.seq, outcome))
                # one statement each for the batch's raw reads and door passes
                _bulk_insert(ReaderRead, records)
                if ctx.passes:
                    _bulk_insert(AccessEvent, ctx.passes)
            result.accepted = len(fresh)
        last_seq = max([reader.last_seq] + [r.seq for r in rows])
        Reader.update(last_seq=last_seq, last_heartbeat_at=now).where(Reader.id == reader.id).execute()
        result.last_seq = last_seq
        if heartbeat is not None:
            _store_status(reader, heartbeat, now)
        _resolve_offline(reader, now)
    return result


def _store_status(reader: Reader, heartbeat: dict, now: datetime) -> None:
    stats = {k: v for k, v in heartbeat.items() if isinstance(k, str) and len(k) <= 40
             and isinstance(v, str | int | float | bool) and len(str(v)) <= 200}
    rejected = stats.get("rejected_frames") if isinstance(stats.get("rejected_frames"), int) else 0
    (ReaderStatus.insert(reader=reader, stats=audit.canonical_json(stats), updated_at=now, rejected_total=rejected)
     .on_conflict(conflict_target=[ReaderStatus.reader],
                  update={ReaderStatus.stats: audit.canonical_json(stats), ReaderStatus.updated_at: now,
                          ReaderStatus.rejected_total: rejected})
     .execute())


def _resolve_offline(reader: Reader, now: datetime) -> None:
    (Alert.update(status="resolved", resolved_at=now, resolution="reader is speaking again", is_auto_resolved=True)
     .where((Alert.reader == reader) & (Alert.kind == "reader_offline") & (Alert.status != "resolved"))
     .execute())


# ---------------------------------------------------------------- periodic checks (scheduler, CLI)

def is_online(reader: Reader, now: datetime, offline_seconds: int = DEFAULT_OFFLINE_SECONDS) -> bool:
    """True if the reader has spoken within its offline limit."""
    limit = reader_settings(reader).get("offline_seconds", offline_seconds)
    return reader.last_heartbeat_at is not None and now - reader.last_heartbeat_at <= timedelta(seconds=limit)


def check_reader_heartbeats(now: datetime | None = None, *,
                            offline_seconds: int = DEFAULT_OFFLINE_SECONDS) -> list[Alert]:
    """Open a "reader offline" alert for each active reader silent longer than its limit; returns them."""
    now = now or clock.now()
    opened = []
    readers = Reader.select().where((Reader.is_active == True) & Reader.token_hash.is_null(False))  # noqa: E712
    for reader in readers:
        limit = reader_settings(reader).get("offline_seconds", offline_seconds)
        last = reader.last_heartbeat_at or reader.created_at
        if now - last <= timedelta(seconds=limit):
            continue
        with write_tx():
            exists = (Alert.select().where((Alert.reader == reader) & (Alert.kind == "reader_offline")
                                           & (Alert.status != "resolved")).exists())
            if exists:
                continue
            opened.append(alerts.open_alert(
                "reader_offline", severity="warning", reader=reader, location=reader.location, now=now,
                message=f"{reader.name} · {last.isoformat(timespec='seconds')}Z",
                data=audit.canonical_json({"last_heard": last.isoformat(), "limit_seconds": limit})))
    return opened


def check_shelf_departures(now: datetime | None = None, *,
                           grace_minutes: int = DEFAULT_DEPARTURE_GRACE_MINUTES) -> list[Alert]:
    """Settle departures older than the grace period: a tag gone from its shelf with no check-out
    (or move) recorded within the grace period, and not seen again, opens a "removed without
    check-out" alert. Returns the alerts opened."""
    now = now or clock.now()
    opened = []
    pending = (ReaderRead.select(ReaderRead, Reader).join(Reader)
               .where(ReaderRead.outcome == "departure_pending").order_by(ReaderRead.id))
    for read in pending:
        grace = timedelta(minutes=reader_settings(read.reader).get("departure_grace_minutes", grace_minutes))
        if read.read_at + grace > now:
            continue
        with write_tx():
            moved = (Event.select().where((Event.item == read.item_id) & (Event.at >= read.read_at - grace)
                                          & (Event.at <= read.read_at + grace) & (Event.src == read.reader.location_id))
                     .exists())
            seen_again = (ReaderRead.select().where((ReaderRead.reader == read.reader_id)
                                                    & (ReaderRead.tag == read.tag) & (ReaderRead.kind == "read")
                                                    & (ReaderRead.read_at > read.read_at)).exists())
            if moved or seen_again:
                outcome = "departed_checked_out" if moved else "departed_seen_again"
            else:
                outcome = "removed_without_checkout"
                item = Item.get_by_id(read.item_id)
                opened.append(alerts.open_alert(
                    "removed_without_checkout", severity="critical", item=item, reader=read.reader,
                    location=read.reader.location, dedupe_key=f"removed:{read.id}", now=now,
                    message=f"{item.code} · {read.reader.name}",
                    data=audit.canonical_json({"departed_at": read.read_at.isoformat(), "tag": read.tag})))
            ReaderRead.update(outcome=outcome).where(ReaderRead.id == read.id).execute()
    return opened


def run_checks(now: datetime | None = None, *, offline_seconds: int = DEFAULT_OFFLINE_SECONDS,
               grace_minutes: int = DEFAULT_DEPARTURE_GRACE_MINUTES) -> dict:
    """Both periodic checks; what the scheduler and `custody check-readers` call."""
    now = now or clock.now()
    offline = check_reader_heartbeats(now, offline_seconds=offline_seconds)
    removed = check_shelf_departures(now, grace_minutes=grace_minutes)
    return {"offline": offline, "removed": removed}


def get_reader(reader_id: int) -> Reader:
    """The reader with this id; raises NotFoundError."""
    reader = Reader.get_or_none(Reader.id == reader_id)
    if reader is None:
        raise NotFoundError(N_("Unknown reader: %(id)s"), id=reader_id)
    return reader


__all__ = ["BatchError", "access_decision", "approve_reader", "check_reader_heartbeats", "check_shelf_departures",
           "get_reader", "ingest", "is_online", "outside_working_hours", "reader_for_token", "register_reader",
           "revoke_token", "rotate_token", "run_checks"]
