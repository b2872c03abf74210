"""003: label printers with their calibration offsets (issue 5), on SQLite and PostgreSQL."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Printer(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=100, unique=True)
        kind = pw.CharField(default='zpl', max_length=8)
        dpi = pw.IntegerField(default=203)
        stock = pw.CharField(default='roll-50x30', max_length=32)
        host = pw.CharField(default='', max_length=200)
        port = pw.IntegerField(default=9100)
        offset_x_mm = pw.FloatField(default=0.0)
        offset_y_mm = pw.FloatField(default=0.0)
        is_active = pw.BooleanField(default=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "printer"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('printer')
