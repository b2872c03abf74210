"""Checking every row (first pass): against the file so far and the database, spooling the clean rows."""
import csv
import pickle
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import peewee

from app.db import db, is_sqlite

from ..codes import normalize_scan
from ..errors import N_
from ..models import CODE_PREFIX, STORAGE_KINDS, Item, Location, Person, Tag
from ..models.loads import VISIBLE_SQL
from .columns import (
    _CODE_RE,
    _HEADERS,
    _HEX_RE,
    _KINDS,
    _ORG_KINDS,
    BADGE_PREFIX,
    BATCH,
    CHECK_CHUNK,
    COLUMNS,
    FIELD_NAMES,
    HEADER_SEARCH_ROWS,
    KEY_COLUMNS,
    LIMITS,
    UNSAFE_TEXT,
    _header_key,
)
from .reading import cell_text, open_rows
from .results import FileProblem, ImportResult, Progress, RowError

SKIPPABLE = ("code", "archive_no", "badge_code")  # the keys that say "this record is already registered"


class _Validator:
    """Checks one row at a time; remembers keys seen in the file; batches the database checks."""

    def __init__(self, kind: str, result: ImportResult):
        self.kind = kind
        self.result = result
        self.seen: dict[str, dict[str, int]] = {"code": {}, "tag": {}, "archive_no": {}, "badge_code": {}}
        self.max_number: dict[str, int] = {}  # prefix → highest number among the file's own codes
        self.pending: dict[str, list[tuple[str, int]]] = {"code": [], "tag": [], "archive_no": [], "badge_code": []}
        self.locations: dict[str, Location] = {}
        if kind == "items":
            self.locations = {loc.code.upper(): loc for loc in Location.select()}

    # -- one row
    def check(self, line: int, raw: dict[str, str]) -> tuple | None:
        """The cleaned row, or None after reporting its errors."""
        errors: list[RowError] = []

        def bad(template, translatable=(), **params):
            errors.append(RowError(line, template, params, translatable))

        for name, limit in LIMITS.items():
            value = raw.get(name, "")
            if UNSAFE_TEXT.search(value):
                bad(N_("The %(field)s contains a control or text-direction character."), ("field",),
                    field=FIELD_NAMES[name])
                raw[name] = UNSAFE_TEXT.sub("", value)
            if len(value) > limit:
                bad(N_("The %(field)s is too long: at most %(max)s characters."), ("field",),
                    field=FIELD_NAMES[name], max=limit)
                raw[name] = value[:limit]
        tag = ""
        if raw.get("tag"):
            tag = re.sub(r"[\s:\-]", "", raw["tag"]).upper()
            if not _HEX_RE.match(tag):
                bad(N_("RFID tag %(tag)s is not hexadecimal (digits 0–9 and letters A–F only)."), tag=raw["tag"])
                tag = ""
        clean = (self._check_item if self.kind == "items" else self._check_person)(raw, tag, bad)
        clean = (clean[0] + (line,), clean[1])  # the line goes with the row: updates are found by it
        if errors:
            for err in errors:
                self.result.add_error(err)
            return None
        # remember keys only for good rows, so one bad row does not make a later one a "duplicate"
        for key, value in clean[1].items():
            if value:
                self.seen[key][value] = line
                self.pending[key].append((value, line))
        if len(max(self.pending.values(), key=len)) >= CHECK_CHUNK:
            self.flush()
        return clean[0]

    def _duplicate(self, key: str, value: str, bad, template: str) -> None:
        first = self.seen[key].get(value)
        if first is not None:
            bad(template, value=value, first=first)

    def _check_item(self, raw, tag, bad):
        kind_text = raw.get("kind", "")
        kind = _KINDS.get(_header_key(kind_text)) if kind_text else "volume"
        if kind is None:
            bad(N_("Unknown kind %(value)s: write 卷宗 (volume), 介质 (media) or 设备 (device)."), value=kind_text)
            kind = "volume"
        code = ""
        if raw.get("code"):
            code = normalize_scan(raw["code"])
            if not _CODE_RE.match(code):
                bad(N_("Code %(value)s may hold only letters, digits, '-', '_' and '.'."), value=raw["code"])
            else:
                self._duplicate("code", code, bad, N_("Code %(value)s appears twice in the file (first on line %(first)s)."))
                prefix = CODE_PREFIX[kind]
                if code.startswith(prefix) and code[len(prefix):].isdigit():
                    self.max_number[prefix] = max(self.max_number.get(prefix, 0), int(code[len(prefix):]))
        archive_no = raw.get("archive_no", "")
        title = raw.get("title", "")
        if kind == "volume" and not archive_no:
            bad(N_("The archive number (档号) is missing."))
        if kind != "volume" and not (title or code):
            bad(N_("A medium or device needs a code or a title."))
        if archive_no and kind == "volume":
            self._duplicate("archive_no", archive_no, bad,
                            N_("Archive number %(value)s appears twice in the file (first on line %(first)s)."))
        pages = None
        if raw.get("pages"):
            text = raw["pages"].replace(",", "")
            try:
                number = float(text)
            except ValueError:
                number = None
            if number is None or not number.is_integer() or number < 0 or number > 1_000_000:
                bad(N_("Pages must be a whole number (found %(value)s)."), value=raw["pages"])
            else:
                pages = int(number)
        location_id = None
        if raw.get("location"):
            loc = self.locations.get(normalize_scan(raw["location"]))
            if loc is None:
                bad(N_("Unknown location code %(value)s."), value=raw["location"])
            elif loc.kind not in STORAGE_KINDS or not loc.is_active:
                bad(N_("Location %(value)s is not a storage location in use: imported items start in storage."),
                    value=raw["location"])
            else:
                location_id = loc.id
        if tag:
            self._duplicate("tag", tag, bad, N_("RFID tag %(value)s appears twice in the file (first on line %(first)s)."))
        keys = {"code": code, "tag": tag, "archive_no": archive_no if kind == "volume" else ""}
        return (code, kind, archive_no, title, pages, location_id, tag), keys

    def _check_person(self, raw, tag, bad):
        name = raw.get("name", "")
        if not name:
            bad(N_("The name (姓名) is missing."))
        badge = ""
        if raw.get("badge_code"):
            badge = normalize_scan(raw["badge_code"])
            if not _CODE_RE.match(badge):
                bad(N_("Badge code %(value)s may hold only letters, digits, '-', '_' and '.'."), value=raw["badge_code"])
            else:
                self._duplicate("badge_code", badge, bad,
                                N_("Badge code %(value)s appears twice in the file (first on line %(first)s)."))
                if badge.startswith(BADGE_PREFIX) and badge[1:].isdigit():
                    self.max_number[BADGE_PREFIX] = max(self.max_number.get(BADGE_PREFIX, 0), int(badge[1:]))
        organisation = raw.get("organisation", "")
        org_text = raw.get("org_kind", "")
        if org_text:
            org_kind = _ORG_KINDS.get(_header_key(org_text))
            if org_kind is None:
                bad(N_("Unknown organisation kind %(value)s: write 档案部门 (archive) or 服务机构 (service)."),
                    value=org_text)
        else:
            # the archive department's own staff: 档案馆 / 档案局 / 档案室 …; everyone else serves it
            org_kind = "archive" if "档案" in organisation or "archive" in organisation.casefold() else "service"
        if tag:
            self._duplicate("tag", tag, bad, N_("RFID tag %(value)s appears twice in the file (first on line %(first)s)."))
        keys = {"badge_code": badge, "tag": tag}
        return (name, organisation, org_kind or "service", raw.get("position", ""), badge, tag), keys

    # -- the database, a chunk of keys at a time
    def flush(self) -> None:
        """Report keys of the pending rows that already exist in the database."""
        checks = {
            "code": (Item.code, N_("Code %(value)s is already in the database.")),
            "archive_no": (Item.archive_no, N_("Archive number %(value)s is already in the database (item %(code)s).")),
            "badge_code": (Person.badge_code, N_("Badge code %(value)s is already in the database.")),
            "tag": (Tag.tag, N_("RFID tag %(value)s is already bound to another item or person.")),
        }
        coded = {line for _value, line in self.pending["code"]}  # lines that give a code of their own
        found = []  # (key, line, value, params, template, owner id): every key of a pending row already registered
        for key, pending in self.pending.items():
            if not pending:
                continue
            column, template = checks[key]
            wanted = {}
            for value, line in pending:
                wanted.setdefault(value, []).append(line)
            extra = {"archive_no": ("id", "code"), "tag": ("item_id",)}.get(key, ("id",))
            where = "kind = 'volume'" if key == "archive_no" else ""
            for row in _select_in(column, list(wanted), extra, where):
                for line in wanted.get(row[0], ()):
                    params = {"value": row[0]}
                    if key == "archive_no":
                        params["code"] = row[2]
                    found.append((key, line, row[0], params, template, row[1]))
                wanted.pop(row[0], None)  # report each line once even if the database holds two
            pending.clear()
        if self.result.existing == "update" and self.kind == "items":
            self._to_update(found, coded)
            return
        # skipping: a row whose code, archive number or badge is registered is that record again: left out,
        # with its other findings (its tag is bound to that record); anything else is still an error
        skipped = {line for key, line, *_rest in found if self.result.skip_existing and key in SKIPPABLE}
        for key, line, value, params, template, _owner in found:
            if line in skipped:
                if key in SKIPPABLE:
                    self.result.skip_keys[key].add(value)
                continue
            self.result.add_error(RowError(line, template, params))
        self.result.skipped += len(skipped)

    def _to_update(self, found, coded: set[int]) -> None:
        """Updating: a row whose code (or, giving no code, whose volume's archive number) is registered updates
        that item; its archive number or tag belonging to another item is still an error."""
        by_line: dict[int, dict] = {}
        for key, line, _value, params, template, owner in found:
            by_line.setdefault(line, {})[key] = (owner, params, template)
        for line, keys in sorted(by_line.items()):
            target = None
            if "code" in keys:
                target = keys["code"][0]
            elif "archive_no" in keys and line not in coded:
                target = keys["archive_no"][0]
            bad = [(params, template) for key, (owner, params, template) in keys.items()
                   if target is None or (key != "code" and owner != target)]
            for params, template in bad:
                self.result.add_error(RowError(line, template, params))
            if not bad:
                self.result.update_ids[line] = target


