"""Import loads: the "pending" marker under which a large import's rows are written in chunks.

A catalogue or staff-list import writes its rows in many short transactions (so scans and reader
events go on meanwhile), each row carrying the id of its ImportLoad. Until one short transaction
sets the load's `live_at`, those rows are invisible: `Item.select()`, `Person.select()` and
`Tag.select()` (and so every lookup, list, count and precompiled statement built on them) only see
rows whose load is live or that came from no load. A failed or killed load is never made live;
its rows are deleted in chunks by the next import (imports/staging.py).
"""
import json

from peewee import CharField, DateTimeField, IntegerField, TextField, fn

from .. import clock
from .base import BaseModel


class ImportLoad(BaseModel):
    kind = CharField(max_length=16)  # items | people (IMPORT_KINDS)
    filename = CharField(max_length=255, default="")
    job_id = IntegerField(null=True)  # the ImportJob it belongs to (none from the command line)
    started_at = DateTimeField(default=clock.now)
    beat_at = DateTimeField(default=clock.now)  # the last chunk written: a load silent for long has died
    live_at = DateTimeField(null=True)  # set by the switch-in: from then on its rows are visible
    failed_at = DateTimeField(null=True)  # refused or stopped: its rows are to be deleted
    rows = IntegerField(default=0)  # rows written so far
    # the codes it holds while loading, JSON {prefix: highest number}: the file's own and those it generates
    reserved = TextField(default="")

    class Meta:
        table_name = "import_load"


# the same condition as plain SQL on an unaliased table, for the imports' hand-written look-ups (imports/checks.py)
VISIBLE_SQL = "(import_load_id IS NULL OR import_load_id IN (SELECT id FROM import_load WHERE live_at IS NOT NULL))"


def visible(model):
    """The condition a row of an imported model must meet to be seen: from no load, or from a live one.

    Parameter-free SQL, so statements compiled once (statements.row_by, item_by_code) keep their own
    placeholders."""
    column = model._meta.fields["import_load"]
    live = ImportLoad.select(ImportLoad.id).where(ImportLoad.live_at.is_null(False))
    return column.is_null() | column.in_(live)


class Staged:
    """Mixin for models an import writes: select() sees only visible rows; including_pending() sees all."""

    @classmethod
    def select(cls, *fields):
        return super().select(*fields).where(visible(cls))

    @classmethod
    def including_pending(cls, *fields):
        """A select over every row, pending imports' rows included (the import machinery's own reads)."""
        return super().select(*fields)


def highest_number(column, prefix: str) -> int:
    """The highest number among codes of the form prefix + 8 or more digits in this column, a loading import's
    rows and the codes it holds for rows still to come included (0 for none): a code is unique across every
    row, so the next one generated anywhere (a medium, a device, a badge) starts above what an import holds."""
    best = 0
    length = len(prefix) + 8
    # prefix followed by a digit: a range on the unique index (":" sorts right after "9")
    numbered = (column >= prefix + "0") & (column < prefix + ":")
    # codes of the canonical width sort numerically as text
    row = column.model.including_pending(fn.MAX(column)).where(numbered & (fn.LENGTH(column) == length)).scalar()
    if row and row[len(prefix):].isdigit():
        best = int(row[len(prefix):])
    # longer ones (more than 8 digits) are rare; look at just those
    for (code,) in column.model.including_pending(column).where(numbered & (fn.LENGTH(column) > length)).tuples():
        if code[len(prefix):].isdigit():
            best = max(best, int(code[len(prefix):]))
    return max(best, reserved_up_to(prefix))


def reserved_up_to(prefix: str) -> int:
    """The highest number a loading import holds for this prefix (0 for none): rows it has still to write."""
    best = 0
    loading = ImportLoad.select(ImportLoad.reserved).where(
        ImportLoad.live_at.is_null() & ImportLoad.failed_at.is_null() & (ImportLoad.reserved != ""))
    for (text,) in loading.tuples():
        best = max(best, json.loads(text).get(prefix, 0))
    return best


def taken(column, value) -> bool:
    """Whether a unique column's value is in use by any row, a loading import's included (its unique index
    counts those rows too: a new row with that value would be refused by the database)."""
    return column.model.including_pending().where(column == value).exists()


__all__ = ["VISIBLE_SQL", "ImportLoad", "Staged", "highest_number", "taken", "visible"]
