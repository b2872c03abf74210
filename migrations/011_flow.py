"""011: the process flow sheet (流程单): step definitions, step rows, where each volume is in the flow,
devices and assignments. The process_step table of 001 was never used: it is made again in its new shape.
"""

import peewee as pw
from peewee_migrate import Migrator


def _fk(migrator, table, column, null=True, on_delete="RESTRICT"):
    return pw.ForeignKeyField(column_name=column, field="id", model=migrator.orm[table], null=null,
                              on_delete=on_delete)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("process_step")

    @migrator.create_model
    class StepDef(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=32, unique=True)
        name_zh = pw.CharField(max_length=100)
        name_en = pw.CharField(max_length=100)
        position = pw.IntegerField()
        needs_device = pw.BooleanField(default=False)
        counts = pw.CharField(max_length=16, default="none")
        may_skip = pw.BooleanField(default=False)
        rework_to = pw.CharField(max_length=32, null=True)
        is_active = pw.BooleanField(default=True)
        changed_at = pw.DateTimeField()

        class Meta:
            table_name = "flow_step_def"

    @migrator.create_model
    class ProcessStep(pw.Model):
        id = pw.AutoField()
        item = _fk(migrator, "item", "item_id", null=False)
        step = pw.CharField(max_length=32)
        step_zh = pw.CharField(max_length=100, default="")
        step_en = pw.CharField(max_length=100, default="")
        position = pw.IntegerField(default=0)
        counts = pw.CharField(max_length=16, default="none")
        device = _fk(migrator, "item", "device_id")
        operator = _fk(migrator, "person", "operator_id")
        user = _fk(migrator, "app_user", "user_id")
        quantity = pw.IntegerField(null=True)
        outcome = pw.CharField(max_length=16, default="in_progress")
        round = pw.IntegerField(default=0)
        is_current = pw.BooleanField(default=True)
        started_at = pw.DateTimeField(index=True)
        finished_at = pw.DateTimeField(null=True, index=True)
        start_event = _fk(migrator, "event", "start_event_id")
        end_event = _fk(migrator, "event", "end_event_id")
        note = pw.TextField(default="")
        allowed_by = _fk(migrator, "person", "allowed_by_id")

        class Meta:
            table_name = "process_step"
            indexes = [(("item", "started_at"), False)]

    @migrator.create_model
    class FlowPosition(pw.Model):
        id = pw.AutoField()
        item = _fk(migrator, "item", "item_id", null=False, on_delete="CASCADE")
        step = pw.CharField(max_length=32)
        position = pw.IntegerField(default=0)
        outcome = pw.CharField(max_length=16)
        since = pw.DateTimeField()
        reworks = pw.IntegerField(default=0)

        class Meta:
            table_name = "flow_position"
            indexes = [(("item",), True), (("step", "outcome", "reworks"), False), (("outcome", "since"), False)]

    @migrator.create_model
    class Device(pw.Model):
        id = pw.AutoField()
        item = _fk(migrator, "item", "item_id", null=False, on_delete="CASCADE")
        name = pw.CharField(max_length=200, default="")
        workstation = _fk(migrator, "location", "workstation_id")
        status = pw.CharField(max_length=16, default="in_service")
        changed_at = pw.DateTimeField()

        class Meta:
            table_name = "flow_device"
            indexes = [(("item",), True)]

    @migrator.create_model
    class Assignment(pw.Model):
        id = pw.AutoField()
        item = _fk(migrator, "item", "item_id", null=False, on_delete="CASCADE")
        step = pw.CharField(max_length=32)
        person = _fk(migrator, "person", "person_id")
        workstation = _fk(migrator, "location", "workstation_id")
        assigned_by = _fk(migrator, "app_user", "assigned_by_id")
        assigned_at = pw.DateTimeField()
        is_open = pw.BooleanField(default=True)

        class Meta:
            table_name = "flow_assignment"
            indexes = [(("person", "is_open"), False), (("workstation", "is_open"), False),
                       (("item", "step"), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ("flow_assignment", "flow_device", "flow_position", "process_step", "flow_step_def"):
        migrator.remove_model(table)
