"""/api/v1/alerts: the board's list (same filters), the "anything new since" poll, acknowledge/resolve."""
from flask import jsonify, request
from flask_login import current_user

from app.custody.errors import N_, ValidationError
from app.custody.models import Alert
from app.custody.nights import board
from app.i18n import site_timezone
from app.security import require

from . import bp, openapi

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
    openapi.query_parameter("status", "open, acknowledged, resolved, all, or active (open + acknowledged)",
                            {"type": "string", "enum": list(board.STATUS_FILTERS), "default": "active"}),
    openapi.query_parameter("kind", "Alert kind", {"type": "string", "enum": list(board.KINDS)}),
    openapi.query_parameter("severity", "Severity", {"type": "string", "enum": list(board.SEVERITIES)}),
    openapi.query_parameter("holder", "Person id of the holder", {"type": "integer"}),
    openapi.query_parameter("location", "Location id", {"type": "integer"}),
    openapi.query_parameter("from", "Opened on or after this site-local date", {"type": "string", "format": "date"}),
    openapi.query_parameter("to", "Opened on or before this site-local date", {"type": "string", "format": "date"}),
    openapi.query_parameter("night", "Overnight alerts of this night", {"type": "string", "format": "date"}),
]
_ACT_BODY = {"type": "object", "properties": {
    "note": {"type": "string", "maxLength": 2000, "description": "Required to resolve."},
    "ids": {"type": "array", "items": {"type": "integer"}, "maxItems": board.MAX_BULK,
            "description": "Bulk actions only."}}}
_ACT_OK = {"200": openapi.json_response("Done and skipped (no longer in a fitting state) alert ids", {
    "type": "object", "properties": {
        "done": {"type": "array", "items": {"type": "integer"}},
        "skipped": {"type": "array", "items": {"type": "integer"}},
        "alerts": {"type": "array", "items": {"$ref": openapi.ref("Alert")}}}})}
_ID = [{"name": "alert_id", "in": "path", "required": True, "description": "Alert id",
        "schema": {"type": "integer"}}]


def _act_op(summary: str, *, ids_in_path: bool) -> dict:
    return openapi.operation(summary, permission="alerts.manage", tag="alerts", responses=_ACT_OK,
                             errors=(401, 403, 404, 422), body=_ACT_BODY, write=True,
                             parameters=_ID if ids_in_path else None)


openapi.add_tag("alerts", "The supervisors' alert board: overnight, door, badge, reader, quarantine, "
                          "damage and media alerts; acknowledge and resolve.")
openapi.add_schemas({"Alert": {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(board.KINDS)},
    "severity": {"type": "string", "enum": list(board.SEVERITIES)},
    "status": {"type": "string", "enum": list(board.STATUSES)},
    "night": {"type": ["string", "null"], "format": "date"},
    "item": {"type": ["object", "null"]}, "holder": {"type": ["object", "null"]},
    "location": {"type": ["object", "null"]}, "reader": {"type": ["string", "null"]},
    "message": {"type": "string"}, "data": {"type": "object", "description": "Overnight alerts: code, "
                                              "archive_no, holder, location, last_kind, last_at, cutoff_at …"},
    "opened_at": {"type": "string", "format": "date-time"},
    "acknowledged_at": {"type": ["string", "null"], "format": "date-time"},
    "acknowledged_by": {"type": ["string", "null"]}, "ack_note": {"type": "string"},
    "resolved_at": {"type": ["string", "null"], "format": "date-time"},
    "resolved_by": {"type": ["string", "null"]}, "resolution": {"type": "string"},
    "auto_resolved": {"type": "boolean"}}}})
openapi.add_paths({
    "/api/v1/alerts": {"get": openapi.operation(
        "Alerts matching the board's filters", permission="alerts.view", tag="alerts", errors=(401, 403, 422),
        parameters=_FILTERS + [
            openapi.query_parameter("page", "Page number", {"type": "integer", "minimum": 1}),
            openapi.query_parameter("limit", "Page size", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT})],
        responses={"200": openapi.json_response("A page of alerts", {"type": "object", "properties": {
            "alerts": {"type": "array", "items": {"$ref": openapi.ref("Alert")}},
            "page": {"type": "integer"}, "has_next": {"type": "boolean"}, "latest_id": {"type": "integer"},
            "counts": {"type": "object"}}})})},
    "/api/v1/alerts/new": {"get": openapi.operation(
        "Anything new since an alert id (the board's live poll)", permission="alerts.view", tag="alerts",
        errors=(401, 403, 422),
        parameters=_FILTERS + [openapi.query_parameter("after", "The newest alert id the caller has",
                                                       {"type": "integer"})],
        responses={"200": openapi.json_response("New alerts and the open counts", {
            "type": "object", "properties": {
                "latest_id": {"type": "integer"}, "open": {"type": "integer"},
                "critical_open": {"type": "integer"},
                "alerts": {"type": "array", "items": {"$ref": openapi.ref("Alert")}}}})})},
    "/api/v1/alerts/{alert_id}/acknowledge": {"post": _act_op("Acknowledge an alert", ids_in_path=True)},
    "/api/v1/alerts/{alert_id}/resolve": {"post": _act_op("Resolve an alert (note required)", ids_in_path=True)},
    "/api/v1/alerts/acknowledge": {"post": _act_op("Acknowledge many alerts", ids_in_path=False)},
    "/api/v1/alerts/resolve": {"post": _act_op("Resolve many alerts (note required)", ids_in_path=False)},
})
