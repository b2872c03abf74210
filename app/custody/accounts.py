"""Accounts: users, roles with the three-role separation, password logins with lockout, API tokens.

Every change here is an administrative action and goes into the admin log.
"""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.db import write_tx

from . import audit, clock
from .errors import N_, ConflictError, LoginFailedError, NotAllowedError, RoleSeparationError, ValidationError
from .models import PRIVILEGED_ROLES, ROLES, ApiToken, Person, User, UserRole

_hasher = PasswordHasher()
# a fixed hash to verify against when the user does not exist, so timing does not tell
_DUMMY_HASH = None
MIN_PASSWORD_LENGTH = 10


def use_password_profile(profile: str) -> None:
    """'default' (argon2id, RFC 9106 low-memory) or 'fast' (tests only: cheaper parameters)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if profile == "fast" \
        else PasswordHasher()
    _DUMMY_HASH = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    """Raise ValidationError if the password is too short."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(N_("The password must have at least %(n)s characters."), n=MIN_PASSWORD_LENGTH)


def check_roles(roles) -> frozenset[str]:
    """Validate a role set: known roles, at most one of administrator / security officer / auditor."""
    roles = frozenset(roles)
    unknown = roles.difference(ROLES)
    if unknown:
        raise ValidationError(N_("Unknown role: %(role)s"), role=", ".join(sorted(unknown)))
    privileged = sorted(roles & PRIVILEGED_ROLES)
    if len(privileged) > 1:
        raise RoleSeparationError(a=ROLES.coded(privileged[0]), b=ROLES.coded(privileged[1]))
    return roles


def _ensure_admin(by: User | None) -> None:
    if by is not None and not by.has_role("administrator"):
        raise NotAllowedError()


NEEDS_APPROVAL = N_("A privileged role is granted or removed only with the approval of a second privileged "
                    "person of another role: propose it.")


def _ensure_no_privileged_change(by: User | None, before, after) -> None:
    # 三员分离: a person (not the command line) never changes privileged roles alone (app.custody.people.roles)
    if by is not None and (set(before) & PRIVILEGED_ROLES) != (set(after) & PRIVILEGED_ROLES):
        raise NotAllowedError(NEEDS_APPROVAL)


def create_user(username: str, password: str, roles, *, by: User | None, person: Person | None = None,
                must_change_password: bool = False, ip: str = "", now: datetime | None = None) -> User:
    """Create a login. by=None means the command line (the machine's operator).

    Raises ValidationError, RoleSeparationError, ConflictError (name taken), NotAllowedError.
    """
    now = now or clock.now()
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise ValidationError(N_("Give a user name of 1 to 64 characters."))
    check_password_rules(password)
    roles = check_roles(roles)
    _ensure_admin(by)
    _ensure_no_privileged_change(by, (), roles)
    with write_tx():
        if User.get_or_none(User.username == username) is not None:
            raise ConflictError(N_("The user name %(name)s is taken."), name=username)
        user = User.create(username=username, password_hash=hash_password(password), person=person,
                           must_change_password=must_change_password, created_at=now)
        for role in sorted(roles):
            UserRole.create(user=user, role=role)
        audit.append_audit("user.create", user=by, target=f"user:{username}",
                           detail={"roles": sorted(roles), "person": person.id if person else None}, ip=ip, at=now)
    return user


def set_roles(user: User, roles, *, by: User | None, ip: str = "", now: datetime | None = None) -> User:
    """Replace a user's roles. Nobody changes their own roles; the separation rule holds.

    Raises NotAllowedError, RoleSeparationError, ValidationError.
    """
    now = now or clock.now()
    roles = check_roles(roles)
    _ensure_admin(by)
    if by is not None and by.id == user.id:
        raise NotAllowedError(N_("Nobody can change their own roles."))
    with write_tx():
        before = sorted(r.role for r in UserRole.select().where(UserRole.user == user))
        _ensure_no_privileged_change(by, before, roles)
        UserRole.delete().where(UserRole.user == user).execute()
        for role in sorted(roles):
            UserRole.create(user=user, role=role)
        audit.append_audit("user.roles", user=by, target=f"user:{user.username}",
                           detail={"before": before, "after": sorted(roles)}, ip=ip, at=now)
    user.forget_roles()
    return user


def set_active(user: User, active: bool, *, by: User | None, ip: str = "", now: datetime | None = None) -> User:
    """Enable or disable a login; nobody disables themselves."""
    now = now or clock.now()
    _ensure_admin(by)
    if by is not None and by.id == user.id:
        raise NotAllowedError(N_("Nobody can disable their own account."))
    with write_tx():
        User.update(is_active=active).where(User.id == user.id).execute()
        audit.append_audit("user.enable" if active else "user.disable", user=by,
                           target=f"user:{user.username}", ip=ip, at=now)
    user.is_active = active
    return user


