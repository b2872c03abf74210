"""Inspections (巡查), video playback checks and the video periods marked deleted."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .. import clock
from ..models import BaseModel, Person, User


class Inspection(BaseModel):
    """A site inspection or a video playback check, as recorded (never edited)."""

    kind = CharField(max_length=16, index=True)  # INSPECTION_KINDS
    at = DateTimeField(index=True)  # when it was carried out (UTC)
    inspector = ForeignKeyField(Person, null=True, backref="+", on_delete="RESTRICT")
    user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    checklist = TextField(default="{}")  # JSON {check: {"result": ok|finding|na, "note": "..."}}
    findings = TextField(default="")
    follow_up = TextField(default="")
    cameras = TextField(default="")  # playback: camera names or areas, comma separated
    period_from = DateTimeField(null=True)  # playback: the recording period played back (UTC)
    period_to = DateTimeField(null=True)
    created_at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "inspection"


class VideoDeletion(BaseModel):
    """A period of one camera's recordings marked deleted after the retention period, with the check covering it."""

    camera = CharField(max_length=100)
    period_from = DateTimeField()
    period_to = DateTimeField()
    check = ForeignKeyField(Inspection, backref="deletions", on_delete="RESTRICT")
    user = ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    at = DateTimeField(default=clock.now)
    note = TextField(default="")

    class Meta:
        table_name = "video_deletion"


class CompletionSettings(BaseModel):
    """How often inspections and playback checks are due, and how long video is kept (one row)."""

    inspection_every_days = IntegerField(default=7)
    playback_every_days = IntegerField(default=30)
    video_retention_days = IntegerField(default=180)
    updated_at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "completion_settings"

    @classmethod
    def current(cls) -> "CompletionSettings":
        """The site's settings (the defaults when none were saved)."""
        return cls.select().order_by(cls.id.desc()).first() or cls()
