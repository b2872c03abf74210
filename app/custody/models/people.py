"""People (staff of both organisations), their login accounts, roles and API tokens."""
from datetime import date, datetime

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from .. import clock
from ..codes import BADGE_STATUSES, PRIVILEGED_ROLES, ROLES, normalize_scan  # noqa: F401 (re-exported)
from ..errors import PersonNotFound
from .base import BaseModel, row_by
from .loads import Staged


class Person(Staged, BaseModel):
    name = CharField(max_length=100)
    organisation = CharField(max_length=200, default="")
    org_kind = CharField(max_length=16, default="service")  # archive | service
    position = CharField(max_length=100, default="")
    badge_code = CharField(unique=True, max_length=32)
    badge_status = CharField(max_length=16, default="pending", index=True)
    valid_from = DateField(null=True)
    valid_until = DateField(null=True)
    background_checked_on = DateField(null=True)
    agreement_signed_on = DateField(null=True)
    training_hours = FloatField(default=0)
    trained_on = DateField(null=True)
    vetting_note = TextField(default="")
    created_at = DateTimeField(default=clock.now)
    left_on = DateField(null=True)  # set when the person leaves (people area, migration 009)
    # why the badge was last suspended or revoked; no Python default, so bulk inserts that do not name it
    # (the staff import) leave it to the column's DEFAULT ''
    badge_reason = CharField(max_length=200, null=True)
    # the import load that wrote it (models/loads.py): invisible until that load is live
    import_load = IntegerField(null=True, column_name="import_load_id", index=True)

    class Meta:
        table_name = "person"

    def badge_refusal(self, day: date) -> str:
        """Why the badge does not admit on that (site-local) day — an access_reason code — or "" when it does.

        The one badge-validity rule: door passes (readers.access_decision) and custody services
        (rules.ensure_badge_active) both ask it."""
        status = self.badge_status
        if status in ("suspended", "revoked"):
            return status
        if status != "active":
            return "not_vetted"
        if self.valid_until and day > self.valid_until:
            return "expired"
        if self.valid_from and day < self.valid_from:
            return "not_yet_valid"
        return ""

    def badge_active_on(self, day: date) -> bool:
        """True if the badge is active and within its validity dates on that day."""
        return not self.badge_refusal(day)

    @classmethod
    def by_badge(cls, code: str) -> "Person":
        """The person with this badge code (case-insensitive); raises PersonNotFound."""
        norm = normalize_scan(code)
        person = row_by(cls, "badge_code", norm)
        if person is None:
            raise PersonNotFound(code=norm)
        return person

    @classmethod
    def by_name_or_badge(cls, text: str) -> "Person":
        """The person named by a badge code, an exact name, or the picker's "name · badge" entry.

        Raises PersonNotFound (nobody), ValidationError (several people of that name: asks for the badge).
        """
        from ..codes import normalize_scan
        from ..errors import N_, PersonNotFound, ValidationError

        text = (text or "").strip()
        if "·" in text:  # "刘洋 · B00000012" from the name picker: the badge decides
            text = text.rsplit("·", 1)[1].strip()
        found = cls.get_or_none(cls.badge_code == normalize_scan(text)) if text else None
        if found is not None:
            return found
        named = list(cls.select().where(cls.name == text).order_by(cls.badge_status != "active", cls.badge_code)
                     .limit(6)) if text else []
        active = [p for p in named if p.badge_status == "active"] or named
        if len(active) == 1:
            return active[0]
        if len(active) > 1:
            raise ValidationError(N_("Several people are called %(name)s: choose one by badge (%(badges)s)."),
                                  name=text, badges=", ".join(p.badge_code for p in active))
        raise PersonNotFound(N_("Nobody with the name or badge %(code)s."), code=text)


class User(BaseModel):
    username = CharField(unique=True, max_length=64)
    password_hash = CharField(max_length=255)
    person = ForeignKeyField(Person, null=True, backref="users", on_delete="SET NULL")
    is_active = BooleanField(default=True)
    must_change_password = BooleanField(default=False)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    last_login_at = DateTimeField(null=True)
    locale = CharField(max_length=8, default="")
    created_at = DateTimeField(default=clock.now)
    # bumped to end every session of the account at once (accounts.end_sessions); each session keeps the
    # version it was opened under and is refused once they differ
    session_version = IntegerField(default=0)

    class Meta:
        table_name = "app_user"

    # flask-login protocol, kept free of Flask imports
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def roles(self) -> frozenset[str]:
        cached = self.__dict__.get("_roles")
        if cached is None:
            cached = frozenset(r.role for r in UserRole.select(UserRole.role).where(UserRole.user == self))
            self.__dict__["_roles"] = cached
        return cached

    def forget_roles(self) -> None:
        self.__dict__.pop("_roles", None)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


class UserRole(BaseModel):
    user = ForeignKeyField(User, backref="role_rows", on_delete="CASCADE")
    role = CharField(max_length=32)

    class Meta:
        table_name = "user_role"
        primary_key = CompositeKey("user", "role")


class ApiToken(BaseModel):
    user = ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    name = CharField(max_length=100, default="")
    token_hash = CharField(unique=True, max_length=64)  # sha256 hex of the secret
    prefix = CharField(max_length=12)  # shown in lists so a token can be recognised
    created_at = DateTimeField(default=clock.now)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    class Meta:
        table_name = "api_token"
