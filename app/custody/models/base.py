"""Shared model base. Stored times are naive UTC; their defaults come from app.custody.clock."""
from peewee import Model

from app.db import db


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False
