"""Items (volumes, media, devices) with their current custody state, and RFID tags."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .. import clock
from ..codes import ITEM_KINDS, ITEM_STATES, normalize_scan  # noqa: F401 (re-exported)
from ..errors import ItemNotFound
from .base import BaseModel, row_by
from .loads import Staged
from .people import Person
from .places import Location

CODE_PREFIX = {"volume": "V", "media": "M", "device": "D"}


class Item(Staged, BaseModel):
    code = CharField(unique=True, max_length=32)
    kind = CharField(max_length=16, index=True)
    archive_no = CharField(max_length=255, default="", index=True)  # 档号, free Unicode text
    title = TextField(default="")
    pages = IntegerField(null=True)
    # media / device details
    media_type = CharField(max_length=50, default="")
    capacity = CharField(max_length=50, default="")
    serial_no = CharField(max_length=100, default="")
    custodian = ForeignKeyField(Person, null=True, backref="kept_items", on_delete="SET NULL")
    # current state: updated in the same transaction as the event that changes it
    state = CharField(max_length=16, default="in_storage")
    location = ForeignKeyField(Location, null=True, backref="items", on_delete="RESTRICT")
    holder = ForeignKeyField(Person, null=True, backref="held_items", on_delete="RESTRICT")
    # its own shelf: from the catalogue, else its first return; a return goes here unless told otherwise
    home = ForeignKeyField(Location, null=True, backref="home_items", on_delete="SET NULL")
    state_since = DateTimeField(default=clock.now)
    is_damaged = BooleanField(default=False)
    last_event_id = IntegerField(null=True)
    created_at = DateTimeField(default=clock.now)
    # the import load that wrote it (models/loads.py): invisible until that load is live
    import_load = IntegerField(null=True, column_name="import_load_id", index=True)

    class Meta:
        table_name = "item"
        indexes = (
            (("state", "kind", "state_since"), False),
            (("holder", "state"), False),
            (("location", "state"), False),
        )

    @classmethod
    def by_code(cls, code: str) -> "Item":
        """The item with this code (any scan form); raises ItemNotFound."""
        norm = normalize_scan(code)
        item = row_by(cls, "code", norm)
        if item is None:
            raise ItemNotFound(code=norm)
        return item

    @classmethod
    def out_of_storage(cls, kind: str = "volume"):
        """Items not in storage now, from the current-state index (never from the log)."""
        return cls.select().where((cls.state == "out") & (cls.kind == kind)).order_by(cls.state_since)


class Tag(Staged, BaseModel):
    """An RFID tag bound to an item or a person (EPC or 125 kHz ID, upper-case hex)."""

    tag = CharField(unique=True, max_length=64)
    item = ForeignKeyField(Item, null=True, backref="tags", on_delete="CASCADE")
    person = ForeignKeyField(Person, null=True, backref="tags", on_delete="CASCADE")
    bound_at = DateTimeField(default=clock.now)
    import_load = IntegerField(null=True, column_name="import_load_id", index=True)  # as Item.import_load

    class Meta:
        table_name = "tag"
