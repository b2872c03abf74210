"""Custody actions over JSON: each one calls the same service as the item page (app/custody/services.py).

A write may carry an idempotency key (the `Idempotency-Key` header or "client_id" in the body); it is
stored as the event's client id, so a retried request is recorded once and answered 200 with the
event first recorded.
"""
from flask import jsonify
from flask_login import current_user
from peewee import IntegrityError

from app.custody import services
from app.custody.errors import N_, LocationNotFound, PersonNotFound
from app.custody.models import Event, Item, Location, Person
from app.security import require

from . import bp, openapi
from .errors import IdempotencyKeyReusedError, InvalidFieldError
from .items import CODE_PARAM
from .payload import MAX_CLIENT_ID, idempotency_key, json_body
from .schemas import event_json

TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
NOTE = {"type": "string", "maxLength": 2000, "description": "Free text kept with the event."}
CLIENT_ID = {"type": "string", "maxLength": MAX_CLIENT_ID,
             "description": "Idempotency key (or send the `Idempotency-Key` header)."}


def _body(required: tuple, **fields) -> dict:
    return {"type": "object", "additionalProperties": False, "required": list(required),
            "properties": {**fields, "client_id": CLIENT_ID}}


CHECK_OUT_BODY = _body(("location",), location={**TEXT, "description": "A working location's code."},
                       person={**TEXT, "description": "Badge code of the person taking custody; "
                                                      "default: the caller."}, note=NOTE)
RETURN_BODY = _body(("location",), location={**TEXT, "description": "A storage location's code."}, note=NOTE)
MOVE_BODY = _body(("location",), location={**TEXT, "description": "The destination's code."}, note=NOTE)
HAND_OVER_BODY = _body(("person",), person={**TEXT, "description": "Badge code of the new holder."},
                       location={**TEXT, "description": "Where the hand-over happens; default: where the item is."},
                       note=NOTE)
QUARANTINE_BODY = _body(("reason",), reason={"type": "string", "minLength": 1, "maxLength": 2000})
RELEASE_BODY = _body(("reason",), reason={"type": "string", "minLength": 1, "maxLength": 2000})
DAMAGE_BODY = _body(("description",), description={"type": "string", "minLength": 1, "maxLength": 2000},
                    pages={"type": "integer", "minimum": 0, "maximum": 1_000_000,
                           "description": "Number of damaged pages."})


def _location(body: dict, field: str = "location") -> Location:
    try:
        return Location.by_code(body[field])
    except LocationNotFound as err:
        err.status = 422  # the item exists; it is the request's field that names nothing
        raise


def _person(body: dict, field: str = "person") -> Person:
    try:
        return Person.by_badge(body[field])
    except PersonNotFound as err:
        err.status = 422
        raise


def _act(code: str, schema: dict, kinds: frozenset, call):
    """Validate the body, find the item, answer a replayed key, else run the service: 201 + the event."""
    body = json_body(schema)
    key = idempotency_key(body)
    item = Item.by_code(code)
    if key is not None:
        done = Event.get_or_none(Event.client_id == key)
        if done is not None:
            return _replayed(done, item, kinds)
    try:
        event = call(body, item, key)
    except IntegrityError:
        # two requests with one key raced past the replay check: the loser answers with the winner's event
        done = Event.get_or_none(Event.client_id == key) if key is not None else None
        if done is None:
            raise
        return _replayed(done, item, kinds)
    response = jsonify(event_json(event, item.code))
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/items/{item.code}"
    return response


def _replayed(done: Event, item: Item, kinds: frozenset):
    if done.item_id != item.id or done.kind not in kinds:
        raise IdempotencyKeyReusedError(code=done.item.code)
    response = jsonify(event_json(done))
    response.headers["Location"] = f"/api/v1/items/{done.item.code}"
    return response


def _who() -> dict:
    return {"actor": current_user.person, "user": current_user.id, "via": "api"}


@bp.route("/items/<code>/check-out", methods=["POST"])
@require("custody.move")
def check_out(code):
    def call(body, item, key):
        if body.get("person"):
            holder = _person(body)
        elif current_user.person is not None:
            holder = current_user.person
        else:
            raise InvalidFieldError(N_("Missing field: %(field)s."), field="person")
        return services.check_out(item.code, to=_location(body), holder=holder, note=body.get("note", ""),
                                  client_id=key, **_who())

    return _act(code, CHECK_OUT_BODY, frozenset({"check_out"}), call)


