"""JSON shapes of the API's resources: the function that builds each one and its schema, side by side,
so the OpenAPI document describes exactly what the views return."""
import json
from datetime import date, datetime

from app.custody.codes import BADGE_STATUSES, EVENT_KINDS, ITEM_KINDS, ITEM_STATES, LOCATION_KINDS, ORG_KINDS
from app.custody.models import Event, Item, Location, Person

from . import openapi

NULLABLE_STRING = {"type": ["string", "null"]}


def iso(moment: datetime | date | None) -> str | None:
    """A stored naive-UTC time as ISO 8601 with a Z (dates as YYYY-MM-DD)."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.isoformat(timespec="seconds") + "Z"
    return moment.isoformat()


def location_ref(loc: Location | None) -> dict | None:
    return None if loc is None else {"code": loc.code, "name": loc.name, "kind": loc.kind}


def person_ref(who: Person | None) -> dict | None:
    return None if who is None else {"badge_code": who.badge_code, "name": who.name}


def item_json(item: Item) -> dict:
    """An item's identity and current state (location and holder should be joined by the caller)."""
    return {
        "code": item.code, "kind": item.kind, "archive_no": item.archive_no, "title": item.title,
        "pages": item.pages, "state": item.state, "state_since": iso(item.state_since),
        "is_damaged": item.is_damaged,
        "location": location_ref(item.location) if item.location_id else None,
        "holder": person_ref(item.holder) if item.holder_id else None,
        "url": f"/i/{item.code}",
    }


def event_json(event: Event, item_code: str | None = None) -> dict:
    """One custody event: what happened, where from and to, and the item's state after it."""
    src = getattr(event, "src_loc", None) if event.src_id else None
    dst = getattr(event, "dst_loc", None) if event.dst_id else None
    holder = getattr(event, "holder_person", None) if event.holder_id else None
    actor = getattr(event, "actor_person", None) if event.actor_id else None
    # un-joined rows (a fresh service result) fall back to the foreign keys
    src = src if src is not None or not event.src_id else event.src
    dst = dst if dst is not None or not event.dst_id else event.dst
    holder = holder if holder is not None or not event.holder_id else event.holder
    actor = actor if actor is not None or not event.actor_id else event.actor
    data = json.loads(event.data) if event.data else {}
    return {
        "id": event.id, "kind": event.kind, "at": iso(event.at), "recorded_at": iso(event.recorded_at),
        "item": item_code or event.item.code, "state": event.state,
        "from": location_ref(src), "to": location_ref(dst), "holder": person_ref(holder),
        "actor": person_ref(actor), "via": event.via, "note": event.note,
        "pages": data.get("pages"),
    }


def person_json(who: Person, *, today: date) -> dict:
    return {
        "badge_code": who.badge_code, "name": who.name, "organisation": who.organisation,
        "org_kind": who.org_kind, "position": who.position, "badge_status": who.badge_status,
        "badge_active": who.badge_active_on(today), "valid_from": iso(who.valid_from),
        "valid_until": iso(who.valid_until),
    }


def location_json(loc: Location, parent_code: str | None) -> dict:
    return {"code": loc.code, "name": loc.name, "kind": loc.kind, "parent": parent_code,
            "is_storage": loc.is_storage, "is_active": loc.is_active}


LOCATION_REF = {
    "type": ["object", "null"], "required": ["code", "name", "kind"],
    "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                   "kind": {"type": "string", "enum": list(LOCATION_KINDS)}},
}
PERSON_REF = {
    "type": ["object", "null"], "required": ["badge_code", "name"],
    "properties": {"badge_code": {"type": "string"}, "name": {"type": "string"}},
}
DATE_TIME = {"type": "string", "format": "date-time"}

