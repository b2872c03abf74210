"""Loading the checked rows (second pass): short chunks under a pending load, codes generated, then one short
switch-in transaction with the admin-log entry (imports/staging.py)."""
import csv
import pickle
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from peewee import IntegrityError, fn

from app.db import is_sqlite, write_tx

from .. import audit, clock
from ..catalogue import catalogue_changes, change_catalogue, shown
from ..codes import format_code
from ..errors import N_
from ..models import CODE_PREFIX, Item, Person, Tag, highest_number
from . import staging
from .checks import _bulk_insert, _db_time, _select_in, _validate, read_header
from .codes import IMPORT_EXISTING, existing_choices
from .columns import BADGE_PREFIX, COLUMNS, MAX_CHANGES, WRITE_CHUNK
from .reading import cell_text, check_suffix, file_sha256, open_rows
from .results import FileProblem, ImportResult, Progress, RowError
from .staging import LoadRefused


def _batches(spool) -> Iterator[list[tuple]]:
    spool.seek(0)
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def _chunks(spool) -> Iterator[list[tuple]]:
    """The spooled rows, WRITE_CHUNK at a time: what one short load transaction writes."""
    for batch in _batches(spool):
        for start in range(0, len(batch), WRITE_CHUNK):
            yield batch[start:start + WRITE_CHUNK]


def _clash(model, key_column, keys: list[str], tags: list[str]) -> LoadRefused:
    """What a chunk's unique violation was: a code (badge) or tag of the file registered meanwhile by someone else."""
    found = _select_in(key_column, keys) if keys else []
    if found:
        template = (N_("Code %(value)s was registered by someone else while the file was being imported. Nothing "
                       "was imported: check the file again.") if model is Item else
                    N_("Badge code %(value)s was registered by someone else while the file was being imported. "
                       "Nothing was imported: check the file again."))
        return LoadRefused(RowError(None, template, {"value": found[0][0]}))
    found = _select_in(Tag.tag, tags) if tags else []
    if found:
        return LoadRefused(RowError(None, N_("RFID tag %(value)s was bound by someone else while the file was being "
                                             "imported. Nothing was imported: check the file again."),
                                    {"value": found[0][0]}))
    return LoadRefused(CHANGED)


MAX_PAUSE = 0.2  # seconds: the longest pause after one chunk
CHANGED = RowError(None, N_("The database changed while importing (another import or a new item with the same "
                            "code or tag). Nothing was imported: try again."))


def _write_chunk(model, key_column, fields: list, rows: list[tuple], tag_field, tagged: list[tuple[str, str]],
                 stamp, load_id: int, done: int) -> None:
    """One chunk in its own short write transaction: the rows, their tags, the load's heartbeat; then, on SQLite,
    a pause as long as the transaction held the write lock, so writers waiting in other processes get in (flock
    is not fair: without it a busy machine let the import take the lock straight back, chunk after chunk)."""
    started = time.perf_counter()
    try:
        with write_tx():
            if rows:
                _bulk_insert(model, fields + [model.import_load], [row + (load_id,) for row in rows])
            if tagged:
                ids = dict(_select_in(key_column, [k for k, _t in tagged], ("id",), pending=True))
                _bulk_insert(Tag, [Tag.tag, tag_field, Tag.bound_at, Tag.import_load],
                             [(tag, ids[key], stamp, load_id) for key, tag in tagged])
            staging.beat(load_id, done)
    except IntegrityError:
        raise _clash(model, key_column, [row[0] if model is Item else row[4] for row in rows],
                     [t for _k, t in tagged]) from None
    staging.checkpoint()
    if is_sqlite():  # PostgreSQL has no site-wide write lock: its writers never queue behind a chunk
        time.sleep(min(time.perf_counter() - started, MAX_PAUSE))


def _kept(result: ImportResult, code: str, kind: str, archive_no: str, line: int) -> bool:
    """Whether a catalogue row is written as a new item (not an update, not skipped as registered)."""
    if line in result.update_ids:
        return False  # a registered item: updated in the switch-in (_apply_updates)
    return not (code in result.skip_keys["code"] or (kind == "volume" and archive_no in result.skip_keys["archive_no"]))


