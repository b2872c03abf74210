"""POST /api/v1/scans and /api/v1/scans/undo: the handheld scan loop over JSON.

Thin: validate the body → one domain call (app.custody.scans) whose write runs in the
group-commit writer → a JSON answer with the item, what happened, and a translated sentence.
"""
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.custody import groupcommit, scans, statements
from app.custody.codes import EVENT_KINDS, ITEM_STATES, normalize_scan
from app.custody.errors import N_, CustodyError, ValidationError
from app.custody.models import Item, Location, Person
from app.i18n import code_name, translate_error
from app.security import require

from . import bp, openapi

MAX_CLIENT_ID = 80


def _text(body: dict, key: str, *, required: bool = False, limit: int = 200) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise ValidationError(N_("%(field)s is missing."), field=key)
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValidationError(N_("%(field)s must be text of at most %(limit)d characters."), field=key, limit=limit)
    return value


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(N_("Send a JSON object."))
    return body


def item_json(item: Item | None, event=None) -> dict | None:
    """The item as the scan page shows it (after the event, when there is one)."""
    if item is None:
        return None
    if event is not None:
        state, location, holder = event.state, _related(event, "dst", Location), _related(event, "holder", Person)
    else:
        state, location, holder = item.state, _related(item, "location", Location), _related(item, "holder", Person)
    return {
        "code": item.code, "archive_no": item.archive_no, "title": item.title, "kind": item.kind,
        "state": state, "state_name": code_name(ITEM_STATES, state),
        "location": {"code": location.code, "name": location.name} if location is not None else None,
        "holder": {"badge": holder.badge_code, "name": holder.name} if holder is not None else None,
    }


def _related(obj, name: str, model):
    """obj.<name> (a foreign key) without peewee's lazy query: the instance already attached, else one
    precompiled lookup by id (peewee's own query building costs more CPU than the lookup)."""
    if name in obj.__rel__:
        return obj.__rel__[name]
    target_id = obj.__data__.get(name)
    if target_id is None:
        return None
    found = obj.__rel__[name] = statements.row_by(model, "id", target_id)
    return found


def _said(result: scans.ScanResult, info: dict | None) -> str:
    """One sentence for the banner, in the user's language."""
    if result.outcome == "location":
        return _("Location set: %(location)s", location=result.location.name)
    if result.outcome == "person":
        return _("Person set: %(name)s", name=result.person.name)
    where = info["location"]["name"] if info["location"] else "—"
    who = info["holder"]["name"] if info["holder"] else "—"
    if result.outcome == "lookup":
        return _("%(state)s · %(location)s · held by %(holder)s", state=info["state_name"], location=where,
                 holder=who)
    if result.outcome == "already":
        what = code_name(EVENT_KINDS, result.event.kind)
        if info["holder"]:
            return _("Already done by you: %(what)s · %(location)s · held by %(holder)s. Nothing changed.",
                     what=what, location=where, holder=who)
        return _("Already done by you: %(what)s · %(location)s. Nothing changed.", what=what, location=where)
    kind = result.event.kind
    if kind == "check_out":
        text = _("Checked out to %(holder)s at %(location)s", holder=who, location=where)
    elif kind == "return":
        text = _("Returned to %(location)s", location=where)
    elif kind == "hand_over":
        text = _("Handed to %(holder)s at %(location)s", holder=who, location=where)
    elif kind == "undo":
        if info["holder"]:
            text = _("Undone: held by %(holder)s again, at %(location)s (%(state)s)", holder=who, location=where,
                     state=info["state_name"])
        else:
            text = _("Undone: back at %(location)s (%(state)s)", location=where, state=info["state_name"])
    else:
        text = _("%(what)s to %(location)s", what=code_name(EVENT_KINDS, kind), location=where)
    if result.outcome == "replayed":
        text = _("%(text)s (already recorded)", text=text)
    return text


def _answer(result: scans.ScanResult):
    body = _answer_json(result)
    return jsonify(body), 201 if result.outcome == "recorded" else 200


def _answer_json(result: scans.ScanResult) -> dict:
    info = item_json(result.item, result.event)
    return {
        "ok": True, "outcome": result.outcome, "code": result.code, "message": _said(result, info),
        "item": info,
        "event": ({"id": result.event.id, "kind": result.event.kind, "client_id": scans.unscoped_client_id(result.event.client_id)}
                  if result.event is not None else None),
        "location": ({"code": result.location.code, "name": result.location.name,
                      "is_storage": result.location.is_storage} if result.location is not None else None),
        "person": ({"badge": result.person.badge_code, "name": result.person.name}
                   if result.person is not None else None),
    }


def _refusal(err: CustodyError, raw: str | None):
    return jsonify(_refusal_json(err, raw)), err.status


def _refusal_json(err: CustodyError, raw: str | None) -> dict:
    item = None
    if raw and err.code != "unknown_code":
        item = statements.row_by(Item, "code", normalize_scan(raw))
    return {"ok": False, "error": {"code": err.code, "message": translate_error(err)}, "item": item_json(item)}