def set_password(user: User, password: str, *, by: User | None, must_change: bool = False, ip: str = "",
                 now: datetime | None = None) -> None:
    """Set a password (own, or by an administrator as a reset that must be changed)."""
    now = now or clock.now()
    check_password_rules(password)
    if by is not None and by.id != user.id:
        _ensure_admin(by)
        if user.roles & PRIVILEGED_ROLES:
            raise NotAllowedError(N_("The password of a privileged account is reset through an approval; "
                                     "its holder then sets a new one with an enrolment code."))
    with write_tx():
        User.update(password_hash=hash_password(password), must_change_password=must_change,
                    failed_logins=0, locked_until=None).where(User.id == user.id).execute()
        audit.append_audit("user.password", user=by, target=f"user:{user.username}",
                           detail={"reset": by is None or by.id != user.id}, ip=ip, at=now)


def authenticate(username: str, password: str, *, max_failures: int = 5, lock_minutes: int = 15,
                 ip: str = "", now: datetime | None = None) -> User:
    """Check a login. Every failure raises the same LoginFailedError; the 5th locks the account."""
    global _DUMMY_HASH
    now = now or clock.now()
    user = User.get_or_none(User.username == (username or "").strip())
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or _hasher.hash(secrets.token_hex(8))
        try:
            _hasher.verify(_DUMMY_HASH, password or "")
        except VerificationError:
            pass
        with write_tx():
            audit.append_audit("login.failed", target=f"user:{(username or '')[:64]}",
                               detail={"reason": "unknown user"}, ip=ip, at=now)
        raise LoginFailedError()
    if not user.is_active or user.is_locked(now):
        with write_tx():
            audit.append_audit("login.failed", user=user, target=f"user:{user.username}",
                               detail={"reason": "locked" if user.is_active else "disabled"}, ip=ip, at=now)
        raise LoginFailedError()
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        with write_tx():
            failures = user.failed_logins + 1
            locked_until = now + timedelta(minutes=lock_minutes) if failures >= max_failures else None
            User.update(failed_logins=0 if locked_until else failures, locked_until=locked_until) \
                .where(User.id == user.id).execute()
            audit.append_audit("login.failed", user=user, target=f"user:{user.username}",
                               detail={"reason": "bad password", "failures": failures}, ip=ip, at=now)
            if locked_until:
                audit.append_audit("user.locked", user=user, target=f"user:{user.username}",
                                   detail={"until": locked_until.isoformat(), "minutes": lock_minutes}, ip=ip, at=now)
        raise LoginFailedError() from None
    with write_tx():
        fields = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
        if _hasher.check_needs_rehash(user.password_hash):
            fields["password_hash"] = hash_password(password)
        User.update(**fields).where(User.id == user.id).execute()
        audit.append_audit("login", user=user, target=f"user:{user.username}", ip=ip, at=now)
    user.last_login_at = now
    return user


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, name: str = "", *, by: User | None, ip: str = "",
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a personal API token; the secret is returned once and only its hash is stored."""
    now = now or clock.now()
    if by is not None and by.id != user.id:
        raise NotAllowedError(N_("Tokens are made by their owner."))
    secret = "ct_" + secrets.token_urlsafe(32)
    with write_tx():
        token = ApiToken.create(user=user, name=name.strip()[:100], token_hash=_token_digest(secret),
                                prefix=secret[:10], created_at=now)
        audit.append_audit("token.create", user=by or user, target=f"user:{user.username}",
                           detail={"token": token.id, "name": token.name}, ip=ip, at=now)
    return token, secret


def revoke_token(token: ApiToken, *, by: User | None, ip: str = "", now: datetime | None = None) -> None:
    """Revoke a token (its owner or an administrator)."""
    now = now or clock.now()
    if by is not None and by.id != token.user_id and not by.has_role("administrator"):
        raise NotAllowedError()
    with write_tx():
        ApiToken.update(revoked_at=now).where(ApiToken.id == token.id).execute()
        audit.append_audit("token.revoke", user=by, target=f"token:{token.id}", ip=ip, at=now)


def user_for_token(secret: str, *, now: datetime | None = None) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not secret or not secret.startswith("ct_"):
        return None
    digest = _token_digest(secret)
    from . import (
        statements,  # one joined query (token, user, person) and the roles: this runs on every API call
    )

    found = statements.token_with_user(digest)
    if found is None:
        return None
    token_id, token_hash, last_used_at, user = found
    if not hmac.compare_digest(token_hash, digest):
        return None
    if not user.is_active:
        return None
    now = now or clock.now()
    if last_used_at is None or now - last_used_at > timedelta(minutes=5):
        with write_tx():
            ApiToken.update(last_used_at=now).where(ApiToken.id == token_id).execute()
    return user


def set_locale(user: User, code: str) -> None:
    """Remember the login's language (the pages and API answers use it when the browser does not ask)."""
    if user.locale == code:
        return
    with write_tx():
        User.update(locale=code).where(User.id == user.id).execute()
    user.locale = code
