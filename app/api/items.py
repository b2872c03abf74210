"""GET /api/v1/items (search, filters, pages) and GET /api/v1/items/<code> (state and history)."""
import base64
import binascii

from flask import jsonify, request
from peewee import JOIN

from app.custody import history
from app.custody.codes import normalize_scan
from app.custody.errors import N_
from app.custody.models import ITEM_KINDS, ITEM_STATES, Event, Item, Location, Person
from app.security import require

from . import bp, openapi
from .errors import InvalidFieldError
from .payload import choice_arg, int_arg
from .schemas import event_json, item_json

HISTORY_DEFAULT, HISTORY_MAX = 50, 1000
PAGE_DEFAULT, PAGE_MAX = 50, 500


def item_query():
    """Items with their location and holder joined (one query for a whole page)."""
    return (Item.select(Item, Location, Person)
            .join(Location, JOIN.LEFT_OUTER, on=(Item.location == Location.id))
            .switch(Item).join(Person, JOIN.LEFT_OUTER, on=(Item.holder == Person.id)))


def history_query(item_id: int):
    """An item's events with their places and people joined, newest first."""
    return history.events(with_item=False).where(Event.item == item_id)


def _encode_cursor(code: str) -> str:
    return base64.urlsafe_b64encode(code.encode()).decode().rstrip("=")


def _decode_cursor(raw: str) -> str:
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidFieldError(N_("%(field)s is not valid."), field="cursor") from None


@bp.route("/items")
@require("items.view")
def list_items():
    q = (request.args.get("q") or "").strip()
    state = choice_arg("state", ITEM_STATES)
    kind = choice_arg("kind", ITEM_KINDS)
    limit = int_arg("limit", PAGE_DEFAULT, minimum=1, maximum=PAGE_MAX)
    cursor = request.args.get("cursor") or None
    if cursor is not None and request.args.get("offset"):
        raise InvalidFieldError(N_("Use either offset or cursor, not both."), field="cursor")
    offset = int_arg("offset", 0, minimum=0, maximum=10**9)
    query = item_query()
    if q:
        code = normalize_scan(q)
        query = query.where((Item.code == code) | Item.code.startswith(code) | Item.archive_no.contains(q)
                            | Item.title.contains(q))
    if state:
        query = query.where(Item.state == state)
    if kind:
        query = query.where(Item.kind == kind)
    total = query.count()
    page = query.order_by(Item.code)
    if cursor is not None:
        # keyset paging: stable while items are added, cheap at any depth
        page = page.where(Item.code > _decode_cursor(cursor))
    else:
        page = page.offset(offset)
    rows = list(page.limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify({
        "items": [item_json(item) for item in rows], "total": total, "limit": limit,
        "offset": None if cursor is not None else offset,
        "next_cursor": _encode_cursor(rows[-1].code) if more and rows else None,
    })


@bp.route("/items/<code>")
@require("items.view")
def get_item(code):
    limit = int_arg("limit", HISTORY_DEFAULT, minimum=0, maximum=HISTORY_MAX)
    item = item_query().where(Item.code == normalize_scan(code)).first()
    if item is None:
        Item.by_code(code)  # raises ItemNotFound with the normalised code
    history = list(history_query(item.id).limit(limit)) if limit else []
    body = item_json(item)
    body["history"] = [event_json(e, item.code) for e in history]
    body["history_total"] = Event.select().where(Event.item == item.id).count()
    return jsonify(body)


CODE_PARAM = openapi.path_parameter(
    "code", "The item's code in any scan form: bare, lower case, with an AIM prefix (`]C0…`).",
    example="V00012345")

openapi.add_tag("items", "Volumes, media and devices: current state and history.")
openapi.add_paths({
    "/api/v1/items": {"get": openapi.operation(
        "Search and list items", permission="items.view", tag="items", operation_id="listItems",
        description="Ordered by code. Page with `limit` + `offset`, or follow `next_cursor` "
                    "(stable while items are added).",
        parameters=[
            openapi.query_parameter("q", "Code (exact or prefix, any scan form), part of the archive number, "
                                         "or part of the title.", {"type": "string"}),
            openapi.query_parameter("state", "Only items in this state.", {"type": "string",
                                                                           "enum": list(ITEM_STATES)}),
            openapi.query_parameter("kind", "Only items of this kind.", {"type": "string", "enum": list(ITEM_KINDS)}),
            openapi.query_parameter("limit", "Items per page.", {"type": "integer", "minimum": 1,
                                                                 "maximum": PAGE_MAX, "default": PAGE_DEFAULT}),
            openapi.query_parameter("offset", "Items to skip (not with `cursor`).",
                                    {"type": "integer", "minimum": 0, "default": 0}),
            openapi.query_parameter("cursor", "The `next_cursor` of the previous page.", {"type": "string"}),
        ],
        responses={"200": openapi.json_response("A page of items", {"$ref": openapi.ref("ItemPage")})},
        errors=(401, 403, 422))},
    "/api/v1/items/{code}": {"get": openapi.operation(
        "An item's state and history", permission="items.view", tag="items", operation_id="getItem",
        parameters=[CODE_PARAM, openapi.query_parameter(
            "limit", "Events of the history to include, newest first.",
            {"type": "integer", "minimum": 0, "maximum": HISTORY_MAX, "default": HISTORY_DEFAULT})],
        responses={"200": openapi.json_response("The item", {"$ref": openapi.ref("ItemDetail")})},
        errors=(401, 403, 404, 422))},
})
