"""Vetting items, the personnel change register, the area's settings, and the three-role approvals."""
from peewee import CharField, DateField, DateTimeField, FloatField, ForeignKeyField, IntegerField, TextField

from .. import clock
from ..models.base import BaseModel
from ..models.people import Person, User


class Vetting(BaseModel):
    """One vetting item of one person (codes.VETTING_ITEMS): when, what document, hours for training."""

    person = ForeignKeyField(Person, backref="vetting", on_delete="RESTRICT")
    item = CharField(max_length=24)
    done_on = DateField()
    reference = CharField(max_length=200, default="")
    hours = FloatField(null=True)
    expires_on = DateField(null=True)
    recorded_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    recorded_at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "person_vetting"
        indexes = ((("person", "item"), True),)


class PersonnelChange(BaseModel):
    """One row of the personnel change register (加工人员变更记录): who, what, before → after, by whom, when."""

    person = ForeignKeyField(Person, backref="changes", on_delete="RESTRICT")
    kind = CharField(max_length=24, index=True)  # codes.CHANGE_KINDS
    before = TextField(default="")
    after = TextField(default="")
    by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    by_name = CharField(max_length=100, default="")
    at = DateTimeField(default=clock.now, index=True)
    note = TextField(default="")

    class Meta:
        table_name = "personnel_change"


class PeopleSettings(BaseModel):
    """Required vetting items, minimum training hours, warning days, and who approves privileged roles."""

    required_items = CharField(max_length=200, default=",".join(
        ("identity", "no_criminal_record", "labour_contract", "confidentiality", "training")))
    min_training_hours = FloatField(default=40)
    warn_days = IntegerField(default=30)
    approver_role = CharField(max_length=24, default="security_officer")  # codes.APPROVER_ROLES
    updated_at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "people_settings"

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in (self.required_items or "").split(",") if c)


class RoleRequest(BaseModel):
    """A privileged role change (or a privileged password reset) waiting for a second privileged person."""

    user = ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    kind = CharField(max_length=16)  # codes.ROLE_REQUEST_KINDS
    role = CharField(max_length=32, default="")
    status = CharField(max_length=16, default="pending", index=True)
    proposed_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    proposed_at = DateTimeField(default=clock.now)
    decided_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    decided_at = DateTimeField(null=True)
    note = TextField(default="")

    class Meta:
        table_name = "role_request"


class Enrolment(BaseModel):
    """A one-time enrolment code (hashed) with which an account's holder sets their own password."""

    user = ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    enrol_hash = CharField(max_length=64)
    issued_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    issued_at = DateTimeField(default=clock.now)
    expires_at = DateTimeField()

    class Meta:
        table_name = "user_enrolment"


class Visitor(BaseModel):
    """A registered visitor (来访人员): passes a door only right after their escort's badge at that door."""

    name = CharField(max_length=100)
    id_last4 = CharField(max_length=8)  # the last characters of the ID number, never the whole number
    organisation = CharField(max_length=200, default="")
    reason = TextField(default="")
    escort = ForeignKeyField(Person, backref="visitors", on_delete="RESTRICT")
    expected_at = DateTimeField()
    pass_code = CharField(max_length=32, unique=True)
    registered_by = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    registered_at = DateTimeField(default=clock.now)
    ended_at = DateTimeField(null=True)

    class Meta:
        table_name = "visitor"


MODELS = [Vetting, PersonnelChange, PeopleSettings, RoleRequest, Enrolment, Visitor]
