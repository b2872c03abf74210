"""Raw reads from serial readers (one row per reader sequence number) and each reader's health."""
from peewee import BigIntegerField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .. import clock
from .base import BaseModel
from .items import Item
from .logs import Reader
from .people import Person
from .places import Location


class ReaderRead(BaseModel):
    """What a reader saw, as it reported it, what the tag resolved to and what the rules did."""

    reader = ForeignKeyField(Reader, backref="reads", on_delete="RESTRICT")
    seq = BigIntegerField()  # the reader's own sequence number: the idempotency key
    kind = CharField(max_length=12, default="read")
    read_at = DateTimeField(index=True)  # when the reader saw it (UTC)
    received_at = DateTimeField(default=clock.now)
    tag = CharField(max_length=200)
    scheme = CharField(max_length=16)
    symbology = CharField(max_length=4, default="")
    resolved_kind = CharField(max_length=12, default="unknown")
    item = ForeignKeyField(Item, null=True, backref="reads", on_delete="RESTRICT")
    person = ForeignKeyField(Person, null=True, backref="reads", on_delete="RESTRICT")
    location = ForeignKeyField(Location, null=True, backref="+", on_delete="RESTRICT")
    outcome = CharField(max_length=40, default="")
    detail = TextField(default="")
    event_id = BigIntegerField(null=True)  # the custody event the read caused, if any

    class Meta:
        table_name = "reader_read"
        indexes = (
            (("reader", "seq"), True),
            (("resolved_kind", "read_at"), False),
            (("outcome", "read_at"), False),
        )


class ReaderStatus(BaseModel):
    """The last heartbeat's health figures of a reader (frames, rejects, spool backlog, port)."""

    reader = ForeignKeyField(Reader, unique=True, backref="+", on_delete="CASCADE")
    stats = TextField(default="{}")
    updated_at = DateTimeField(default=clock.now)
    rejected_total = IntegerField(default=0)

    class Meta:
        table_name = "reader_status"
