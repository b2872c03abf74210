"""Catalogue and staff-list imports from .csv and .xlsx files, all or nothing.

An import runs in two passes so memory stays bounded whatever the file's size:

1. *validate*: stream the file row by row, find the header row (a title row or blank rows may sit
   above it), map each cell to a field, check every row (against the file so far and against the
   database, in chunks) and spool the cleaned rows to a temporary file. Every bad row is reported
   with its line number as the user sees it in Excel or a text editor (1-based, title and header
   rows counted).
2. *import*: only if no row was bad, read the spool back and insert in batches (insert_many) in ONE
   transaction, generating codes where the file left them blank, and append one admin-log entry.

Only the sets of keys needed for duplicate checks (codes, tags, archive numbers, badge codes)
grow with the file; rows themselves never sit in memory beyond one batch.
"""
import codecs
import csv
import hashlib
import json
import pickle
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import peewee
from peewee import IntegrityError, fn

from app.db import db, is_sqlite, write_tx

from . import audit, clock, rules
from .codes import format_code, normalize_scan
from .errors import N_
from .models import CODE_PREFIX, STORAGE_KINDS, Item, Location, Person, Tag

BATCH = 1000  # rows per insert_many (stays under SQLite's 32,766 bound parameters)
CHECK_CHUNK = 500  # keys per "already in the database?" query
# a spreadsheet is refused before reading when it would unpack to more than this (a 4 MB .xlsx can hold
# gigabytes of repeated cells: openpyxl keeps the shared strings in memory) or hold more cells than this
MAX_XLSX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_XLSX_CELLS = 8_000_000
UNSAFE_TEXT = rules.UNSAFE_TEXT
MAX_ERRORS = 1000  # errors kept for display; the count goes on
HEADER_SEARCH_ROWS = 30  # how far down a title block may push the header row
BADGE_PREFIX = "B"
ALLOWED_SUFFIXES = (".csv", ".xlsx")

# field → accepted headers (compared after _header_key: case, spaces, _ and - ignored)
ITEM_COLUMNS = {
    "code": ("code", "编号", "条码", "条码号"),
    "archive_no": ("archive_no", "archive number", "archive no", "档号"),
    "title": ("title", "题名", "案卷题名", "名称"),
    "pages": ("pages", "page count", "页数"),
    "kind": ("kind", "type", "类型", "类别"),
    "tag": ("tag", "rfid", "rfid tag", "rfid标签", "标签", "epc"),
    "location": ("location", "位置", "存放位置", "库位"),
}
PEOPLE_COLUMNS = {
    "name": ("name", "姓名"),
    "organisation": ("organisation", "organization", "单位", "所在单位"),
    "badge_code": ("badge_code", "badge", "badge code", "工牌号", "工牌", "胸卡号"),
    "tag": ("tag", "rfid", "rfid tag", "rfid标签", "标签", "卡号"),
    "position": ("position", "职务", "岗位"),
    "org_kind": ("org_kind", "organisation kind", "organization kind", "单位类型"),
}
COLUMNS = {"items": ITEM_COLUMNS, "people": PEOPLE_COLUMNS}
# a header row must carry at least one of these (besides being the first row with 2+ known headers)
KEY_COLUMNS = {"items": ("archive_no", "title", "code"), "people": ("name",)}

KIND_WORDS = {
    "volume": ("volume", "卷宗", "案卷", "卷"),
    "media": ("media", "medium", "介质", "存储介质", "移动介质"),
    "device": ("device", "设备"),
}
ORG_KIND_WORDS = {
    "archive": ("archive", "档案部门", "档案馆", "档案局", "甲方"),
    "service": ("service", "服务机构", "服务单位", "外包", "外包单位", "乙方"),
}
LIMITS = {"code": 32, "archive_no": 255, "title": 2000, "tag": 64, "location": 64, "name": 100,
          "organisation": 200, "badge_code": 32, "position": 100}
