"""Handover services: one function per state change, each one transaction, typed refusals.

Custody changes go through the custody core (services._record appends the hash-chained event and moves
the item's current state), so a handover's confirmation writes one ordinary event per volume, linked to
the list by its line (HandoverLine.event) and the event's data ({"handover": number}).
"""
from datetime import datetime

from peewee import JOIN, Case, fn

from app.db import db, is_sqlite, write_tx

from .. import alerts, audit, clock, services, statements
from .. import rules as core_rules
from ..codes import normalize_scan
from ..errors import N_, ConflictError, NotAllowedError, NotFoundError, QuarantinedError, ValidationError
from ..models import Item, Location, Person, User
from . import rules
from .codes import CONDITIONS, DAMAGE_SOURCES, DIRECTIONS
from .errors import (
    AlreadyConfirmedError,
    AlreadyHandedOverError,
    BatchNotFound,
    HandoverClosedError,
    HandoverLockedError,
    HandoverNotFound,
    NoPersonError,
    NotHandedOverError,
    NotInBatchError,
    UnresolvedDifferencesError,
)
from .models import Batch, BatchItem, DamageNote, DamageRecord, Handover, HandoverLine, QuarantineRecord

MAX_BATCH = 5000
SECRECY_MARK = "secrecy mark found"


def _now(now):
    return now or clock.now()


def _user_id(user):
    return user.id if isinstance(user, User) else user


def _item(code) -> Item:
    if isinstance(code, Item):
        return code
    return Item.by_code(code)


def get_batch(number) -> Batch:
    """The batch with this number (or the Batch itself); raises BatchNotFound."""
    if isinstance(number, Batch):
        return number
    batch = Batch.get_or_none(Batch.number == str(number).strip().upper())
    if batch is None:
        raise BatchNotFound(number=number)
    return batch


def get_handover(number) -> Handover:
    """The handover with this number (or the Handover itself); raises HandoverNotFound."""
    if isinstance(number, Handover):
        return number
    handover = statements.row_by(Handover, "number", str(number).strip().upper())  # every scan names it
    if handover is None:
        raise HandoverNotFound(number=number)
    return handover


def _next_number(model, prefix: str, now: datetime) -> str:
    stem = f"{prefix}{now:%Y%m%d}-"
    last = (model.select(fn.MAX(model.number)).where(model.number.startswith(stem)).scalar())
    n = int(last[len(stem):]) + 1 if last and last[len(stem):].isdigit() else 1
    return f"{stem}{n:03d}"


# ---------------------------------------------------------------- batches


def resolve_entries(entries: list[str]) -> tuple[list[Item], list[str]]:
    """Items named by entries (codes, archive numbers, ranges of archive numbers); and the entries naming nothing."""
    found: dict[int, Item] = {}
    unknown = []
    for entry in entries:
        expanded = rules.expand_range(entry)
        if expanded is not None:
            for item in Item.select().where(Item.archive_no.in_(expanded)).order_by(Item.archive_no):
                found.setdefault(item.id, item)
            continue
        item = statements.item_by_code(normalize_scan(entry))
        if item is None:
            item = Item.get_or_none(Item.archive_no == entry)
        if item is None:
            unknown.append(entry)
        else:
            found.setdefault(item.id, item)
    return list(found.values()), unknown


def entries_from_catalogue(path, filename: str) -> list[str]:
    """The archive numbers (else codes) a catalogue file lists, read as the catalogue import reads it.

    Raises ValidationError when the file cannot be read or has no header row.
    """
    from .. import imports  # the import's column reading: the same headers (档号, 条码 …), title rows, blanks

    result = imports.ImportResult(kind="items", filename=filename)
    try:
        rows, _total = imports.open_rows(path, filename)
        columns = imports.read_header(rows, "items", result)
    except imports.FileProblem as problem:
        raise ValidationError(problem.error.template, **problem.error.params) from problem
    except (UnicodeDecodeError, ValueError, OSError) as err:
        raise ValidationError(N_("The file is not a readable .xlsx workbook.")) from err
    wanted = {field: index for index, field in columns.items()}
    entries = []
    for _number, row in rows:
        for field in ("archive_no", "code"):
            index = wanted.get(field)
            if index is not None and index < len(row):
                text = imports.cell_text(row[index])
                if text:
                    entries.append(text)
                    break
    return entries


