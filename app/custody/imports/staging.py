"""An import's load: rows written in short chunks under a pending marker, switched in by one short transaction.

The rows of an import go straight into their tables (item, tag, person) in chunks of BATCH rows, each
chunk its own short write transaction, so on SQLite the site's write lock is free between chunks and
scans, reader events and the job's progress carry on. Every row carries its ImportLoad's id and stays
invisible (models/loads.py) until `go_live` sets the load's live_at inside the switch-in transaction,
which also re-checks what the unique indexes cannot (archive numbers), applies updates, writes the
admin log and the job's outcome. All or nothing:

- a refused or failed load is marked failed and its rows are deleted, in chunks (`abandon`);
- a load whose process died (no chunk for STALE_AFTER) is cleaned up by the next import (`begin`).

One load at a time per site: generated codes continue after the highest code, so two loads would
pick the same ones; `begin` refuses a second while a first is alive.
"""
import json
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta

from peewee import chunked, fn

from app.db import db, is_sqlite, write_tx

from .. import clock
from ..errors import N_
from ..models import ImportLoad, Item, Person, Tag
from .results import RowError

STALE_AFTER = timedelta(minutes=2)  # a running load writes a chunk every few milliseconds
CLEANUP_CHUNK = 2000  # rows deleted per transaction when a load is abandoned
CLASH_BATCH = 500  # archive numbers looked up at once among a load's rows
ANALYZE_AFTER = 5000  # rows a load writes before it refreshes PostgreSQL's statistics itself
_RUNNING: set[int] = set()  # loads this process is writing now (never stale here, whatever the clock says)


class LoadRefused(Exception):
    """The load cannot go on (another import is loading, or the database changed); carries the RowError."""

    def __init__(self, error: RowError):
        super().__init__(error.message)
        self.error = error


def lock_imports() -> None:
    """Take the imports' turn inside a write transaction: PostgreSQL's transaction advisory lock (two imports
    at once would both pick the same next code); SQLite's BEGIN IMMEDIATE already lets one writer in."""
    if not is_sqlite():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (0x1A4B0C,))


def begin(kind: str, filename: str, *, job_id: int | None = None, now: datetime | None = None,
          reserve: Callable[[], dict[str, int]] | None = None) -> ImportLoad:
    """Open a load for an import; first clean up the rows of loads that failed or died.

    `reserve()`, called with the imports' turn held, gives the codes the load will hold ({prefix: highest
    number}); they are stored with the load, so codes generated elsewhere meanwhile go above them.
    Raises LoadRefused while another load is alive."""
    now = now or clock.now()
    for load in ImportLoad.select().where(ImportLoad.live_at.is_null()).order_by(ImportLoad.id):
        if load.failed_at is None and (load.id in _RUNNING or now - load.beat_at < STALE_AFTER):
            raise LoadRefused(RowError(None, N_("Another import is being loaded (%(name)s). Nothing was imported: "
                                                "try again when it has finished."), {"name": load.filename}))
        abandon(load.id)
    with write_tx():
        lock_imports()
        alive = ImportLoad.select().where(ImportLoad.live_at.is_null() & ImportLoad.failed_at.is_null()).first()
        if alive is not None:  # another process opened one just now
            raise LoadRefused(RowError(None, N_("Another import is being loaded (%(name)s). Nothing was imported: "
                                                "try again when it has finished."), {"name": alive.filename}))
        reserved = reserve() if reserve is not None else {}
        load = ImportLoad.create(kind=kind, filename=filename[:255], job_id=job_id, started_at=now, beat_at=now,
                                 reserved=json.dumps(reserved) if reserved else "")
    _RUNNING.add(load.id)
    return load


def beat(load_id: int, rows: int) -> None:
    """Inside a chunk's transaction: the load is alive and has written this many rows."""
    ImportLoad.update(beat_at=clock.now(), rows=rows).where(ImportLoad.id == load_id).execute()


