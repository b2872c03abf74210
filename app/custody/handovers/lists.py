"""Handover lists (交接单) while they are drafts: opened in a direction, each volume scanned by both sides
(pages, condition, note), differences against the outgoing list found and accepted."""
from dataclasses import dataclass
from datetime import datetime

from app.db import db, is_sqlite, write_tx

from .. import clock, lookup, statements
from .. import rules as core_rules
from ..errors import N_, QuarantinedError, ValidationError
from ..models import Item, Location, Person
from . import rules
from .codes import CONDITIONS, DIRECTIONS
from .damage import register_damage
from .errors import (
    AlreadyHandedOverError,
    HandoverClosedError,
    HandoverLockedError,
    NoPersonError,
    NotHandedOverError,
    NotInBatchError,
)
from .models import BatchItem, DamageRecord, Handover, HandoverLine
from .numbers import get_batch, get_handover, next_number, user_id


def default_location(direction: str) -> Location | None:
    kinds = ("workroom", "workstation") if direction == "to_service" else ("storage",)
    return (Location.select().where(Location.kind.in_(kinds) & (Location.is_active == True))  # noqa: E712
            .order_by(Location.id).first())


def open_handover(direction: str, *, user, batch=None, location=None, corrects=None, note: str = "",
                  now: datetime | None = None) -> Handover:
    """Open a handover list (draft) in a direction, for a batch or none; raises ValidationError, NotFoundError."""
    now = now or clock.now()
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
        location = location or default_location(direction)
        if direction == "to_service" and (location is None or core_rules.is_returned(location)):
            raise ValidationError(N_("An outgoing handover needs a working location (a workroom)."))
        return Handover.create(number=next_number(Handover, "JJ", now), direction=direction,
                               batch=batch.id if batch else None, location=location.id if location else None,
                               corrects=corrected.id if corrected else None, created_by=user_id(user),
                               created_at=now, note=note or "")


def lock_handover(number) -> Handover:
    handover = get_handover(number)
    if not is_sqlite():
        handover = Handover.select().where(Handover.id == handover.id).for_update().get()
    return handover


def ensure_open(handover: Handover) -> None:
    if handover.status == "confirmed":
        raise HandoverClosedError(number=handover.number)
    if handover.from_confirmed_at is not None or handover.to_confirmed_at is not None:
        raise HandoverLockedError(number=handover.number)


def side_of(handover: Handover, person: Person, side: str | None) -> str:
    if side is None:
        side = next(s for s in ("from", "to") if rules.side_org(handover.direction, s) == person.org_kind) \
            if person.org_kind in ("archive", "service") else "from"
    if side not in ("from", "to"):
        raise ValidationError(N_("Unknown side: %(side)s"), side=side)
    rules.ensure_org(person, handover.direction, side)
    return side


def ensure_may_hand(handover: Handover, item: Item) -> None:
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
    now = now or clock.now()
    if actor is None:
        raise NoPersonError()
    if condition not in CONDITIONS:
        raise ValidationError(N_("Unknown condition: %(condition)s"), condition=condition)
    if pages is not None and (not isinstance(pages, int) or pages < 0):
        raise ValidationError(N_("Pages must be a whole number, 0 or more."))
    if condition != "intact" and not (note or "").strip():
        raise ValidationError(N_("Say what is wrong with the volume in the note."))
    with write_tx():
        handover = lock_handover(number)
        ensure_open(handover)
        side = side_of(handover, actor, side)
        item = lookup.item(code)
        if item.kind != "volume":  # media and devices move on loans (app/custody/media), not on a 交接单
            raise ValidationError(N_("Only archive volumes go on a handover list: %(code)s is not a volume."),
                                  code=item.code)
        line = _line(handover.id, item.id)
        if side == "from":
            if handover.batch_id is not None and not _in_batch(handover.batch_id, item.id):
                raise NotInBatchError(code=item.code, batch=handover.batch.number)
            ensure_may_hand(handover, item)
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


@dataclass
class Summary:
    """What a handover's page, its JSON and its list show: every line with its differences and outgoing line,
    the totals that change hands, the people who confirmed (by id), how many differences are open."""
    lines: list[tuple[HandoverLine, list[str], HandoverLine | None]]
    totals: rules.Totals
    people: dict[int, Person]
    unresolved: int


def handlers(handover: Handover) -> dict[int, Person]:
    """The people who confirmed either side, by id."""
    ids = [i for i in (handover.from_person_id, handover.to_person_id) if i]
    return {p.id: p for p in Person.select().where(Person.id.in_(ids))} if ids else {}


def summary(number) -> Summary:
    """The handover's lines with their differences, its totals, its handlers and its open differences."""
    handover = get_handover(number)
    lines = lines_with_differences(handover)
    return Summary(lines, rules.totals([line for line, _d, _o in lines]), handlers(handover),
                   sum(1 for line, diffs, _o in lines if diffs and not line.resolution))


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
        handover = lock_handover(number)
        ensure_open(handover)
        item = lookup.item(code)
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
