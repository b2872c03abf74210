"""010: batches (调档), handover lists (交接单) with both sides' scans and confirmations, the quarantine
and damage registers. The handover tables of 001 were never used: they are made again in their new shape.
"""

import peewee as pw
from peewee_migrate import Migrator


def _fk(migrator, table, column, null=True, on_delete="RESTRICT"):
    return pw.ForeignKeyField(column_name=column, field="id", model=migrator.orm[table], null=null,
                              on_delete=on_delete)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("handover_line")
    migrator.remove_model("handover")

    @migrator.create_model
    class Batch(pw.Model):
        id = pw.AutoField()
        number = pw.CharField(max_length=32, unique=True)
        title = pw.CharField(max_length=200, default="")
        status = pw.CharField(max_length=16, default="open")
        created_by = _fk(migrator, "app_user", "created_by_id")
        created_at = pw.DateTimeField()
        note = pw.TextField(default="")

        class Meta:
            table_name = "batch"

    @migrator.create_model
    class BatchItem(pw.Model):
        id = pw.AutoField()
        batch = _fk(migrator, "batch", "batch_id", null=False, on_delete="CASCADE")
        item = _fk(migrator, "item", "item_id", null=False)
        stage = pw.CharField(max_length=16, default="pending")
        position = pw.IntegerField(default=0)

        class Meta:
            table_name = "batch_item"
            indexes = [(("batch", "item"), True)]

    @migrator.create_model
    class Handover(pw.Model):
        id = pw.AutoField()
        number = pw.CharField(max_length=32, unique=True)
        direction = pw.CharField(max_length=16)
        batch = _fk(migrator, "batch", "batch_id")
        corrects = pw.ForeignKeyField("self", column_name="corrects_id", field="id", null=True, on_delete="RESTRICT")
        location = _fk(migrator, "location", "location_id")
        status = pw.CharField(max_length=16, default="draft")
        created_by = _fk(migrator, "app_user", "created_by_id")
        created_at = pw.DateTimeField()
        from_org = pw.CharField(max_length=200, default="")
        to_org = pw.CharField(max_length=200, default="")
        from_person = _fk(migrator, "person", "from_person_id")
        to_person = _fk(migrator, "person", "to_person_id")
        from_user = _fk(migrator, "app_user", "from_user_id")
        to_user = _fk(migrator, "app_user", "to_user_id")
        from_confirmed_at = pw.DateTimeField(null=True)
        to_confirmed_at = pw.DateTimeField(null=True)
        note = pw.TextField(default="")

        class Meta:
            table_name = "handover"

    @migrator.create_model
    class HandoverLine(pw.Model):
        id = pw.AutoField()
        handover = _fk(migrator, "handover", "handover_id", null=False, on_delete="CASCADE")
        item = _fk(migrator, "item", "item_id", null=False)
        from_pages = pw.IntegerField(null=True)
        from_condition = pw.CharField(max_length=16, default="")
        from_note = pw.TextField(default="")
        from_at = pw.DateTimeField(null=True)
        to_pages = pw.IntegerField(null=True)
        to_condition = pw.CharField(max_length=16, default="")
        to_note = pw.TextField(default="")
        to_at = pw.DateTimeField(null=True)
        resolution = pw.CharField(max_length=16, default="")
        resolution_note = pw.TextField(default="")
        home = _fk(migrator, "location", "home_id")
        event = _fk(migrator, "event", "event_id")

        class Meta:
            table_name = "handover_line"
            indexes = [(("handover", "item"), True)]

    @migrator.create_model
    class QuarantineRecord(pw.Model):
        id = pw.AutoField()
        item = _fk(migrator, "item", "item_id", null=False)
        event = _fk(migrator, "event", "event_id")
        found_by = _fk(migrator, "person", "found_by_id")
        found_user = _fk(migrator, "app_user", "found_user_id")
        found_at = pw.DateTimeField(index=True)
        location = _fk(migrator, "location", "location_id")
        pages = pw.CharField(max_length=200, default="")
        note = pw.TextField(default="")
        status = pw.CharField(max_length=16, default="open")
        closed_at = pw.DateTimeField(null=True)
        closed_by = _fk(migrator, "app_user", "closed_by_id")
        handover = _fk(migrator, "handover", "handover_id")
        closing_note = pw.TextField(default="")

        class Meta:
            table_name = "quarantine_record"

    @migrator.create_model
    class DamageRecord(pw.Model):
        id = pw.AutoField()
        item = _fk(migrator, "item", "item_id", null=False)
        event = _fk(migrator, "event", "event_id")
        found_by = _fk(migrator, "person", "found_by_id")
        found_user = _fk(migrator, "app_user", "found_user_id")
        found_at = pw.DateTimeField(index=True)
        source = pw.CharField(max_length=16, default="item")
        handover = _fk(migrator, "handover", "handover_id")
        description = pw.TextField(default="")
        pages = pw.CharField(max_length=200, default="")
        photo = pw.CharField(max_length=200, default="")
        status = pw.CharField(max_length=16, default="open", index=True)
        repaired_at = pw.DateTimeField(null=True)
        repaired_by = pw.CharField(max_length=100, default="")
        repair_how = pw.TextField(default="")
        closed_user = _fk(migrator, "app_user", "closed_user_id")

        class Meta:
            table_name = "damage_record"

    @migrator.create_model
    class DamageNote(pw.Model):
        id = pw.AutoField()
        record = _fk(migrator, "damage_record", "record_id", null=False, on_delete="CASCADE")
        at = pw.DateTimeField()
        user = _fk(migrator, "app_user", "user_id")
        text = pw.TextField()

        class Meta:
            table_name = "damage_note"

    # a volume's lines across lists (the return check finds the outgoing line; the item page its lists)
    migrator.sql("CREATE INDEX handover_line_item ON handover_line (item_id, handover_id)")
    migrator.sql("CREATE INDEX batch_item_item ON batch_item (item_id)")
    migrator.sql("CREATE INDEX quarantine_record_item ON quarantine_record (item_id, status)")
    migrator.sql("CREATE INDEX damage_record_item ON damage_record (item_id)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ("damage_note", "damage_record", "quarantine_record", "handover_line", "handover",
                  "batch_item", "batch"):
        migrator.remove_model(table)

    @migrator.create_model
    class Handover(pw.Model):
        id = pw.AutoField()
        number = pw.CharField(max_length=32, unique=True)
        direction = pw.CharField(max_length=16)
        from_person = _fk(migrator, "person", "from_person_id")
        to_person = _fk(migrator, "person", "to_person_id")
        location = _fk(migrator, "location", "location_id")
        status = pw.CharField(default="draft", max_length=16)
        created_by = _fk(migrator, "app_user", "created_by_id")
        created_at = pw.DateTimeField()
        from_confirmed_at = pw.DateTimeField(null=True)
        to_confirmed_at = pw.DateTimeField(null=True)
        note = pw.TextField(default="")

        class Meta:
            table_name = "handover"

    @migrator.create_model
    class HandoverLine(pw.Model):
        id = pw.AutoField()
        handover = _fk(migrator, "handover", "handover_id", null=False, on_delete="CASCADE")
        item = _fk(migrator, "item", "item_id", null=False)
        condition = pw.CharField(default="", max_length=200)
        pages = pw.IntegerField(null=True)
        note = pw.TextField(default="")
        scanned_at = pw.DateTimeField()

        class Meta:
            table_name = "handover_line"
            indexes = [(("handover", "item"), True)]
