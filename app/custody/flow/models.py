"""Step definitions, process step rows (流程单), devices, where each volume is now, and assignments."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .. import clock
from ..models.base import BaseModel
from ..models.items import Item
from ..models.logs import Event
from ..models.people import Person, User
from ..models.places import Location


class StepDef(BaseModel):
    """One of the site's process steps; rows on past sheets keep their own copy of name and order."""

    code = CharField(unique=True, max_length=32)
    name_zh = CharField(max_length=100)
    name_en = CharField(max_length=100)
    position = IntegerField()
    needs_device = BooleanField(default=False)
    counts = CharField(max_length=16, default="none")  # codes.COUNTS
    may_skip = BooleanField(default=False)
    rework_to = CharField(max_length=32, null=True)  # a quality check: the earlier step a failure reopens
    is_active = BooleanField(default=True)
    changed_at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "flow_step_def"

    @property
    def is_check(self) -> bool:
        return self.rework_to is not None


class ProcessStep(BaseModel):
    """One attempt at one step for one volume: who, which device, how many, when it started and ended."""

    item = ForeignKeyField(Item, backref="steps", on_delete="RESTRICT")
    step = CharField(max_length=32)
    # copies of the definition when the row was made: later edits never rewrite a sheet
    step_zh = CharField(max_length=100, default="")
    step_en = CharField(max_length=100, default="")
    position = IntegerField(default=0)
    counts = CharField(max_length=16, default="none")
    device = ForeignKeyField(Item, null=True, backref="+", on_delete="RESTRICT")
    operator = ForeignKeyField(Person, null=True, backref="steps", on_delete="RESTRICT")
    user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    quantity = IntegerField(null=True)
    outcome = CharField(max_length=16, default="in_progress")  # codes.OUTCOMES
    round = IntegerField(default=0)  # 0 the first time; n after the n-th rework
    is_current = BooleanField(default=True)  # False once a rework reopened it
    started_at = DateTimeField(default=clock.now, index=True)
    finished_at = DateTimeField(null=True, index=True)
    start_event = ForeignKeyField(Event, null=True, backref="+", on_delete="RESTRICT")
    end_event = ForeignKeyField(Event, null=True, backref="+", on_delete="RESTRICT")
    note = TextField(default="")  # the reason of a skip or a failed check
    allowed_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")

    class Meta:
        table_name = "process_step"
        indexes = ((("item", "started_at"), False),)


class FlowPosition(BaseModel):
    """Where a volume is in the flow now (one row per volume, updated with each step): the board reads it."""

    item = ForeignKeyField(Item, unique=True, backref="+", on_delete="CASCADE")
    step = CharField(max_length=32)
    position = IntegerField(default=0)
    outcome = CharField(max_length=16)
    since = DateTimeField(default=clock.now)
    reworks = IntegerField(default=0)

    class Meta:
        table_name = "flow_position"
        # (step, outcome, reworks) covers the board's counts: one index-only scan, never the table or the log
        indexes = ((("step", "outcome", "reworks"), False), (("outcome", "since"), False))


class Device(BaseModel):
    """A scanner, camera or PC: an item of kind device with its workstation and state."""

    item = ForeignKeyField(Item, unique=True, backref="+", on_delete="CASCADE")
    name = CharField(max_length=200, default="")
    workstation = ForeignKeyField(Location, null=True, backref="+", on_delete="RESTRICT")
    status = CharField(max_length=16, default="in_service")  # codes.DEVICE_STATUSES
    changed_at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "flow_device"


class Assignment(BaseModel):
    """A supervisor's assignment of a volume to an operator or a workstation for a step."""

    item = ForeignKeyField(Item, backref="+", on_delete="CASCADE")
    step = CharField(max_length=32)
    person = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    workstation = ForeignKeyField(Location, null=True, backref="+", on_delete="RESTRICT")
    assigned_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    assigned_at = DateTimeField(default=clock.now)
    is_open = BooleanField(default=True)

    class Meta:
        table_name = "flow_assignment"
        indexes = ((("person", "is_open"), False), (("workstation", "is_open"), False),
                   (("item", "step"), False))
