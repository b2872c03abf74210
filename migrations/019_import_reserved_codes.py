"""019: the codes a loading import holds (import_load.reserved, JSON: prefix → highest number): the file's own
codes and those it will generate, so a medium, device or badge registered by hand meanwhile takes a number
above them instead of one the import writes later (models/loads.py: highest_number).
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # plain ALTER TABLE, as in 014: add_fields would rebuild the table on SQLite
    migrator.sql("ALTER TABLE import_load ADD COLUMN reserved TEXT NOT NULL DEFAULT ''")
    migrator.orm["import_load"]._meta.add_field("reserved", pw.TextField(default=""))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("ALTER TABLE import_load DROP COLUMN reserved")