def _select_in(column, values: list, extra: tuple[str, ...] = (), where: str = "", *, pending: bool = False):
    """Rows (value, *extra) whose column is one of values: visible rows only, or every row with pending.

    Plain SQL with one placeholder per value: peewee's per-parameter conversion cost more than the
    query itself on large files (bench/import_bench.py).
    """
    table = column.model._meta.table_name
    marks = ", ".join([db.param] * len(values))
    cols = ", ".join([column.column_name, *extra])
    sql = f"SELECT {cols} FROM {table} WHERE {column.column_name} IN ({marks})" + (f" AND {where}" if where else "")
    if not pending:  # rows of a load not (yet) live are not there for anyone (models/loads.py)
        sql += " AND " + VISIBLE_SQL
    return db.execute_sql(sql, values).fetchall()


def _db_time(moment: datetime):
    # what peewee hands the driver for a DateTimeField (sqlite3's datetime adapter: ISO with a space)
    return moment.isoformat(" ") if is_sqlite() else moment


def _bulk_insert(model, fields: list, rows: list[tuple]) -> None:
    """Insert a batch of rows (values already in database form).

    PostgreSQL: peewee's insert_many (one multi-row INSERT). SQLite: the same statement for one row,
    run with the driver's executemany, several times faster for the same transaction.
    """
    if not rows:
        return
    if not is_sqlite():
        model.insert_many(rows, fields=fields).execute()
        return
    sql, _params = model.insert_many(rows[:1], fields=fields).sql()
    with peewee.__exception_wrapper__:  # driver errors as peewee's (IntegrityError …), as execute_sql does
        db.cursor().executemany(sql, rows)


