"""Sites and the location tree."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .. import clock
from ..codes import LOCATION_KINDS, STORAGE_KINDS, normalize_scan  # noqa: F401 (re-exported)
from ..errors import LocationNotFound
from .base import BaseModel, row_by

DEFAULT_TIMEZONE = "Asia/Shanghai"


class Site(BaseModel):
    code = CharField(unique=True, max_length=32)
    name = CharField(max_length=200)
    timezone = CharField(max_length=64, default=DEFAULT_TIMEZONE)
    cutoff = CharField(max_length=5, default="18:30")  # site-local HH:MM
    grace_minutes = IntegerField(default=30)
    working_hours = TextField(default="{}")  # JSON: {"mon": ["08:00", "18:00"], ...}
    holidays = TextField(default="[]")  # JSON list of YYYY-MM-DD
    base_url = CharField(max_length=200, default="")
    sweep_nonworking = BooleanField(default=True)  # 007: sweep nights after a non-working day too
    created_at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "site"

    @classmethod
    def timezone_name(cls, default: str = DEFAULT_TIMEZONE) -> str:
        """The site's time zone (the first site's; `default` before there is one): the one place it is read."""
        site = cls.select(cls.timezone).order_by(cls.id).first()
        return site.timezone if site else default


class Location(BaseModel):
    site = ForeignKeyField(Site, backref="locations", on_delete="RESTRICT")
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    code = CharField(unique=True, max_length=64)
    name = CharField(max_length=200)
    kind = CharField(max_length=16, index=True)
    is_active = BooleanField(default=True)
    created_at = DateTimeField(default=clock.now)

    class Meta:
        table_name = "location"

    @property
    def is_storage(self) -> bool:
        return self.kind in STORAGE_KINDS

    def path(self) -> list["Location"]:
        """This location and its ancestors, root first."""
        chain, node, seen = [], self, set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @classmethod
    def by_code(cls, code: str) -> "Location":
        """The location with this code (case-insensitive); raises LocationNotFound."""
        norm = normalize_scan(code)
        loc = row_by(cls, "code", norm)
        if loc is None:
            raise LocationNotFound(code=norm)
        return loc
