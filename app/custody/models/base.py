"""Shared model base. Stored times are naive UTC; their defaults come from app.custody.clock."""
from peewee import Model

from app.db import db


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


# ---------------------------------------------------------------- precompiled lookups (app/custody/statements.py)

_compiled: dict[tuple, str] = {}


def _sql(key: tuple, build) -> str:
    key = key + (type(db.obj),)
    sql = _compiled.get(key)
    if sql is None:
        sql = _compiled[key] = build()
    return sql


def _q(name: str) -> str:
    return f'"{name}"'  # SQLite and PostgreSQL both quote identifiers so


def _instance(model, fields, values):
    # built as peewee's own row wrapper builds it (python_value per field), minus its per-query setup
    obj = model(__no_default__=1, **{f.name: f.python_value(v) for f, v in zip(fields, values, strict=True)})
    obj._dirty.clear()
    return obj


def row_by(model, field_name: str, value):
    """The one row of `model` whose (unique) field equals value, as a model instance, or None.

    The read-side twin of item_by_code: no row lock, every column, as Model.get_or_none would read it.
    """
    field = model._meta.fields[field_name]
    fields = model._meta.sorted_fields
    sql = _sql(("row_by", model._meta.table_name, field_name),
               lambda: model.select(*fields).where(field == field.db_value(0 if field.name == "id" else "")).sql()[0])
    row = db.execute_sql(sql, (field.db_value(value),)).fetchone()
    return None if row is None else _instance(model, fields, row)
