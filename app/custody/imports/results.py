"""What an import found and did: row errors (msgid + parameters) and the result."""
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from .columns import MAX_ERRORS


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
    load_id: int | None = None  # the ImportLoad its rows carry (imports/staging.py)
    skip_existing: bool = False  # rows already registered (same code, archive number or badge) are left out
    existing: str = "error"  # rows already registered: error | skip | update (IMPORT_EXISTING)
    skipped: int = 0
    updated: int = 0  # rows that update a registered item's catalogue fields (existing == "update")
    unchanged: int = 0  # rows naming a registered item whose catalogue fields are already as the file says
    changes: list = field(default_factory=list)  # the first MAX_CHANGES updates: [line, code, {field: [old, new]}]
    update_ids: dict = field(default_factory=dict)  # line → the registered item's id (checks → loading)
    skip_keys: dict = field(default_factory=lambda: {"code": set(), "archive_no": set(), "badge_code": set()})

    @property
    def added(self) -> int:
        """Rows that add a new record (or did: the import's count once it has run)."""
        return self.imported if self.imported else max(self.rows - self.skipped - self.updated - self.unchanged, 0)

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
                "created_at": self.created_at.isoformat() if self.created_at else None, "load_id": self.load_id,
                "rows": self.rows, "dry_run": self.dry_run, "skip_existing": self.skip_existing,
                "skipped": self.skipped, "existing": self.existing, "updated": self.updated,
                "unchanged": self.unchanged, "added": self.added, "changes": self.changes}


Progress = Callable[[str, int, int | None], None]  # (phase "validate"|"import", done, total or None)


class FileProblem(Exception):
    """The file as a whole cannot be read; carries the RowError to report."""

    def __init__(self, error: RowError):
        super().__init__(error.message)
        self.error = error


def dump_errors(result: ImportResult) -> str:
    """The kept errors as JSON for an ImportJob row."""
    return json.dumps([e.as_json() for e in result.errors], ensure_ascii=False)


def load_errors(text: str) -> list[RowError]:
    """RowErrors back from an ImportJob row's JSON."""
    return [RowError.from_json(row) for row in json.loads(text or "[]")]
