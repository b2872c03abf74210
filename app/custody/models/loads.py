"""Import loads: the "pending" marker under which a large import's rows are written in chunks.

A catalogue or staff-list import writes its rows in many short transactions (so scans and reader
events go on meanwhile), each row carrying the id of its ImportLoad. Until one short transaction
sets the load's `live_at`, those rows are invisible: `Item.select()`, `Person.select()` and
`Tag.select()` (and so every lookup, list, count and precompiled statement built on them) only see
rows whose load is live or that came from no load. A failed or killed load is never made live;
its rows are deleted in chunks by the next import (imports/staging.py).
"""
from peewee import CharField, DateTimeField, IntegerField

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

    class Meta:
        table_name = "import_load"


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


__all__ = ["ImportLoad", "Staged", "visible"]
