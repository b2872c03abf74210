"""The media register: details of each registered medium or piece of equipment, loans, counts,
seals and port unsealings, repairs and the end of each medium (disposal), and the area's settings."""
from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .. import clock
from ..models.base import BaseModel
from ..models.items import Item
from ..models.people import Person, User
from ..models.places import Location


class MediaRecord(BaseModel):
    """The register entry of one medium or piece of equipment (the item carries code, serial, capacity)."""

    item = ForeignKeyField(Item, unique=True, backref="media_record", on_delete="RESTRICT")
    category = CharField(max_length=24, index=True)  # codes.CATEGORIES
    make = CharField(max_length=200, default="")
    owner_org = CharField(max_length=16, default="archive")  # codes.OWNER_ORGS
    keeper = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    cabinet = ForeignKeyField(Location, null=True, backref="+", on_delete="RESTRICT")
    device = ForeignKeyField(Item, null=True, backref="internal_disks", on_delete="RESTRICT")  # disks: their PC
    checked_on = DateField(null=True)
    checked_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    status = CharField(max_length=16, default="registered", index=True)  # codes.STATUSES
    registered_at = DateTimeField(default=clock.now)
    registered_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    note = TextField(default="")

    class Meta:
        table_name = "media_record"


class MediaLoan(BaseModel):
    """One use of a medium by a named person (table from 001; return and confirmations added in 012)."""

    item = ForeignKeyField(Item, backref="loans", on_delete="RESTRICT")
    borrower = ForeignKeyField(Person, backref="loans", on_delete="RESTRICT")
    reason = TextField(default="")
    starts_at = DateTimeField(default=clock.now)
    due_at = DateTimeField(null=True)
    returned_at = DateTimeField(null=True)
    issued_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    received_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    note = TextField(default="")
    approved_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    keeper = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    return_condition = CharField(max_length=200, default="")
    return_action = CharField(max_length=24, default="")  # codes.RETURN_ACTIONS
    keeper_confirmed_at = DateTimeField(null=True)
    borrower_confirmed_at = DateTimeField(null=True)

    class Meta:
        table_name = "media_loan"

    @property
    def status(self) -> str:
        if self.returned_at is None:
            return "out"
        return "closed" if self.keeper_confirmed_at and self.borrower_confirmed_at else "returned"


class MediaCount(BaseModel):
    """A count (清点) of one cabinet by its keeper."""

    cabinet = ForeignKeyField(Location, backref="+", on_delete="RESTRICT")
    keeper = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    started_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    started_at = DateTimeField(default=clock.now)
    closed_at = DateTimeField(null=True)
    status = CharField(max_length=16, default="open")  # codes.COUNT_STATUSES
    registered = IntegerField(default=0)
    present = IntegerField(default=0)
    on_loan = IntegerField(default=0)
    missing = IntegerField(default=0)
    unexpected = IntegerField(default=0)
    note = TextField(default="")

    class Meta:
        table_name = "media_count"


class MediaCountLine(BaseModel):
    count = ForeignKeyField(MediaCount, backref="lines", on_delete="RESTRICT")
    item = ForeignKeyField(Item, backref="+", on_delete="RESTRICT")
    result = CharField(max_length=16)  # codes.COUNT_RESULTS
    explanation = TextField(default="")
    via = CharField(max_length=16, default="web")  # web | reader | system
    at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "media_count_line"
        indexes = ((("count", "item"), True),)


class MediaSeal(BaseModel):
    """A seal (封条) put on a port of a device; the newest of a port is the one in place."""

    device = ForeignKeyField(Item, backref="seals", on_delete="RESTRICT")
    port = CharField(max_length=100)
    number = CharField(max_length=100)
    sealed_at = DateTimeField(default=clock.now)
    sealed_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    removed_at = DateTimeField(null=True)
    checked_at = DateTimeField(null=True)
    checked_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    check_note = TextField(default="")

    class Meta:
        table_name = "media_seal"


class MediaUnsealing(BaseModel):
    """A port unsealing (Hunan art. 24): request, approval, supervised opening, re-sealing."""

    device = ForeignKeyField(Item, backref="unsealings", on_delete="RESTRICT")
    port = CharField(max_length=100)
    reason = TextField()
    medium = ForeignKeyField(Item, null=True, backref="+", on_delete="RESTRICT")
    planned_start = DateTimeField()
    planned_end = DateTimeField()
    status = CharField(max_length=16, default="requested", index=True)  # codes.UNSEALING_STATUSES
    requested_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    requested_at = DateTimeField(default=clock.now)
    approved_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    approved_at = DateTimeField(null=True)
    supervisor = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    started_at = DateTimeField(null=True)
    old_seal = CharField(max_length=100, default="")
    new_seal = CharField(max_length=100, default="")
    ended_at = DateTimeField(null=True)
    ended_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    note = TextField(default="")

    class Meta:
        table_name = "media_unsealing"


class MediaRepair(BaseModel):
    """Equipment or a medium sent out for repair (5.10): written approval, supervising person, check on return."""

    item = ForeignKeyField(Item, backref="repairs", on_delete="RESTRICT")
    approval_ref = CharField(max_length=200)  # the written approval record (number / reference)
    approved_by = ForeignKeyField(Person, backref="+", on_delete="RESTRICT")
    supervisor = ForeignKeyField(Person, backref="+", on_delete="RESTRICT")
    repairer = CharField(max_length=200, default="")
    fault = TextField(default="")
    sent_at = DateTimeField(default=clock.now)
    sent_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    back_at = DateTimeField(null=True)
    checked_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    check_note = TextField(default="")
    status = CharField(max_length=16, default="out")  # codes.REPAIR_STATUSES

    class Meta:
        table_name = "media_repair"


class MediaDisposal(BaseModel):
    """The end of a medium or internal disk (handed over, wiped, destroyed), or an equipment's residual check."""

    item = ForeignKeyField(Item, backref="disposals", on_delete="RESTRICT")
    kind = CharField(max_length=24)  # codes.END_KINDS, or "residual_check"
    method = CharField(max_length=200, default="")
    verification = CharField(max_length=200, default="")
    witness = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    certificate_no = CharField(max_length=100, default="")
    receiver = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    handover_no = CharField(max_length=32, default="")
    result = CharField(max_length=24, default="")  # codes.RESIDUAL_RESULTS for a residual check
    done_by = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    done_at = DateTimeField(default=clock.now)
    recorded_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    note = TextField(default="")

    class Meta:
        table_name = "media_disposal"


class MediaSettings(BaseModel):
    """Who may borrow media (roles and/or badge codes) and how often cabinets must be counted."""

    borrower_roles = CharField(max_length=200, default="supervisor")  # comma-separated role codes
    borrower_badges = TextField(default="")  # comma-separated badge codes
    count_every_days = IntegerField(default=30)
    updated_at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "media_settings"


MODELS = [MediaRecord, MediaLoan, MediaCount, MediaCountLine, MediaSeal, MediaUnsealing, MediaRepair,
          MediaDisposal, MediaSettings]