def make_batch(entries: list[str], *, user, title: str = "", note: str = "", now: datetime | None = None) -> Batch:
    """Make a batch (调档) of the volumes the entries name, in one transaction.

    Raises ValidationError (nothing listed, an entry naming no volume, too many).
    """
    now = _now(now)
    entries = [e for e in (x.strip() for x in entries) if e]
    if not entries:
        raise ValidationError(N_("List at least one archive number or code."))
    items, unknown = resolve_entries(entries)
    if unknown:
        raise ValidationError(N_("Not found: %(entries)s"), entries=", ".join(unknown[:20]))
    items = [i for i in items if i.kind == "volume"]
    if not items:
        raise ValidationError(N_("List at least one archive number or code."))
    if len(items) > MAX_BATCH:
        raise ValidationError(N_("A batch holds at most %(n)d volumes."), n=MAX_BATCH)
    with write_tx():
        batch = Batch.create(number=_next_number(Batch, "PC", now), title=(title or "").strip()[:200],
                             note=note or "", created_by=_user_id(user), created_at=now)
        BatchItem.insert_many([{"batch": batch.id, "item": item.id, "position": n}
                               for n, item in enumerate(items)]).execute()
        audit.append_audit("batch.create", user=user if isinstance(user, User) else None,
                           target=f"batch:{batch.number}", detail={"volumes": len(items)}, at=now)
    return batch


def batch_stage(stage: str, item_state: str) -> str:
    """Where a batch volume is now: back / handed over (from the handovers), else in storage or out."""
    if stage in ("back", "handed_over"):
        return stage
    return "in_storage" if item_state == "in_storage" else "out"


def batch_counts(batch) -> dict[str, int]:
    """How many of the batch's volumes are in storage, out, handed over, back."""
    batch = get_batch(batch)
    counts = {"in_storage": 0, "out": 0, "handed_over": 0, "back": 0}
    rows = (BatchItem.select(BatchItem.stage, Item.state).join(Item).where(BatchItem.batch == batch.id).tuples())
    for stage, state in rows:
        counts[batch_stage(stage, state)] += 1
    return counts


def pick_list(batch) -> list[tuple[Item, str]]:
    """The batch's volumes with their shelf, sorted by shelf then archive number (one walk)."""
    batch = get_batch(batch)
    rows = (Item.select(Item, Location).join(BatchItem, on=(BatchItem.item == Item.id))
            .switch(Item).join(Location, on=(Item.location == Location.id), join_type=JOIN.LEFT_OUTER)
            .where(BatchItem.batch == batch.id))
    out = []
    for item in rows:
        location = item.location
        out.append((item, location.code if location is not None else ""))
    out.sort(key=lambda pair: (pair[1] == "", pair[1], pair[0].archive_no, pair[0].code))
    return out


# ---------------------------------------------------------------- handovers


def _default_location(direction: str) -> Location | None:
    kinds = ("workroom", "workstation") if direction == "to_service" else ("storage",)
    return (Location.select().where(Location.kind.in_(kinds) & (Location.is_active == True))  # noqa: E712
            .order_by(Location.id).first())