FIELD_NAMES = {  # how a field is named in messages (msgids; translated by the caller)
    "code": N_("code"), "archive_no": N_("archive number"), "title": N_("title"), "pages": N_("pages"),
    "kind": N_("kind"), "tag": N_("RFID tag"), "location": N_("location"), "name": N_("name"),
    "organisation": N_("organisation"), "badge_code": N_("badge code"), "position": N_("position"),
    "org_kind": N_("organisation kind"),
}
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_.\-]*$")
_HEX_RE = re.compile(r"^[0-9A-F]+$")
_SPACES = re.compile(r"[\s_\-\u3000\ufeff]+")


def _header_key(text: str) -> str:
    return _SPACES.sub("", str(text)).casefold()


def _word_map(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_header_key(word): value for value, words in table.items() for word in words}


_KINDS = _word_map(KIND_WORDS)
_ORG_KINDS = _word_map(ORG_KIND_WORDS)
_HEADERS = {kind: _word_map(cols) for kind, cols in COLUMNS.items()}


@dataclass
class RowError:
    """One problem: the line it is on (None: the whole file), a msgid template and its parameters.

    Parameters named in `translatable` are msgids themselves (field names) and get translated too.
    """

    line: int | None
    template: str
    params: dict = field(default_factory=dict)
    translatable: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """The reason in English (msgid with its parameters filled in)."""
        try:
            return self.template % self.params
        except (KeyError, TypeError, ValueError):
            return self.template

    def as_json(self) -> list:
        return [self.line, self.template, self.params, list(self.translatable)]

    @classmethod
    def from_json(cls, row) -> "RowError":
        line, template, params, *rest = row
        return cls(line, template, params or {}, tuple(rest[0]) if rest else ())


@dataclass
class ImportResult:
    """What an import found and did. `ok` is False when anything was wrong: then nothing was imported."""

    kind: str
    filename: str
    sha256: str = ""
    rows: int = 0  # data rows read (blank rows not counted)
    imported: int = 0
    generated: int = 0  # codes generated for rows that had none
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    header_line: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    first_id: int | None = None
    last_id: int | None = None
    created_at: datetime | None = None  # stamped on every imported row: with the id range, finds them
    skip_existing: bool = False  # rows already registered (same code, archive number or badge) are left out
    skipped: int = 0
    skip_keys: dict = field(default_factory=lambda: {"code": set(), "archive_no": set(), "badge_code": set()})

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    def summary(self) -> dict:
        return {"header_line": self.header_line, "ignored_columns": self.ignored_columns,
                "generated": self.generated, "first_id": self.first_id, "last_id": self.last_id,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "rows": self.rows, "dry_run": self.dry_run, "skip_existing": self.skip_existing,
                "skipped": self.skipped}


Progress = Callable[[str, int, int | None], None]  # (phase "validate"|"import", done, total or None)


class _FileProblem(Exception):
    """The file as a whole cannot be read; carries the RowError to report."""

    def __init__(self, error: RowError):
        super().__init__(error.message)
        self.error = error


# ---------------------------------------------------------------- reading files


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_suffix(filename: str) -> RowError | None:
    """None if the file name ends in .csv or .xlsx, else the error to show."""
    suffix = Path(filename).suffix.lower()
    if suffix in ALLOWED_SUFFIXES:
        return None
    if suffix in (".xls", ".et", ".wps", ".numbers", ".ods"):
        return RowError(None, N_("%(name)s is not a .csv or .xlsx file: save it as .xlsx (Excel 2007 or later) "
                                 "or as CSV and upload that."), {"name": filename})
    return RowError(None, N_("%(name)s is not a .csv or .xlsx file."), {"name": filename})