def _codes_needed(spool, result: ImportResult, kind: str) -> dict[str, int]:
    """How many codes the load will generate, per prefix (rows written without a code)."""
    if kind != "items":
        return {BADGE_PREFIX: sum(1 for batch in _batches(spool) for row in batch if not row[4])}  # no badge code
    need = dict.fromkeys(CODE_PREFIX.values(), 0)
    for batch in _batches(spool):
        for code, item_kind, archive_no, _title, _pages, _location, _tag, line in batch:
            if not code and _kept(result, code, item_kind, archive_no, line):
                need[CODE_PREFIX[item_kind]] += 1
    return need


def _plan_codes(kind: str, need: dict[str, int], file_max: dict[str, int]) -> tuple[dict, dict]:
    """(the number each prefix's generated codes start after, the highest number the load holds per prefix).

    The load holds the file's own codes and those it will generate, stored with it (staging.begin), so a
    medium, device or badge registered by hand while it loads takes a number above them."""
    column = Item.code if kind == "items" else Person.badge_code
    starts = {prefix: max(highest_number(column, prefix), file_max.get(prefix, 0)) for prefix in need}
    holds = {prefix: starts[prefix] + n for prefix, n in need.items() if n or file_max.get(prefix)}
    return starts, holds


def _insert_items(spool, result: ImportResult, counters: dict[str, int], now: datetime, progress, load_id: int):
    fields = [Item.code, Item.kind, Item.archive_no, Item.title, Item.pages, Item.media_type, Item.capacity,
              Item.serial_no, Item.state, Item.location, Item.home, Item.state_since, Item.is_damaged,
              Item.created_at]
    stamp, no = _db_time(now), False
    done = 0
    for batch in _chunks(spool):
        rows, tagged = [], []
        for code, kind, archive_no, title, pages, location_id, tag, line in batch:
            if not _kept(result, code, kind, archive_no, line):
                continue  # updated in the switch-in, or left out as registered (skip_existing)
            if not code:
                prefix = CODE_PREFIX[kind]
                counters[prefix] += 1
                code = format_code(prefix, counters[prefix])
                result.generated += 1
            rows.append((code, kind, archive_no, title, pages, "", "", "", "in_storage", location_id, location_id,
                         stamp, no, stamp))
            if tag:
                tagged.append((code, tag))
        done += len(rows)
        _write_chunk(Item, Item.code, fields, rows, Tag.item, tagged, stamp, load_id, done)
        if progress is not None:
            progress("import", done, result.rows)
    result.imported = done


def _insert_people(spool, result: ImportResult, counters: dict[str, int], now: datetime, progress, load_id: int):
    counter = counters[BADGE_PREFIX]
    fields = [Person.name, Person.organisation, Person.org_kind, Person.position, Person.badge_code,
              Person.badge_status, Person.training_hours, Person.vetting_note, Person.created_at]
    stamp = _db_time(now)
    done = 0
    for batch in _chunks(spool):
        rows, tagged = [], []
        for name, organisation, org_kind, position, badge, tag, _line in batch:
            if badge and badge in result.skip_keys["badge_code"]:
                continue  # already registered (skip_existing)
            if not badge:
                counter += 1
                badge = format_code(BADGE_PREFIX, counter)
                result.generated += 1
            # nobody works unvetted: the security officer activates each badge after vetting
            rows.append((name, organisation, org_kind, position, badge, "pending", 0.0, "", stamp))
            if tag:
                tagged.append((badge, tag))
        done += len(rows)
        _write_chunk(Person, Person.badge_code, fields, rows, Tag.person, tagged, stamp, load_id, done)
        if progress is not None:
            progress("import", done, result.rows)
    result.imported = done


def _updates_of(spool, result: ImportResult) -> Iterator[list[tuple[int, int, dict]]]:
    """Batches of (line, item id, the catalogue values the row gives) for the rows that update a registered item.

    A blank cell leaves its field as it is; the location column sets the item's home (never where it is)."""
    for batch in _batches(spool):
        out = []
        for _code, kind, archive_no, title, pages, location_id, _tag, line in batch:
            target = result.update_ids.get(line)
            if target is None:
                continue
            values = {}
            if archive_no and kind == "volume":
                values["archive_no"] = archive_no
            if title:
                values["title"] = title
            if pages is not None:
                values["pages"] = pages
            if location_id is not None:
                values["home"] = location_id
            out.append((line, target, values))
        if out:
            yield out


