"""Batches (调档批次), handover lists (交接单) and their lines, the quarantine and damage registers."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .. import clock
from ..models.base import BaseModel
from ..models.items import Item
from ..models.logs import Event
from ..models.people import Person, User
from ..models.places import Location


class Batch(BaseModel):
    """Volumes pulled from storage together, by a work plan."""

    number = CharField(unique=True, max_length=32)
    title = CharField(max_length=200, default="")
    status = CharField(max_length=16, default="open")  # codes.BATCH_STATUSES
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    created_at = DateTimeField(default=clock.now)
    note = TextField(default="")

    class Meta:
        table_name = "batch"


class BatchItem(BaseModel):
    batch = ForeignKeyField(Batch, backref="entries", on_delete="CASCADE")
    item = ForeignKeyField(Item, backref="+", on_delete="RESTRICT")
    stage = CharField(max_length=16, default="pending")  # codes.BATCH_STAGES
    position = IntegerField(default=0)

    class Meta:
        table_name = "batch_item"
        indexes = ((("batch", "item"), True),)


class Handover(BaseModel):
    """One handover list: a direction, the volumes both sides scanned, both confirmations."""

    number = CharField(unique=True, max_length=32)
    direction = CharField(max_length=16)  # codes.DIRECTIONS
    batch = ForeignKeyField(Batch, null=True, backref="handovers", on_delete="RESTRICT")
    corrects = ForeignKeyField("self", null=True, backref="corrections", on_delete="RESTRICT")
    location = ForeignKeyField(Location, null=True, backref="+", on_delete="RESTRICT")
    status = CharField(max_length=16, default="draft")  # codes.HANDOVER_STATUSES
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    created_at = DateTimeField(default=clock.now)
    from_org = CharField(max_length=200, default="")
    to_org = CharField(max_length=200, default="")
    from_person = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    to_person = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    from_user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    to_user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    from_confirmed_at = DateTimeField(null=True)
    to_confirmed_at = DateTimeField(null=True)
    note = TextField(default="")

    class Meta:
        table_name = "handover"


class HandoverLine(BaseModel):
    """One volume on a list: what the handing side recorded, what the receiving side found."""

    handover = ForeignKeyField(Handover, backref="lines", on_delete="CASCADE")
    item = ForeignKeyField(Item, backref="handover_lines", on_delete="RESTRICT")
    from_pages = IntegerField(null=True)
    from_condition = CharField(max_length=16, default="")  # codes.CONDITIONS; "" = not scanned
    from_note = TextField(default="")
    from_at = DateTimeField(null=True)
    to_pages = IntegerField(null=True)
    to_condition = CharField(max_length=16, default="")
    to_note = TextField(default="")
    to_at = DateTimeField(null=True)
    resolution = CharField(max_length=16, default="")  # "" | codes.RESOLUTIONS
    resolution_note = TextField(default="")
    home = ForeignKeyField(Location, null=True, backref="+", on_delete="RESTRICT")  # where it came from
    event = ForeignKeyField(Event, null=True, backref="+", on_delete="RESTRICT")

    class Meta:
        table_name = "handover_line"
        indexes = ((("handover", "item"), True),)


class QuarantineRecord(BaseModel):
    """The quarantine register (6.5): a secrecy mark found on a volume, until it is handed back or released."""

    item = ForeignKeyField(Item, backref="+", on_delete="RESTRICT")
    event = ForeignKeyField(Event, null=True, backref="+", on_delete="RESTRICT")
    found_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    found_user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    found_at = DateTimeField(default=clock.now, index=True)
    location = ForeignKeyField(Location, null=True, backref="+", on_delete="RESTRICT")
    pages = CharField(max_length=200, default="")
    note = TextField(default="")
    status = CharField(max_length=16, default="open")  # codes.QUARANTINE_STATUSES
    closed_at = DateTimeField(null=True)
    closed_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    handover = ForeignKeyField(Handover, null=True, backref="+", on_delete="RESTRICT")
    closing_note = TextField(default="")

    class Meta:
        table_name = "quarantine_record"


class DamageRecord(BaseModel):
    """The damage register (6.1, 6.3): one damage found on a volume, its notes and its repair."""

    item = ForeignKeyField(Item, backref="+", on_delete="RESTRICT")
    event = ForeignKeyField(Event, null=True, backref="+", on_delete="RESTRICT")
    found_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    found_user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    found_at = DateTimeField(default=clock.now, index=True)
    source = CharField(max_length=16, default="item")  # codes.DAMAGE_SOURCES
    handover = ForeignKeyField(Handover, null=True, backref="+", on_delete="RESTRICT")
    description = TextField(default="")
    pages = CharField(max_length=200, default="")
    photo = CharField(max_length=200, default="")  # file name under the instance folder's damage/
    status = CharField(max_length=16, default="open", index=True)  # codes.DAMAGE_STATUSES
    repaired_at = DateTimeField(null=True)
    repaired_by = CharField(max_length=100, default="")
    repair_how = TextField(default="")
    closed_user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")

    class Meta:
        table_name = "damage_record"


class DamageNote(BaseModel):
    record = ForeignKeyField(DamageRecord, backref="notes", on_delete="CASCADE")
    at = DateTimeField(default=clock.now)
    user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    text = TextField()

    class Meta:
        table_name = "damage_note"
