"""Counting a cabinet's media against the register (by hand or by its shelf readers); every difference
explained before the count closes."""
from datetime import datetime

from peewee import fn

from app.db import write_tx

from .. import audit
from ..codes import normalize_scan
from ..errors import N_, ConflictError, ValidationError
from ..models import Alert, Item, Location, Person
from . import codes
from .entries import audit_user, item_of, location_of, now_or, open_loan, row_of, text, user_id
from .errors import CountNotExplainedError
from .models import MediaCount, MediaCountLine, MediaRecord


def start_count(cabinet, *, keeper: Person | None, user=None, now: datetime | None = None) -> MediaCount:
    """Open a count of one cabinet; raises LocationNotFound, ConflictError (a count of it is open)."""
    now = now_or(now)
    cabinet = location_of(cabinet)
    if cabinet is None:
        raise ValidationError(N_("Name the cabinet to count."))
    with write_tx():
        if MediaCount.select().where((MediaCount.cabinet == cabinet.id) & (MediaCount.status == "open")).exists():
            raise ConflictError(N_("A count of %(name)s is already in progress."), name=cabinet.name)
        registered = _registered_in(cabinet).count()
        return MediaCount.create(cabinet=cabinet, keeper=keeper, started_by=user_id(user), started_at=now,
                                 registered=registered)


def count_of(count_or_id) -> MediaCount:
    """The count for a MediaCount or an id; raises NotFoundError."""
    return row_of(MediaCount, count_or_id, N_("Unknown count: %(id)s"))


def _registered_in(cabinet: Location):
    return (MediaRecord.select(MediaRecord, Item).join(Item, on=(MediaRecord.item == Item.id))
            .where((MediaRecord.cabinet == cabinet.id) & (MediaRecord.status != "ended")))


def count_scan(count, code, *, via: str = "web", now: datetime | None = None) -> MediaCountLine:
    """Record one medium seen in the cabinet: present if registered there, else unexpected (idempotent).

    Raises NotFoundError, ItemNotFound, ConflictError (count closed).
    """
    now = now_or(now)
    with write_tx():
        count = count_of(count)
        if count.status != "open":
            raise ConflictError(N_("This count is closed."))
        item = item_of(code)
        line = MediaCountLine.get_or_none((MediaCountLine.count == count.id) & (MediaCountLine.item == item.id))
        if line is not None:
            return line
        record = MediaRecord.get_or_none(MediaRecord.item == item.id)
        here = record is not None and record.cabinet_id == count.cabinet_id and record.status != "ended"
        return MediaCountLine.create(count=count, item=item, result="present" if here else "unexpected",
                                     via=via, at=now)


def count_from_readers(count, *, now: datetime | None = None) -> int:
    """Take in what the cabinet's shelf readers read since the count started; returns how many were new."""
    from ..models import Reader, ReaderRead

    count = count_of(count)
    seen = {i for (i,) in MediaCountLine.select(MediaCountLine.item).where(MediaCountLine.count == count.id)
            .tuples()}
    items = {i for (i,) in ReaderRead.select(ReaderRead.item)
             .join(Reader, on=(ReaderRead.reader == Reader.id))
             .where(((ReaderRead.location == count.cabinet_id) | (Reader.location == count.cabinet_id))
                    & ReaderRead.item.is_null(False) & (ReaderRead.kind == "read")
                    & (ReaderRead.outcome != "unapproved")  # a reader nobody approved counts nothing
                    & (ReaderRead.read_at >= count.started_at)).tuples()}
    added = 0
    for item_id in sorted(items - seen):
        item = Item.get_by_id(item_id)
        if item.kind in ("media", "device"):
            count_scan(count, item, via="reader", now=now)
            added += 1
    return added


def count_differences(count) -> list[tuple[Item, str, str]]:
    """(item, result, automatic explanation) for every registered item not seen and every unexpected one."""
    count = count_of(count)
    lines = {line.item_id: line for line in MediaCountLine.select().where(MediaCountLine.count == count.id)}
    out = []
    cabinet = Location.get_by_id(count.cabinet_id)
    for record in _registered_in(cabinet).order_by(Item.code):
        if record.item_id in lines:
            continue
        loan = open_loan(record.item)
        if loan is not None:
            out.append((record.item, "on_loan", f"{loan.borrower.name} · {loan.reason}"))
        elif record.status == "under_repair":
            out.append((record.item, "on_loan", "repair"))
        else:
            out.append((record.item, "missing", ""))
    for line in lines.values():
        if line.result == "unexpected":
            out.append((Item.get_by_id(line.item_id), "unexpected", ""))
    return out


def close_count(count, *, explanations: dict[str, str], user=None, now: datetime | None = None) -> MediaCount:
    """Close a count: every missing or unexpected medium needs an explanation (keyed by item code).

    Raises NotFoundError, ConflictError (already closed), CountNotExplainedError.
    """
    now = now_or(now)
    clean = {normalize_scan(k): text(v) for k, v in (explanations or {}).items() if text(v)}
    with write_tx():
        count = count_of(count)
        if count.status != "open":
            raise ConflictError(N_("This count is closed."))
        diffs = count_differences(count)
        unexplained = [item.code for item, result, _auto in diffs
                       if result in codes.DIFFERENCES and item.code not in clean]
        if unexplained:
            raise CountNotExplainedError(codes=", ".join(unexplained))
        for item, result, auto in diffs:
            explanation = clean.get(item.code) or auto
            if result == "unexpected":
                (MediaCountLine.update(explanation=explanation)
                 .where((MediaCountLine.count == count.id) & (MediaCountLine.item == item.id)).execute())
            else:
                MediaCountLine.create(count=count, item=item, result=result, explanation=explanation, via="system",
                                      at=now)
        tally = dict(MediaCountLine.select(MediaCountLine.result, fn.COUNT(MediaCountLine.id))
                     .where(MediaCountLine.count == count.id).group_by(MediaCountLine.result).tuples())
        count.status, count.closed_at = "closed", now
        count.registered = _registered_in(Location.get_by_id(count.cabinet_id)).count()
        for result in codes.COUNT_RESULTS:
            setattr(count, result, tally.get(result, 0))
        count.save()
        audit.append_audit("media.count.close", user=audit_user(user),
                           target=f"media_count:{count.id}",
                           detail={r: tally.get(r, 0) for r in codes.COUNT_RESULTS}, at=now)
        (Alert.update(status="resolved", resolved_at=now, resolution="counted", is_auto_resolved=True)
         .where((Alert.kind == "media_count_due") & (Alert.location == count.cabinet_id)
                & (Alert.status != "resolved")).execute())
    return count
