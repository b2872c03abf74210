"""001: the whole data model of DESIGN.md, on SQLite and PostgreSQL.

Generated from the models with peewee_migrate, then extended by hand: the partial index behind
"what is out of storage now", the chain heads, and triggers that keep both logs append-only.
"""

import peewee as pw
from peewee_migrate import Migrator

GENESIS = "0" * 64
APPEND_ONLY = ("event", "audit_log")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Site(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=32, unique=True)
        name = pw.CharField(max_length=200)
        timezone = pw.CharField(default='Asia/Shanghai', max_length=64)
        cutoff = pw.CharField(default='18:30', max_length=5)
        grace_minutes = pw.IntegerField(default=30)
        working_hours = pw.TextField(default='{}')
        holidays = pw.TextField(default='[]')
        base_url = pw.CharField(default='', max_length=200)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "site"

    @migrator.create_model
    class Location(pw.Model):
        id = pw.AutoField()
        site = pw.ForeignKeyField(column_name='site_id', field='id', model=migrator.orm['site'], on_delete='RESTRICT')
        parent = pw.ForeignKeyField(column_name='parent_id', field='id', model='self', null=True, on_delete='RESTRICT')
        code = pw.CharField(max_length=64, unique=True)
        name = pw.CharField(max_length=200)
        kind = pw.CharField(index=True, max_length=16)
        is_active = pw.BooleanField(default=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "location"

    @migrator.create_model
    class Reader(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=100, unique=True)
        location = pw.ForeignKeyField(column_name='location_id', field='id', model=migrator.orm['location'], on_delete='RESTRICT')
        mode = pw.CharField(max_length=20)
        protocol = pw.CharField(max_length=32)
        token_hash = pw.CharField(max_length=64, null=True, unique=True)
        token_prefix = pw.CharField(default='', max_length=12)
        is_active = pw.BooleanField(default=True)
        settings = pw.TextField(default='{}')
        last_seq = pw.BigIntegerField(default=0)
        last_heartbeat_at = pw.DateTimeField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "reader"

    @migrator.create_model
    class Person(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=100)
        organisation = pw.CharField(default='', max_length=200)
        org_kind = pw.CharField(default='service', max_length=16)
        position = pw.CharField(default='', max_length=100)
        badge_code = pw.CharField(max_length=32, unique=True)
        badge_status = pw.CharField(default='pending', index=True, max_length=16)
        valid_from = pw.DateField(null=True)
        valid_until = pw.DateField(null=True)
        background_checked_on = pw.DateField(null=True)
        agreement_signed_on = pw.DateField(null=True)
        training_hours = pw.FloatField(default=0.0)
        trained_on = pw.DateField(null=True)
        vetting_note = pw.TextField(default='')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "person"

    @migrator.create_model
    class AccessEvent(pw.Model):
        id = pw.AutoField()
        at = pw.DateTimeField(index=True)
        reader = pw.ForeignKeyField(column_name='reader_id', field='id', model=migrator.orm['reader'], on_delete='RESTRICT')
        person = pw.ForeignKeyField(column_name='person_id', field='id', model=migrator.orm['person'], null=True, on_delete='RESTRICT')
        credential = pw.CharField(max_length=64)
        direction = pw.CharField(default='', max_length=8)
        allowed = pw.BooleanField()
        reason = pw.CharField(default='', max_length=32)
        recorded_at = pw.DateTimeField()
        seq = pw.IntegerField(null=True)

        class Meta:
            table_name = "access_event"

    @migrator.create_model
    class Item(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=32, unique=True)
        kind = pw.CharField(index=True, max_length=16)
        archive_no = pw.CharField(default='', index=True, max_length=255)
        title = pw.TextField(default='')
        pages = pw.IntegerField(null=True)
        media_type = pw.CharField(default='', max_length=50)
        capacity = pw.CharField(default='', max_length=50)
        serial_no = pw.CharField(default='', max_length=100)
        custodian = pw.ForeignKeyField(column_name='custodian_id', field='id', model=migrator.orm['person'], null=True, on_delete='SET NULL')
        state = pw.CharField(default='in_storage', max_length=16)
        location = pw.ForeignKeyField(column_name='location_id', field='id', model=migrator.orm['location'], null=True, on_delete='RESTRICT')
        holder = pw.ForeignKeyField(column_name='holder_id', field='id', model=migrator.orm['person'], null=True, on_delete='RESTRICT')
        state_since = pw.DateTimeField()
        is_damaged = pw.BooleanField(default=False)
        last_event_id = pw.IntegerField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "item"
            indexes = [(('state', 'kind', 'state_since'), False), (('holder', 'state'), False), (('location', 'state'), False)]

    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        username = pw.CharField(max_length=64, unique=True)
        password_hash = pw.CharField(max_length=255)
        person = pw.ForeignKeyField(column_name='person_id', field='id', model=migrator.orm['person'], null=True, on_delete='SET NULL')
        is_active = pw.BooleanField(default=True)
        must_change_password = pw.BooleanField(default=False)
        failed_logins = pw.IntegerField(default=0)
        locked_until = pw.DateTimeField(null=True)
        last_login_at = pw.DateTimeField(null=True)
        locale = pw.CharField(default='', max_length=8)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "app_user"

    @migrator.create_model
    class Alert(pw.Model):
        id = pw.AutoField()
        kind = pw.CharField(index=True, max_length=32)
        severity = pw.CharField(default='warning', max_length=8)
        status = pw.CharField(default='open', index=True, max_length=16)
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['item'], null=True, on_delete='RESTRICT')
        person = pw.ForeignKeyField(column_name='person_id', field='id', model=migrator.orm['person'], null=True, on_delete='RESTRICT')
        location = pw.ForeignKeyField(column_name='location_id', field='id', model=migrator.orm['location'], null=True, on_delete='RESTRICT')
        reader = pw.ForeignKeyField(column_name='reader_id', field='id', model=migrator.orm['reader'], null=True, on_delete='RESTRICT')
        night = pw.DateField(null=True)
        dedupe_key = pw.CharField(max_length=120, null=True, unique=True)
        message = pw.TextField(default='')
        data = pw.TextField(default='{}')
        opened_at = pw.DateTimeField(index=True)
        acknowledged_at = pw.DateTimeField(null=True)
        acknowledged_by = pw.ForeignKeyField(column_name='acknowledged_by_id', field='id', model=migrator.orm['app_user'], null=True, on_delete='RESTRICT')
        ack_note = pw.TextField(default='')
        resolved_at = pw.DateTimeField(null=True)
        resolved_by = pw.ForeignKeyField(column_name='resolved_by_id', field='id', model=migrator.orm['app_user'], null=True, on_delete='RESTRICT')
        resolution = pw.TextField(default='')
        is_auto_resolved = pw.BooleanField(default=False)

        class Meta:
            table_name = "alert"

    @migrator.create_model
    class ApiToken(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['app_user'], on_delete='CASCADE')
        name = pw.CharField(default='', max_length=100)
        token_hash = pw.CharField(max_length=64, unique=True)
        prefix = pw.CharField(max_length=12)
        created_at = pw.DateTimeField()
        last_used_at = pw.DateTimeField(null=True)
        revoked_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "api_token"

    @migrator.create_model
    class AuditLog(pw.Model):
        id = pw.BigIntegerField(primary_key=True)
        at = pw.DateTimeField(index=True)
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['app_user'], null=True, on_delete='RESTRICT')
        username = pw.CharField(default='', max_length=64)
        action = pw.CharField(index=True, max_length=48)
        target = pw.CharField(default='', max_length=200)
        detail = pw.TextField(default='')
        ip = pw.CharField(default='', max_length=64)
        prev_hash = pw.CharField(max_length=64)
        hash = pw.CharField(max_length=64)

        class Meta:
            table_name = "audit_log"

    @migrator.create_model
    class Event(pw.Model):
        id = pw.BigIntegerField(primary_key=True)
        at = pw.DateTimeField(index=True)
        recorded_at = pw.DateTimeField()
        kind = pw.CharField(max_length=24)
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['item'], on_delete='RESTRICT')
        actor = pw.ForeignKeyField(column_name='actor_id', field='id', model=migrator.orm['person'], null=True, on_delete='RESTRICT')
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['app_user'], null=True, on_delete='RESTRICT')
        holder = pw.ForeignKeyField(column_name='holder_id', field='id', model=migrator.orm['person'], null=True, on_delete='RESTRICT')
        src = pw.ForeignKeyField(column_name='src_id', field='id', model=migrator.orm['location'], null=True, on_delete='RESTRICT')
        dst = pw.ForeignKeyField(column_name='dst_id', field='id', model=migrator.orm['location'], null=True, on_delete='RESTRICT')
        reader = pw.ForeignKeyField(column_name='reader_id', field='id', model=migrator.orm['reader'], null=True, on_delete='RESTRICT')
        via = pw.CharField(default='web', max_length=16)
        state = pw.CharField(max_length=16)
        note = pw.TextField(default='')
        data = pw.TextField(default='')
        client_id = pw.CharField(max_length=80, null=True, unique=True)
        prev_hash = pw.CharField(max_length=64)
        hash = pw.CharField(max_length=64)

        class Meta:
            table_name = "event"
            indexes = [(('item', 'id'), False)]

    @migrator.create_model
    class Handover(pw.Model):
        id = pw.AutoField()
        number = pw.CharField(max_length=32, unique=True)
        direction = pw.CharField(max_length=16)
        from_person = pw.ForeignKeyField(column_name='from_person_id', field='id', model=migrator.orm['person'], null=True, on_delete='RESTRICT')
        to_person = pw.ForeignKeyField(column_name='to_person_id', field='id', model=migrator.orm['person'], null=True, on_delete='RESTRICT')
        location = pw.ForeignKeyField(column_name='location_id', field='id', model=migrator.orm['location'], null=True, on_delete='RESTRICT')
        status = pw.CharField(default='draft', max_length=16)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['app_user'], null=True, on_delete='RESTRICT')
        created_at = pw.DateTimeField()
        from_confirmed_at = pw.DateTimeField(null=True)
        to_confirmed_at = pw.DateTimeField(null=True)
        note = pw.TextField(default='')

        class Meta:
            table_name = "handover"

    @migrator.create_model
    class HandoverLine(pw.Model):
        id = pw.AutoField()
        handover = pw.ForeignKeyField(column_name='handover_id', field='id', model=migrator.orm['handover'], on_delete='CASCADE')
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['item'], on_delete='RESTRICT')
        condition = pw.CharField(default='', max_length=200)
        pages = pw.IntegerField(null=True)
        note = pw.TextField(default='')
        scanned_at = pw.DateTimeField()

        class Meta:
            table_name = "handover_line"
            indexes = [(('handover', 'item'), True)]

    @migrator.create_model
    class LogHead(pw.Model):
        name = pw.CharField(max_length=16, primary_key=True)
        last_id = pw.BigIntegerField(default=0)
        last_hash = pw.CharField(max_length=64)

        class Meta:
            table_name = "log_head"

    @migrator.create_model
    class MediaLoan(pw.Model):
        id = pw.AutoField()
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['item'], on_delete='RESTRICT')
        borrower = pw.ForeignKeyField(column_name='borrower_id', field='id', model=migrator.orm['person'], on_delete='RESTRICT')
        reason = pw.TextField(default='')
        starts_at = pw.DateTimeField()
        due_at = pw.DateTimeField(null=True)
        returned_at = pw.DateTimeField(null=True)
        issued_by = pw.ForeignKeyField(column_name='issued_by_id', field='id', model=migrator.orm['app_user'], null=True, on_delete='RESTRICT')
        received_by = pw.ForeignKeyField(column_name='received_by_id', field='id', model=migrator.orm['app_user'], null=True, on_delete='RESTRICT')
        note = pw.TextField(default='')

        class Meta:
            table_name = "media_loan"

    @migrator.create_model
    class ProcessStep(pw.Model):
        id = pw.AutoField()
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['item'], on_delete='RESTRICT')
        step = pw.CharField(max_length=32)
        device = pw.ForeignKeyField(column_name='device_id', field='id', model=migrator.orm['item'], null=True, on_delete='RESTRICT')
        operator = pw.ForeignKeyField(column_name='operator_id', field='id', model=migrator.orm['person'], null=True, on_delete='RESTRICT')
        quantity = pw.IntegerField(null=True)
        at = pw.DateTimeField(index=True)
        event = pw.ForeignKeyField(column_name='event_id', field='id', model=migrator.orm['event'], null=True, on_delete='RESTRICT')
        note = pw.TextField(default='')

        class Meta:
            table_name = "process_step"

    @migrator.create_model
    class Tag(pw.Model):
        id = pw.AutoField()
        tag = pw.CharField(max_length=64, unique=True)
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['item'], null=True, on_delete='CASCADE')
        person = pw.ForeignKeyField(column_name='person_id', field='id', model=migrator.orm['person'], null=True, on_delete='CASCADE')
        bound_at = pw.DateTimeField()

        class Meta:
            table_name = "tag"

    @migrator.create_model
    class UserRole(pw.Model):
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['app_user'], on_delete='CASCADE')
        role = pw.CharField(max_length=32)

        class Meta:
            table_name = "user_role"
            primary_key = pw.CompositeKey('user', 'role')

    # "what is out of storage right now": an index lookup, never a scan of the log
    migrator.sql("CREATE INDEX item_out_partial ON item (kind, state_since) WHERE state = 'out'")
    migrator.sql(f"INSERT INTO log_head (name, last_id, last_hash) VALUES ('event', 0, '{GENESIS}')")
    migrator.sql(f"INSERT INTO log_head (name, last_id, last_hash) VALUES ('audit', 0, '{GENESIS}')")
    # the logs are append-only: the application never updates or deletes a row
    if isinstance(database, pw.PostgresqlDatabase):
        migrator.sql(
            "CREATE FUNCTION custody_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION USING MESSAGE = 'append-only log: ' || TG_OP || ' refused on ' || TG_TABLE_NAME; "
            "END $$ LANGUAGE plpgsql"
        )
        for table in APPEND_ONLY:
            migrator.sql(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                         f"FOR EACH ROW EXECUTE FUNCTION custody_append_only()")
    else:
        for table in APPEND_ONLY:
            for op in ("UPDATE", "DELETE"):
                migrator.sql(f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                             f"BEGIN SELECT RAISE(ABORT, 'append-only log'); END")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('user_role')

    migrator.remove_model('tag')

    migrator.remove_model('process_step')

    migrator.remove_model('media_loan')

    migrator.remove_model('log_head')

    migrator.remove_model('handover_line')

    migrator.remove_model('handover')

    migrator.remove_model('event')

    migrator.remove_model('audit_log')

    migrator.remove_model('api_token')

    migrator.remove_model('alert')

    migrator.remove_model('app_user')

    migrator.remove_model('item')

    migrator.remove_model('access_event')

    migrator.remove_model('person')

    migrator.remove_model('reader')

    migrator.remove_model('location')

    migrator.remove_model('site')