def _submit():
    # SCAN_GROUP_COMMIT=True: scans share commits in this process's writer thread (the bench compares)
    return groupcommit.submit if current_app.config["SCAN_GROUP_COMMIT"] else None


def _person():
    # a personal token or a session: either way the scan is made by the login's own person
    return current_user.person if current_user.person_id is not None else None


@bp.post("/scans")
@require("custody.move")
def create_scan():
    """Record one handheld scan (or set the context / look up); idempotent on client_id."""
    raw = None
    try:
        body = _body()
        raw = _text(body, "code", required=True)
        action = _text(body, "action", required=True, limit=20)
        result = scans.record_scan(
            raw, action, user=current_user._get_current_object(), actor=_person(),
            location=_text(body, "location"), person=_text(body, "person"),
            client_id=_text(body, "client_id", required=action != "lookup", limit=MAX_CLIENT_ID),
            submit=_submit())
    except CustodyError as err:
        return _refusal(err, raw)
    return _answer(result)


@bp.post("/scans/batch")
@require("custody.move")
def create_scans():
    """Record several scans in order in one request (a handheld's waiting queue); each answered on its own."""
    try:
        body = _body()
        items = body.get("scans")
        if not isinstance(items, list):
            raise ValidationError(N_("%(field)s is missing."), field="scans")
        batch = []
        for entry in items[: scans.MAX_BATCH + 1]:
            if not isinstance(entry, dict):
                raise ValidationError(N_("Send a JSON object."))
            action = _text(entry, "action", required=True, limit=20)
            batch.append({"code": _text(entry, "code", required=True), "action": action,
                          "location": _text(entry, "location"), "person": _text(entry, "person"),
                          "client_id": _text(entry, "client_id", required=action != "lookup", limit=MAX_CLIENT_ID)})
        results = scans.record_scans(batch, user=current_user._get_current_object(), actor=_person(),
                                     submit=_submit())
    except CustodyError as err:
        return _refusal(err, None)
    answers = []
    for scan, result in zip(batch, results, strict=True):
        if isinstance(result, CustodyError):
            answers.append({**_refusal_json(result, scan["code"]), "status": result.status,
                            "client_id": scan["client_id"]})
        else:
            answers.append({**_answer_json(result), "status": 201 if result.outcome == "recorded" else 200,
                            "client_id": scan["client_id"]})
    return jsonify({"ok": True, "results": answers}), 200


@bp.post("/scans/undo")
@require("custody.move")
def undo_scan():
    """Undo one of the user's own recent scans with a compensating event."""
    try:
        body = _body()
        event_id = body.get("event_id")
        if event_id is not None and (not isinstance(event_id, int) or isinstance(event_id, bool)):
            raise ValidationError(N_("%(field)s must be a whole number."), field="event_id")
        result = scans.undo_scan(
            user=current_user._get_current_object(), actor=_person(), event_id=event_id,
            scan_client_id=_text(body, "scan_client_id", limit=MAX_CLIENT_ID),
            client_id=_text(body, "client_id", required=True, limit=MAX_CLIENT_ID),
            submit=_submit())
    except CustodyError as err:
        return _refusal(err, None)
    return _answer(result)


_REF = {"type": ["object", "null"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
openapi.add_tag("scans", "The handheld scan loop (the Scan page): one call per scan, idempotent on client_id.")
openapi.add_schemas({
    "ScanItem": {"type": ["object", "null"], "properties": {
        "code": {"type": "string"}, "archive_no": {"type": "string"}, "title": {"type": "string"},
        "kind": {"type": "string"}, "state": {"type": "string"},
        "state_name": {"type": "string", "description": "The state in the caller's language."},
        "location": _REF,
        "holder": {"type": ["object", "null"], "properties": {"badge": {"type": "string"}, "name": {"type": "string"}}}}},
    "ScanAnswer": {"type": "object", "required": ["ok", "outcome", "code", "message"], "properties": {
        "ok": {"type": "boolean", "const": True},
        "outcome": {"type": "string", "enum": ["recorded", "replayed", "already", "lookup", "location", "person"],
                    "description": "recorded: a new event; replayed: this client_id was recorded before (the "
                                   "first event is returned); already: the caller's own latest change of this item "
                                   "already did this (a double read), nothing changed; lookup: nothing changed; "
                                   "location / person: "
                                   "the code was a location label or a badge, which sets the scanner's context."},
        "code": {"type": "string", "description": "The normalised code scanned."},
        "message": {"type": "string", "description": "What happened, in the caller's language (the banner)."},
        "item": {"$ref": openapi.ref("ScanItem")},
        "event": {"type": ["object", "null"], "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string"}, "client_id": {"type": ["string", "null"]}}},
        "location": {"type": ["object", "null"], "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}, "is_storage": {"type": "boolean"}}},
        "person": {"type": ["object", "null"], "properties": {
            "badge": {"type": "string"}, "name": {"type": "string"}}}}},
    "ScanRefusal": {"type": "object", "required": ["ok", "error"], "properties": {
        "ok": {"type": "boolean", "const": False},
        "error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string", "examples": ["unknown_code", "quarantined", "not_yours", "already_there"]},
            "message": {"type": "string", "description": "Why, in the caller's language."}}},
        "item": {"$ref": openapi.ref("ScanItem"), "description": "The item, when the code named one."}}},
})
_REFUSED = {str(status): openapi.json_response(text, {"$ref": openapi.ref("ScanRefusal")}) for status, text in {
    403: "No permission (`forbidden`), or `not_yours`: the item is held by someone else and the caller is "
         "neither an archivist nor a supervisor.",
    404: "`unknown_code`, `unknown_location`, `unknown_person`; undo: no such scan (`not_found`).",
    409: "`quarantined`, `already_there`, `conflict` (already out, in storage, already theirs), "
         "`undo_refused`.",
    422: "`invalid` (missing field or context: no location for a check-out or move, no badge for a hand-over), "
         "`destination_not_allowed`, `badge_not_active`."}.items()}
