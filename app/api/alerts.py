"""/api/v1/alerts: the board's list (same filters), the "anything new since" poll, acknowledge/resolve."""
from flask import jsonify, request
from flask_login import current_user

from app.custody import board
from app.custody.errors import N_, ValidationError
from app.custody.models import Alert
from app.i18n import site_timezone
from app.security import require

from . import bp

MAX_LIMIT = 200


def _body() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        data = request.form.to_dict()
    if not isinstance(data, dict):
        raise ValidationError(N_("Send a JSON object."))
    return data


@bp.route("/alerts", methods=["GET"])
@require("alerts.view")
def alerts_list():
    """Alerts matching the board's filters, newest first (overnight ones by holder when kind=overnight)."""
    f = board.parse_filters(request.args)
    limit = min(max(request.args.get("limit", 50, type=int), 1), MAX_LIMIT)
    page = max(request.args.get("page", 1, type=int), 1)
    tz = site_timezone()
    rows = board.page(f, tz, page, limit)
    return jsonify({"alerts": [board.serialize(a) for a in rows[:limit]], "page": page,
                    "has_next": len(rows) > limit, "counts": board.counts(f, tz), "latest_id": board.latest_id()})


@bp.route("/alerts/new", methods=["GET"])
@require("alerts.view")
def alerts_new():
    """Alerts with an id above ?after= that match the filters; cheap when nothing is new."""
    f = board.parse_filters(request.args)
    after = request.args.get("after", 0, type=int)
    latest = board.latest_id()
    open_n, critical = board.active_count()
    new = board.newer_than(after, f, site_timezone()) if latest > after else []
    return jsonify({"latest_id": latest, "open": open_n, "critical_open": critical,
                    "alerts": [board.serialize(a) for a in new]})


def _act(action: str, ids):
    data = _body()
    result = board.act(action, ids if ids is not None else data.get("ids") or [],
                       user=current_user._get_current_object(), note=str(data.get("note") or ""))
    done = [board.serialize(a) for a in Alert.select().where(Alert.id.in_(result.done))] if result.done else []
    return jsonify({"done": result.done, "skipped": result.skipped, "alerts": done})


@bp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@require("alerts.manage")
def alert_acknowledge(alert_id):
    """Acknowledge one alert (optional note)."""
    return _act("acknowledge", [alert_id])


@bp.route("/alerts/<int:alert_id>/resolve", methods=["POST"])
@require("alerts.manage")
def alert_resolve(alert_id):
    """Resolve one alert (note required)."""
    return _act("resolve", [alert_id])


@bp.route("/alerts/acknowledge", methods=["POST"])
@require("alerts.manage")
def alerts_acknowledge():
    """Acknowledge many alerts: {"ids": [..], "note": ".."}."""
    return _act("acknowledge", None)


@bp.route("/alerts/resolve", methods=["POST"])
@require("alerts.manage")
def alerts_resolve():
    """Resolve many alerts: {"ids": [..], "note": ".."} (note required)."""
    return _act("resolve", None)


_FILTERS = [
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(board.STATUS_FILTERS),
                                                  "default": "active"}},
    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(board.KINDS)}},
    {"name": "severity", "in": "query", "schema": {"type": "string", "enum": list(board.SEVERITIES)}},
    {"name": "holder", "in": "query", "schema": {"type": "integer"}, "description": "person id"},
    {"name": "location", "in": "query", "schema": {"type": "integer"}, "description": "location id"},
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "opened on or after this site-local date"},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
    {"name": "night", "in": "query", "schema": {"type": "string", "format": "date"}},
]
_ALERT = {"$ref": "#/components/schemas/Alert"}
_ERR = {"description": "error envelope {\"error\": {\"code\", \"message\"}}"}
_ACT_BODY = {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"note": {"type": "string", "maxLength": 2000},
                                     "ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 500}}}}}}
_ACT_OK = {"200": {"description": "done and skipped (not in a fitting state) ids",
                   "content": {"application/json": {"schema": {"type": "object", "properties": {
                       "done": {"type": "array", "items": {"type": "integer"}},
                       "skipped": {"type": "array", "items": {"type": "integer"}},
                       "alerts": {"type": "array", "items": _ALERT}}}}}},
           "403": _ERR, "404": _ERR, "422": _ERR}
_ID = [{"name": "alert_id", "in": "path", "required": True, "schema": {"type": "integer"}}]

# for the lead to merge into /api/v1/openapi.json
OPENAPI_PATHS = {
    "/alerts": {"get": {
        "summary": "Alerts matching the board's filters", "tags": ["alerts"],
        "parameters": _FILTERS + [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                                  {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 200}}],
        "responses": {"200": {"description": "a page of alerts", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"alerts": {"type": "array", "items": _ALERT},
                                             "has_next": {"type": "boolean"}, "latest_id": {"type": "integer"},
                                             "counts": {"type": "object"}}}}}}, "422": _ERR}}},
    "/alerts/new": {"get": {
        "summary": "Anything new since an alert id (the board's live poll)", "tags": ["alerts"],
        "parameters": _FILTERS + [{"name": "after", "in": "query", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "new alerts and the open counts", "content": {"application/json": {
            "schema": {"type": "object", "properties": {
                "latest_id": {"type": "integer"}, "open": {"type": "integer"},
                "critical_open": {"type": "integer"}, "alerts": {"type": "array", "items": _ALERT}}}}}}}}},
    "/alerts/{alert_id}/acknowledge": {"post": {"summary": "Acknowledge an alert", "tags": ["alerts"],
                                                "parameters": _ID, "requestBody": _ACT_BODY, "responses": _ACT_OK}},
    "/alerts/{alert_id}/resolve": {"post": {"summary": "Resolve an alert (note required)", "tags": ["alerts"],
                                            "parameters": _ID, "requestBody": _ACT_BODY, "responses": _ACT_OK}},
    "/alerts/acknowledge": {"post": {"summary": "Acknowledge many alerts", "tags": ["alerts"],
                                     "requestBody": _ACT_BODY, "responses": _ACT_OK}},
    "/alerts/resolve": {"post": {"summary": "Resolve many alerts (note required)", "tags": ["alerts"],
                                 "requestBody": _ACT_BODY, "responses": _ACT_OK}},
}
OPENAPI_SCHEMAS = {"Alert": {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(board.KINDS)},
    "severity": {"type": "string", "enum": list(board.SEVERITIES)},
    "status": {"type": "string", "enum": ["open", "acknowledged", "resolved"]},
    "night": {"type": "string", "format": "date", "nullable": True},
    "item": {"type": "object", "nullable": True}, "holder": {"type": "object", "nullable": True},
    "location": {"type": "object", "nullable": True}, "reader": {"type": "string", "nullable": True},
    "message": {"type": "string"}, "data": {"type": "object"},
    "opened_at": {"type": "string", "format": "date-time"},
    "acknowledged_at": {"type": "string", "format": "date-time", "nullable": True},
    "acknowledged_by": {"type": "string", "nullable": True}, "ack_note": {"type": "string"},
    "resolved_at": {"type": "string", "format": "date-time", "nullable": True},
    "resolved_by": {"type": "string", "nullable": True}, "resolution": {"type": "string"},
    "auto_resolved": {"type": "boolean"}}}}
