"""Reading an uploaded .csv (any common encoding) or .xlsx file row by row, with line numbers as the user sees them."""
import codecs
import csv
import hashlib
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from ..errors import N_
from .columns import ALLOWED_SUFFIXES, MAX_XLSX_CELLS, MAX_XLSX_UNCOMPRESSED
from .results import FileProblem, RowError


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
    than MAX_XLSX_CELLS cells, before openpyxl reads any of it; raises FileProblem."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_XLSX_UNCOMPRESSED:
                raise FileProblem(RowError(None, N_("The workbook unpacks to more than %(mb)s MB: split it "
                                                    "or save it as .csv."), {"mb": MAX_XLSX_UNCOMPRESSED >> 20}))
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with zf.open(info) as fh:
                        head = fh.read(4096)
                    match = _DIMENSION_RE.search(head)
                    if match and _column_number(match.group(1)) * int(match.group(2)) > MAX_XLSX_CELLS:
                        raise FileProblem(RowError(None, N_("The sheet holds more than %(n)s cells: split it or "
                                                            "save it as .csv."), {"n": f"{MAX_XLSX_CELLS:,}"}))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileProblem(RowError(None, N_("The file is not a readable .xlsx workbook."))) from exc


def _xlsx_rows(path: Path) -> tuple[Iterator[tuple[int, list]], int | None]:
    import openpyxl

    _check_xlsx_size(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(RowError(None, N_("The file is not a readable .xlsx workbook."))) from exc
    ws = wb.active if wb.active is not None else wb.worksheets[0]

    def rows():
        try:
            # read-only mode yields an empty tuple for each row missing from the sheet, so the
            # position is the row number Excel shows
            cells = 0
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells += len(row)
                if cells > MAX_XLSX_CELLS:  # a sheet whose dimension understated it
                    raise FileProblem(RowError(None, N_("The sheet holds more than %(n)s cells: split it or "
                                                        "save it as .csv."), {"n": f"{MAX_XLSX_CELLS:,}"}))
                yield number, list(row)
        finally:
            wb.close()

    return rows(), ws.max_row


def open_rows(path: Path, filename: str):
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        if not zipfile.is_zipfile(path):
            raise FileProblem(RowError(None, N_("The file is not a readable .xlsx workbook.")))
        return _xlsx_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    raise FileProblem(check_suffix(filename))


def cell_text(value) -> str:
    """A cell as text: Excel numbers 277.0 → "277", None → ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).replace("\ufeff", "").strip()