def _plan_updates(spool, result: ImportResult) -> None:
    """Count the updating rows that change something (result.updated) and those that do not (result.unchanged);
    keep the first MAX_CHANGES changes, old → new, for the preview (a home by its code, none as blank)."""
    for batch in _updates_of(spool, result):
        items = {i.id: i for i in Item.select().where(Item.id.in_([target for _l, target, _v in batch]))}
        for line, target, values in batch:
            changes = catalogue_changes(items[target], values)
            if not changes:
                result.unchanged += 1
                continue
            result.updated += 1
            if len(result.changes) < MAX_CHANGES:
                result.changes.append([line, items[target].code, {
                    name: ["" if v is None and name == "home" else shown(name, v) for v in pair]
                    for name, pair in changes.items()}])


def _apply_updates(spool, result: ImportResult, *, user, ip: str, now: datetime, job_id: int | None) -> None:
    """Inside the switch-in: each updating row through the one catalogue service (its admin-log entry)."""
    result.updated = result.unchanged = 0
    for batch in _updates_of(spool, result):
        items = {i.id: i for i in Item.select().where(Item.id.in_([target for _l, target, _v in batch]))}
        for line, target, values in batch:
            changed = change_catalogue(items[target], values, user=user, ip=ip, now=now, detail={
                "file": result.filename, "line": line, **({"job": job_id} if job_id else {})})
            if changed:
                result.updated += 1
            else:
                result.unchanged += 1


def _id_range(model, load_id: int) -> tuple[int | None, int | None]:
    return model.including_pending(fn.MIN(model.id), fn.MAX(model.id)).where(model.import_load == load_id).tuples().get()


