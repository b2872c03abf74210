"""015: a volume's home location (its shelf): where a return goes by default. Filled from where each item
sits in storage now; items out of storage get theirs at their next return.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # plain ALTER TABLE, as in 014: add_fields would rebuild the table on SQLite
    migrator.sql("ALTER TABLE item ADD COLUMN home_id INTEGER NULL REFERENCES location (id) ON DELETE SET NULL")
    migrator.orm["item"]._meta.add_field("home", pw.ForeignKeyField(
        column_name="home_id", field="id", model=migrator.orm["location"], null=True, on_delete="SET NULL"))
    migrator.sql("UPDATE item SET home_id = location_id WHERE home_id IS NULL AND location_id IN "
                 "(SELECT id FROM location WHERE kind IN ('storage', 'shelf', 'slot'))")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("ALTER TABLE item DROP COLUMN home_id")
