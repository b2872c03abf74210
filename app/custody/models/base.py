"""Shared model base and time helpers."""
from datetime import UTC, datetime

from peewee import Model

from app.db import db


def utcnow() -> datetime:
    """Naive UTC now, microseconds kept: every stored time is UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False
