"""016: import loads. A large import writes its rows in short chunks under a pending marker (import_load);
the rows (item, person, tag: import_load_id) stay invisible until one short transaction makes the load live.
"""

import peewee as pw
from peewee_migrate import Migrator

TABLES = ("item", "person", "tag")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ImportLoad(pw.Model):
        id = pw.AutoField()
        kind = pw.CharField(max_length=16)
        filename = pw.CharField(default='', max_length=255)
        job_id = pw.IntegerField(null=True)
        started_at = pw.DateTimeField()
        beat_at = pw.DateTimeField()
        live_at = pw.DateTimeField(null=True)
        failed_at = pw.DateTimeField(null=True)
        rows = pw.IntegerField(default=0)

        class Meta:
            table_name = "import_load"

    # plain ALTER TABLE, as in 014 and 015: add_fields would rebuild the table on SQLite
    for table in TABLES:
        migrator.sql(f"ALTER TABLE {table} ADD COLUMN import_load_id INTEGER NULL")
        migrator.sql(f"CREATE INDEX {table}_import_load_id ON {table} (import_load_id)")
        migrator.orm[table]._meta.add_field("import_load", pw.IntegerField(column_name="import_load_id", null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in TABLES:
        migrator.sql(f"DROP INDEX {table}_import_load_id")
        migrator.sql(f"ALTER TABLE {table} DROP COLUMN import_load_id")
    migrator.remove_model('import_load')
