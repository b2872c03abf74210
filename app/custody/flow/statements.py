"""Precompiled SQL for the step scan's hot path (as app/custody/statements.py does for handheld scans):
peewee builds each statement once per database kind, later calls only bind values."""
from app.db import db

from ..statements import _instance, _q, _sql
from .models import FlowPosition, ProcessStep

_STEP_FIELDS = ProcessStep._meta.sorted_fields
_INSERT_FIELDS = [f for f in _STEP_FIELDS if f.name != "id"]


def rows_of(item_id: int) -> list[ProcessStep]:
    """Every step row of a volume (all rounds), oldest first."""
    sql = _sql(("flow_rows_of",), lambda: ProcessStep.select(*_STEP_FIELDS).where(ProcessStep.item == 0)
               .order_by(ProcessStep.id).sql()[0])
    return [_instance(ProcessStep, _STEP_FIELDS, r) for r in db.execute_sql(sql, (item_id,)).fetchall()]


def insert_step(row: ProcessStep) -> ProcessStep:
    """INSERT a new step row and set its id (RETURNING: SQLite ≥ 3.35 and PostgreSQL)."""
    def build():
        columns = ", ".join(_q(f.column_name) for f in _INSERT_FIELDS)
        marks = ", ".join([db.obj.param] * len(_INSERT_FIELDS))
        return f'INSERT INTO {_q("process_step")} ({columns}) VALUES ({marks}) RETURNING {_q("id")}'

    data = row.__data__
    cursor = db.execute_sql(_sql(("flow_insert_step",), build),
                            [f.db_value(data.get(f.name, f.default() if callable(f.default) else f.default))
                             for f in _INSERT_FIELDS])
    row.id = cursor.fetchone()[0]
    row._dirty.clear()
    return row


def finish_row(row_id: int, *, outcome: str, finished_at, end_event_id: int, quantity, device_id, note: str,
               operator_id, user_id) -> None:
    """Close a step row (finish, pass, fail, skip)."""
    names = ("outcome", "finished_at", "end_event", "quantity", "device", "note", "operator", "user")
    fields = [ProcessStep._meta.fields[n] for n in names]

    def build():
        sets = ", ".join(f"{_q(f.column_name)} = {db.obj.param}" for f in fields)
        return f'UPDATE {_q("process_step")} SET {sets} WHERE {_q("id")} = {db.obj.param}'

    values = (outcome, finished_at, end_event_id, quantity, device_id, note, operator_id, user_id)
    db.execute_sql(_sql(("flow_finish_row",), build), [f.db_value(v) for f, v in zip(fields, values, strict=True)]
                   + [row_id])


def move_position(item_id: int, step: str, position: int, outcome: str, since, rework: bool) -> None:
    """Set a volume's position row, made on its first step: one INSERT … ON CONFLICT DO UPDATE (an upsert,
    SQLite ≥ 3.24 and PostgreSQL), instead of an UPDATE and, the first time, an INSERT."""
    p = db.obj.param

    def build():
        t = _q("flow_position")
        cols = ", ".join(_q(c) for c in ("item_id", "step", "position", "outcome", "since", "reworks"))
        return (f'INSERT INTO {t} ({cols}) VALUES ({p}, {p}, {p}, {p}, {p}, {p}) '
                f'ON CONFLICT ({_q("item_id")}) DO UPDATE SET {_q("step")} = excluded.{_q("step")}, '
                f'{_q("position")} = excluded.{_q("position")}, {_q("outcome")} = excluded.{_q("outcome")}, '
                f'{_q("since")} = excluded.{_q("since")}, {_q("reworks")} = {t}.{_q("reworks")} + excluded.{_q("reworks")}')

    db.execute_sql(_sql(("flow_move_position",), build),
                   [item_id, step, position, outcome, FlowPosition.since.db_value(since), 1 if rework else 0])