openapi.add_schemas({
    "LocationRef": LOCATION_REF,
    "PersonRef": PERSON_REF,
    "Item": {
        "type": "object",
        "required": ["code", "kind", "archive_no", "title", "pages", "state", "state_since", "location", "holder"],
        "properties": {
            "code": {"type": "string", "examples": ["V00012345"]},
            "kind": {"type": "string", "enum": list(ITEM_KINDS)},
            "archive_no": {"type": "string", "description": "档号", "examples": ["J012-WS·2019-Y-0001"]},
            "title": {"type": "string"},
            "pages": {"type": ["integer", "null"]},
            "state": {"type": "string", "enum": list(ITEM_STATES)},
            "state_since": DATE_TIME,
            "is_damaged": {"type": "boolean"},
            "location": {"$ref": openapi.ref("LocationRef")},
            "holder": {"$ref": openapi.ref("PersonRef")},
            "url": {"type": "string", "description": "The item's page (its label's QR code)."},
        },
    },
    "Event": {
        "type": "object",
        "required": ["id", "kind", "at", "item", "state", "from", "to", "holder"],
        "properties": {
            "id": {"type": "integer", "description": "Position in the hash-chained custody log."},
            "kind": {"type": "string", "enum": list(EVENT_KINDS)},
            "at": {**DATE_TIME, "description": "When it happened (UTC)."},
            "recorded_at": {**DATE_TIME, "description": "When the server stored it (UTC)."},
            "item": {"type": "string", "description": "The item's code."},
            "state": {"type": "string", "enum": list(ITEM_STATES), "description": "The item's state after it."},
            "from": {"$ref": openapi.ref("LocationRef")},
            "to": {"$ref": openapi.ref("LocationRef")},
            "holder": {"$ref": openapi.ref("PersonRef")},
            "actor": {"$ref": openapi.ref("PersonRef")},
            "via": {"type": "string", "examples": ["api", "web", "reader"]},
            "note": {"type": "string", "description": "Reason or damage description, if any."},
            "pages": {"type": ["integer", "null"], "description": "Damaged pages (damage events)."},
        },
    },
    "ItemDetail": {
        "allOf": [{"$ref": openapi.ref("Item")}, {
            "type": "object", "required": ["history", "history_total"],
            "properties": {
                "history": {"type": "array", "items": {"$ref": openapi.ref("Event")},
                            "description": "Newest first, at most `limit` events."},
                "history_total": {"type": "integer"},
            },
        }],
    },
    "ItemPage": {
        "type": "object", "required": ["items", "total", "limit", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": openapi.ref("Item")}},
            "total": {"type": "integer", "description": "Items matching the filters."},
            "limit": {"type": "integer"},
            "offset": {"type": ["integer", "null"]},
            "next_cursor": {**NULLABLE_STRING, "description": "Pass as `cursor` for the next page; null at the end."},
        },
    },
    "Location": {
        "type": "object", "required": ["code", "name", "kind", "parent", "is_storage", "is_active"],
        "properties": {
            "code": {"type": "string"}, "name": {"type": "string"},
            "kind": {"type": "string", "enum": list(LOCATION_KINDS)},
            "parent": {**NULLABLE_STRING, "description": "The parent location's code; null for a root."},
            "is_storage": {"type": "boolean", "description": "An item here counts as returned to storage."},
            "is_active": {"type": "boolean"},
        },
    },
    "Person": {
        "type": "object", "required": ["badge_code", "name", "badge_status", "badge_active", "holding"],
        "properties": {
            "badge_code": {"type": "string"}, "name": {"type": "string"},
            "organisation": {"type": "string"},
            "org_kind": {"type": "string", "enum": list(ORG_KINDS)},
            "position": {"type": "string"},
            "badge_status": {"type": "string", "enum": list(BADGE_STATUSES)},
            "badge_active": {"type": "boolean", "description": "Active and within its validity dates today."},
            "valid_from": {"type": ["string", "null"], "format": "date"},
            "valid_until": {"type": ["string", "null"], "format": "date"},
            "holding": {"type": "array", "items": {"$ref": openapi.ref("Item")},
                        "description": "Items this person holds now."},
        },
    },
})
