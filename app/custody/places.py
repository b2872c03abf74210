"""The location tree, kept by the administrator: create, rename, move, deactivate, reactivate.

Every change is one transaction with one row in the admin log. Refusals are typed errors:
a taken code, an unknown parent or kind, a location placed under itself or its own descendant,
a location that still holds items or active children being deactivated.
"""
import re
from datetime import datetime

from app.db import write_tx

from . import audit, clock
from .codes import normalize_scan
from .errors import N_, ConflictError, ValidationError
from .models import LOCATION_KINDS, Item, Location, Site

# codes are printed on shelf labels and typed on handhelds: letters, digits, - _ . only
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,63}$")


def _clean_code(code: str) -> str:
    norm = normalize_scan(code or "")
    if not CODE_RE.match(norm):
        raise ValidationError(N_("A location code has 1 to 64 letters, digits, '-', '_' or '.': %(code)s"),
                              code=(code or "").strip())
    return norm


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError(N_("Give a location name of 1 to 200 characters."))
    return name


def _parent(code: str | None) -> Location | None:
    if not code or not code.strip():
        return None
    norm = normalize_scan(code)
    parent = Location.get_or_none(Location.code == norm)
    if parent is None:
        raise ValidationError(N_("Unknown parent location: %(code)s"), code=norm)
    return parent


def _ancestor_ids(location: Location) -> set[int]:
    """Ids of this location and all its ancestors (bounded: a broken tree cannot loop forever)."""
    seen, node_id = set(), location.id
    while node_id is not None and node_id not in seen:
        seen.add(node_id)
        node_id = Location.select(Location.parent).where(Location.id == node_id).scalar()
    return seen


def create_location(code: str, name: str, kind: str, *, parent_code: str | None = None, by=None,
                    ip: str = "", now: datetime | None = None) -> Location:
    """Add a location under a parent (or as a root).

    Raises ValidationError (bad code, name, kind, unknown parent, no site yet), ConflictError (code taken).
    """
    now = now or clock.now()
    code, name = _clean_code(code), _clean_name(name)
    if kind not in LOCATION_KINDS:
        raise ValidationError(N_("Unknown kind of location: %(kind)s"), kind=kind)
    with write_tx():
        parent = _parent(parent_code)
        site = parent.site if parent is not None else Site.select().order_by(Site.id).first()
        if site is None:
            raise ValidationError(N_("Set up the site on the settings page first."))
        if Location.get_or_none(Location.code == code) is not None:
            raise ConflictError(N_("The location code %(code)s is taken."), code=code)
        location = Location.create(site=site, parent=parent, code=code, name=name, kind=kind, created_at=now)
        audit.append_audit("location.create", user=by, target=f"location:{code}",
                           detail={"name": name, "kind": kind, "parent": parent.code if parent else None},
                           ip=ip, at=now)
    return location


def rename_location(location: Location, name: str, *, by=None, ip: str = "",
                    now: datetime | None = None) -> Location:
    """Give a location a new display name (its code, printed on labels, stays). Raises ValidationError."""
    now = now or clock.now()
    name = _clean_name(name)
    if name == location.name:
        return location
    with write_tx():
        before = location.name
        Location.update(name=name).where(Location.id == location.id).execute()
        audit.append_audit("location.rename", user=by, target=f"location:{location.code}",
                           detail={"before": before, "after": name}, ip=ip, at=now)
    location.name = name
    return location


def move_location(location: Location, parent_code: str | None, *, by=None, ip: str = "",
                  now: datetime | None = None) -> Location:
    """Put a location under another parent (or make it a root).

    Raises ValidationError (unknown parent; the parent is the location itself or one of its descendants).
    """
    now = now or clock.now()
    with write_tx():
        parent = _parent(parent_code)
        if parent is not None and location.id in _ancestor_ids(parent):
            raise ValidationError(N_("%(code)s cannot be placed under %(parent)s: a location cannot be its "
                                     "own ancestor."), code=location.code, parent=parent.code)
        before = location.parent.code if location.parent_id else None
        after = parent.code if parent else None
        if before == after:
            return location
        Location.update(parent=parent).where(Location.id == location.id).execute()
        audit.append_audit("location.move", user=by, target=f"location:{location.code}",
                           detail={"before": before, "after": after}, ip=ip, at=now)
    location.parent = parent
    return location


def set_location_active(location: Location, active: bool, *, by=None, ip: str = "",
                        now: datetime | None = None) -> Location:
    """Deactivate (no new custody there) or reactivate a location.

    Raises ConflictError: items are still there, an active child remains, or the parent is inactive.
    """
    now = now or clock.now()
    with write_tx():
        current = Location.get_by_id(location.id)
        if current.is_active == active:
            return current
        if not active:
            held = Item.select().where((Item.location == location.id) & (Item.state != "retired")).count()
            if held:
                raise ConflictError(N_("%(code)s still holds %(n)s items: move them before deactivating it."),
                                    code=location.code, n=held)
            children = (Location.select().where((Location.parent == location.id) & (Location.is_active == True))  # noqa: E712
                        .count())
            if children:
                raise ConflictError(N_("%(code)s has %(n)s active locations under it: deactivate them first."),
                                    code=location.code, n=children)
        elif current.parent_id and not current.parent.is_active:
            raise ConflictError(N_("%(code)s is under the inactive location %(parent)s: reactivate that first."),
                                code=location.code, parent=current.parent.code)
        Location.update(is_active=active).where(Location.id == location.id).execute()
        audit.append_audit("location.reactivate" if active else "location.deactivate", user=by,
                           target=f"location:{location.code}", ip=ip, at=now)
    location.is_active = active
    return location
