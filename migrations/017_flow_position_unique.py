"""017: one position row per volume, enforced. 011 declared flow_position's item index unique, but the
foreign key's own (plain) index of the same name was made first, so the database never enforced it; the step
scan now sets the row with one INSERT … ON CONFLICT (item_id) DO UPDATE, which needs the unique index.
A duplicate left by a race keeps its newest row."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DELETE FROM flow_position WHERE id NOT IN (SELECT MAX(id) FROM flow_position GROUP BY item_id)")
    migrator.sql("DROP INDEX IF EXISTS flowposition_item_id")
    migrator.sql("CREATE UNIQUE INDEX flowposition_item_id ON flow_position (item_id)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DROP INDEX IF EXISTS flowposition_item_id")
    migrator.sql("CREATE INDEX flowposition_item_id ON flow_position (item_id)")