def read_header(rows: Iterator[tuple[int, list]], kind: str, result: ImportResult):
    """Find the header row; return (column index → field, rows after the header)."""
    headers = _HEADERS[kind]
    for number, row in rows:
        keys = [_header_key(cell_text(cell)) for cell in row]
        mapped = {i: headers[k] for i, k in enumerate(keys) if k in headers}
        fields = list(mapped.values())
        if len(set(fields)) >= 2 and set(fields) & set(KEY_COLUMNS[kind]):
            dupes = sorted({f for f in fields if fields.count(f) > 1})
            if dupes:
                raise FileProblem(RowError(number, N_("Two columns mean the same thing: %(columns)s."),
                                            {"columns": ", ".join(dupes)}))
            result.header_line = number
            result.ignored_columns = [cell_text(row[i]) for i, k in enumerate(keys) if k and k not in headers]
            return mapped
        if number >= HEADER_SEARCH_ROWS:
            break
    expected = " / ".join(f"{next(w for w in words if not w.isascii())} ({name})"
                          for name, words in COLUMNS[kind].items()
                          if name in KEY_COLUMNS[kind] or name in ("pages", "organisation"))
    raise FileProblem(RowError(None, N_("No header row found in the first %(n)s rows: expected columns such as "
                                         "%(columns)s."), {"n": HEADER_SEARCH_ROWS, "columns": expected}))


def _validate(path: Path, filename: str, kind: str, result: ImportResult, spool, progress: Progress | None):
    validator = _Validator(kind, result)
    rows = None
    try:
        rows, estimate = open_rows(path, filename)
        mapping = read_header(rows, kind, result)
        total = None
        if estimate is not None and result.header_line is not None:
            total = max(estimate - result.header_line, 0)
        batch = []
        for number, row in rows:
            raw = {}
            for index, name in mapping.items():
                if index < len(row):
                    raw[name] = cell_text(row[index])
            if not any(raw.values()) and not any(cell_text(c) for c in row):
                continue  # blank lines between blocks are not rows
            result.rows += 1
            clean = validator.check(number, raw)
            if clean is not None and result.error_count == 0:
                batch.append(clean)
                if len(batch) >= BATCH:
                    pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
                    batch = []
            if progress is not None and result.rows % 1000 == 0:
                progress("validate", result.rows, total)
        validator.flush()
        if batch and result.error_count == 0:
            pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
    except UnicodeDecodeError as exc:
        raise FileProblem(RowError(None, N_("The file's text could not be read (neither UTF-8 nor GB18030)."))) from exc
    except csv.Error as exc:
        raise FileProblem(RowError(None, N_("The CSV file is malformed: %(detail)s"), {"detail": str(exc)})) from exc
    finally:
        if rows is not None:
            rows.close()
    if result.rows == 0 and result.error_count == 0:
        result.add_error(RowError(None, N_("The file holds a header row but no data rows.")))
    if progress is not None:
        progress("validate", result.rows, result.rows)
    result.errors.sort(key=lambda e: (e.line or 0))
    return validator.max_number
