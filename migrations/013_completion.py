"""013: inspections (巡查) and video playback checks, video periods marked deleted, and how often checks are
due. Inspections and deletions are append-only, like the logs."""

import peewee as pw
from peewee_migrate import Migrator

APPEND_ONLY = ("inspection", "video_deletion")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Inspection(pw.Model):
        id = pw.AutoField()
        kind = pw.CharField(max_length=16, index=True)
        at = pw.DateTimeField(index=True)
        inspector = pw.ForeignKeyField(column_name="inspector_id", field="id", model=migrator.orm["person"],
                                       null=True, on_delete="RESTRICT")
        user = pw.ForeignKeyField(column_name="user_id", field="id", model=migrator.orm["app_user"], null=True,
                                  on_delete="RESTRICT")
        checklist = pw.TextField(default="{}")
        findings = pw.TextField(default="")
        follow_up = pw.TextField(default="")
        cameras = pw.TextField(default="")
        period_from = pw.DateTimeField(null=True)
        period_to = pw.DateTimeField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "inspection"

    @migrator.create_model
    class VideoDeletion(pw.Model):
        id = pw.AutoField()
        camera = pw.CharField(max_length=100)
        period_from = pw.DateTimeField()
        period_to = pw.DateTimeField()
        check = pw.ForeignKeyField(column_name="check_id", field="id", model=migrator.orm["inspection"],
                                   on_delete="RESTRICT")
        user = pw.ForeignKeyField(column_name="user_id", field="id", model=migrator.orm["app_user"], null=True,
                                  on_delete="RESTRICT")
        at = pw.DateTimeField()
        note = pw.TextField(default="")

        class Meta:
            table_name = "video_deletion"

    @migrator.create_model
    class CompletionSettings(pw.Model):
        id = pw.AutoField()
        inspection_every_days = pw.IntegerField(default=7)
        playback_every_days = pw.IntegerField(default=30)
        video_retention_days = pw.IntegerField(default=180)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "completion_settings"

    if isinstance(database, pw.PostgresqlDatabase):
        for table in APPEND_ONLY:  # custody_append_only() comes with 001
            migrator.sql(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                         f"FOR EACH ROW EXECUTE FUNCTION custody_append_only()")
    else:
        for table in APPEND_ONLY:
            for op in ("UPDATE", "DELETE"):
                migrator.sql(f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                             f"BEGIN SELECT RAISE(ABORT, 'append-only log'); END")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("completion_settings")
    migrator.remove_model("video_deletion")
    migrator.remove_model("inspection")
