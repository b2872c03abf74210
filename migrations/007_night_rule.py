"""007: the nightly return rule — one sweep row per site and night, the non-working-night switch,
and the indexes behind the alert board and the sweep's "already open for this item" look-up.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("site", sweep_nonworking=pw.BooleanField(default=True))

    @migrator.create_model
    class SweepRun(pw.Model):
        id = pw.AutoField()
        site = pw.ForeignKeyField(column_name="site_id", field="id", model=migrator.orm["site"],
                                  on_delete="CASCADE")
        night = pw.DateField()
        cutoff_at = pw.DateTimeField()
        due_at = pw.DateTimeField()
        started_at = pw.DateTimeField()
        finished_at = pw.DateTimeField(null=True)
        status = pw.CharField(max_length=16, default="running")
        is_late = pw.BooleanField(default=False)
        is_workday = pw.BooleanField(default=True)
        trigger = pw.CharField(max_length=16, default="scheduler")
        node = pw.CharField(max_length=120, default="")
        unreturned = pw.IntegerField(default=0)
        opened = pw.IntegerField(default=0)
        already_open = pw.IntegerField(default=0)
        returned_late = pw.IntegerField(default=0)
        quarantined = pw.IntegerField(default=0)
        media_opened = pw.IntegerField(default=0)

        class Meta:
            table_name = "sweep_run"
            # one sweep per site and night: the second scheduler's INSERT waits, then conflicts
            indexes = [(("site", "night"), True)]

    # the overnight alerts of one night (the sweep's "already recorded" look-up, the report)
    migrator.sql("CREATE INDEX alert_kind_night ON alert (kind, night)")
    # the board's counts and the overnight-by-holder summary (grouped in person order), from the index alone
    migrator.sql("CREATE INDEX alert_status_severity ON alert (status, severity)")
    migrator.sql("CREATE INDEX alert_kind_person_status ON alert (kind, person_id, status, id)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DROP INDEX alert_kind_person_status")
    migrator.sql("DROP INDEX alert_status_severity")
    migrator.sql("DROP INDEX alert_kind_night")
    migrator.remove_model("sweep_run")
    migrator.remove_fields("site", "sweep_nonworking")
