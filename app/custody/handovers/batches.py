"""Batches (调档批次): the volumes pulled from storage by plan, named by codes, archive numbers, ranges or
a catalogue file; their pick list by shelf and where each volume is now."""
from datetime import datetime

from peewee import JOIN

from app.db import write_tx

from .. import audit, clock, statements
from ..codes import normalize_scan
from ..errors import N_, ValidationError
from ..models import Item, Location, User
from . import rules
from .models import Batch, BatchItem
from .numbers import get_batch, next_number, user_id

MAX_BATCH = 5000



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
    now = now or clock.now()
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
        batch = Batch.create(number=next_number(Batch, "PC", now), title=(title or "").strip()[:200],
                             note=note or "", created_by=user_id(user), created_at=now)
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