def run_import(path, kind: str, *, filename: str | None = None, user=None, dry_run: bool = False,
               skip_existing: bool = False, existing: str | None = None,
               progress: Progress | None = None, now: datetime | None = None, ip: str = "",
               on_commit: Callable[[ImportResult], None] | None = None, job_id: int | None = None) -> ImportResult:
    """Validate a whole .csv/.xlsx file, then (unless dry_run or any row is bad) import it, all or nothing.

    Never raises for bad input: every problem is in result.errors (line numbers 1-based as the user sees
    them) and then nothing is imported. Rows whose code, archive number or badge is already registered are
    errors (existing="error"), left out (existing="skip", or skip_existing; counted in result.skipped), or — for
    a catalogue — update that item's catalogue fields (existing="update": result.updated, result.unchanged,
    each change in the admin log through catalogue.change_catalogue, never its custody state).

    The rows are written in short chunks under a pending load (imports/staging.py) and switched in by one
    short transaction, so scans go on during a large import; `on_commit(result)` runs inside that
    transaction, so a caller can record the outcome atomically with the rows. Raises ValueError for an
    unknown kind, an unknown `existing`, or updating a staff list.
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind: {kind}")
    existing = existing or ("skip" if skip_existing else "error")
    IMPORT_EXISTING.check(existing)
    if existing not in existing_choices(kind):
        raise ValueError("only a catalogue's registered rows can be updated")
    path = Path(path)
    filename = filename or path.name
    result = ImportResult(kind=kind, filename=filename, dry_run=dry_run, skip_existing=existing == "skip",
                          existing=existing)
    suffix_error = check_suffix(filename)
    if suffix_error is not None:
        result.add_error(suffix_error)
        return result
    result.sha256 = file_sha256(path)
    model = Item if kind == "items" else Person
    checked_from = staging.highest_id(model)  # rows after this one were added after the check read the database
    with tempfile.TemporaryFile(prefix="custody-import-") as spool:
        try:
            file_max = _validate(path, filename, kind, result, spool, progress)
        except FileProblem as problem:
            result.add_error(problem.error)
            return result
        if result.ok and result.update_ids:
            _plan_updates(spool, result)
        if not result.ok or dry_run:
            return result
        now = now or clock.now()
        result.created_at = now
        insert = _insert_items if kind == "items" else _insert_people
        if progress is not None:
            progress("import", 0, result.rows)
        need, plan = _codes_needed(spool, result, kind), {}

        def reserve() -> dict[str, int]:  # inside begin, with the imports' turn held: two index lookups
            plan["starts"], holds = _plan_codes(kind, need, file_max)
            return holds

        try:
            load = staging.begin(kind, filename, job_id=job_id, now=now, reserve=reserve)
        except LoadRefused as refused:
            result.add_error(refused.error)
            return result
        try:
            with staging.own_checkpoints():
                insert(spool, result, plan["starts"], now, progress, load.id)
            # archive numbers have no unique index: look for clashes once outside the lock, then again inside
            # the switch-in for the rows added since
            staging.refresh_statistics(model, result.imported)
            seen_up_to = staging.highest_id(model)
            _refuse_clashes(kind, load.id, checked_from)
            with write_tx():
                staging.lock_imports()
                _refuse_clashes(kind, load.id, seen_up_to)
                if result.update_ids:
                    _apply_updates(spool, result, user=user, ip=ip, now=now, job_id=job_id)
                staging.go_live(load.id, now)
                result.first_id, result.last_id = _id_range(model, load.id) if result.imported else (None, None)
                result.load_id = load.id
                audit.append_audit(f"{kind}.import", user=user, target=filename, ip=ip, at=now, detail={
                    "count": result.imported, "generated": result.generated, "file": filename,
                    "skipped": result.skipped, "updated": result.updated, "unchanged": result.unchanged,
                    "sha256": result.sha256, "first_id": result.first_id, "last_id": result.last_id,
                })
                if on_commit is not None:
                    on_commit(result)
        except (LoadRefused, IntegrityError) as exc:
            staging.abandon(load.id)
            result.imported = result.generated = result.updated = result.unchanged = 0
            result.changes = []
            result.first_id = result.last_id = result.load_id = None
            result.add_error(exc.error if isinstance(exc, LoadRefused) else CHANGED)
        except Exception:
            staging.abandon(load.id)
            raise
    return result


def _refuse_clashes(kind: str, load_id: int, after_id: int) -> None:
    if kind != "items":
        return  # badge codes and tags have unique indexes: a clash stopped the chunk that met it
    clashes = staging.archive_clashes(load_id, after_id)
    if clashes:
        archive_no, code = clashes[0]
        raise LoadRefused(RowError(None, N_("Archive number %(value)s was registered by someone else (item %(code)s) "
                                            "while the file was being imported. Nothing was imported: check the "
                                            "file again."), {"value": archive_no, "code": code}))


def describe_columns(kind: str) -> list[tuple[str, tuple[str, ...]]]:
    """(field, accepted headers) for the documentation and the upload page."""
    return list(COLUMNS[kind].items())


def imported_items(summary: dict):
    """The items one import created (by its load; before migration 016 by id range and creation stamp)."""
    if summary.get("load_id"):
        return Item.select().where(Item.import_load == summary["load_id"])
    if not summary.get("first_id"):
        return Item.select().where(Item.id < 0)
    stamp = datetime.fromisoformat(summary["created_at"])
    return Item.select().where(Item.id.between(summary["first_id"], summary["last_id"]) & (Item.created_at == stamp))


def imported_people(summary: dict):
    """The people one import created (by its load; before migration 016 by id range and creation stamp)."""
    if summary.get("load_id"):
        return Person.select().where(Person.import_load == summary["load_id"])
    if not summary.get("first_id"):
        return Person.select().where(Person.id < 0)
    stamp = datetime.fromisoformat(summary["created_at"])
    return Person.select().where(Person.id.between(summary["first_id"], summary["last_id"])
                                 & (Person.created_at == stamp))


def preview_rows(path, kind: str, *, filename: str | None = None, limit: int = 10) -> tuple[list[str], list[dict]]:
    """The recognised columns and the first `limit` data rows of a file as the import reads them (a preview
    after a check-only run); ([], []) when the file cannot be read."""
    path = Path(path)
    result = ImportResult(kind=kind, filename=filename or path.name)
    rows = None
    try:
        rows, _estimate = open_rows(path, filename or path.name)
        mapping = read_header(rows, kind, result)
        out = []
        for _number, row in rows:
            raw = {name: cell_text(row[i]) if i < len(row) else "" for i, name in mapping.items()}
            if any(raw.values()):
                out.append(raw)
            if len(out) >= limit:
                break
    except (FileProblem, UnicodeDecodeError, csv.Error, OSError):
        return [], []
    finally:
        if rows is not None:
            rows.close()
    fields = [name for name in COLUMNS[kind] if name in mapping.values()]
    return fields, out