@contextmanager
def own_checkpoints():
    """SQLite: while loading, this connection does not checkpoint the WAL at commit time (inside the write lock,
    where a checkpoint of the chunks' megabytes made scans wait for hundreds of milliseconds); `checkpoint()`
    does it between chunks instead, outside the lock (a checkpoint runs beside writers)."""
    if not is_sqlite():
        yield
        return
    db.execute_sql("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        db.execute_sql("PRAGMA wal_autocheckpoint = 1000")
        checkpoint()


def checkpoint() -> None:
    """Copy the WAL's committed pages into the database file, without the write lock (SQLite; PASSIVE: never
    waits for readers or writers)."""
    if is_sqlite():
        db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")


def go_live(load_id: int, now: datetime) -> None:
    """Inside the switch-in transaction: from its commit on, the load's rows are visible."""
    ImportLoad.update(live_at=now, beat_at=now).where(ImportLoad.id == load_id).execute()
    _RUNNING.discard(load_id)


def abandon(load_id: int) -> int:
    """Mark a load failed and delete its rows, CLEANUP_CHUNK per short transaction; returns rows deleted.

    Its rows were never visible, so deleting them changes nothing anyone has seen."""
    _RUNNING.discard(load_id)
    with write_tx():
        ImportLoad.update(failed_at=clock.now()).where(
            (ImportLoad.id == load_id) & ImportLoad.live_at.is_null()).execute()
    deleted = 0
    for model in (Tag, Item, Person):  # tags first: they point at the items and people
        while True:
            with write_tx():
                ids = [row_id for (row_id,) in model.including_pending(model.id).where(
                    model.import_load == load_id).limit(CLEANUP_CHUNK).tuples()]
                if ids:
                    model.delete().where(model.id.in_(ids)).execute()
            deleted += len(ids)
            if len(ids) < CLEANUP_CHUNK:
                break
    with write_tx():
        ImportLoad.delete().where((ImportLoad.id == load_id) & ImportLoad.live_at.is_null()).execute()
    return deleted


def pending_rows(model=Item) -> int:
    """How many rows of a model belong to loads not (yet) live: what a failed load left to clean up."""
    return model.including_pending().where(
        model.import_load.is_null(False)
        & model.import_load.not_in(ImportLoad.select(ImportLoad.id).where(ImportLoad.live_at.is_null(False)))).count()


def archive_clashes(load_id: int, after_id: int) -> list[tuple[str, str]]:
    """(archive number, code) of volumes outside this load, created after item id `after_id`, whose archive
    number one of the load's volumes has too: registered by someone else while the file was being loaded.

    Run it once outside the write lock from the id the check began at, then inside the switch-in from the
    highest id the first run saw. It walks the volumes after `after_id` that are not the load's (a range of
    the primary key; few, usually none) and looks each batch of their numbers up among the load's rows. One
    statement with EXISTS let PostgreSQL, whose statistics still counted the table from before the load, loop
    over the load's rows with an index scan each: 4 s for 20,000 rows, growing with the square of the file."""
    others = Item.including_pending(Item.archive_no, Item.code).where(
        (Item.id > after_id) & (Item.kind == "volume") & (Item.import_load.is_null() | (Item.import_load != load_id)))
    clashes: list[tuple[str, str]] = []
    for batch in chunked(others.tuples().iterator(), CLASH_BATCH):
        codes = dict(batch)
        hits = {number for (number,) in Item.including_pending(Item.archive_no).where(
            Item.archive_no.in_(list(codes)) & (Item.import_load == load_id) & (Item.kind == "volume")).tuples()}
        clashes += [(number, code) for number, code in batch if number in hits]
        if len(clashes) >= 20:
            break
    return clashes[:20]


def refresh_statistics(model, rows: int) -> None:
    """After a large load, on PostgreSQL: let the planner see the rows just written (its statistics counted the
    tables before the load until autovacuum gets to them). Runs beside writers (ANALYZE takes no write-blocking
    lock); about 0.1 s a table of a million rows, so a small load leaves it to autovacuum."""
    if not is_sqlite() and rows >= ANALYZE_AFTER:
        for table in (model, Tag):
            db.execute_sql(f'ANALYZE "{table._meta.table_name}"')


def highest_id(model=Item) -> int:
    """The highest id of a model's rows, pending ones included (0 for none)."""
    return model.including_pending(fn.MAX(model.id)).scalar() or 0
