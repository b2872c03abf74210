"""009: people — vetting items, the personnel change register (append-only), the area's settings,
privileged role requests and enrolment codes (三员分离), visitors, and when a person left."""

import peewee as pw
from peewee_migrate import Migrator

APPEND_ONLY = ("personnel_change",)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("ALTER TABLE person ADD COLUMN left_on DATE")
    migrator.sql("ALTER TABLE person ADD COLUMN badge_reason VARCHAR(200) NOT NULL DEFAULT ''")
    orm = migrator.orm

    def fk(model, name, null=True, on_delete="RESTRICT"):
        return pw.ForeignKeyField(column_name=f"{name}_id", field="id", model=orm[model], null=null,
                                  on_delete=on_delete)

    @migrator.create_model
    class Vetting(pw.Model):
        id = pw.AutoField()
        person = fk("person", "person", null=False)
        item = pw.CharField(max_length=24)
        done_on = pw.DateField()
        reference = pw.CharField(max_length=200, default="")
        hours = pw.FloatField(null=True)
        expires_on = pw.DateField(null=True)
        recorded_by = fk("app_user", "recorded_by")
        recorded_at = pw.DateTimeField()

        class Meta:
            table_name = "person_vetting"
            indexes = ((("person", "item"), True),)

    @migrator.create_model
    class PersonnelChange(pw.Model):
        id = pw.AutoField()
        person = fk("person", "person", null=False)
        kind = pw.CharField(max_length=24, index=True)
        before = pw.TextField(default="")
        after = pw.TextField(default="")
        by = fk("app_user", "by")
        by_name = pw.CharField(max_length=100, default="")
        at = pw.DateTimeField(index=True)
        note = pw.TextField(default="")

        class Meta:
            table_name = "personnel_change"

    @migrator.create_model
    class PeopleSettings(pw.Model):
        id = pw.AutoField()
        required_items = pw.CharField(max_length=200,
                                      default="identity,no_criminal_record,labour_contract,confidentiality,training")
        min_training_hours = pw.FloatField(default=40)
        warn_days = pw.IntegerField(default=30)
        approver_role = pw.CharField(max_length=24, default="security_officer")
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "people_settings"

    @migrator.create_model
    class RoleRequest(pw.Model):
        id = pw.AutoField()
        user = fk("app_user", "user", null=False)
        kind = pw.CharField(max_length=16)
        role = pw.CharField(max_length=32, default="")
        status = pw.CharField(max_length=16, default="pending", index=True)
        proposed_by = fk("app_user", "proposed_by")
        proposed_at = pw.DateTimeField()
        decided_by = fk("app_user", "decided_by")
        decided_at = pw.DateTimeField(null=True)
        note = pw.TextField(default="")

        class Meta:
            table_name = "role_request"

    @migrator.create_model
    class Enrolment(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name="user_id", field="id", model=orm["app_user"], unique=True,
                                  on_delete="CASCADE")
        enrol_hash = pw.CharField(max_length=64)
        issued_by = fk("app_user", "issued_by")
        issued_at = pw.DateTimeField()
        expires_at = pw.DateTimeField()

        class Meta:
            table_name = "user_enrolment"

    @migrator.create_model
    class Visitor(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=100)
        id_last4 = pw.CharField(max_length=8)
        organisation = pw.CharField(max_length=200, default="")
        reason = pw.TextField(default="")
        escort = fk("person", "escort", null=False)
        expected_at = pw.DateTimeField()
        pass_code = pw.CharField(max_length=32, unique=True)
        registered_by = fk("app_user", "registered_by")
        registered_at = pw.DateTimeField()
        ended_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "visitor"

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
    for name in ("visitor", "user_enrolment", "role_request", "people_settings", "personnel_change", "person_vetting"):
        migrator.remove_model(name)
    migrator.sql("ALTER TABLE person DROP COLUMN badge_reason")
    migrator.sql("ALTER TABLE person DROP COLUMN left_on")