def _csv_encoding(path: Path) -> str:
    """utf-8-sig (BOM), utf-16 (BOM), utf-8 if the whole file decodes as UTF-8, else GB18030."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # Excel on a Chinese Windows saves "CSV" in the ANSI code page (GBK ⊂ GB18030)
            return "gb18030"
    return "utf-8"


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            count += chunk.count(b"\n")
    return count


def _csv_rows(path: Path) -> tuple[Iterator[tuple[int, list]], int | None]:
    encoding = _csv_encoding(path)
    fh = open(path, newline="", encoding=encoding, errors="strict")
    sample = fh.read(16384)
    fh.seek(0)
    # the separator used most in the first 16 kB; comma on a tie or when there is none
    # (deterministic, unlike csv.Sniffer, which raises on samples it cannot decide)
    counts = {sep: sample.count(sep) for sep in (",", "\t", ";")}
    delimiter = max(counts, key=lambda sep: (counts[sep], sep == ","))

    def rows():
        with fh:
            # a row's number is its record number, as Excel shows it (a quoted cell may span lines)
            yield from enumerate(csv.reader(fh, delimiter=delimiter), start=1)

    return rows(), _count_lines(path)


_DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + (c - 64)
    return n


def _check_xlsx_size(path: Path) -> None:
    """Refuse a workbook that unpacks to more than MAX_XLSX_UNCOMPRESSED, or whose sheets declare more
    than MAX_XLSX_CELLS cells, before openpyxl reads any of it; raises _FileProblem."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_XLSX_UNCOMPRESSED:
                raise _FileProblem(RowError(None, N_("The workbook unpacks to more than %(mb)s MB: split it "
                                                     "or save it as .csv."), {"mb": MAX_XLSX_UNCOMPRESSED >> 20}))
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with zf.open(info) as fh:
                        head = fh.read(4096)
                    match = _DIMENSION_RE.search(head)
                    if match and _column_number(match.group(1)) * int(match.group(2)) > MAX_XLSX_CELLS:
                        raise _FileProblem(RowError(None, N_("The sheet holds more than %(n)s cells: split it or "
                                                             "save it as .csv."), {"n": f"{MAX_XLSX_CELLS:,}"}))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _FileProblem(RowError(None, N_("The file is not a readable .xlsx workbook."))) from exc


