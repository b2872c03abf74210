"""014: hardening — a signature on every log row, signed checkpoints of both chains' heads (append-only).

The seal key lives outside the database (app/custody/seal.py); these columns only hold what it signed.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # plain ALTER TABLE: peewee_migrate's add_fields would UPDATE every row (refused by the append-only
    # triggers) and on SQLite rebuild the table (dropping them)
    for table in ("event", "audit_log"):
        migrator.sql(f"ALTER TABLE {table} ADD COLUMN sig VARCHAR(160) NOT NULL DEFAULT ''")
        migrator.orm[table]._meta.add_field("sig", pw.CharField(max_length=160, default=""))

    @migrator.create_model
    class Checkpoint(pw.Model):
        id = pw.BigIntegerField(primary_key=True)
        at = pw.DateTimeField()
        reason = pw.CharField(max_length=16)
        algorithm = pw.CharField(max_length=24)
        key_fingerprint = pw.CharField(max_length=80)
        event_last_id = pw.BigIntegerField()
        event_last_hash = pw.CharField(max_length=64)
        audit_last_id = pw.BigIntegerField()
        audit_last_hash = pw.CharField(max_length=64)
        prev_digest = pw.CharField(max_length=64)
        digest = pw.CharField(max_length=64)
        signature = pw.CharField(max_length=160)

        class Meta:
            table_name = "checkpoint"

    # every session of an account carries the account's session version: logout, a password or role change,
    # disabling the account and the administrator's "end sessions" bump it, and the old cookies stop working
    migrator.sql("ALTER TABLE app_user ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0")
    migrator.orm["app_user"]._meta.add_field("session_version", pw.IntegerField(default=0))

    # readers: approved by the security officer before their reads change custody. Readers registered
    # before this migration were set up under the old rules: they count as approved.
    migrator.add_fields("reader", approved_at=pw.DateTimeField(null=True),
                        approved_by=pw.ForeignKeyField(column_name="approved_by_id", field="id", null=True,
                                                       model=migrator.orm["app_user"], on_delete="SET NULL"))
    migrator.sql("UPDATE reader SET approved_at = created_at")

    # checkpoints are append-only like the logs (a database writer can drop this; the signatures remain)
    if isinstance(database, pw.PostgresqlDatabase):
        migrator.sql("CREATE TRIGGER checkpoint_append_only BEFORE UPDATE OR DELETE ON checkpoint "
                     "FOR EACH ROW EXECUTE FUNCTION custody_append_only()")
    else:
        for op in ("UPDATE", "DELETE"):
            migrator.sql(f"CREATE TRIGGER checkpoint_no_{op.lower()} BEFORE {op} ON checkpoint "
                         f"BEGIN SELECT RAISE(ABORT, 'append-only log'); END")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("checkpoint")
    migrator.sql("ALTER TABLE app_user DROP COLUMN session_version")
    migrator.remove_fields("reader", "approved_at", "approved_by")
    for table in ("event", "audit_log"):
        migrator.sql(f"ALTER TABLE {table} DROP COLUMN sig")
