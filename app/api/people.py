"""/api/v1/people: the list (with filters), one person by badge (status, vetting, holdings), recording a
vetting item, and the badge actions (activate | suspend | reinstate | revoke | lost)."""
from flask import jsonify, request
from flask_login import current_user
from peewee import JOIN

from app.custody import people
from app.custody.codes import ORG_KINDS
from app.custody.models import BADGE_STATUSES, Item, Location, Person
from app.custody.people import codes, rules
from app.security import require

from . import bp, openapi
from .payload import choice_arg, int_arg, json_body
from .schemas import iso, item_json, person_json

LIST_STATUSES = (*BADGE_STATUSES, "waiting")


def _vetting_json(who: Person, today) -> dict:
    conf = people.settings()
    records = people.vetting_records(who)
    gaps = rules.vetting_gaps(records, org_kind=who.org_kind, required=conf.required,
                              min_hours=conf.min_training_hours, today=today)
    return {
        "complete": not gaps,
        "missing": [{"item": g.item, "reason": g.reason} for g in gaps],
        "expiring": rules.expiring(records, today=today, warn_days=conf.warn_days),
        "items": [{"item": code, "done_on": iso(r.done_on), "reference": r.reference, "hours": r.hours,
                   "expires_on": iso(r.expires_on)} for code in codes.VETTING_ITEMS
                  if (r := records.get(code)) is not None],
    }


def _person_body(who: Person, *, holdings: bool = True) -> dict:
    today = people.site_today()
    body = person_json(who, today=today)
    body["left_on"] = iso(who.left_on)
    body["badge_reason"] = who.badge_reason
    body["vetting"] = _vetting_json(who, today)
    if holdings:
        held = (Item.select(Item, Location).join(Location, JOIN.LEFT_OUTER, on=(Item.location == Location.id))
                .where(Item.holder == who).order_by(Item.code))
        body["holding"] = []
        for item in held:
            item.holder = who  # already known: spares a query per row
            body["holding"].append(item_json(item))
    return body


@bp.route("/people")
@require("people.view")
def list_people():
    status = choice_arg("status", LIST_STATUSES)
    org_kind = choice_arg("org_kind", ORG_KINDS)
    q = (request.args.get("q") or "").strip()[:100]
    limit = int_arg("limit", 100, minimum=1, maximum=1000)
    offset = int_arg("offset", 0, minimum=0, maximum=10 ** 9)
    query = Person.select().order_by(Person.badge_code)
    if status == "waiting":
        query = people.waiting_for_vetting().order_by(Person.badge_code)
    elif status:
        query = query.where(Person.badge_status == status)
    if org_kind:
        query = query.where(Person.org_kind == org_kind)
    if q:
        query = query.where(Person.name.contains(q) | Person.organisation.contains(q) | (Person.badge_code == q.upper()))
    total = query.count()
    today = people.site_today()
    return jsonify({"total": total, "people": [person_json(p, today=today) | {"left_on": iso(p.left_on)}
                                               for p in query.limit(limit).offset(offset)]})


@bp.route("/people/<badge_code>")
@require("people.view")
def get_person(badge_code):
    return jsonify(_person_body(Person.by_badge(badge_code)))  # raises PersonNotFound (404 unknown_person)


VETTING_BODY = {
    "type": "object", "additionalProperties": False, "required": ["item", "done_on"],
    "properties": {
        "item": {"type": "string", "enum": list(codes.VETTING_ITEMS), "description": "The vetting item."},
        "done_on": {"type": "string", "format": "date", "description": "When it was done or checked (site date)."},
        "reference": {"type": "string", "maxLength": 200, "description": "Document or certificate number."},
        "hours": {"type": ["number", "null"], "description": "Training hours (training only)."},
        "expires_on": {"type": ["string", "null"], "format": "date", "description": "When it expires, if it does."},
    },
}
BADGE_BODY = {
    "type": "object", "additionalProperties": False, "required": ["action"],
    "properties": {
        "action": {"type": "string", "enum": list(codes.BADGE_ACTIONS)},
        "reason": {"type": "string", "maxLength": 200, "description": "Required to suspend or revoke."},
        "valid_from": {"type": ["string", "null"], "format": "date", "description": "activate: validity start."},
        "valid_until": {"type": ["string", "null"], "format": "date", "description": "activate: validity end."},
        "new_tag": {"type": "string", "maxLength": 64, "description": "lost: the new badge's RFID tag."},
    },
}


