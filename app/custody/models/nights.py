"""The nightly return rule's sweeps: one row per site and night (claimed in the sweep's transaction)."""
from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField

from .base import BaseModel
from .places import Site


class SweepRun(BaseModel):
    site = ForeignKeyField(Site, backref="sweep_runs", on_delete="CASCADE")
    night = DateField()  # the site-local date whose evening cutoff was evaluated
    cutoff_at = DateTimeField()  # UTC
    due_at = DateTimeField()  # UTC: cutoff + grace
    started_at = DateTimeField()
    finished_at = DateTimeField(null=True)
    status = CharField(max_length=16, default="running")  # running | done | skipped
    is_late = BooleanField(default=False)
    is_workday = BooleanField(default=True)
    trigger = CharField(max_length=16, default="scheduler")  # scheduler | cli
    node = CharField(max_length=120, default="")
    unreturned = IntegerField(default=0)  # volumes out of storage at the cutoff
    opened = IntegerField(default=0)
    already_open = IntegerField(default=0)
    returned_late = IntegerField(default=0)
    quarantined = IntegerField(default=0)  # quarantined volumes outside storage (no overnight alert)
    media_opened = IntegerField(default=0)

    class Meta:
        table_name = "sweep_run"
        indexes = ((("site", "night"), True),)