def open_handover(direction: str, *, user, batch=None, location=None, corrects=None, note: str = "",
                  now: datetime | None = None) -> Handover:
    """Open a handover list (draft) in a direction, for a batch or none; raises ValidationError, NotFoundError."""
    now = _now(now)
    if direction not in DIRECTIONS:
        raise ValidationError(N_("Unknown direction: %(direction)s"), direction=direction)
    with write_tx():
        batch = get_batch(batch) if batch else None
        corrected = get_handover(corrects) if corrects else None
        if corrected is not None and corrected.status != "confirmed":
            raise ValidationError(N_("Only a confirmed handover can be corrected; change %(number)s itself."),
                                  number=corrected.number)
        if location is not None and not isinstance(location, Location):
            location = Location.by_code(location)
        location = location or _default_location(direction)
        if direction == "to_service" and (location is None or core_rules.is_returned(location)):
            raise ValidationError(N_("An outgoing handover needs a working location (a workroom)."))
        return Handover.create(number=_next_number(Handover, "JJ", now), direction=direction,
                               batch=batch.id if batch else None, location=location.id if location else None,
                               corrects=corrected.id if corrected else None, created_by=_user_id(user),
                               created_at=now, note=note or "")


def _lock_handover(number) -> Handover:
    handover = get_handover(number)
    if not is_sqlite():
        handover = Handover.select().where(Handover.id == handover.id).for_update().get()
    return handover


def _ensure_open(handover: Handover) -> None:
    if handover.status == "confirmed":
        raise HandoverClosedError(number=handover.number)
    if handover.from_confirmed_at is not None or handover.to_confirmed_at is not None:
        raise HandoverLockedError(number=handover.number)


def _side_of(handover: Handover, person: Person, side: str | None) -> str:
    if side is None:
        side = next(s for s in ("from", "to") if rules.side_org(handover.direction, s) == person.org_kind) \
            if person.org_kind in ("archive", "service") else "from"
    if side not in ("from", "to"):
        raise ValidationError(N_("Unknown side: %(side)s"), side=side)
    rules.ensure_org(person, handover.direction, side)
    return side


def _ensure_may_hand(handover: Handover, item: Item) -> None:
    """The volume's state allows it on the list (the handing side's scan)."""
    if handover.direction == "to_service":
        if item.state == "quarantined":
            raise QuarantinedError(code=item.code)
        if item.state != "in_storage":
            raise AlreadyHandedOverError(code=item.code)
    elif item.state not in ("out", "quarantined"):
        raise NotHandedOverError(code=item.code)


def scan_line(number, code, *, actor: Person | None, user=None, side: str | None = None, pages: int | None = None,
              condition: str = "intact", note: str = "", now: datetime | None = None) -> HandoverLine:
    """Record one side's scan of a volume on a draft handover (pages, condition, note); a rescan corrects it.

    side: "from" (handing) or "to" (receiving); default: the side of the actor's organisation.
    Raises NoPersonError, WrongOrganisationError, HandoverClosedError, HandoverLockedError, ItemNotFound,
    NotInBatchError, AlreadyHandedOverError, NotHandedOverError, QuarantinedError, ValidationError.
    """
    now = _now(now)
    if actor is None:
        raise NoPersonError()
    if condition not in CONDITIONS:
        raise ValidationError(N_("Unknown condition: %(condition)s"), condition=condition)
    if pages is not None and (not isinstance(pages, int) or pages < 0):
        raise ValidationError(N_("Pages must be a whole number, 0 or more."))
    if condition != "intact" and not (note or "").strip():
        raise ValidationError(N_("Say what is wrong with the volume in the note."))
    with write_tx():
        handover = _lock_handover(number)
        _ensure_open(handover)
        side = _side_of(handover, actor, side)
        item = _item(code)
        if item.kind != "volume":  # media and devices move on loans (app/custody/media), not on a 交接单
            raise ValidationError(N_("Only archive volumes go on a handover list: %(code)s is not a volume."),
                                  code=item.code)
        line = _line(handover.id, item.id)
        if side == "from":
            if handover.batch_id is not None and not _in_batch(handover.batch_id, item.id):
                raise NotInBatchError(code=item.code, batch=handover.batch.number)
            _ensure_may_hand(handover, item)
        if line is None:
            line = HandoverLine(handover=handover, item=item)
        else:
            line.handover, line.item = handover, item  # the caller reads both: no lazy look-ups
        if pages is None:
            pages = item.pages
        setattr(line, f"{side}_pages", pages)
        setattr(line, f"{side}_condition", condition)
        setattr(line, f"{side}_note", (note or "").strip())
        setattr(line, f"{side}_at", now)
        line.resolution, line.resolution_note = "", ""  # a rescan is a correction: judge the line again
        if line.id is None:
            line.save()
        else:
            _save_side(line, side)
        if condition in ("damaged", "pages_missing") and not DamageRecord.select().where(
                (DamageRecord.item == item.id) & (DamageRecord.status == "open")).exists():
            register_damage(item, actor=actor, user=user, description=note, source="handover", handover=handover,
                            now=now)
    line.scanned_side = side  # which side this scan recorded (the scan page says what it did)
    return line


