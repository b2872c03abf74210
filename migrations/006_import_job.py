"""006: import jobs (catalogue and staff-list uploads): status, progress and errors."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ImportJob(pw.Model):
        id = pw.AutoField()
        kind = pw.CharField(max_length=16)
        filename = pw.CharField(max_length=255)
        sha256 = pw.CharField(default='', max_length=64)
        size = pw.IntegerField(default=0)
        status = pw.CharField(default='queued', index=True, max_length=16)
        rows_total = pw.IntegerField(null=True)
        rows_done = pw.IntegerField(default=0)
        imported = pw.IntegerField(default=0)
        error_count = pw.IntegerField(default=0)
        errors = pw.TextField(default='[]')
        summary = pw.TextField(default='{}')
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['app_user'],
                                        null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()
        started_at = pw.DateTimeField(null=True)
        finished_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "import_job"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('import_job')
