"""The completion bundle (7.5): every register as CSV and JSON Lines, a manifest, a signature.

Streamed: rows are read in id order in batches and written straight into the zip, so a site with a
million custody events exports in bounded memory. Files and rows are hashed with SHA-256, or SM3 on a site
sealed with the national algorithms (the manifest's "hash" names it; each file's digest is under that name). Every table the domain stores is exported (area
packages' tables included, as they land) except the columns that hold secrets. The manifest lists
each file's SHA-256 and row count, each data file's row-hash list, the heads of both chains and the
site's algorithm set (suites.py: how the chains are hashed and the log, checkpoints and manifest signed);
it is signed with the site's signing key when one is given (Ed25519, or SM2 with SM3 on a national site).
"""
import importlib
import json
import pkgutil
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from peewee import ForeignKeyField

from app import custody
from app.db import db

from .. import clock, seal, suites
from ..models import BaseModel, LogHead
from . import rows as R

# columns never exported: password and token hashes, enrolment codes, PINs, key material
SECRET_COLUMN = re.compile(r"(password|token_hash|secret|pin_hash|enrol|private)", re.I)
BATCH = 5000

# areas add documents (PDFs) to the bundle: a callable yielding (path inside the zip, bytes)
DOCUMENTS: list[Callable[[], Iterable[tuple[str, bytes]]]] = []


@dataclass
class ExportResult:
    path: Path
    files: list[dict] = field(default_factory=list)
    chains: dict = field(default_factory=dict)
    signed: bool = False

    @property
    def rows(self) -> int:
        return sum(f.get("rows", 0) for f in self.files if f["path"].endswith(".csv"))


def all_models() -> list[type[BaseModel]]:
    """Every stored model of the domain, core and area packages, in table-name order."""
    for info in pkgutil.iter_modules(custody.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"app.custody.{info.name}.models")
            except ModuleNotFoundError as exc:  # an area without stored models of its own
                if exc.name != f"app.custody.{info.name}.models":
                    raise
    found: dict[str, type[BaseModel]] = {}
    stack = list(BaseModel.__subclasses__())
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        found.setdefault(model._meta.table_name, model)
    return [found[name] for name in sorted(found)]


def _columns(model) -> list:
    return [f for f in model._meta.sorted_fields if not SECRET_COLUMN.search(f.column_name)]


def _batches(model, fields):
    pk = model._meta.primary_key
    if pk is not None and not isinstance(pk, ForeignKeyField) and getattr(pk, "field_type", "") in (
            "AUTO", "BIGAUTO", "INT", "BIGINT"):
        last = None
        while True:
            query = model.select(*fields).order_by(pk).limit(BATCH)
            if last is not None:
                query = query.where(pk > last)
            chunk = list(query.tuples())
            if not chunk:
                return
            yield chunk
            last = chunk[-1][[f.name for f in fields].index(pk.name)] if pk in fields else None
            if last is None:
                return
    else:  # a composite or text key: small tables (roles, settings); order by every column
        yield list(model.select(*fields).order_by(*fields).tuples())


class _Writer:
    """One file of the bundle, hashed as it is written: straight into the zip, or (a zip takes one
    writer at a time) into a temporary file on disk that is copied in afterwards."""

    def __init__(self, zf: zipfile.ZipFile, name: str, spooled: bool = False, hash_name: str = "sha256"):
        self.name, self._zf, self._hash_name = name, zf, hash_name
        self._fh = tempfile.TemporaryFile() if spooled else zf.open(name, "w", force_zip64=True)
        self._spooled = spooled
        self._sha = suites.new_hash(hash_name)
        self.rows = 0

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self._sha.update(data)
        self._fh.write(data)

    def close(self) -> dict:
        if self._spooled:
            self._fh.seek(0)
            with self._zf.open(self.name, "w", force_zip64=True) as out:
                shutil.copyfileobj(self._fh, out, 1 << 20)
        self._fh.close()
        return {"path": self.name, self._hash_name: self._sha.hexdigest(), "rows": self.rows}