# a handover's scans are its hot path (1,000 for a 500-volume list): their look-ups are compiled once
# (app/custody/statements.py explains why)
_LINE_FIELDS = HandoverLine._meta.sorted_fields


def _line(handover_id: int, item_id: int) -> HandoverLine | None:
    sql = statements._sql(("handover_line", "by_item"), lambda: HandoverLine.select(*_LINE_FIELDS).where(
        (HandoverLine.handover == 0) & (HandoverLine.item == 0)).sql()[0])
    row = db.execute_sql(sql, (handover_id, item_id)).fetchone()
    return None if row is None else statements._instance(HandoverLine, _LINE_FIELDS, row)


def _in_batch(batch_id: int, item_id: int) -> bool:
    sql = statements._sql(("batch_item", "exists"), lambda: BatchItem.select(BatchItem.id).where(
        (BatchItem.batch == 0) & (BatchItem.item == 0)).sql()[0])
    return db.execute_sql(sql, (batch_id, item_id)).fetchone() is not None


def _save_side(line: HandoverLine, side: str) -> None:
    fields = [getattr(HandoverLine, f"{side}_{name}") for name in ("pages", "condition", "note", "at")]
    fields += [HandoverLine.resolution, HandoverLine.resolution_note]
    fields.sort(key=lambda f: f._sort_key)  # the order peewee writes an UPDATE's columns in

    def build():
        return HandoverLine.update({f: f.db_value("") for f in fields}).where(HandoverLine.id == 0).sql()[0]

    sql = statements._sql(("handover_line", "save", side), build)
    db.execute_sql(sql, [f.db_value(getattr(line, f.name)) for f in fields] + [line.id])


def outgoing_lines(handover: Handover, item_ids) -> dict[int, HandoverLine]:
    """For a return handover: each volume's line on the latest confirmed outgoing list."""
    if handover.direction != "to_archive" or not item_ids:
        return {}
    found: dict[int, HandoverLine] = {}
    rows = (HandoverLine.select(HandoverLine).join(Handover)
            .where((Handover.direction == "to_service") & (Handover.status == "confirmed")
                   & HandoverLine.item.in_(list(item_ids)))
            .order_by(Handover.to_confirmed_at, Handover.id))
    for line in rows:
        found[line.item_id] = line  # the latest wins
    return found


def lines_with_differences(number) -> list[tuple[HandoverLine, list[str], HandoverLine | None]]:
    """Every line of a handover with what differs on it and its outgoing line (return lists)."""
    handover = get_handover(number)
    lines = list(HandoverLine.select(HandoverLine, Item).join(Item)
                 .where(HandoverLine.handover == handover.id).order_by(HandoverLine.id))
    outgoing = outgoing_lines(handover, [line.item_id for line in lines])
    return [(line, rules.differences(line, outgoing.get(line.item_id)), outgoing.get(line.item_id))
            for line in lines]


def unresolved(number) -> list[tuple[HandoverLine, list[str]]]:
    """The lines whose differences are not yet resolved."""
    return [(line, diffs) for line, diffs, _out in lines_with_differences(number) if diffs and not line.resolution]


