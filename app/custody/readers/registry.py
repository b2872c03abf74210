"""Readers' registration, tokens (stored hashed, shown once) and settings."""
import hashlib
import hmac
import json
import secrets
from datetime import datetime

from app.db import write_tx

from .. import audit, clock
from ..errors import N_, ConflictError, NotAllowedError, NotFoundError, ValidationError
from ..models import Location, Reader
from ..permissions import allowed
from .codes import READER_MODES, STATION_ACTIONS

TOKEN_PREFIX = "rdr_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_token() -> tuple[str, str, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, _digest(secret), secret[:10]


def parse_settings(mode: str, settings) -> dict:
    """Validate a reader's settings JSON for its mode; returns the dict. Raises ValidationError."""
    if isinstance(settings, str):
        try:
            settings = json.loads(settings or "{}")
        except ValueError:
            raise ValidationError(N_("The reader settings are not valid JSON.")) from None
    if not isinstance(settings, dict):
        raise ValidationError(N_("The reader settings must be a JSON object."))
    if mode == "internal_door":
        for side in ("side_a", "side_b"):
            code = settings.get(side)
            if not code:
                raise ValidationError(N_("An internal door needs the locations on both sides (side_a and side_b)."))
            Location.by_code(code)
    if mode == "station":
        action = settings.get("action", "return_to_storage")
        if action not in STATION_ACTIONS:
            raise ValidationError(N_("Unknown station action: %(action)s"), action=action)
        if settings.get("location"):
            Location.by_code(settings["location"])
        if action == "step":  # the flow sheet: the settings name the step (and the device)
            from ..flow import services as flow

            flow.check_station_settings(settings.get("step"), settings.get("device"))
    for key in ("offline_seconds", "departure_grace_minutes", "spool_max_hours"):
        value = settings.get(key)
        if key in settings and (not isinstance(value, int | float) or isinstance(value, bool) or value <= 0):
            raise ValidationError(N_("%(key)s must be a positive number."), key=key)
    return settings


def register_reader(name: str, *, location: Location, mode: str, protocol: str, settings=None, by=None,
                    ip: str = "", now: datetime | None = None) -> tuple[Reader, str]:
    """Register a reader; returns it and its token (shown once, only the hash is stored).

    Raises ValidationError (name, mode, protocol, settings), ConflictError (name taken).
    """
    now = now or clock.now()
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(N_("Give the reader a name of 1 to 100 characters."))
    if mode not in READER_MODES:
        raise ValidationError(N_("Unknown reader mode: %(mode)s"), mode=mode)
    protocol = (protocol or "").strip()
    if not protocol or len(protocol) > 32:
        raise ValidationError(N_("Give the reader's protocol."))
    settings = parse_settings(mode, settings or {})
    secret, digest, prefix = _new_token()
    with write_tx():
        if Reader.get_or_none(Reader.name == name) is not None:
            raise ConflictError(N_("A reader named %(name)s already exists."), name=name)
        reader = Reader.create(name=name, location=location, mode=mode, protocol=protocol, token_hash=digest,
                               token_prefix=prefix, settings=audit.canonical_json(settings), created_at=now)
        audit.append_audit("reader.create", user=by, target=f"reader:{name}", ip=ip, at=now,
                           detail={"location": location.code, "mode": mode, "protocol": protocol,
                                   "settings": settings, "token": prefix, "approved": False})
    return reader, secret


def rotate_token(reader: Reader, *, by=None, ip: str = "", now: datetime | None = None) -> str:
    """Give the reader a new token (the old one stops working at once); returns the new secret."""
    now = now or clock.now()
    secret, digest, prefix = _new_token()
    with write_tx():
        # whoever holds the new token is a new device as far as custody goes: approved again before it counts
        Reader.update(token_hash=digest, token_prefix=prefix, is_active=True, approved_at=None,
                      approved_by=None).where(Reader.id == reader.id).execute()
        audit.append_audit("reader.rotate_token", user=by, target=f"reader:{reader.name}", ip=ip, at=now,
                           detail={"token": prefix, "old": reader.token_prefix, "approved": False})
    reader.token_hash, reader.token_prefix, reader.is_active = digest, prefix, True
    reader.approved_at = reader.approved_by = None
    return secret


def approve_reader(reader: Reader, *, by, ip: str = "", now: datetime | None = None) -> Reader:
    """The security officer approves a reader's current token: from now on its reads change custody.

    Raises NotAllowedError (not a security officer), ConflictError (no token, or already approved).
    """
    now = now or clock.now()
    if by is None or not allowed(by.roles, "readers.approve"):
        raise NotAllowedError(N_("Only the security officer approves readers."))
    with write_tx():
        current = Reader.get_by_id(reader.id)
        if current.token_hash is None:
            raise ConflictError(N_("%(name)s has no token: issue one first."), name=reader.name)
        if current.approved_at is not None:
            raise ConflictError(N_("%(name)s is already approved."), name=reader.name)
        Reader.update(approved_at=now, approved_by=by.id).where(Reader.id == reader.id).execute()
        audit.append_audit("reader.approve", user=by, target=f"reader:{reader.name}", ip=ip, at=now,
                           detail={"token": current.token_prefix, "mode": current.mode,
                                   "location": Location.get_by_id(current.location_id).code})
    reader.approved_at, reader.approved_by = now, by
    return reader


def revoke_token(reader: Reader, *, by=None, ip: str = "", now: datetime | None = None) -> None:
    """Revoke the reader's token: its posts are refused until a new token is issued."""
    now = now or clock.now()
    if reader.token_hash is None:
        raise ConflictError(N_("The token of %(name)s is already revoked."), name=reader.name)
    with write_tx():
        Reader.update(token_hash=None, is_active=False).where(Reader.id == reader.id).execute()
        audit.append_audit("reader.revoke_token", user=by, target=f"reader:{reader.name}", ip=ip, at=now,
                           detail={"token": reader.token_prefix})
    reader.token_hash, reader.is_active = None, False


def reader_for_token(secret: str) -> Reader | None:
    """The active reader this bearer token belongs to, or None (compared in constant time)."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = _digest(secret)
    reader = Reader.get_or_none((Reader.token_hash == digest) & (Reader.is_active == True))  # noqa: E712
    if reader is None or not hmac.compare_digest(reader.token_hash or "", digest):
        return None
    return reader


def reader_settings(reader: Reader) -> dict:
    try:
        value = json.loads(reader.settings or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def get_reader(reader_id: int) -> Reader:
    """The reader with this id; raises NotFoundError."""
    reader = Reader.get_or_none(Reader.id == reader_id)
    if reader is None:
        raise NotFoundError(N_("Unknown reader: %(id)s"), id=reader_id)
    return reader
