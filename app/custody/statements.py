"""The custody hot path's SQL, compiled once per kind of database.

Building a peewee query costs 0.1–0.3 ms of Python per statement (bench/custody_events.py,
profiled) — more than SQLite needs to run it, and a custody event runs six of them. These
fixed-shape statements are compiled once per database class (placeholders and row locking
differ between SQLite and PostgreSQL) and run with fresh parameters. Values go through the same
field.db_value() peewee itself applies, and rows come back through Model.raw(), so what is stored
and read is exactly what the ORM would store and read.
"""
from peewee import JOIN

from app.db import db, is_sqlite

from .models import Alert, ApiToken, Event, Item, LogHead, Person, User, UserRole
from .models.base import _instance, _q, _sql, row_by  # noqa: F401 (row_by: re-exported)


def item_by_code(code: str) -> Item | None:
    """The item row with this exact (normalised) code, or None; row-locked on PostgreSQL.

    Services read the item's state and then write it: without the lock two concurrent check-outs
    on PostgreSQL both saw "in storage" (READ COMMITTED) and both succeeded (4 winners of 8 in
    tests/custody/test_concurrency.py). On SQLite BEGIN IMMEDIATE already excludes other writers.
    Lock order everywhere: item, then chain head.
    """

    fields = Item._meta.sorted_fields  # the order Item.select() names the columns in

    def build():
        query = Item.select(*fields).where(Item.code == "")
        return (query if is_sqlite() else query.for_update()).sql()[0]

    row = db.execute_sql(_sql(("item_by_code",), build), (code,)).fetchone()
    if row is None:
        return None
    # built as peewee's own row wrapper builds it (python_value per field), minus its per-query setup
    item = Item(__no_default__=1, **{f.name: f.python_value(v) for f, v in zip(fields, row, strict=True)})
    item._dirty.clear()
    return item


def event_by_client_id(client_id: str) -> Event | None:
    """The event recorded under this client id (an idempotency key), or None."""
    # readers and handhelds send a client id with every event: the usual answer is "none yet"
    sql = _sql(("event_id_by_client_id",), lambda: Event.select(Event.id).where(Event.client_id == "").sql()[0])
    row = db.execute_sql(sql, (client_id,)).fetchone()
    return Event.get_by_id(row[0]) if row else None


def lock_head(name: str) -> tuple[int, str, str] | None:
    """(last_id, last_hash, algorithm) of a chain head, row-locked on PostgreSQL (SQLite: BEGIN IMMEDIATE
    holds it)."""

    def build():
        query = LogHead.select(LogHead.last_id, LogHead.last_hash, LogHead.algorithm).where(LogHead.name == "")
        return (query if is_sqlite() else query.for_update()).sql()[0]

    return db.execute_sql(_sql(("lock_head",), build), (name,)).fetchone()


def move_head(name: str, last_id: int, last_hash: str) -> None:
    """Point a chain head at its newest row."""
    p = db.obj.param
    sql = _sql(("move_head",), lambda: f'UPDATE {_q("log_head")} SET {_q("last_id")} = {p}, '
                                       f'{_q("last_hash")} = {p} WHERE {_q("name")} = {p}')
    db.execute_sql(sql, (last_id, last_hash, name))


def insert_row(row) -> None:
    """INSERT a model instance whose primary key is already set (log rows: ids come from the head)."""
    meta = type(row)._meta
    fields = meta.sorted_fields

    def build():
        columns = ", ".join(_q(f.column_name) for f in fields)
        return f"INSERT INTO {_q(meta.table_name)} ({columns}) VALUES ({', '.join([db.obj.param] * len(fields))})"

    data = row.__data__
    db.execute_sql(_sql(("insert", meta.table_name), build), [f.db_value(data.get(f.name)) for f in fields])


def update_item(item_id: int, values: dict, *, last_event_id=None, guarded: bool = False) -> int:
    """UPDATE one item row's columns (keys are field names); returns the rows changed (1, or 0).

    guarded: only while the row's last_event_id is still `last_event_id` — the item a caller read (maybe
    before this transaction) has not changed since; 0 rows means it has, and the caller reads it again."""
    fields = [Item._meta.fields[name] for name in values]

    def build():
        sets = ", ".join(f"{_q(f.column_name)} = {db.obj.param}" for f in fields)
        where = f'{_q("id")} = {db.obj.param}'
        if guarded:
            same = "IS" if is_sqlite() else "IS NOT DISTINCT FROM"
            where += f' AND {_q("last_event_id")} {same} {db.obj.param}'
        return f'UPDATE {_q("item")} SET {sets} WHERE {where}'

    sql = _sql(("update_item", guarded) + tuple(values), build)
    params = [f.db_value(values[f.name]) for f in fields] + [item_id] + ([last_event_id] if guarded else [])
    return db.execute_sql(sql, params).rowcount


def resolve_item_alerts(item_id: int, kinds: tuple[str, ...], *, note: str, now) -> int:
    """Auto-resolve an item's unresolved alerts of these kinds; returns how many."""
    p = db.obj.param

    def build():
        return (f'UPDATE {_q("alert")} SET {_q("status")} = {p}, {_q("resolved_at")} = {p}, '
                f'{_q("resolution")} = {p}, {_q("is_auto_resolved")} = {p} '
                f'WHERE {_q("item_id")} = {p} AND {_q("kind")} IN ({", ".join([p] * len(kinds))}) '
                f'AND {_q("status")} <> {p}')

    params = ["resolved", Alert.resolved_at.db_value(now), note, Alert.is_auto_resolved.db_value(True),
              item_id, *kinds, "resolved"]
    return db.execute_sql(_sql(("resolve_item_alerts", len(kinds)), build), params).rowcount


def token_with_user(token_hash: str):
    """(token id, token hash, last used at, User) of an unrevoked API token, or None: one joined query.

    The user comes with its person (LEFT JOIN) already attached, so current_user.person costs no query.
    """


    t_fields = (ApiToken.id, ApiToken.token_hash, ApiToken.last_used_at)
    u_fields, p_fields = User._meta.sorted_fields, Person._meta.sorted_fields

    def build():
        query = (ApiToken.select(*t_fields, *u_fields, *p_fields).join(User, on=(ApiToken.user == User.id))
                 .join(Person, join_type=JOIN.LEFT_OUTER, on=(User.person == Person.id))
                 .where((ApiToken.token_hash == "") & ApiToken.revoked_at.is_null()))
        return query.sql()[0]

    row = db.execute_sql(_sql(("token_with_user",), build), (token_hash,)).fetchone()
    if row is None:
        return None
    nt, nu = len(t_fields), len(u_fields)
    user = _instance(User, u_fields, row[nt:nt + nu])
    if user.person_id is not None:
        user.__rel__["person"] = _instance(Person, p_fields, row[nt + nu:])
    user.__dict__["_roles"] = roles_of(user.id)  # the User.roles cache: loaded here, once per request
    return (*(f.python_value(v) for f, v in zip(t_fields, row[:nt], strict=True)), user)


def roles_of(user_id: int) -> frozenset[str]:
    """The user's roles."""


    sql = _sql(("roles_of",), lambda: UserRole.select(UserRole.role).where(UserRole.user == 0).sql()[0])
    return frozenset(r[0] for r in db.execute_sql(sql, (user_id,)).fetchall())
