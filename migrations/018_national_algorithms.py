"""018: the site's algorithm set on each chain head (app/custody/suites.py): ed25519-sha256 (every existing
site) or sm2-sm3, chosen at `custody init-db --algorithms`; the chain's row hash and the seal follow it.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # plain ALTER TABLE, as in 014: add_fields would rebuild the table on SQLite
    migrator.sql("ALTER TABLE log_head ADD COLUMN algorithm VARCHAR(24) NOT NULL DEFAULT 'ed25519-sha256'")
    migrator.orm["log_head"]._meta.add_field("algorithm", pw.CharField(max_length=24, default="ed25519-sha256"))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("ALTER TABLE log_head DROP COLUMN algorithm")
