"""Copy a whole custody database into another, empty one (SQLite → PostgreSQL, or back).

The target is migrated first, so both have the same schema; then every table is copied in
foreign-key order inside one transaction on each side (the source is read from one snapshot, the
target gets all rows or none). Rows keep their ids, so both hash chains verify on the target.
No Flask imports: `custody copy-db` calls this, and so can a maintenance script.
"""
from collections.abc import Callable
from pathlib import Path

from peewee import Database, PostgresqlDatabase

from .custody.migrate import status, upgrade

SKIP = frozenset({"migratehistory"})  # each database keeps its own migration record
HEADS = "log_head"  # the target's migration seeded the chain heads; the source's replace them


class CopyError(Exception):
    """The copy cannot start (or was undone): the message says why."""


def _tables(database: Database) -> list[str]:
    return [t for t in database.get_tables() if t not in SKIP and not t.startswith("sqlite_")]


def dependency_order(tables: list[str], references: dict[str, set[str]]) -> list[str]:
    """Tables ordered so each comes after the tables it references (self-references aside).

    Raises CopyError on a cycle between tables.
    """
    ordered, done, visiting = [], set(), set()

    def visit(table):
        if table in done:
            return
        if table in visiting:
            raise CopyError(f"foreign keys form a cycle through {table}")
        visiting.add(table)
        for dest in sorted(references.get(table, ())):
            if dest != table and dest in references:
                visit(dest)
        visiting.discard(table)
        done.add(table)
        ordered.append(table)

    for table in sorted(tables):
        visit(table)
    return ordered


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _inserter(target: Database, table: str, columns: list[str]):
    cols = ", ".join(_q(c) for c in columns)
    if isinstance(target, PostgresqlDatabase):
        from psycopg2.extras import execute_values

        sql = f"INSERT INTO {_q(table)} ({cols}) VALUES %s"
        return lambda rows: execute_values(target.cursor(), sql, rows, page_size=1000)
    sql = f"INSERT INTO {_q(table)} ({cols}) VALUES ({', '.join([target.param] * len(columns))})"
    return lambda rows: target.cursor().executemany(sql, rows)


def copy_database(source: Database, target: Database, *, batch: int = 5000,
                  progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Migrate `target`, then copy every table of `source` into it; returns rows copied per table.

    Both databases must be connected. Raises CopyError when the source has pending migrations,
    the schemas differ, or the target already holds data (nothing is written then).
    """
    if status(source)[1]:
        raise CopyError("The source database has pending migrations: run `custody init-db` on it first.")
    upgrade(target)
    tables = _tables(source)
    missing = sorted(set(tables) - set(_tables(target)))
    if missing:
        raise CopyError(f"The target has no table(s) {', '.join(missing)}: are both on the same version?")
    for table in tables:
        if table != HEADS and target.execute_sql(f"SELECT 1 FROM {_q(table)} LIMIT 1").fetchone():
            raise CopyError(f"The target database already holds data (table {table}); "
                            "copy-db only fills an empty database.")
    foreign = {t: source.get_foreign_keys(t) for t in tables}
    order = dependency_order(tables, {t: {fk.dest_table for fk in fks} for t, fks in foreign.items()})
    copied = {}
    with source.atomic(), target.atomic():
        if isinstance(source, PostgresqlDatabase):
            source.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # one snapshot
        target.execute_sql(f"DELETE FROM {_q(HEADS)}")
        for table in order:
            copied[table] = _copy_table(source, target, table, foreign[table], batch)
            if progress:
                progress(table, copied[table])
        if isinstance(target, PostgresqlDatabase):
            _reset_sequences(target, order)
    return copied


def copy_and_verify(proxy, to_url: str, *, progress: Callable[[str, int], None] | None = None):
    """Copy the database behind `proxy` (connected) into the empty one at `to_url`, then verify both hash
    chains on the copy. Returns (rows copied per table, [(chain name, ChainReport)]).

    Raises CopyError (and ValueError for a URL no driver takes); nothing is left half-written.
    """
    from .custody.audit import verify_chain
    from .db import make_database

    target = make_database(to_url)
    if to_url.startswith("sqlite:///"):
        Path(to_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    source = proxy.obj
    target.connect()
    try:
        copied = copy_database(source, target, progress=progress)
        proxy.initialize(target)  # verify_chain reads through the proxy: point it at the copy
        try:
            reports = [(name, verify_chain(name)) for name in ("event", "audit")]
        finally:
            proxy.initialize(source)
    finally:
        target.close()
        if hasattr(target, "close_all"):
            target.close_all()
    return copied, reports


def _copy_table(source: Database, target: Database, table: str, fks, batch: int) -> int:
    columns = [c.name for c in source.get_columns(table)]
    target_types = {c.name: c.data_type.lower() for c in target.get_columns(table)}
    if set(columns) != set(target_types):
        raise CopyError(f"Table {table} has different columns in the source and the target.")
    booleans = [i for i, c in enumerate(columns) if target_types[c] == "boolean"]
    keys = source.get_primary_keys(table) or columns[:1]
    # a row may point at a later row of its own table (a location's parent): fill those links after
    self_refs = [columns.index(fk.column) for fk in fks if fk.dest_table == table]
    key_idx = [columns.index(k) for k in keys]
    later = []
    insert = _inserter(target, table, columns)
    cursor = source.execute_sql(f"SELECT {', '.join(_q(c) for c in columns)} FROM {_q(table)} "
                                f"ORDER BY {', '.join(_q(k) for k in keys)}")
    count = 0
    while rows := cursor.fetchmany(batch):
        out = []
        for row in rows:
            row = list(row)
            for i in booleans:
                if row[i] is not None:
                    row[i] = bool(row[i])
            for i in self_refs:
                if row[i] is not None:
                    later.append((columns[i], row[i], [row[k] for k in key_idx]))
                    row[i] = None
            out.append(tuple(row))
        insert(out)
        count += len(out)
    p = target.param
    for column, value, key in later:
        where = " AND ".join(f"{_q(k)} = {p}" for k in keys)
        target.execute_sql(f"UPDATE {_q(table)} SET {_q(column)} = {p} WHERE {where}", [value, *key])
    return count


def _reset_sequences(target: Database, tables: list[str]) -> None:
    """Move each serial id's sequence past the copied ids, so new rows get fresh ones."""
    for table in tables:
        for column in target.get_columns(table):
            if column.primary_key and (column.default or "").startswith("nextval("):
                target.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({_q(column.name)}), 0) + 1, "
                    f"false) FROM {_q(table)}", (table, column.name))


def backup_sqlite(source: str, target: Path) -> Path:
    """A consistent online copy of the SQLite file `source` (SQLite's backup API, integrity-checked) at
    `target` (a file, or a folder for custody-<UTC stamp>.db); returns the path. Raises CopyError."""
    import shutil
    import sqlite3

    from .custody import clock

    if target.is_dir() or not target.suffix:
        target = target / f"custody-{clock.now():%Y%m%d-%H%M%S}.db"  # UTC, like every stored time
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    src, dst = sqlite3.connect(source), sqlite3.connect(tmp)
    try:
        src.backup(dst)  # consistent while the app keeps writing
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if check != "ok":
        raise CopyError(f"The copy failed its integrity check: {check}")
    shutil.move(tmp, target)
    return target
