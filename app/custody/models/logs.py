"""Append-only, hash-chained logs (custody events, admin actions), readers and door passes."""
from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from .. import clock
from .base import BaseModel
from .items import Item
from .people import Person, User
from .places import Location


class Reader(BaseModel):
    name = CharField(unique=True, max_length=100)
    location = ForeignKeyField(Location, backref="readers", on_delete="RESTRICT")
    mode = CharField(max_length=20)
    protocol = CharField(max_length=32)
    token_hash = CharField(max_length=64, null=True, unique=True)
    token_prefix = CharField(max_length=12, default="")
    is_active = BooleanField(default=True)
    settings = TextField(default="{}")  # JSON: station action, shelf cycles, …
    last_seq = BigIntegerField(default=0)
    last_heartbeat_at = DateTimeField(null=True)
    created_at = DateTimeField(default=clock.now)
    # a new reader, or one given a new token, changes no custody until the security officer approves it
    approved_at = DateTimeField(null=True)
    approved_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "reader"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class LogHead(BaseModel):
    """The newest row of each chain: its id and hash. Locked while appending; verify checks the tail."""

    name = CharField(primary_key=True, max_length=16)
    last_id = BigIntegerField(default=0)
    last_hash = CharField(max_length=64)
    # the site's algorithm set (app/custody/suites.py): the chain's row hash and the seal's signatures;
    # chosen at `custody init-db`, fixed once the chain has rows
    algorithm = CharField(max_length=24, default="ed25519-sha256")

    class Meta:
        table_name = "log_head"


class Event(BaseModel):
    """One change of custody. Ids are assigned from the chain head: gapless, in chain order."""

    id = BigIntegerField(primary_key=True)
    at = DateTimeField(index=True)  # when it happened (a spooled read keeps its read time)
    recorded_at = DateTimeField(default=clock.now)
    kind = CharField(max_length=24)
    item = ForeignKeyField(Item, backref="events", on_delete="RESTRICT")
    actor = ForeignKeyField(Person, null=True, backref="acted_events", on_delete="RESTRICT")
    user = ForeignKeyField(User, null=True, backref="events", on_delete="RESTRICT")
    holder = ForeignKeyField(Person, null=True, backref="holder_events", on_delete="RESTRICT")
    src = ForeignKeyField(Location, null=True, backref="+", on_delete="RESTRICT")
    dst = ForeignKeyField(Location, null=True, backref="+", on_delete="RESTRICT")
    reader = ForeignKeyField(Reader, null=True, backref="events", on_delete="RESTRICT")
    via = CharField(max_length=16, default="web")
    state = CharField(max_length=16)  # the item's state after this event
    note = TextField(default="")
    data = TextField(default="")  # JSON, canonical
    client_id = CharField(max_length=80, null=True, unique=True)
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64)
    sig = CharField(max_length=160, default="")  # the seal key's signature of (chain, id, hash): app/custody/seal.py

    class Meta:
        table_name = "event"
        indexes = ((("item", "id"), False),)

    @property
    def details(self) -> dict:
        """The event's data as a dict (empty when there is none or it is unreadable)."""
        import json

        try:
            value = json.loads(self.data or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def late_read_at(self):
        """When a late read was really read (the event itself is dated on arrival), or None."""
        from datetime import datetime

        raw = self.details.get("read_at") if self.kind == "late_read" else None
        try:
            return datetime.fromisoformat(raw) if raw else None
        except (TypeError, ValueError):
            return None

    @property
    def late_reason(self) -> str | None:
        """Why a late read was late (readers.codes.LATE_REASONS), None for other events; reads logged late
        before reasons were recorded were all older than the item's last change."""
        return self.details.get("reason", "after_last_event") if self.kind == "late_read" else None

    @property
    def late_limit_hours(self):
        """The spool limit a late read passed (hours), when that was why it was late."""
        value = self.details.get("limit_hours") if self.kind == "late_read" else None
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    @property
    def arrived_late(self) -> bool:
        """Recorded more than a minute after it happened (a spooled read, a late read)."""
        return self.recorded_at is not None and self.at is not None and (self.recorded_at - self.at).total_seconds() > 60


class AuditLog(BaseModel):
    """Administrative actions (accounts, roles, settings, readers, locations, logins)."""

    id = BigIntegerField(primary_key=True)
    at = DateTimeField(index=True)
    user = ForeignKeyField(User, null=True, backref="audit_rows", on_delete="RESTRICT")
    username = CharField(max_length=64, default="")
    action = CharField(max_length=48, index=True)
    target = CharField(max_length=200, default="")
    detail = TextField(default="")  # JSON, canonical
    ip = CharField(max_length=64, default="")
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64)
    sig = CharField(max_length=160, default="")

    class Meta:
        table_name = "audit_log"


class Checkpoint(BaseModel):
    """Both chains' heads at one moment, signed with the seal key (kept outside the database).

    Each checkpoint also carries the digest of the one before it, so a checkpoint deleted from the middle
    is noticed; app/custody/seal.py makes and checks them.
    """

    id = BigIntegerField(primary_key=True)
    at = DateTimeField()
    reason = CharField(max_length=16)  # codes.CHECKPOINT_REASONS
    algorithm = CharField(max_length=24)  # "ed25519-sha256" (the chain hash and the signature)
    key_fingerprint = CharField(max_length=80)
    event_last_id = BigIntegerField()
    event_last_hash = CharField(max_length=64)
    audit_last_id = BigIntegerField()
    audit_last_hash = CharField(max_length=64)
    prev_digest = CharField(max_length=64)  # digest of the previous checkpoint's signed body
    digest = CharField(max_length=64)  # sha256 of this checkpoint's signed body
    signature = CharField(max_length=160)

    class Meta:
        table_name = "checkpoint"


class AccessEvent(BaseModel):
    """A badge seen by a door reader: allowed or denied, with the reason."""

    at = DateTimeField(index=True)
    reader = ForeignKeyField(Reader, backref="access_events", on_delete="RESTRICT")
    person = ForeignKeyField(Person, null=True, backref="access_events", on_delete="RESTRICT")
    credential = CharField(max_length=64)  # the tag or badge code as read
    direction = CharField(max_length=8, default="")
    allowed = BooleanField()
    reason = CharField(max_length=32, default="")
    recorded_at = DateTimeField(default=clock.now)
    seq = IntegerField(null=True)

    class Meta:
        table_name = "access_event"
