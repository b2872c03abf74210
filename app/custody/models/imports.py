"""Import jobs: one uploaded catalogue or staff list, its progress and its outcome."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .. import clock
from .base import BaseModel
from .people import User


class ImportJob(BaseModel):
    kind = CharField(max_length=16)
    filename = CharField(max_length=255)
    sha256 = CharField(max_length=64, default="")
    size = IntegerField(default=0)
    status = CharField(max_length=16, default="queued", index=True)
    rows_total = IntegerField(null=True)  # data rows; an estimate until validation has read them all
    rows_done = IntegerField(default=0)
    imported = IntegerField(default=0)
    error_count = IntegerField(default=0)
    errors = TextField(default="[]")  # JSON: [[line or null, msgid template, {params}], …] (first 1,000)
    summary = TextField(default="{}")  # JSON: header line, ignored columns, generated codes, id range
    created_by = ForeignKeyField(User, null=True, backref="import_jobs", on_delete="SET NULL")
    created_at = DateTimeField(default=clock.now)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)

    class Meta:
        table_name = "import_job"

    @property
    def is_finished(self) -> bool:
        return self.status in ("done", "failed")
