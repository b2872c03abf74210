"""012: the media register — register details, loans (return, condition, both confirmations), counts,
seals and port unsealings, repairs, disposals, and the area's settings."""

import peewee as pw
from peewee_migrate import Migrator

# nothing is ever deleted from the register: a DELETE on these tables fails, whoever sends it
APPEND_ONLY = ("media_record", "media_loan", "media_count", "media_count_line", "media_seal", "media_unsealing",
               "media_repair", "media_disposal")

LOAN_COLUMNS = (
    ("approved_by_id", "INTEGER REFERENCES person (id) ON DELETE RESTRICT"),
    ("keeper_id", "INTEGER REFERENCES person (id) ON DELETE RESTRICT"),
    ("return_condition", "VARCHAR(200) NOT NULL DEFAULT ''"),
    ("return_action", "VARCHAR(24) NOT NULL DEFAULT ''"),
    ("keeper_confirmed_at", "TIMESTAMP"),
    ("borrower_confirmed_at", "TIMESTAMP"),
)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    for column, definition in LOAN_COLUMNS:
        migrator.sql(f"ALTER TABLE media_loan ADD COLUMN {column} {definition}")
    migrator.sql("CREATE INDEX media_loan_open ON media_loan (item_id, returned_at)")
    orm = migrator.orm

    def fk(model, name, null=True):
        return pw.ForeignKeyField(column_name=f"{name}_id", field="id", model=orm[model], null=null,
                                  on_delete="RESTRICT")

    @migrator.create_model
    class MediaRecord(pw.Model):
        id = pw.AutoField()
        item = pw.ForeignKeyField(column_name="item_id", field="id", model=orm["item"], unique=True,
                                  on_delete="RESTRICT")
        category = pw.CharField(max_length=24, index=True)
        make = pw.CharField(max_length=200, default="")
        owner_org = pw.CharField(max_length=16, default="archive")
        keeper = fk("person", "keeper")
        cabinet = fk("location", "cabinet")
        device = fk("item", "device")
        checked_on = pw.DateField(null=True)
        checked_by = fk("person", "checked_by")
        status = pw.CharField(max_length=16, default="registered", index=True)
        registered_at = pw.DateTimeField()
        registered_by = fk("app_user", "registered_by")
        note = pw.TextField(default="")

        class Meta:
            table_name = "media_record"

    @migrator.create_model
    class MediaCount(pw.Model):
        id = pw.AutoField()
        cabinet = fk("location", "cabinet", null=False)
        keeper = fk("person", "keeper")
        started_by = fk("app_user", "started_by")
        started_at = pw.DateTimeField()
        closed_at = pw.DateTimeField(null=True)
        status = pw.CharField(max_length=16, default="open")
        registered = pw.IntegerField(default=0)
        present = pw.IntegerField(default=0)
        on_loan = pw.IntegerField(default=0)
        missing = pw.IntegerField(default=0)
        unexpected = pw.IntegerField(default=0)
        note = pw.TextField(default="")

        class Meta:
            table_name = "media_count"

    @migrator.create_model
    class MediaCountLine(pw.Model):
        id = pw.AutoField()
        count = pw.ForeignKeyField(column_name="count_id", field="id", model=orm["media_count"],
                                   on_delete="RESTRICT")
        item = fk("item", "item", null=False)
        result = pw.CharField(max_length=16)
        explanation = pw.TextField(default="")
        via = pw.CharField(max_length=16, default="web")
        at = pw.DateTimeField()

        class Meta:
            table_name = "media_count_line"
            indexes = [(("count", "item"), True)]

    @migrator.create_model
    class MediaSeal(pw.Model):
        id = pw.AutoField()
        device = fk("item", "device", null=False)
        port = pw.CharField(max_length=100)
        number = pw.CharField(max_length=100)
        sealed_at = pw.DateTimeField()
        sealed_by = fk("person", "sealed_by")
        removed_at = pw.DateTimeField(null=True)
        checked_at = pw.DateTimeField(null=True)
        checked_by = fk("person", "checked_by")
        check_note = pw.TextField(default="")

        class Meta:
            table_name = "media_seal"

    @migrator.create_model
    class MediaUnsealing(pw.Model):
        id = pw.AutoField()
        device = fk("item", "device", null=False)
        port = pw.CharField(max_length=100)
        reason = pw.TextField()
        medium = fk("item", "medium")
        planned_start = pw.DateTimeField()
        planned_end = pw.DateTimeField()
        status = pw.CharField(max_length=16, default="requested", index=True)
        requested_by = fk("person", "requested_by")
        requested_at = pw.DateTimeField()
        approved_by = fk("person", "approved_by")
        approved_at = pw.DateTimeField(null=True)
        supervisor = fk("person", "supervisor")
        started_at = pw.DateTimeField(null=True)
        old_seal = pw.CharField(max_length=100, default="")
        new_seal = pw.CharField(max_length=100, default="")
        ended_at = pw.DateTimeField(null=True)
        ended_by = fk("person", "ended_by")
        note = pw.TextField(default="")

        class Meta:
            table_name = "media_unsealing"

    @migrator.create_model
    class MediaRepair(pw.Model):
        id = pw.AutoField()
        item = fk("item", "item", null=False)
        approval_ref = pw.CharField(max_length=200)
        approved_by = fk("person", "approved_by", null=False)
        supervisor = fk("person", "supervisor", null=False)
        repairer = pw.CharField(max_length=200, default="")
        fault = pw.TextField(default="")
        sent_at = pw.DateTimeField()
        sent_by = fk("person", "sent_by")
        back_at = pw.DateTimeField(null=True)
        checked_by = fk("person", "checked_by")
        check_note = pw.TextField(default="")
        status = pw.CharField(max_length=16, default="out")

        class Meta:
            table_name = "media_repair"

    @migrator.create_model
    class MediaDisposal(pw.Model):
        id = pw.AutoField()
        item = fk("item", "item", null=False)
        kind = pw.CharField(max_length=24)
        method = pw.CharField(max_length=200, default="")
        verification = pw.CharField(max_length=200, default="")
        witness = fk("person", "witness")
        certificate_no = pw.CharField(max_length=100, default="")
        receiver = fk("person", "receiver")
        handover_no = pw.CharField(max_length=32, default="")
        result = pw.CharField(max_length=24, default="")
        done_by = fk("person", "done_by")
        done_at = pw.DateTimeField()
        recorded_by = fk("app_user", "recorded_by")
        note = pw.TextField(default="")

        class Meta:
            table_name = "media_disposal"

    @migrator.create_model
    class MediaSettings(pw.Model):
        id = pw.AutoField()
        borrower_roles = pw.CharField(max_length=200, default="supervisor")
        borrower_badges = pw.TextField(default="")
        count_every_days = pw.IntegerField(default=30)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "media_settings"

    if isinstance(database, pw.SqliteDatabase):
        for table in APPEND_ONLY:
            migrator.sql(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                         "BEGIN SELECT RAISE(ABORT, 'the media register is append-only'); END")
    else:
        migrator.sql("CREATE FUNCTION media_register_no_delete() RETURNS trigger LANGUAGE plpgsql AS "
                     "'BEGIN RAISE EXCEPTION ''the media register is append-only''; END'")
        for table in APPEND_ONLY:
            migrator.sql(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                         "FOR EACH ROW EXECUTE FUNCTION media_register_no_delete()")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in APPEND_ONLY:
        migrator.sql(f"DROP TRIGGER {table}_no_delete" + ("" if isinstance(database, pw.SqliteDatabase)
                                                         else f" ON {table}"))
    if not isinstance(database, pw.SqliteDatabase):
        migrator.sql("DROP FUNCTION media_register_no_delete()")
    for name in ("media_settings", "media_disposal", "media_repair", "media_unsealing", "media_seal",
                 "media_count_line", "media_count", "media_record"):
        migrator.remove_model(name)
    migrator.sql("DROP INDEX media_loan_open")
    for column, _definition in reversed(LOAN_COLUMNS):
        migrator.sql(f"ALTER TABLE media_loan DROP COLUMN {column}")