def _export_table(zf, model, hash_name: str = "sha256") -> list[dict]:
    fields = _columns(model)
    header = [f.column_name for f in fields]
    table = model._meta.table_name
    csv_out = _Writer(zf, f"data/{table}.csv", hash_name=hash_name)
    json_out = _Writer(zf, f"data/{table}.jsonl", spooled=True, hash_name=hash_name)
    csv_hashes = _Writer(zf, f"hashes/{table}.csv.rows", spooled=True, hash_name=hash_name)
    json_hashes = _Writer(zf, f"hashes/{table}.jsonl.rows", spooled=True, hash_name=hash_name)
    csv_out.write(R.BOM + R.csv_lines([header]))
    jv, cv, canonical, digest, line_digest = R.json_value, R.csv_value, R.canonical, R.row_digest, R.line_digest
    for chunk in _batches(model, fields):
        values = [[jv(v) for v in row] for row in chunk]
        cells = [[cv(v) for v in row] for row in values]
        lines = [canonical(dict(zip(header, v, strict=True))) for v in values]
        csv_out.write(R.csv_lines(cells))
        json_out.write("".join(line + "\n" for line in lines))
        csv_hashes.write("".join(digest(c, hash_name) + "\n" for c in cells))
        json_hashes.write("".join(line_digest(line, hash_name) + "\n" for line in lines))
        for w in (csv_out, json_out, csv_hashes, json_hashes):
            w.rows += len(chunk)
    return [w.close() | ({"columns": header} if w in (csv_out, json_out) else {})
            for w in (csv_out, json_out, csv_hashes, json_hashes)]


def export_project(path: Path, *, site_name: str = "", signer=None, now: datetime | None = None,
                   progress: Callable[[str], None] | None = None,
                   documents: Iterable[tuple[str, bytes]] = ()) -> ExportResult:
    """Write the completion bundle to `path` (a .zip); returns what it wrote. signer(bytes) -> (sig, public PEM);
    documents: (name, bytes) made by the caller, such as the acceptance record in the reader's language."""
    now = now or clock.now()
    path = Path(path)
    result = ExportResult(path)
    tmp = path.with_name(path.name + ".part")
    # one read transaction: every table and both chain heads as of the same moment (PostgreSQL
    # REPEATABLE READ snapshot; SQLite WAL readers see one snapshot for the whole transaction)
    with db.connection_context() if db.is_closed() else nullcontext(), db.atomic():
        if not _is_sqlite():
            db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        heads = list(LogHead.select())
        result.chains = {h.name: {"last_id": h.last_id, "last_hash": h.last_hash} for h in heads}
        algorithm = min((h.algorithm for h in heads), default=seal.ALGORITHM)
        key_suite = getattr(signer, "suite", algorithm)
        if signer is not None and key_suite != algorithm:
            raise seal.SealKeyMismatchError(key=key_suite, site=algorithm)
        hash_name = suites.HASH_OF[algorithm]  # SHA-256, or SM3 on a national site
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for model in all_models():
                if progress:
                    progress(model._meta.table_name)
                result.files.extend(_export_table(zf, model, hash_name))
            for make in [lambda: documents, *DOCUMENTS]:
                for name, data in make():
                    with zf.open(f"documents/{name}", "w", force_zip64=True) as fh:
                        fh.write(data)
                    result.files.append({"path": f"documents/{name}", hash_name: suites.hash_hex(hash_name, data)})
            manifest = {
                "format": R.FORMAT, "site": site_name, "created_at": R.json_value(now),
                "hash": hash_name, "algorithm": algorithm, "chains": result.chains,
                "chain_tables": {"event": "event", "audit": "audit_log"},
                "files": result.files,
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
            zf.writestr(R.MANIFEST, body)
            if signer is not None:
                signature, public_pem = signer(body)
                zf.writestr(R.SIGNATURE, signature)
                zf.writestr(R.PUBLIC_KEY, public_pem)
                result.signed = True
    tmp.replace(path)
    return result


def _is_sqlite() -> bool:
    from app.db import is_sqlite

    return is_sqlite()