openapi.add_paths({
    "/api/v1/scans": {"post": openapi.operation(
        "Record a handheld scan", permission="custody.move", tag="scans", write=True,
        operation_id="createScan",
        description=("Calls the same custody service as every other entry point (check_out → check-out to the "
                     "caller's own person at `location`; return → to `location`, or to the storage place the "
                     "item last left; move → to `location`; hand_to → to the person with badge `person`; "
                     "lookup → nothing changes). The code may be a bare code, a label URL ending in `/i/<code>`, "
                     "with an AIM prefix (`]C0`, `]Q1` …), any case, surrounding spaces. A badge or location code "
                     "is not an item: the answer's outcome is `person` / `location` and nothing changes. "
                     "Idempotent on `client_id`: a scan sent twice is recorded once (outcome `replayed`). A "
                     "refusal changes nothing."),
        body={"type": "object", "required": ["code", "action", "client_id"], "properties": {
            "code": {"type": "string", "minLength": 1, "maxLength": 200},
            "action": {"type": "string", "enum": list(scans.ACTIONS)},
            "location": {"type": ["string", "null"], "maxLength": 200, "description": "Location code (context)."},
            "person": {"type": ["string", "null"], "maxLength": 200, "description": "Badge code (context)."},
            "client_id": {"type": "string", "maxLength": MAX_CLIENT_ID,
                          "description": "Made by the client for each scan; optional for lookup."}}},
        responses={"201": openapi.json_response("Recorded", {"$ref": openapi.ref("ScanAnswer")}),
                   "200": openapi.json_response("Replayed, looked up, or context set",
                                                {"$ref": openapi.ref("ScanAnswer")}), **_REFUSED},
        errors=(401, 403, 404, 409, 422))},
    "/api/v1/scans/batch": {"post": openapi.operation(
        "Record several scans in order", permission="custody.move", tag="scans", write=True,
        operation_id="createScans",
        description=("What a handheld sends when scans have queued up (offline, or faster than the answers): up "
                     "to 50 scans, carried out in order exactly as if posted one by one to /api/v1/scans — a "
                     "location or badge scan sets the context for the scans after it in the batch — all in one "
                     "group commit. Each scan is answered on its own (with its `status` and `client_id`); a "
                     "refused scan changes nothing and does not stop the others."),
        body={"type": "object", "required": ["scans"], "properties": {"scans": {
            "type": "array", "minItems": 1, "maxItems": 50, "items": {
                "type": "object", "required": ["code", "action", "client_id"], "properties": {
                    "code": {"type": "string"}, "action": {"type": "string", "enum": list(scans.ACTIONS)},
                    "location": {"type": ["string", "null"]}, "person": {"type": ["string", "null"]},
                    "client_id": {"type": "string", "maxLength": MAX_CLIENT_ID}}}}}},
        responses={"200": openapi.json_response("One answer per scan, in order", {
            "type": "object", "properties": {"ok": {"type": "boolean"}, "results": {"type": "array", "items": {
                "oneOf": [{"$ref": openapi.ref("ScanAnswer")}, {"$ref": openapi.ref("ScanRefusal")}]}}}})},
        errors=(401, 403, 422))},
    "/api/v1/scans/undo": {"post": openapi.operation(
        "Undo one of my recent scans", permission="custody.move", tag="scans", write=True,
        operation_id="undoScan",
        description=("Appends a compensating `undo` event that puts the item back where, with whom and in the "
                     "state it was before (the log stays append-only). Refused (`undo_refused`) when the item "
                     "has changed since, when the scan is someone else's, or older than 15 minutes. Name the "
                     "scan by `event_id` or by the `scan_client_id` it was sent with."),
        body={"type": "object", "required": ["client_id"], "properties": {
            "event_id": {"type": "integer"}, "scan_client_id": {"type": "string", "maxLength": MAX_CLIENT_ID},
            "client_id": {"type": "string", "maxLength": MAX_CLIENT_ID}}},
        responses={"201": openapi.json_response("Undone", {"$ref": openapi.ref("ScanAnswer")}), **_REFUSED},
        errors=(401, 403, 404, 409, 422))},
})