@bp.route("/items/<code>/return", methods=["POST"])
@require("custody.move")
def return_item(code):
    def call(body, item, key):
        return services.return_to_storage(item.code, to=_location(body), note=body.get("note", ""),
                                          client_id=key, **_who())

    return _act(code, RETURN_BODY, frozenset({"return", "move"}), call)


@bp.route("/items/<code>/move", methods=["POST"])
@require("custody.move")
def move(code):
    def call(body, item, key):
        return services.move(item.code, to=_location(body), note=body.get("note", ""), client_id=key, **_who())

    return _act(code, MOVE_BODY, frozenset({"move", "return"}), call)


@bp.route("/items/<code>/hand-over", methods=["POST"])
@require("custody.move")
def hand_over(code):
    def call(body, item, key):
        to = _location(body) if body.get("location") else None
        return services.hand_over(item.code, to_person=_person(body), to=to, note=body.get("note", ""),
                                  client_id=key, **_who())

    return _act(code, HAND_OVER_BODY, frozenset({"hand_over"}), call)


@bp.route("/items/<code>/quarantine", methods=["POST"])
@require("custody.quarantine")
def quarantine(code):
    def call(body, item, key):
        return services.quarantine(item.code, reason=body["reason"], client_id=key, **_who())

    return _act(code, QUARANTINE_BODY, frozenset({"quarantine"}), call)


@bp.route("/items/<code>/release", methods=["POST"])
@require("custody.release")
def release(code):
    def call(body, item, key):
        return services.release(item.code, reason=body["reason"], client_id=key, **_who())

    return _act(code, RELEASE_BODY, frozenset({"release"}), call)


@bp.route("/items/<code>/damage", methods=["POST"])
@require("custody.damage")
def record_damage(code):
    def call(body, item, key):
        return services.record_damage(item.code, description=body["description"], pages=body.get("pages"),
                                      client_id=key, **_who())

    return _act(code, DAMAGE_BODY, frozenset({"damage"}), call)


IDEMPOTENCY_HEADER = {"name": "Idempotency-Key", "in": "header", "required": False,
                      "description": "Any unique string (a UUID): a retried request with the same key is "
                                     "recorded once and answered 200 with the first event.",
                      "schema": {"type": "string", "maxLength": MAX_CLIENT_ID}}
EVENT_RESPONSES = {
    "201": openapi.json_response("Recorded: the new event, with the item's state after it.",
                                 {"$ref": openapi.ref("Event")},
                                 headers={"Location": {"description": "The item's API address.",
                                                       "schema": {"type": "string"}}}),
    "200": openapi.json_response("A replay of an idempotency key already recorded: the first event.",
                                 {"$ref": openapi.ref("Event")}),
}


def _action_doc(summary: str, permission: str, body: dict, description: str, operation_id: str) -> dict:
    return {"post": openapi.operation(
        summary, permission=permission, tag="custody", body=body, write=True, operation_id=operation_id,
        description=description, parameters=[CODE_PARAM, IDEMPOTENCY_HEADER], responses=EVENT_RESPONSES,
        errors=(400, 401, 403, 404, 409, 422))}


openapi.add_tag("custody", "Changes of custody; each appends one event to the hash-chained custody log.")
openapi.add_paths({
    "/api/v1/items/{code}/check-out": _action_doc(
        "Check an item out of storage", "custody.move", CHECK_OUT_BODY,
        "To a working location, into a person's custody (their badge must be active).", "checkOut"),
    "/api/v1/items/{code}/return": _action_doc(
        "Return an item to storage", "custody.move", RETURN_BODY,
        "To a storage location; clears the holder and resolves its overnight alert.", "returnItem"),
    "/api/v1/items/{code}/move": _action_doc(
        "Move an item", "custody.move", MOVE_BODY,
        "The holder stays; a move into storage is a return.", "moveItem"),
    "/api/v1/items/{code}/hand-over": _action_doc(
        "Hand an item to another person", "custody.move", HAND_OVER_BODY,
        "The item must be out of storage; the new holder's badge must be active.", "handOver"),
    "/api/v1/items/{code}/quarantine": _action_doc(
        "Quarantine an item", "custody.quarantine", QUARANTINE_BODY,
        "Stops every further step (e.g. a secrecy mark found) and opens a critical alert.", "quarantine"),
    "/api/v1/items/{code}/release": _action_doc(
        "Release an item from quarantine", "custody.release", RELEASE_BODY,
        "Its state follows its location again.", "release"),
    "/api/v1/items/{code}/damage": _action_doc(
        "Record damage", "custody.damage", DAMAGE_BODY, "Opens a damage alert.", "recordDamage"),
})
