"""Database binding: one DatabaseProxy, SQLite (WAL, durable) or PostgreSQL (pooled) from a URL."""
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


@contextmanager
def write_tx():
    """A write transaction: BEGIN IMMEDIATE on SQLite so a reader never deadlocks turning writer."""
    if db.transaction_depth() == 0 and is_sqlite():
        with db.atomic("IMMEDIATE") as tx:
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