@bp.route("/people/<badge_code>/vetting", methods=["POST"])
@require("people.vet")
def post_vetting(badge_code):
    body = json_body(VETTING_BODY)
    who = Person.by_badge(badge_code)
    people.record_vetting(who, body["item"], done_on=body["done_on"], reference=body.get("reference", ""),
                            hours=body.get("hours"), expires_on=body.get("expires_on"), by=current_user)
    return jsonify(_person_body(Person.get_by_id(who.id), holdings=False)), 201


@bp.route("/people/<badge_code>/badge", methods=["POST"])
@require("people.vet")
def post_badge(badge_code):
    body = json_body(BADGE_BODY)
    who = Person.by_badge(badge_code)
    who = people.badge_action(who, body["action"], by=current_user, reason=body.get("reason", ""),
                                valid_from=body.get("valid_from"), valid_until=body.get("valid_until"),
                                new_tag=body.get("new_tag", ""))
    return jsonify(_person_body(Person.get_by_id(who.id), holdings=False))


DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
openapi.add_schemas({
    "PersonDetail": {
        "allOf": [{"$ref": openapi.ref("Person")}, {"type": "object", "properties": {
            "left_on": DATE_OR_NULL, "badge_reason": {"type": "string"},
            "vetting": {"type": "object", "properties": {
                "complete": {"type": "boolean"},
                "missing": {"type": "array", "items": {"type": "object", "properties": {
                    "item": {"type": "string", "enum": list(codes.VETTING_ITEMS)},
                    "reason": {"type": "string", "enum": list(codes.GAP_REASONS)}}}},
                "expiring": {"type": "array", "items": {"type": "string", "enum": list(codes.VETTING_ITEMS)}},
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "item": {"type": "string", "enum": list(codes.VETTING_ITEMS)}, "done_on": DATE_OR_NULL,
                    "reference": {"type": "string"}, "hours": {"type": ["number", "null"]},
                    "expires_on": DATE_OR_NULL}}}}},
            "holding": {"type": "array", "items": {"$ref": openapi.ref("Item")}}}}],
    },
})
openapi.add_tag("people", "Staff of the archive and of the service organisation: vetting and the badge's life.")
_badge = openapi.path_parameter("badge_code", "The badge code (any scan form).", example="B00000001")
openapi.add_paths({
    "/api/v1/people": {"get": openapi.operation(
        "People, filtered", permission="people.view", tag="people", operation_id="listPeople",
        parameters=[openapi.query_parameter("status", "Badge status, or waiting (pending and not left)",
                                            {"type": "string", "enum": list(LIST_STATUSES)}),
                    openapi.query_parameter("org_kind", "archive or service", {"type": "string",
                                                                               "enum": list(ORG_KINDS)}),
                    openapi.query_parameter("q", "Name, organisation or badge code", {"type": "string"}),
                    openapi.query_parameter("limit", "At most this many (1-1000)", {"type": "integer"}),
                    openapi.query_parameter("offset", "Skip this many", {"type": "integer"})],
        responses={"200": openapi.json_response("The people", {"type": "object", "properties": {
            "total": {"type": "integer"}, "people": {"type": "array", "items": {"$ref": openapi.ref("Person")}}}})},
        errors=(400, 401, 403))},
    "/api/v1/people/{badge_code}": {"get": openapi.operation(
        "A person's badge, vetting and holdings", permission="people.view", tag="people", operation_id="getPerson",
        parameters=[_badge],
        responses={"200": openapi.json_response("The person", {"$ref": openapi.ref("PersonDetail")})},
        errors=(401, 403, 404))},
    "/api/v1/people/{badge_code}/vetting": {"post": openapi.operation(
        "Record a vetting item", permission="people.vet", tag="people", operation_id="recordVetting",
        description="Records (or corrects) one vetting item; one row in the personnel change register.",
        parameters=[_badge], body=VETTING_BODY, write=True,
        responses={"201": openapi.json_response("The person", {"$ref": openapi.ref("PersonDetail")})},
        errors=(401, 403, 404, 422))},
    "/api/v1/people/{badge_code}/badge": {"post": openapi.operation(
        "A badge action", permission="people.vet", tag="people", operation_id="badgeAction",
        description="activate (only when vetting is complete: a 422 vetting_incomplete names what is missing), "
                    "suspend (reason), reinstate, revoke (reason), lost (the old code and tags stop at once; "
                    "a new badge code is issued).",
        parameters=[_badge], body=BADGE_BODY, write=True,
        responses={"200": openapi.json_response("The person", {"$ref": openapi.ref("PersonDetail")})},
        errors=(401, 403, 404, 409, 422))},
})
