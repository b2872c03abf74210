"""004: raw reader reads (unique per reader and sequence number) and reader health."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ReaderRead(pw.Model):
        id = pw.AutoField()
        reader = pw.ForeignKeyField(column_name='reader_id', field='id', model=migrator.orm['reader'], on_delete='RESTRICT')
        seq = pw.BigIntegerField()
        kind = pw.CharField(default='read', max_length=12)
        read_at = pw.DateTimeField(index=True)
        received_at = pw.DateTimeField()
        tag = pw.CharField(max_length=200)
        scheme = pw.CharField(max_length=16)
        symbology = pw.CharField(default='', max_length=4)
        resolved_kind = pw.CharField(default='unknown', max_length=12)
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['item'], null=True, on_delete='RESTRICT')
        person = pw.ForeignKeyField(column_name='person_id', field='id', model=migrator.orm['person'], null=True, on_delete='RESTRICT')
        location = pw.ForeignKeyField(column_name='location_id', field='id', model=migrator.orm['location'], null=True, on_delete='RESTRICT')
        outcome = pw.CharField(default='', max_length=40)
        detail = pw.TextField(default='')
        event_id = pw.BigIntegerField(null=True)

        class Meta:
            table_name = "reader_read"
            indexes = [(('reader', 'seq'), True), (('resolved_kind', 'read_at'), False),
                       (('outcome', 'read_at'), False)]

    @migrator.create_model
    class ReaderStatus(pw.Model):
        id = pw.AutoField()
        reader = pw.ForeignKeyField(column_name='reader_id', field='id', model=migrator.orm['reader'], unique=True, on_delete='CASCADE')
        stats = pw.TextField(default='{}')
        updated_at = pw.DateTimeField()
        rejected_total = pw.IntegerField(default=0)

        class Meta:
            table_name = "reader_status"

    # door log and person page list passes newest first
    migrator.sql("CREATE INDEX access_event_person_at ON access_event (person_id, at)")
    migrator.sql("CREATE INDEX access_event_reader_at ON access_event (reader_id, at)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("DROP INDEX access_event_reader_at")
    migrator.sql("DROP INDEX access_event_person_at")
    migrator.remove_model('reader_status')
    migrator.remove_model('reader_read')
