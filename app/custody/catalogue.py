"""An item's catalogue entry — archive number, title, page count, home location — as opposed to its custody state.

`change_catalogue` is the one service that changes those fields (a catalogue re-import's "update existing"
calls it per item); custody state (state, location, holder) only ever changes through the custody services.
"""
from datetime import datetime

from app.db import write_tx

from . import audit, clock, lookup, statements
from .models import Item, Location

CATALOGUE_FIELDS = ("archive_no", "title", "pages", "home")


def shown(field: str, value):
    """A value as the admin log and the import preview show it: a home location by its code."""
    if field == "home" and value is not None:
        place = Location.get_or_none(Location.id == value)
        return place.code if place is not None else value
    return value


def catalogue_changes(item: Item, values: dict) -> dict[str, tuple]:
    """{field: (old, new)} for the values that differ from the item's (home as location ids)."""
    changes = {}
    for field, new in values.items():
        old = item.home_id if field == "home" else getattr(item, field)
        if new != old:
            changes[field] = (old, new)
    return changes


def change_catalogue(code_or_item, values: dict, *, user=None, ip: str = "", now: datetime | None = None,
                     detail: dict | None = None) -> dict[str, tuple]:
    """Change an item's catalogue fields (CATALOGUE_FIELDS; home as a location id), never its custody state: one
    write transaction, one admin-log entry `item.catalogue` naming each field's old and new value (with
    `detail` added, e.g. the import file). Returns {field: (old, new)} of what changed; {} and no entry when
    nothing did. Raises ItemNotFound, ValueError for a field that is not a catalogue field."""
    unknown = sorted(set(values) - set(CATALOGUE_FIELDS))
    if unknown:
        raise ValueError(f"not catalogue fields: {unknown}")
    now = now or clock.now()
    with write_tx():
        item = lookup.item(code_or_item)
        changes = catalogue_changes(item, values)
        if not changes:
            return {}
        statements.update_item(item.id, {field: new for field, (_old, new) in changes.items()})
        for field, (_old, new) in changes.items():
            setattr(item, "home_id" if field == "home" else field, new)
        audit.append_audit("item.catalogue", user=user, target=item.code, ip=ip, at=now, detail={
            **(detail or {}),
            "changes": {field: [shown(field, old), shown(field, new)] for field, (old, new) in changes.items()},
        })
    return changes
