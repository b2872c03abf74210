"""The durable outbox: SQLite in WAL mode with synchronous=FULL.

A read counts only once its row is committed here; the forwarder marks rows sent only after the
server answered 2xx (at-least-once; the server de-duplicates on the reader's sequence number).
Each thread uses its own Spool object (its own connection) on the same file.
"""
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import clock

SCHEMA = """
CREATE TABLE IF NOT EXISTS spool (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,            -- read | departed
    tag TEXT NOT NULL,
    scheme TEXT NOT NULL,
    symbology TEXT NOT NULL DEFAULT '',
    read_at TEXT NOT NULL,         -- ISO 8601 UTC with Z
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | rejected
    sent_at TEXT,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS spool_pending ON spool (status, seq);
"""


@dataclass(frozen=True)
class Record:
    seq: int
    kind: str
    tag: str
    scheme: str
    symbology: str
    read_at: str

    def as_json(self) -> dict:
        return {"seq": self.seq, "kind": self.kind, "tag": self.tag, "scheme": self.scheme,
                "symbology": self.symbology, "read_at": self.read_at}


def iso_utc(moment: datetime | None = None) -> str:
    """UTC time as ISO 8601 with milliseconds and Z."""
    moment = moment or clock.now()
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Spool:
    """One connection to the spool file; not shared between threads."""

    def __init__(self, path: str):
        self.path = path
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")  # on disk before it counts, power cut included
        self.conn.executescript(SCHEMA)
        self.lock = threading.RLock()

    def close(self) -> None:
        self.conn.close()

    def add(self, entries: list[tuple[str, str, str, str, str]]) -> list[int]:
        """Append (kind, tag, scheme, symbology, read_at) rows in one durable commit; their seqs."""
        if not entries:
            return []
        with self.lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                seqs = []
                for entry in entries:
                    cur.execute("INSERT INTO spool (kind, tag, scheme, symbology, read_at) VALUES (?,?,?,?,?)",
                                entry)
                    seqs.append(cur.lastrowid)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return seqs

    def pending(self, limit: int) -> list[Record]:
        """The oldest unsent rows, in sequence order."""
        with self.lock:
            rows = self.conn.execute(
                "SELECT seq, kind, tag, scheme, symbology, read_at FROM spool WHERE status = 'pending' "
                "ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [Record(*row) for row in rows]

    def mark_sent(self, seqs: list[int]) -> None:
        """Mark rows as confirmed by the server (call only after a 2xx)."""
        now = iso_utc()
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("UPDATE spool SET status = 'sent', sent_at = ? WHERE seq = ?",
                                  [(now, s) for s in seqs])
            self.conn.execute("COMMIT")

    def mark_rejected(self, errors: dict[int, str]) -> None:
        """Set aside rows the server refused as malformed (kept on disk with the reason)."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("UPDATE spool SET status = 'rejected', error = ? WHERE seq = ?",
                                  [(msg, s) for s, msg in errors.items()])
            self.conn.execute("COMMIT")

    def counts(self) -> dict[str, int]:
        with self.lock:
            rows = self.conn.execute("SELECT status, COUNT(*) FROM spool GROUP BY status").fetchall()
        return {status: n for status, n in rows}

    def last_seq(self) -> int:
        with self.lock:
            row = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'spool'").fetchone()
        return row[0] if row else 0

    def ensure_seq_above(self, seq: int) -> None:
        """Continue numbering after `seq` (a new spool for a reader the server already knows)."""
        with self.lock:
            if self.last_seq() >= seq:
                return
            self.conn.execute("BEGIN IMMEDIATE")
            updated = self.conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'spool'", (seq,)).rowcount
            if not updated:
                self.conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('spool', ?)", (seq,))
            self.conn.execute("COMMIT")

    def renumber_pending_above(self, seq: int) -> int:
        """Move every pending row's number above `seq`, keeping their order; returns the offset."""
        with self.lock:
            first = self.conn.execute("SELECT MIN(seq) FROM spool WHERE status = 'pending'").fetchone()[0]
            if first is None or first > seq:
                self.ensure_seq_above(seq)
                return 0
            offset = max(seq, self.last_seq()) - first + 1
            self.conn.execute("BEGIN IMMEDIATE")
            # through negative numbers: no row ever collides with another mid-update
            self.conn.execute("UPDATE spool SET seq = -seq WHERE status = 'pending'")
            self.conn.execute("UPDATE spool SET seq = -seq + ? WHERE seq < 0", (offset,))
            top = self.conn.execute("SELECT MAX(seq) FROM spool").fetchone()[0]
            self.conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'spool'", (top,))
            self.conn.execute("COMMIT")
        return offset

    def prune(self, keep_days: int = 7) -> int:
        """Delete sent rows older than keep_days; returns how many."""
        cutoff = iso_utc(clock.now() - timedelta(days=keep_days))
        with self.lock:
            cur = self.conn.execute("DELETE FROM spool WHERE status = 'sent' AND sent_at < ?", (cutoff,))
        return cur.rowcount
