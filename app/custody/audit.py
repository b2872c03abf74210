"""The hash chains: append a row to the custody log or the admin log; verify either.

Each row's hash is the site's chain hash (SHA-256, or SM3 on a site sealed with the national algorithms:
suites.py, recorded on the chain head) over the previous row's hash and a canonical JSON of the row. The
chain head (LogHead) holds the newest id and hash; it is locked while appending, so the chain
stays linear under concurrent writers (BEGIN IMMEDIATE on SQLite, SELECT … FOR UPDATE on
PostgreSQL), ids are gapless, and a deleted tail row is detected.
"""
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from app.db import db, is_sqlite, write_tx

from . import statements, suites
from .codes import AUDIT_ACTIONS, EVENT_KINDS, VIA
from .models import AuditLog, Event, LogHead

GENESIS = "0" * 64

# the fields each chain covers, in a fixed order; foreign keys by id
EVENT_FIELDS = ("at", "kind", "item", "actor", "user", "holder", "src", "dst", "reader", "via", "state",
                "note", "data", "client_id")
AUDIT_FIELDS = ("at", "user", "username", "action", "target", "detail", "ip")
CHAINS = {"event": (Event, EVENT_FIELDS), "audit": (AuditLog, AUDIT_FIELDS)}


def canonical_json(value) -> str:
    """Deterministic JSON: sorted keys, no spaces, Unicode kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _norm(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if hasattr(value, "id"):  # a model instance
        return value.id
    return value


def row_hash(row_id: int, prev_hash: str, values: dict, fields, algorithm: str = suites.DEFAULT) -> str:
    """The hash a row must carry (the hash of the site's algorithm set: SHA-256 or SM3)."""
    body = canonical_json([row_id, prev_hash] + [_norm(values.get(f)) for f in fields])
    return suites.hasher(algorithm)(body.encode("utf-8"))


def _lock_head(name: str) -> LogHead:
    query = LogHead.select().where(LogHead.name == name)
    if not is_sqlite():
        query = query.for_update()
    head = query.get_or_none()
    if head is None:  # the other chain's head, when there is one, says which algorithm set the site uses
        algorithm = LogHead.select(LogHead.algorithm).where(LogHead.name != name).scalar() or suites.DEFAULT
        LogHead.insert(name=name, last_id=0, last_hash=GENESIS, algorithm=algorithm).on_conflict_ignore().execute()
        head = query.get()
    return head


def _unsigned(chain: str, row_id: int, digest: str, algorithm: str) -> str:
    return ""


# the seal (app/custody/seal.py) signs every appended row once the app has told it where the site's key
# is (seal.configure, which imports it); it plugs its signer in here, so this module never imports it back
row_signer: Callable[[str, int, str, str], str] = _unsigned


def _append(name: str, values: dict):
    model, fields = CHAINS[name]
    # inside the caller's write transaction a savepoint would only add two statements: any error
    # here propagates and rolls the whole transaction back
    with write_tx() if db.transaction_depth() == 0 else nullcontext():
        head = statements.lock_head(name)
        if head is None:  # a database without its head row yet: create it
            created = _lock_head(name)
            head = (created.last_id, created.last_hash, created.algorithm)
        last_id, last_hash, algorithm = head
        row_id = last_id + 1
        digest = row_hash(row_id, last_hash, values, fields, algorithm)
        row = model(id=row_id, prev_hash=last_hash, hash=digest, sig=row_signer(name, row_id, digest, algorithm),
                    **values)
        statements.insert_row(row)
        statements.move_head(name, row_id, digest)
    return row


def append_event(**values) -> Event:
    """Append one custody event (caller holds the write transaction with the state update).

    Raises ValueError for an event kind or a `via` not declared in app/custody/codes.py."""
    EVENT_KINDS.check(values.get("kind"))
    VIA.check(values.get("via") or "web")
    return _append("event", values)


def append_audit(action: str, *, user=None, target: str = "", detail: dict | None = None,
                 ip: str = "", at: datetime) -> AuditLog:
    """Append one administrative action to the admin log; raises ValueError for an undeclared action."""
    AUDIT_ACTIONS.check(action)
    return _append("audit", {
        "at": at, "user": user, "username": user.username if user is not None else "",
        "action": action, "target": target, "detail": canonical_json(detail or {}), "ip": ip,
    })


@dataclass
class ChainReport:
    name: str
    rows: int
    ok: bool
    first_bad_id: int | None = None
    problem: str = ""


def verify_chain(name: str, batch: int = 5000) -> ChainReport:
    """Recompute every hash in id order; report the first row that no longer matches."""
    model, fields = CHAINS[name]
    columns = [getattr(model, f if f not in ("item", "actor", "user", "holder", "src", "dst", "reader")
                       else f + "_id") for f in fields]
    prev, expected_id, count, last_id = GENESIS, 1, 0, 0
    with db.connection_context() if db.is_closed() else _nullctx():
        head = LogHead.get_or_none(LogHead.name == name)
        algorithm = head.algorithm if head else suites.DEFAULT
        while True:
            rows = (model.select(model.id, model.prev_hash, model.hash, *columns)
                    .where(model.id > last_id).order_by(model.id).limit(batch).tuples())
            rows = list(rows)
            if not rows:
                break
            for row in rows:
                row_id, prev_hash, digest, *vals = row
                if row_id != expected_id:
                    return ChainReport(name, count, False, expected_id,
                                       f"row {expected_id} is missing (next row is {row_id})")
                if prev_hash != prev:
                    return ChainReport(name, count, False, row_id, "previous-hash link does not match")
                if row_hash(row_id, prev, dict(zip(fields, vals, strict=True)), fields, algorithm) != digest:
                    return ChainReport(name, count, False, row_id, "content does not match its hash")
                prev, expected_id, count, last_id = digest, row_id + 1, count + 1, row_id
        head = LogHead.get_or_none(LogHead.name == name)
        head_id, head_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
        if head_id != last_id or head_hash != prev:
            return ChainReport(name, count, False, last_id + 1 if head_id > last_id else head_id,
                               f"chain head says {head_id} rows, the log ends at {last_id}")
    return ChainReport(name, count, True)


class _nullctx:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