def _xlsx_rows(path: Path) -> tuple[Iterator[tuple[int, list]], int | None]:
    import openpyxl

    _check_xlsx_size(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _FileProblem(RowError(None, N_("The file is not a readable .xlsx workbook."))) from exc
    ws = wb.active if wb.active is not None else wb.worksheets[0]

    def rows():
        try:
            # read-only mode yields an empty tuple for each row missing from the sheet, so the
            # position is the row number Excel shows
            cells = 0
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells += len(row)
                if cells > MAX_XLSX_CELLS:  # a sheet whose dimension understated it
                    raise _FileProblem(RowError(None, N_("The sheet holds more than %(n)s cells: split it or "
                                                         "save it as .csv."), {"n": f"{MAX_XLSX_CELLS:,}"}))
                yield number, list(row)
        finally:
            wb.close()

    return rows(), ws.max_row


def _open_rows(path: Path, filename: str):
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        if not zipfile.is_zipfile(path):
            raise _FileProblem(RowError(None, N_("The file is not a readable .xlsx workbook.")))
        return _xlsx_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    raise _FileProblem(check_suffix(filename))


def _cell_text(value) -> str:
    """A cell as text: Excel numbers 277.0 → "277", None → ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).replace("\ufeff", "").strip()


# ---------------------------------------------------------------- validation


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
        found = []  # (key, line, value, params, template): every key of a pending row already registered
        for key, pending in self.pending.items():
            if not pending:
                continue
            column, template = checks[key]
            wanted = {}
            for value, line in pending:
                wanted.setdefault(value, []).append(line)
            extra = ("code",) if key == "archive_no" else ()
            where = "kind = 'volume'" if key == "archive_no" else ""
            for row in _select_in(column, list(wanted), extra, where):
                for line in wanted.get(row[0], ()):
                    params = {"value": row[0]}
                    if key == "archive_no":
                        params["code"] = row[1]
                    found.append((key, line, row[0], params, template))
                wanted.pop(row[0], None)  # report each line once even if the database holds two
            pending.clear()
        # skipping: a row whose code, archive number or badge is registered is that record again: left out,
        # with its other findings (its tag is bound to that record); anything else is still an error
        skipped = {line for key, line, *_rest in found if self.result.skip_existing and key in SKIPPABLE}
        for key, line, value, params, template in found:
            if line in skipped:
                if key in SKIPPABLE:
                    self.result.skip_keys[key].add(value)
                continue
            self.result.add_error(RowError(line, template, params))
        self.result.skipped += len(skipped)


def _select_in(column, values: list, extra: tuple[str, ...] = (), where: str = ""):
    """Rows (value, *extra) whose column is one of values.

    Plain SQL with one placeholder per value: peewee's per-parameter conversion cost more than the
    query itself on large files (bench/import_bench.py).
    """
    table = column.model._meta.table_name
    marks = ", ".join([db.param] * len(values))
    cols = ", ".join([column.column_name, *extra])
    sql = f"SELECT {cols} FROM {table} WHERE {column.column_name} IN ({marks})" + (f" AND {where}" if where else "")
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


def _read_header(rows: Iterator[tuple[int, list]], kind: str, result: ImportResult):
    """Find the header row; return (column index → field, rows after the header)."""
    headers = _HEADERS[kind]
    for number, row in rows:
        keys = [_header_key(_cell_text(cell)) for cell in row]
        mapped = {i: headers[k] for i, k in enumerate(keys) if k in headers}
        fields = list(mapped.values())
        if len(set(fields)) >= 2 and set(fields) & set(KEY_COLUMNS[kind]):
            dupes = sorted({f for f in fields if fields.count(f) > 1})
            if dupes:
                raise _FileProblem(RowError(number, N_("Two columns mean the same thing: %(columns)s."),
                                            {"columns": ", ".join(dupes)}))
            result.header_line = number
            result.ignored_columns = [_cell_text(row[i]) for i, k in enumerate(keys) if k and k not in headers]
            return mapped
        if number >= HEADER_SEARCH_ROWS:
            break
    expected = " / ".join(f"{next(w for w in words if not w.isascii())} ({name})"
                          for name, words in COLUMNS[kind].items()
                          if name in KEY_COLUMNS[kind] or name in ("pages", "organisation"))
    raise _FileProblem(RowError(None, N_("No header row found in the first %(n)s rows: expected columns such as "
                                         "%(columns)s."), {"n": HEADER_SEARCH_ROWS, "columns": expected}))


def _validate(path: Path, filename: str, kind: str, result: ImportResult, spool, progress: Progress | None):
    validator = _Validator(kind, result)
    rows = None
    try:
        rows, estimate = _open_rows(path, filename)
        mapping = _read_header(rows, kind, result)
        total = None
        if estimate is not None and result.header_line is not None:
            total = max(estimate - result.header_line, 0)
        batch = []
        for number, row in rows:
            raw = {}
            for index, name in mapping.items():
                if index < len(row):
                    raw[name] = _cell_text(row[index])
            if not any(raw.values()) and not any(_cell_text(c) for c in row):
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
        raise _FileProblem(RowError(None, N_("The file's text could not be read (neither UTF-8 nor GB18030)."))) from exc
    except csv.Error as exc:
        raise _FileProblem(RowError(None, N_("The CSV file is malformed: %(detail)s"), {"detail": str(exc)})) from exc
    finally:
        if rows is not None:
            rows.close()
    if result.rows == 0 and result.error_count == 0:
        result.add_error(RowError(None, N_("The file holds a header row but no data rows.")))
    if progress is not None:
        progress("validate", result.rows, result.rows)
    result.errors.sort(key=lambda e: (e.line or 0))
    return validator.max_number


# ---------------------------------------------------------------- importing


def _highest(column, prefix: str) -> int:
    """The highest number among database codes of the form prefix + digits."""
    best = 0
    length = len(prefix) + 8
    # prefix followed by a digit: a range on the unique index (":" sorts right after "9")
    numbered = (column >= prefix + "0") & (column < prefix + ":")
    # codes of the canonical width sort numerically as text
    row = column.model.select(fn.MAX(column)).where(numbered & (fn.LENGTH(column) == length)).scalar()
    if row and row[len(prefix):].isdigit():
        best = int(row[len(prefix):])
    # longer ones (more than 8 digits) are rare; look at just those
    for (code,) in column.model.select(column).where(numbered & (fn.LENGTH(column) > length)).tuples():
        if code[len(prefix):].isdigit():
            best = max(best, int(code[len(prefix):]))
    return best


def _batches(spool) -> Iterator[list[tuple]]:
    spool.seek(0)
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def _insert_items(spool, result: ImportResult, file_max: dict[str, int], now: datetime, progress):
    counters = {prefix: max(_highest(Item.code, prefix), file_max.get(prefix, 0)) for prefix in CODE_PREFIX.values()}
    fields = [Item.code, Item.kind, Item.archive_no, Item.title, Item.pages, Item.media_type, Item.capacity,
              Item.serial_no, Item.state, Item.location, Item.home, Item.state_since, Item.is_damaged,
              Item.created_at]
    stamp, no = _db_time(now), False
    done = 0
    for batch in _batches(spool):
        rows, tagged = [], []
        for code, kind, archive_no, title, pages, location_id, tag in batch:
            if code in result.skip_keys["code"] or (kind == "volume" and archive_no in result.skip_keys["archive_no"]):
                continue  # already registered (skip_existing)
            if not code:
                prefix = CODE_PREFIX[kind]
                counters[prefix] += 1
                code = format_code(prefix, counters[prefix])
                result.generated += 1
            rows.append((code, kind, archive_no, title, pages, "", "", "", "in_storage", location_id, location_id,
                         stamp, no, stamp))
            if tag:
                tagged.append((code, tag))
        if rows:
            _bulk_insert(Item, fields, rows)
        if tagged:
            ids = dict(_select_in(Item.code, [c for c, _t in tagged], ("id",)))
            _bulk_insert(Tag, [Tag.tag, Tag.item, Tag.bound_at], [(tag, ids[code], stamp) for code, tag in tagged])
        done += len(rows)
        if progress is not None:
            progress("import", done, result.rows)
    result.imported = done
    if done:
        ids = Item.select(fn.MIN(Item.id), fn.MAX(Item.id)).where(Item.created_at == now).tuples().get()
        result.first_id, result.last_id = ids


def _insert_people(spool, result: ImportResult, file_max: dict[str, int], now: datetime, progress):
    counter = max(_highest(Person.badge_code, BADGE_PREFIX), file_max.get(BADGE_PREFIX, 0))
    fields = [Person.name, Person.organisation, Person.org_kind, Person.position, Person.badge_code,
              Person.badge_status, Person.training_hours, Person.vetting_note, Person.created_at]
    stamp = _db_time(now)
    done = 0
    for batch in _batches(spool):
        rows, tagged = [], []
        for name, organisation, org_kind, position, badge, tag in batch:
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
        if rows:
            _bulk_insert(Person, fields, rows)
        if tagged:
            ids = dict(_select_in(Person.badge_code, [b for b, _t in tagged], ("id",)))
            _bulk_insert(Tag, [Tag.tag, Tag.person, Tag.bound_at], [(tag, ids[badge], stamp) for badge, tag in tagged])
        done += len(rows)
        if progress is not None:
            progress("import", done, result.rows)
    result.imported = done
    if done:
        ids = Person.select(fn.MIN(Person.id), fn.MAX(Person.id)).where(Person.created_at == now).tuples().get()
        result.first_id, result.last_id = ids


def _lock_imports() -> None:
    # PostgreSQL: two imports at once would both pick the same next code; take turns.
    # (SQLite's BEGIN IMMEDIATE already lets one writer in at a time.)
    if not is_sqlite():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (0x1A4B0C,))


def run_import(path, kind: str, *, filename: str | None = None, user=None, dry_run: bool = False,
               skip_existing: bool = False,
               progress: Progress | None = None, now: datetime | None = None, ip: str = "",
               on_commit: Callable[[ImportResult], None] | None = None) -> ImportResult:
    """Validate a whole .csv/.xlsx file, then (unless dry_run or any row is bad) import it in one transaction.

    Never raises for bad input: every problem is in result.errors (line numbers 1-based as the user sees
    them) and then nothing is imported. With skip_existing, rows whose code, archive number or badge is
    already registered are left out (counted in result.skipped) instead of being errors. `on_commit(result)`
    runs inside the import transaction, so a caller can record the outcome atomically with the rows.
    Raises ValueError for an unknown kind.
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind: {kind}")
    path = Path(path)
    filename = filename or path.name
    result = ImportResult(kind=kind, filename=filename, dry_run=dry_run, skip_existing=skip_existing)
    suffix_error = check_suffix(filename)
    if suffix_error is not None:
        result.add_error(suffix_error)
        return result
    result.sha256 = file_sha256(path)
    with tempfile.TemporaryFile(prefix="custody-import-") as spool:
        try:
            file_max = _validate(path, filename, kind, result, spool, progress)
        except _FileProblem as problem:
            result.add_error(problem.error)
            return result
        if not result.ok or dry_run:
            return result
        now = now or clock.now()
        result.created_at = now
        insert = _insert_items if kind == "items" else _insert_people
        if progress is not None:
            progress("import", 0, result.rows)  # before the transaction: callers may still write elsewhere
        try:
            with write_tx():
                _lock_imports()
                insert(spool, result, file_max, now, progress)
                audit.append_audit(f"{kind}.import", user=user, target=filename, ip=ip, at=now, detail={
                    "count": result.imported, "generated": result.generated, "file": filename,
                    "skipped": result.skipped,
                    "sha256": result.sha256, "first_id": result.first_id, "last_id": result.last_id,
                })
                if on_commit is not None:
                    on_commit(result)
        except IntegrityError:
            # someone else added the same code/tag/badge between our check and our insert
            result.imported = result.generated = 0
            result.first_id = result.last_id = None
            result.add_error(RowError(None, N_("The database changed while importing (another import or a new "
                                               "item with the same code or tag). Nothing was imported: try again.")))
    return result


def describe_columns(kind: str) -> list[tuple[str, tuple[str, ...]]]:
    """(field, accepted headers) for the documentation and the upload page."""
    return list(COLUMNS[kind].items())


def imported_items(summary: dict):
    """The items one import created (by their id range and creation stamp)."""
    if not summary.get("first_id"):
        return Item.select().where(Item.id < 0)
    stamp = datetime.fromisoformat(summary["created_at"])
    return Item.select().where(Item.id.between(summary["first_id"], summary["last_id"]) & (Item.created_at == stamp))


def imported_people(summary: dict):
    """The people one import created (by their id range and creation stamp)."""
    if not summary.get("first_id"):
        return Person.select().where(Person.id < 0)
    stamp = datetime.fromisoformat(summary["created_at"])
    return Person.select().where(Person.id.between(summary["first_id"], summary["last_id"])
                                 & (Person.created_at == stamp))


def dump_errors(result: ImportResult) -> str:
    """The kept errors as JSON for an ImportJob row."""
    return json.dumps([e.as_json() for e in result.errors], ensure_ascii=False)


def load_errors(text: str) -> list[RowError]:
    """RowErrors back from an ImportJob row's JSON."""
    return [RowError.from_json(row) for row in json.loads(text or "[]")]


__all__ = ["ImportResult", "RowError", "check_suffix", "describe_columns", "dump_errors", "file_sha256",
           "imported_items", "imported_people", "load_errors", "run_import"]


def preview_rows(path, kind: str, *, filename: str | None = None, limit: int = 10) -> tuple[list[str], list[dict]]:
    """The recognised columns and the first `limit` data rows of a file as the import reads them (a preview
    after a check-only run); ([], []) when the file cannot be read."""
    path = Path(path)
    result = ImportResult(kind=kind, filename=filename or path.name)
    rows = None
    try:
        rows, _estimate = _open_rows(path, filename or path.name)
        mapping = _read_header(rows, kind, result)
        out = []
        for _number, row in rows:
            raw = {name: _cell_text(row[i]) if i < len(row) else "" for i, name in mapping.items()}
            if any(raw.values()):
                out.append(raw)
            if len(out) >= limit:
                break
    except (_FileProblem, UnicodeDecodeError, csv.Error, OSError):
        return [], []
    finally:
        if rows is not None:
            rows.close()
    fields = [name for name in COLUMNS[kind] if name in mapping.values()]
    return fields, out
