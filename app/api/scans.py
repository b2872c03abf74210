"""POST /api/v1/scans and /api/v1/scans/undo: the handheld scan loop over JSON.

Thin: validate the body → one domain call (app.custody.scans) whose write runs in the
group-commit writer → a JSON answer with the item, what happened, and a translated sentence.
"""
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.custody import groupcommit, scans
from app.custody.codes import normalize_scan
from app.custody.errors import N_, CustodyError, ValidationError
from app.custody.models import Item
from app.i18n import translate_error
from app.security import require
from app.web.names import EVENT_KIND_NAMES, STATE_NAMES

from . import bp

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
        state, location, holder = event.state, event.dst, event.holder
    else:
        state, location, holder = item.state, item.location, item.holder
    return {
        "code": item.code, "archive_no": item.archive_no, "title": item.title, "kind": item.kind,
        "state": state, "state_name": str(STATE_NAMES.get(state, state)),
        "location": {"code": location.code, "name": location.name} if location is not None else None,
        "holder": {"badge": holder.badge_code, "name": holder.name} if holder is not None else None,
    }


def _said(result: scans.ScanResult) -> str:
    """One sentence for the banner, in the user's language."""
    if result.outcome == "location":
        return _("Location set: %(location)s", location=result.location.name)
    if result.outcome == "person":
        return _("Person set: %(name)s", name=result.person.name)
    info = item_json(result.item, result.event)
    where = info["location"]["name"] if info["location"] else "—"
    who = info["holder"]["name"] if info["holder"] else "—"
    if result.outcome == "lookup":
        return _("%(state)s · %(location)s · held by %(holder)s", state=info["state_name"], location=where,
                 holder=who)
    kind = result.event.kind
    if kind == "check_out":
        text = _("Checked out to %(holder)s at %(location)s", holder=who, location=where)
    elif kind == "return":
        text = _("Returned to %(location)s", location=where)
    elif kind == "hand_over":
        text = _("Handed to %(holder)s at %(location)s", holder=who, location=where)
    elif kind == "undo":
        text = _("Undone: back at %(location)s (%(state)s)", location=where, state=info["state_name"])
    else:
        text = _("%(what)s to %(location)s", what=str(EVENT_KIND_NAMES.get(kind, kind)), location=where)
    if result.outcome == "replayed":
        text = _("%(text)s (already recorded)", text=text)
    return text


def _answer(result: scans.ScanResult):
    body = {
        "ok": True, "outcome": result.outcome, "code": result.code, "message": _said(result),
        "item": item_json(result.item, result.event),
        "event": ({"id": result.event.id, "kind": result.event.kind, "client_id": result.event.client_id}
                  if result.event is not None else None),
        "location": ({"code": result.location.code, "name": result.location.name,
                      "is_storage": result.location.is_storage} if result.location is not None else None),
        "person": ({"badge": result.person.badge_code, "name": result.person.name}
                   if result.person is not None else None),
    }
    return jsonify(body), 201 if result.outcome == "recorded" else 200


def _refusal(err: CustodyError, raw: str | None):
    item = None
    if raw and err.code != "unknown_code":
        item = Item.get_or_none(Item.code == normalize_scan(raw))
    return jsonify({"ok": False, "error": {"code": err.code, "message": translate_error(err)},
                    "item": item_json(item)}), err.status


def _submit():
    # SCAN_GROUP_COMMIT=False runs each scan in its own transaction (the bench compares the two)
    return groupcommit.submit if current_app.config.get("SCAN_GROUP_COMMIT", True) else None


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


_ITEM = {"type": "object", "nullable": True, "properties": {
    "code": {"type": "string"}, "archive_no": {"type": "string"}, "title": {"type": "string"},
    "kind": {"type": "string"}, "state": {"type": "string"}, "state_name": {"type": "string"},
    "location": {"type": "object", "nullable": True}, "holder": {"type": "object", "nullable": True}}}
_ANSWER = {"type": "object", "properties": {
    "ok": {"type": "boolean"},
    "outcome": {"type": "string", "enum": ["recorded", "replayed", "lookup", "location", "person"]},
    "code": {"type": "string"}, "message": {"type": "string", "description": "in the user's language"},
    "item": _ITEM, "event": {"type": "object", "nullable": True},
    "location": {"type": "object", "nullable": True}, "person": {"type": "object", "nullable": True}}}
_REFUSAL = {"type": "object", "properties": {
    "ok": {"type": "boolean", "enum": [False]},
    "error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
    "item": _ITEM}}
_REFUSALS = {str(s): {"description": d, "content": {"application/json": {"schema": _REFUSAL}}} for s, d in {
    400: "bad JSON or CSRF token missing", 401: "not logged in", 403: "no permission, or not yours to return",
    404: "unknown code, location or badge", 409: "quarantined, already there, already out, undo refused",
    422: "missing context, destination not allowed, badge not active"}.items()}
_SECURITY = [{"session": [], "csrf": []}, {"bearer": []}]

# merged by the lead into /api/v1/openapi.json (paths are relative to /api/v1)
OPENAPI_PATHS = {
    "/scans": {"post": {
        "summary": "Record a handheld scan",
        "description": ("Calls the same custody service as every other entry point. A badge or location "
                        "code sets the context (outcome person/location) and changes nothing. Idempotent "
                        "on client_id: a scan sent twice is recorded once (outcome replayed)."),
        "security": _SECURITY,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["code", "action", "client_id"], "properties": {
                "code": {"type": "string", "description": "bare code, label URL …/i/<code>, AIM prefix, any case"},
                "action": {"type": "string", "enum": list(scans.ACTIONS)},
                "location": {"type": "string", "description": "location code (check_out, move; return)"},
                "person": {"type": "string", "description": "badge code (hand_to)"},
                "client_id": {"type": "string", "maxLength": MAX_CLIENT_ID}}}}}},
        "responses": {"201": {"description": "recorded", "content": {"application/json": {"schema": _ANSWER}}},
                      "200": {"description": "replayed, lookup or context",
                              "content": {"application/json": {"schema": _ANSWER}}}, **_REFUSALS}}},
    "/scans/undo": {"post": {
        "summary": "Undo one of my recent scans",
        "description": "Appends a compensating undo event; refused when the item changed since or the scan "
                       "is not the caller's own recent scan.",
        "security": _SECURITY,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["client_id"], "properties": {
                "event_id": {"type": "integer"}, "scan_client_id": {"type": "string"},
                "client_id": {"type": "string", "maxLength": MAX_CLIENT_ID}}}}}},
        "responses": {"201": {"description": "undone", "content": {"application/json": {"schema": _ANSWER}}},
                      **_REFUSALS}}},
}
