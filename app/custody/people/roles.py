"""三员分离 that holds: a privileged role (administrator, security officer, auditor) is granted, removed,
or its holder's password reset only when a second privileged person of another role approves; the
secret then goes to the holder alone, through a one-time enrolment code the approver hands over.

The command line (by=None) is the machine's operator bootstrapping a site (`custody create-user`,
`custody demo`): it may create privileged accounts directly, as before.
"""
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from app.db import write_tx

from .. import accounts, audit, clock
from ..errors import N_, ConflictError, NotAllowedError, NotFoundError, ValidationError
from ..models import PRIVILEGED_ROLES, User, UserRole
from . import rules
from .codes import ROLE_REQUEST_KINDS
from .models import Enrolment, RoleRequest
from .policy import settings

ENROL_HOURS = 72
# no 0/O, 1/l/I: the code is read off a screen or a slip of paper
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class EnrolmentFailedError(ValidationError):
    code = "enrolment_failed"
    status = 401
    # one message for every failure: unknown user, wrong or expired code
    template = N_("The user name or the enrolment code is not valid (or the code has expired).")


class PasswordsDifferError(ValidationError):
    code = "passwords_differ"
    template = N_("The two passwords differ.")


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(15))
    return "-".join(raw[i:i + 5] for i in range(0, 15, 5))


def _unusable_password() -> str:
    # not an argon2 hash: no password verifies against it until the holder enrols
    return "!enrol-" + secrets.token_hex(16)


def privileged(roles) -> set[str]:
    """The privileged roles among these."""
    return set(roles) & PRIVILEGED_ROLES


def propose(user: User, kind: str, role: str = "", *, by: User | None, note: str = "", ip: str = "",
            now: datetime | None = None) -> RoleRequest:
    """Propose a privileged change for a second privileged person to approve; one admin-log row.

    Raises ValidationError (kind, role), NotAllowedError (the proposer is not privileged, or proposes
    for themselves), RoleSeparationError, ConflictError (the same proposal is already waiting).
    """
    now = now or clock.now()
    if kind not in ROLE_REQUEST_KINDS:
        raise ValidationError(N_("Unknown request: %(kind)s"), kind=kind)
    if by is not None:
        if not privileged(by.roles):
            raise NotAllowedError()
        if by.id == user.id:
            raise NotAllowedError(N_("Nobody can change their own roles."))
    current = set(user.roles)
    if kind == "grant":
        if role not in PRIVILEGED_ROLES:
            raise ValidationError(N_("Only privileged roles need approval: %(role)s"), role=role)
        if role in current:
            raise ConflictError(N_("%(name)s already holds this role."), name=user.username)
        accounts.check_roles(current | {role})  # raises RoleSeparationError
    elif kind == "remove":
        if role not in current or role not in PRIVILEGED_ROLES:
            raise ValidationError(N_("%(name)s does not hold this role."), name=user.username)
    else:
        role = ""
        if not privileged(current):
            raise ValidationError(N_("%(name)s holds no privileged role: reset the password directly."),
                                  name=user.username)
    with write_tx():
        waiting = RoleRequest.select().where((RoleRequest.user == user) & (RoleRequest.kind == kind)
                                             & (RoleRequest.role == role) & (RoleRequest.status == "pending"))
        if waiting.exists():
            raise ConflictError(N_("The same request is already waiting for approval."))
        req = RoleRequest.create(user=user, kind=kind, role=role, proposed_by=by, proposed_at=now,
                                 note=(note or "")[:500])
        audit.append_audit("role.propose", user=by, target=f"user:{user.username}", ip=ip, at=now,
                           detail={"request": req.id, "kind": kind, "role": role})
    return req


def get_request(request_id: int) -> RoleRequest:
    """The request with this id; raises NotFoundError."""
    req = RoleRequest.get_or_none(RoleRequest.id == request_id)
    if req is None:
        raise NotFoundError(N_("Unknown request: %(kind)s"), kind=request_id)
    return req


def pending():
    """Requests waiting for approval, oldest first."""
    return RoleRequest.select().where(RoleRequest.status == "pending").order_by(RoleRequest.id)


def decided():
    """Requests approved or refused, newest first."""
    return RoleRequest.select().where(RoleRequest.status != "pending").order_by(RoleRequest.id.desc())


def can_decide(req: RoleRequest, user: User) -> bool:
    """True if this user may approve or refuse the request (rules.can_approve)."""
    proposer_roles = req.proposed_by.roles if req.proposed_by_id else frozenset()
    return rules.can_approve(approver_id=user.id, approver_roles=user.roles, proposer_id=req.proposed_by_id,
                             proposer_roles=proposer_roles, target_id=req.user_id, target_roles=req.user.roles,
                             approver_role=settings().approver_role)


def _ensure_can_decide(req: RoleRequest, by: User) -> None:
    if req.status != "pending":
        raise ConflictError(N_("This request is already decided."))
    if not can_decide(req, by):
        raise NotAllowedError(N_("A second privileged person of another role approves this request "
                                 "(not the proposer, not the account concerned)."))


def _issue_code(user: User, *, by: User, now: datetime) -> str:
    code = _new_code()
    User.update(password_hash=_unusable_password(), must_change_password=False, failed_logins=0,
                locked_until=None).where(User.id == user.id).execute()
    Enrolment.delete().where(Enrolment.user == user).execute()
    Enrolment.create(user=user, enrol_hash=_digest(code), issued_by=by, issued_at=now,
                     expires_at=now + timedelta(hours=ENROL_HOURS))
    return code