def accept_difference(number, code, *, actor: Person | None, user=None, note: str,
                      now: datetime | None = None) -> HandoverLine:
    """Note and accept the differences on one line (a missing or extra volume then stays where it is).

    Raises ValidationError (no note, nothing to accept), HandoverClosedError, HandoverLockedError.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError(N_("Say why the difference is accepted."))
    if actor is None:
        raise NoPersonError()
    with write_tx():
        handover = _lock_handover(number)
        _ensure_open(handover)
        item = _item(code)
        line = HandoverLine.get_or_none((HandoverLine.handover == handover.id) & (HandoverLine.item == item.id))
        if line is None:
            raise NotInBatchError(N_("%(code)s is not on handover %(batch)s."), code=item.code,
                                  batch=handover.number)
        outgoing = outgoing_lines(handover, [item.id]).get(item.id)
        if not rules.differences(line, outgoing):
            raise ValidationError(N_("Nothing differs on %(code)s."), code=item.code)
        line.resolution, line.resolution_note = "accepted", f"{actor.name}: {note}"
        line.save()
    return line


def confirm(number, *, actor: Person | None, user, side: str | None = None, via: str = "web",
            now: datetime | None = None) -> Handover:
    """Confirm one side of a handover with the caller's own login; the second confirmation passes custody.

    On the second confirmation every volume both sides scanned moves in this one transaction (one custody
    event per volume, linked to its line); a failure on any volume leaves everything as it was.
    Raises NoPersonError, WrongOrganisationError, SamePersonError, AlreadyConfirmedError,
    UnresolvedDifferencesError, HandoverClosedError, ValidationError (nothing scanned), NotAllowedError,
    AlreadyHandedOverError, NotHandedOverError, QuarantinedError.
    """
    now = _now(now)
    if actor is None:
        raise NoPersonError()
    with write_tx():
        handover = _lock_handover(number)
        if handover.status == "confirmed":
            raise HandoverClosedError(number=handover.number)
        side = _side_of(handover, actor, side)
        if getattr(handover, f"{side}_confirmed_at") is not None:
            raise AlreadyConfirmedError(number=handover.number)
        other = "to" if side == "from" else "from"
        rules.ensure_two_people(actor, getattr(handover, f"{other}_person_id"))
        lines = lines_with_differences(handover)
        if not any(rules.is_included(line) for line, _d, _o in lines):
            raise ValidationError(N_("Both sides must scan at least one volume before confirming."))
        open_diffs = sum(1 for line, diffs, _o in lines if diffs and not line.resolution)
        if open_diffs:
            raise UnresolvedDifferencesError(count=open_diffs)
        roles = user.roles if isinstance(user, User) else frozenset()
        if (handover.direction == "to_archive" and side == "to" and "archivist" not in roles
                and any(line.item.state == "quarantined" for line, _d, _o in lines if rules.is_included(line))):
            raise NotAllowedError(N_("A quarantined volume is received back only by an archivist."))
        setattr(handover, f"{side}_person", actor.id)
        setattr(handover, f"{side}_user", _user_id(user))
        setattr(handover, f"{side}_confirmed_at", now)
        setattr(handover, f"{side}_org", actor.organisation or "")
        if handover.from_confirmed_at is not None and handover.to_confirmed_at is not None:
            _pass_custody(handover, [line for line, _d, _o in lines], user=user, via=via, now=now)
            handover.status = "confirmed"
        handover.save()
    return handover


def _locked_items(item_ids: list[int]) -> dict[int, Item]:
    query = Item.select().where(Item.id.in_(item_ids)).order_by(Item.id)
    if not is_sqlite():
        query = query.for_update()  # in id order: two confirmations sharing volumes never deadlock
    return {item.id: item for item in query}


def _pass_custody(handover: Handover, lines: list[HandoverLine], *, user, via: str, now: datetime) -> None:
    """Move every included volume to the receiving side; caller holds the transaction."""
    included = [line for line in lines if rules.is_included(line)]
    items = _locked_items([line.item_id for line in included])
    receiver = Person.get_by_id(handover.to_person_id)
    actor = Person.get_by_id(handover.from_person_id) if handover.direction == "to_service" else receiver
    data = audit.canonical_json({"handover": handover.number})
    outgoing = outgoing_lines(handover, list(items))
    work_place = Location.get_by_id(handover.location_id) if handover.location_id else None
    fallback = work_place if work_place is not None and core_rules.is_returned(work_place) else _default_location(
        "to_archive")
    homes: dict[int, Location] = {}
    stage = "handed_over" if handover.direction == "to_service" else "back"
    for line in included:
        item = items[line.item_id]
        if handover.direction == "to_service":
            _ensure_may_hand(handover, item)
            core_rules.ensure_can_go(item, work_place)
            line.home = item.location_id
            event = services._record(item, "check_out", dst=work_place, holder=receiver, state="out", actor=actor,
                                     user=_user_id(user), via=via, reader=None, now=now, note=handover.number,
                                     data=data)
        else:
            _ensure_may_hand(handover, item)
            home_id = outgoing[item.id].home_id if item.id in outgoing else None
            if home_id is None and item.location_id is not None and core_rules.is_returned(item.location):
                home_id = item.location_id
            dst = homes.get(home_id) or (Location.get_by_id(home_id) if home_id else fallback)
            homes[home_id] = dst
            if dst is None:
                raise ValidationError(N_("There is no storage location to return the volumes to."))
            was_quarantined = item.state == "quarantined"
            event = services._record(item, "return", dst=dst, holder=None, state="in_storage", actor=actor,
                                     user=_user_id(user), via=via, reader=None, now=now, note=handover.number,
                                     data=data)
            kinds = ("overnight", "quarantine") if was_quarantined else ("overnight",)
            alerts.resolve_open_for_item(item, kinds, note=alerts.RETURN_NOTE, now=now)
            if was_quarantined:
                (QuarantineRecord.update(status="handed_back", closed_at=now, closed_by=_user_id(user),
                                         handover=handover.id, closing_note=handover.number)
                 .where((QuarantineRecord.item == item.id) & (QuarantineRecord.status == "open")).execute())
        line.event = event.id
    # the lines' links and the batch's stages in a few statements, not two per volume
    for start in range(0, len(included), 200):
        chunk = included[start:start + 200]
        ids = [line.id for line in chunk]
        homes_known = [(line.id, line.home_id) for line in chunk if line.home_id is not None]
        (HandoverLine.update(event=Case(HandoverLine.id, [(line.id, line.event_id) for line in chunk]),
                             home=Case(HandoverLine.id, homes_known, HandoverLine.home) if homes_known
                             else HandoverLine.home)
         .where(HandoverLine.id.in_(ids)).execute())
        if handover.batch_id is not None:
            (BatchItem.update(stage=stage)
             .where((BatchItem.batch == handover.batch_id) & BatchItem.item.in_([line.item_id for line in chunk]))
             .execute())


# ---------------------------------------------------------------- quarantine register (6.5)


def raise_secrecy_mark(code, *, actor: Person | None, user=None, pages: str = "", note: str = "",
                       location=None, via: str = "web", now: datetime | None = None) -> QuarantineRecord:
    """Secrecy mark found: quarantine the volume at once (critical alert) and register it.

    Anyone handling the volume may raise it. Raises ItemNotFound, ConflictError (already quarantined).
    """
    now = _now(now)
    pages, note = (pages or "").strip()[:200], (note or "").strip()
    with write_tx():
        item = _item(code)
        if location is not None and not isinstance(location, Location):
            location = Location.by_code(location)
        reason = SECRECY_MARK + (f" (pages {pages})" if pages else "") + (f": {note}" if note else "")
        event = services.quarantine(item.code, actor=actor, reason=reason, user=_user_id(user), via=via, now=now)
        where = location.id if location is not None else item.location_id
        return QuarantineRecord.create(item=item.id, event=event.id, found_by=actor.id if actor else None,
                                       found_user=_user_id(user), found_at=now, location=where, pages=pages,
                                       note=note)


def release_quarantine(code, *, actor: Person | None, user, reason: str, via: str = "web",
                       now: datetime | None = None) -> QuarantineRecord | None:
    """The security officer lifts a quarantine with a reason; the register entry is closed.

    Raises ItemNotFound, ValidationError (no reason), ConflictError (not quarantined).
    """
    now = _now(now)
    with write_tx():
        item = _item(code)
        services.release(item.code, actor=actor, reason=reason, user=_user_id(user), via=via, now=now)
        (QuarantineRecord.update(status="released", closed_at=now, closed_by=_user_id(user),
                                 closing_note=reason.strip())
         .where((QuarantineRecord.item == item.id) & (QuarantineRecord.status == "open")).execute())
        return (QuarantineRecord.select().where(QuarantineRecord.item == item.id)
                .order_by(QuarantineRecord.id.desc()).first())


# ---------------------------------------------------------------- damage register (6.1, 6.3)


def register_damage(code, *, actor: Person | None, user=None, description: str, pages: str = "",
                    source: str = "item", handover=None, photo: str = "", via: str = "web",
                    now: datetime | None = None) -> DamageRecord:
    """Register damage on a volume (what, which pages, optional photo): a damage event, alert and register row.

    Raises ItemNotFound, ValidationError (no description, unknown source).
    """
    now = _now(now)
    description = (description or "").strip()
    if not description:
        raise ValidationError(N_("Describe the damage."))
    if source not in DAMAGE_SOURCES:
        raise ValidationError(N_("Unknown source: %(source)s"), source=source)
    with write_tx():
        item = _item(code)
        event = services.record_damage(item.code, actor=actor, description=description, user=_user_id(user),
                                       via=via, now=now)
        return DamageRecord.create(item=item.id, event=event.id, found_by=actor.id if actor else None,
                                   found_user=_user_id(user), found_at=now, source=source,
                                   handover=get_handover(handover).id if handover else None,
                                   description=description, pages=(pages or "").strip()[:200], photo=photo)


def _damage(record_id) -> DamageRecord:
    record = DamageRecord.get_or_none(DamageRecord.id == record_id)
    if record is None:
        raise NotFoundError(N_("Unknown damage record: %(id)s"), id=record_id)
    return record


def add_damage_note(record_id, *, user, text: str, now: datetime | None = None) -> DamageNote:
    """Add a note to a damage record's history; raises ValidationError (empty), NotFoundError."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(N_("Write the note."))
    with write_tx():
        record = _damage(record_id)
        return DamageNote.create(record=record.id, at=_now(now), user=_user_id(user), text=text)


