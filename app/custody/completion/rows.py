"""How a row is written to the bundle and hashed — shared by the exporter and the offline verifier.

No database and no Flask here: `custody verify-bundle` runs on any machine with only the project
installed. A row's hash is the bundle's hash (SHA-256; SM3 on a site sealed with the national algorithms,
the manifest's "hash") over the canonical JSON of its values as they stand in the file (CSV: the list of
strings; JSON Lines: the decoded object's values in header order).
"""
import csv
import hashlib
import io
import json
from datetime import date, datetime

from ..suites import hash_hex

BOM = "\ufeff"  # Excel opens UTF-8 CSV with Chinese correctly only with it
FORMAT = "custody-bundle/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"


def canonical(value) -> str:
    """Deterministic JSON: sorted keys, no spaces, Unicode kept (the chains' own form)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def json_value(value):
    """A stored value as JSON: datetimes in the chains' form (microseconds always), dates ISO."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def csv_value(value) -> str:
    """A JSON value (json_value's result) as a CSV cell: empty for NULL, true/false, numbers as text."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def row_digest(values: list, hash_name: str = "sha256") -> str:
    """The hash of one CSV row: its cells as text, in canonical JSON."""
    return line_digest(canonical(values), hash_name)


def line_digest(line: str, hash_name: str = "sha256") -> str:
    """The hash of one JSON Lines row: its canonical JSON text (what the exporter writes)."""
    if hash_name == "sha256":
        return hashlib.sha256(line.encode("utf-8")).hexdigest()
    return hash_hex(hash_name, line.encode("utf-8"))


def csv_lines(rows: list[list[str]]) -> str:
    """CSV text for already-stringified rows (RFC 4180, CRLF, minimal quoting)."""
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


def strip_bom(lines):
    """Lines of a bundle CSV with the BOM removed from the first."""
    first = True
    for line in lines:
        yield line.removeprefix(BOM) if first else line
        first = False


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a bundle CSV (the BOM removed)."""
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
    return (rows[0] if rows else []), rows[1:]