def approve(req: RoleRequest, *, by: User, ip: str = "", now: datetime | None = None) -> str | None:
    """Approve a request and carry it out; one admin-log row. For a grant or a reset, returns the
    one-time enrolment code (shown to the approver only, who hands it to the holder); the account's old
    password stops working. Raises NotAllowedError, ConflictError, RoleSeparationError."""
    now = now or clock.now()
    code = None
    with write_tx():
        req = RoleRequest.get_by_id(req.id)
        _ensure_can_decide(req, by)
        user = User.get_by_id(req.user_id)
        roles = set(user.roles)
        if req.kind == "grant":
            accounts.check_roles(roles | {req.role})
            UserRole.create(user=user, role=req.role)
            code = _issue_code(user, by=by, now=now)
        elif req.kind == "remove":
            UserRole.delete().where((UserRole.user == user) & (UserRole.role == req.role)).execute()
        else:
            code = _issue_code(user, by=by, now=now)
        RoleRequest.update(status="approved", decided_by=by, decided_at=now).where(RoleRequest.id == req.id) \
            .execute()
        audit.append_audit("role.approve", user=by, target=f"user:{user.username}", ip=ip, at=now,
                           detail={"request": req.id, "kind": req.kind, "role": req.role,
                                   "proposed_by": req.proposed_by.username if req.proposed_by_id else None,
                                   "enrolment_code_issued": code is not None})
    req.status = "approved"
    user.forget_roles()
    return code


def refuse(req: RoleRequest, *, by: User, note: str = "", ip: str = "", now: datetime | None = None) -> None:
    """Refuse a request; one admin-log row. Raises NotAllowedError, ConflictError."""
    now = now or clock.now()
    with write_tx():
        req = RoleRequest.get_by_id(req.id)
        _ensure_can_decide(req, by)
        RoleRequest.update(status="refused", decided_by=by, decided_at=now, note=(note or req.note)[:500]) \
            .where(RoleRequest.id == req.id).execute()
        audit.append_audit("role.refuse", user=by, target=f"user:{req.user.username}", ip=ip, at=now,
                           detail={"request": req.id, "kind": req.kind, "role": req.role})


def enrol(username: str, code: str, password: str, *, ip: str = "", now: datetime | None = None) -> User:
    """The holder sets their own password with the enrolment code; one admin-log row.

    Raises EnrolmentFailedError (one message for every failure), ValidationError (password rules).
    """
    now = now or clock.now()
    accounts.check_password_rules(password, (username or "").strip())
    user = User.get_or_none(User.username == (username or "").strip())
    row = Enrolment.get_or_none(Enrolment.user == user) if user is not None else None
    digest = _digest((code or "").strip().lower())
    if row is None or not hmac.compare_digest(row.enrol_hash, digest) or row.expires_at < now:
        with write_tx():
            audit.append_audit("enrol.failed", user=user, target=f"user:{(username or '')[:64]}", ip=ip, at=now)
        raise EnrolmentFailedError()
    with write_tx():
        User.update(password_hash=accounts.hash_password(password), must_change_password=False, failed_logins=0,
                    locked_until=None).where(User.id == user.id).execute()
        Enrolment.delete().where(Enrolment.id == row.id).execute()
        audit.append_audit("user.enrol", user=user, target=f"user:{user.username}", ip=ip, at=now)
    return user


def create_account(username: str, roles, *, by: User | None, person=None, password: str | None = None,
                   ip: str = "", now: datetime | None = None) -> tuple[User, RoleRequest | None]:
    """Create a login. With a privileged role asked by a person (not the command line), the account is
    made without it and with no usable password, and the role is proposed for approval; otherwise the
    given password is set (must be changed at first login). Returns (user, the proposal or None)."""
    roles = accounts.check_roles(roles)
    wanted = privileged(roles)
    if by is None or not wanted:
        user = accounts.create_user(username, password, roles, by=by, person=person, must_change_password=True,
                                    ip=ip, now=now)
        return user, None
    with write_tx():
        user = accounts.create_user(username, secrets.token_urlsafe(24), roles - wanted, by=by, person=person,
                                    ip=ip, now=now)
        User.update(password_hash=_unusable_password()).where(User.id == user.id).execute()
        req = propose(user, "grant", sorted(wanted)[0], by=by, ip=ip, now=now)
    return user, req


def change_roles(user: User, roles, *, by: User | None, ip: str = "", now: datetime | None = None) -> list:
    """Set a user's roles: the ordinary ones at once, each privileged change as a proposal.

    Returns the proposals made. Raises what accounts.set_roles and propose raise.
    """
    roles = accounts.check_roles(roles)
    current = set(user.roles)
    if by is None:
        accounts.set_roles(user, roles, by=None, ip=ip, now=now)
        return []
    keep = (set(roles) - PRIVILEGED_ROLES) | privileged(current)
    with write_tx():
        if keep != current:
            accounts.set_roles(user, keep, by=by, ip=ip, now=now)
        proposals = [propose(user, "remove", r, by=by, ip=ip, now=now) for r in sorted(privileged(current) - roles)]
        proposals += [propose(user, "grant", r, by=by, ip=ip, now=now) for r in sorted(privileged(roles) - current)]
    return proposals