def record_repair(record_id, *, user, repaired_by: str, how: str, at: datetime | None = None,
                  now: datetime | None = None) -> DamageRecord:
    """Record the repair of a damage (who, when, how): the record is closed as repaired.

    Raises ValidationError (who or how missing), ConflictError (already closed), NotFoundError.
    """
    now = _now(now)
    repaired_by, how = (repaired_by or "").strip(), (how or "").strip()
    if not repaired_by or not how:
        raise ValidationError(N_("Say who repaired it and how."))
    with write_tx():
        record = _damage(record_id)
        if record.status != "open":
            raise ConflictError(N_("This damage record is already closed."))
        record.status, record.repaired_at, record.repaired_by = "repaired", at or now, repaired_by[:100]
        record.repair_how, record.closed_user = how, _user_id(user)
        record.save()
        DamageNote.create(record=record.id, at=now, user=_user_id(user), text=f"{repaired_by}: {how}")
    return record


def accept_damage(record_id, *, user, note: str, now: datetime | None = None) -> DamageRecord:
    """Close a damage record as accepted as is (not repaired), with a note.

    Raises ValidationError (no note), ConflictError (already closed), NotFoundError.
    """
    now = _now(now)
    note = (note or "").strip()
    if not note:
        raise ValidationError(N_("Write the note."))
    with write_tx():
        record = _damage(record_id)
        if record.status != "open":
            raise ConflictError(N_("This damage record is already closed."))
        record.status, record.closed_user = "accepted", _user_id(user)
        record.save()
        DamageNote.create(record=record.id, at=now, user=_user_id(user), text=note)
    return record
