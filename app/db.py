"""Database binding: one DatabaseProxy, SQLite (WAL, durable) or PostgreSQL (pooled) from a URL.

SQLite takes one writer at a time. Every write transaction (`write_tx`) first takes the site's
write lock: a mutex for the threads of this process, then a kernel lock (flock) on
`<database>.writelock` for the other processes. Waiting writers sleep in the kernel and wake the
moment the lock is free, where SQLite's busy handler sleeps in steps of up to 100 ms (PERF-NOTES:
p99 0.2–0.9 s with several writing processes). So several gunicorn workers can share one file.
"""
import fcntl
import os
import threading
import weakref
from collections import deque
from contextlib import contextmanager
from urllib.parse import parse_qs, unquote, urlparse

from peewee import DatabaseProxy, SqliteDatabase

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # FULL: a confirmed scan survives a power cut (WAL + NORMAL may lose the last commits).
    "synchronous": "full",
    "busy_timeout": 10000,
    "cache_size": -16000,
}


def make_database(url: str):
    """Build a peewee database for a sqlite:/// or postgresql:// URL (not connected)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else parsed.path
        return SqliteDatabase(path or ":memory:", pragmas=SQLITE_PRAGMAS, timeout=10, autoconnect=False,
                              check_same_thread=False)
    if parsed.scheme in ("postgres", "postgresql"):
        from playhouse.pool import PooledPostgresqlDatabase

        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        max_conn = int(query.pop("max_connections", 20))
        return PooledPostgresqlDatabase(
            (parsed.path or "/").lstrip("/") or "postgres",
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname, port=parsed.port or 5432,
            max_connections=max_conn, stale_timeout=300, timeout=10, autoconnect=False,
            **query,
        )
    raise ValueError(f"unsupported database URL: {parsed.scheme}://…")


def is_sqlite() -> bool:
    return isinstance(db.obj, SqliteDatabase)


class FairLock:
    """A mutex handed to waiting threads in arrival order. threading.Lock is not fair: a thread that
    has just committed takes it straight back, and the others wait longer (4 writers in a tight loop:
    p99 21.7 ms with threading.Lock, 3.5 ms with this; docs/benchmarks.md)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()

    def __enter__(self):
        with self._guard:
            if not self._held:
                self._held = True
                return self
            baton = threading.Lock()
            baton.acquire()
            self._waiters.append(baton)
        baton.acquire()  # released by the holder, which hands the mutex over without letting go of it
        return self

    def __exit__(self, *exc) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


_write_locks_guard = threading.Lock()


def _write_lock_for(database) -> tuple[FairLock, int | None]:
    """The database's (mutex, lock-file descriptor), kept on the database object: closed with it, and
    made again in a forked worker (an inherited descriptor would share the parent's flock)."""
    with _write_locks_guard:
        found = getattr(database, "_custody_write_lock", None)
        if found is None or found[0] != os.getpid():
            path = database.database
            fd = None if path in ("", ":memory:") else os.open(f"{path}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
            if fd is not None:
                weakref.finalize(database, os.close, fd)
            found = database._custody_write_lock = (os.getpid(), FairLock(), fd)
        return found[1], found[2]


@contextmanager
def sqlite_write_lock(database=None):
    """Hold SQLite's single-writer slot: this process's mutex, then the file lock shared by all processes.

    A no-op on PostgreSQL, which locks rows itself. Not reentrant: take it once, around the outermost
    write transaction.
    """
    database = database if database is not None else db.obj
    if not isinstance(database, SqliteDatabase):
        yield
        return
    mutex, fd = _write_lock_for(database)
    with mutex:
        if fd is None:
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def write_tx():
    """A write transaction. On SQLite: the write lock, then BEGIN IMMEDIATE (a reader never deadlocks
    turning writer); inside another transaction: a savepoint."""
    if db.transaction_depth() == 0 and is_sqlite():
        with sqlite_write_lock(), db.atomic("IMMEDIATE") as tx:
            yield tx
    else:
        with db.atomic() as tx:
            yield tx


def init_app(app) -> None:
    """Bind the proxy to the configured database; connect per request, keep the pool/file open."""
    database = make_database(app.config["DATABASE_URL"])
    db.initialize(database)
    app.extensions["custody_db"] = database

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        # SQLite: closing the last connection checkpoints and deletes the WAL (PERF-NOTES) —
        # keep the thread's connection open. PostgreSQL: return it to the pool.
        if not is_sqlite() and not db.is_closed():
            db.close()
