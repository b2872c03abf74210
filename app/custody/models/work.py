"""Alerts (the flow sheet lives in app/custody/flow, handovers live in app/custody/handovers, media loans in app/custody/media)."""
from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, TextField

from .. import clock
from ..codes import ALERT_SEVERITIES  # noqa: F401 (re-exported)
from .base import BaseModel
from .items import Item
from .logs import Reader
from .people import Person, User
from .places import Location


class Alert(BaseModel):
    kind = CharField(max_length=32, index=True)
    severity = CharField(max_length=8, default="warning")
    status = CharField(max_length=16, default="open", index=True)  # open | acknowledged | resolved
    item = ForeignKeyField(Item, null=True, backref="alerts", on_delete="RESTRICT")
    person = ForeignKeyField(Person, null=True, backref="alerts", on_delete="RESTRICT")
    location = ForeignKeyField(Location, null=True, backref="+", on_delete="RESTRICT")
    reader = ForeignKeyField(Reader, null=True, backref="alerts", on_delete="RESTRICT")
    night = DateField(null=True)
    dedupe_key = CharField(max_length=120, null=True, unique=True)
    message = TextField(default="")
    data = TextField(default="{}")
    opened_at = DateTimeField(default=clock.now, index=True)
    acknowledged_at = DateTimeField(null=True)
    acknowledged_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    ack_note = TextField(default="")
    resolved_at = DateTimeField(null=True)
    resolved_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    resolution = TextField(default="")
    is_auto_resolved = BooleanField(default=False)

    class Meta:
        table_name = "alert"
