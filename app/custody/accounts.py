"""Accounts: users, roles with the three-role separation, password logins with lockout, API tokens.

Every change here is an administrative action and goes into the admin log.
"""
import atexit
import functools
import hashlib
import hmac
import secrets
import threading
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.db import write_tx

from . import audit, clock, rules
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


MAX_PASSWORD_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common-passwords.txt"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case), data/common-passwords.txt."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _check_password_rules(password: str, username: str = "") -> None:
    """NIST SP 800-63B: long enough, not a known common password, not repetitive, not the user name.

    Raises ValidationError naming what is wrong.
    """
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(N_("The password must have at least %(n)s characters."), n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(N_("The password may have at most %(n)s characters."), n=MAX_PASSWORD_LENGTH)
    folded = password.lower()
    if folded in common_passwords() or len(set(folded)) < 4:
        raise ValidationError(N_("This password is too common or too repetitive: choose another."))
    if username and username.strip().lower() in folded:
        raise ValidationError(N_("The password must not contain the user name."))


def check_password_rules(password: str, username: str = "") -> None:
    """The password rules, for other areas (enrolment); raises ValidationError naming what is wrong."""
    _check_password_rules(password, username)


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
    if rules.has_unsafe_text(username) or any(c.isspace() for c in username):
        raise ValidationError(N_("A user name cannot contain spaces, control characters or text-direction marks."))
    _check_password_rules(password, username)
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
        _bump_sessions(user)  # a session opened under the old roles ends
        audit.append_audit("user.roles", user=by, target=f"user:{user.username}",
                           detail={"before": before, "after": sorted(roles)}, ip=ip, at=now)
    user.forget_roles()
    return user


def _bump_sessions(user: User) -> int:
    """Move the account's session version on (caller holds the transaction): its sessions end."""
    User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
    user.session_version = User.select(User.session_version).where(User.id == user.id).scalar()
    return user.session_version


def end_sessions(user: User, *, by: User | None, ip: str = "", now: datetime | None = None,
                 reason: str = "admin") -> int:
    """End every session of an account at once; returns the account's new session version.

    reason "logout": the account's own logout (not logged); "admin": the administrator's "end sessions"
    (logged; raises NotAllowedError for anyone else).
    """
    now = now or clock.now()
    if reason != "logout":
        _ensure_admin(by)
        if by is not None and by.id == user.id:
            raise NotAllowedError(N_("Log out to end your own sessions."))
    with write_tx():
        version = _bump_sessions(user)
        if reason != "logout":
            audit.append_audit("user.end_sessions", user=by, target=f"user:{user.username}", ip=ip, at=now)
    return version


def set_active(user: User, active: bool, *, by: User | None, ip: str = "", now: datetime | None = None) -> User:
    """Enable or disable a login; nobody disables themselves."""
    now = now or clock.now()
    _ensure_admin(by)
    if by is not None and by.id == user.id:
        raise NotAllowedError(N_("Nobody can disable their own account."))
    with write_tx():
        User.update(is_active=active).where(User.id == user.id).execute()
        if not active:
            _bump_sessions(user)
        audit.append_audit("user.enable" if active else "user.disable", user=by,
                           target=f"user:{user.username}", ip=ip, at=now)
    user.is_active = active
    return user


def set_password(user: User, password: str, *, by: User | None, must_change: bool = False, ip: str = "",
                 now: datetime | None = None) -> None:
    """Set a password (own, or by an administrator as a reset that must be changed)."""
    now = now or clock.now()
    _check_password_rules(password, user.username)
    try:
        same = _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        same = False
    if same:  # the one-time password (or the current one) again
        raise ValidationError(N_("Choose a password different from the current (or one-time) password."))
    if by is not None and by.id != user.id:
        _ensure_admin(by)
        if user.roles & PRIVILEGED_ROLES:
            raise NotAllowedError(N_("The password of a privileged account is reset through an approval; "
                                     "its holder then sets a new one with an enrolment code."))
    with write_tx():
        User.update(password_hash=hash_password(password), must_change_password=must_change,
                    failed_logins=0, locked_until=None).where(User.id == user.id).execute()
        _bump_sessions(user)
        audit.append_audit("user.password", user=by, target=f"user:{user.username}",
                           detail={"reset": by is None or by.id != user.id}, ip=ip, at=now)


class FailedLogins:
    """Failed logins waiting to be written to the admin log, in batches.

    A flood of wrong passwords must not take the site's write lock once per attempt (scans wait behind
    it): each failure is queued here and flush() appends the queued rows in one write transaction, each
    still its own chained (and sealed) admin-log row. A failure that locks an account is flushed at once,
    so the lock holds in every worker. batch_seconds=0 writes every failure at once (the tests' default).
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.pending: list[dict] = []
        self.batch_seconds = 0.0
        self.max_pending = 200
        self._timer = None

    def add(self, entry: dict) -> None:
        """Queue one failure; flush now when batching is off, the queue is full or the entry locks."""
        with self.lock:
            self.pending.append(entry)
            due = (not self.batch_seconds or len(self.pending) >= self.max_pending or entry.get("locks"))
            if not due and self._timer is None:
                self._timer = threading.Timer(self.batch_seconds, self._flush_in_background)
                self._timer.daemon = True
                self._timer.start()
        if due:
            self.flush()

    def pending_for(self, user_id: int) -> int:
        """Failures of this account queued here and not yet written."""
        with self.lock:
            return sum(1 for e in self.pending if e.get("user_id") == user_id)

    def _flush_in_background(self) -> None:
        from app.db import db

        try:
            with db.connection_context():
                self.flush()
        except Exception:  # noqa: BLE001 - a timer thread must not die silently with rows queued
            import logging

            logging.getLogger(__name__).exception("writing failed logins to the admin log")
            with self.lock:
                self._timer = None

    def flush(self) -> int:
        """Write every queued failure in one write transaction; returns how many were written."""
        with self.lock:
            rows, self.pending = self.pending, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if not rows:
            return 0
        with write_tx():
            for e in rows:
                user = User.get_or_none(User.id == e["user_id"]) if e.get("user_id") else None
                if user is not None and e["reason"] == "bad password":
                    if e.get("locks"):
                        User.update(failed_logins=0, locked_until=e["locked_until"]).where(User.id == user.id).execute()
                    else:
                        User.update(failed_logins=User.failed_logins + 1).where(User.id == user.id).execute()
                detail = {"reason": e["reason"]}
                if "failures" in e:
                    detail["failures"] = e["failures"]
                audit.append_audit("login.failed", user=user, target=f"user:{e['username'][:64]}", detail=detail,
                                   ip=e["ip"], at=e["at"])
                if e.get("locks"):
                    audit.append_audit("user.locked", user=user, target=f"user:{e['username']}", ip=e["ip"],
                                       at=e["at"], detail={"until": e["locked_until"].isoformat(),
                                                           "minutes": e["lock_minutes"]})
        return len(rows)


FAILED_LOGINS = FailedLogins()


@atexit.register
def _flush_at_exit() -> None:
    # a worker that stops (gunicorn's graceful restart) writes what it still holds
    if not FAILED_LOGINS.pending:
        return
    from app.db import db

    try:
        with db.connection_context():
            FAILED_LOGINS.flush()
    except Exception:  # noqa: BLE001 - at exit there is nobody left to tell but the log
        import logging

        logging.getLogger(__name__).exception("writing failed logins at exit")


def flush_login_failures() -> int:
    """Write the failed logins still queued (FailedLogins); returns how many."""
    return FAILED_LOGINS.flush()


def _spend_a_verification(password: str) -> None:
    """Verify against a throwaway hash: every refusal costs what a real check costs (no timing oracle)."""
    global _DUMMY_HASH
    _DUMMY_HASH = _DUMMY_HASH or _hasher.hash(secrets.token_hex(8))
    try:
        _hasher.verify(_DUMMY_HASH, password or "")
    except VerificationError:
        pass


def authenticate(username: str, password: str, *, max_failures: int = 5, lock_minutes: int = 15,
                 ip: str = "", now: datetime | None = None) -> User:
    """Check a login. Every failure raises the same LoginFailedError after the same work (one password
    verification); the max_failures-th in a row locks the account. Failures are logged in batches."""
    now = now or clock.now()
    name = (username or "").strip()
    user = User.get_or_none(User.username == name) if len(name) <= 64 else None
    if user is None:
        _spend_a_verification(password)
        FAILED_LOGINS.add({"at": now, "username": name[:64], "reason": "unknown user", "ip": ip})
        raise LoginFailedError()
    if not user.is_active or user.is_locked(now):
        _spend_a_verification(password)  # a locked name answers as slowly as any other failure
        FAILED_LOGINS.add({"at": now, "user_id": user.id, "username": user.username, "ip": ip,
                           "reason": "locked" if user.is_active else "disabled"})
        raise LoginFailedError()
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        failures = user.failed_logins + FAILED_LOGINS.pending_for(user.id) + 1
        entry = {"at": now, "user_id": user.id, "username": user.username, "ip": ip, "reason": "bad password",
                 "failures": failures}
        if failures >= max_failures:
            entry.update(locks=True, locked_until=now + timedelta(minutes=lock_minutes), lock_minutes=lock_minutes)
        FAILED_LOGINS.add(entry)
        raise LoginFailedError() from None
    FAILED_LOGINS.flush()  # the failures before this login come first in the log
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
