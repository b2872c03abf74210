"""The flow sheet (流程单) over JSON: step scans, a volume's sheet, the work-in-progress board.

POST /api/v1/steps calls the same service as the scan page and the station readers
(app.custody.flow.record_step); a refusal is the usual JSON envelope with its code
(step_out_of_order, device_not_in_service, device_elsewhere, quarantined, not_your_organisation,
skip_not_allowed, step_state, device_needed, count_needed) and changes nothing.
"""
from flask import current_app, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from app.custody.flow import board, codes, rules, services
from app.i18n import code_name, current_lang
from app.security import require

from . import bp, openapi
from .payload import int_arg, json_body

STEP_BODY = {"type": "object", "required": ["code", "step", "action", "client_id"], "additionalProperties": False,
             "properties": {
                 "code": {"type": "string", "minLength": 1, "maxLength": 200, "description": "The volume (any scan form)."},
                 "step": {"type": "string", "minLength": 1, "maxLength": 32, "description": "A step code (GET /steps)."},
                 "action": {"enum": list(codes.ACTIONS)},
                 "device": {"type": ["string", "null"], "maxLength": 200, "description": "The device's label."},
                 "count": {"type": ["integer", "null"], "minimum": 0, "maximum": services.MAX_COUNT},
                 "reason": {"type": ["string", "null"], "maxLength": 500,
                            "description": "Needed to fail a check or skip a step."},
                 "location": {"type": ["string", "null"], "maxLength": 64,
                              "description": "The workstation's code (default: where the volume is)."},
                 "client_id": {"type": "string", "minLength": 1, "maxLength": 80,
                               "description": "Idempotency key: a retry with the same id records nothing new."}}}


def tolerance() -> int:
    """The site's tolerance for counts that disagree between steps (CUSTODY_FLOW_COUNT_TOLERANCE)."""
    return int(current_app.config.get("FLOW_COUNT_TOLERANCE", 0))


def row_json(row) -> dict:
    """One row of a sheet."""
    return {"step": row.step, "name_zh": row.step_zh, "name_en": row.step_en, "round": row.round,
            "outcome": row.outcome, "outcome_name": code_name(codes.OUTCOMES, row.outcome),
            "device": row.device.code if row.device_id else None,
            "count": row.quantity, "counts": row.counts,
            "handler": row.operator.name if row.operator_id else None,
            "started_at": row.started_at.isoformat(), "finished_at": row.finished_at.isoformat() if row.finished_at else None,
            "reason": row.note or None, "reopened": not row.is_current,
            "allowed_by": row.allowed_by.name if row.allowed_by_id else None}


def sheet_json(code: str) -> dict:
    """A volume's sheet: its rows in order, the custody events between them, counts that disagree."""
    item, rows, events = services.sheet(code)
    flagged = rules.count_differences(rows, tolerance())
    index = {r.id: i for i, r in enumerate(rows)}
    lines, after = [], None
    for kind, value in rules.interleave(rows, events):
        if kind == "step":
            after = index[value.id]
            lines.append({"step": after})
        else:
            lines.append({"event": value.id})
            value.after_step = after
    return {"code": item.code, "archive_no": item.archive_no, "title": item.title,
            "steps": [row_json(r) for r in rows],
            "events": [{"id": e.id, "at": e.at.isoformat(), "kind": e.kind, "kind_name": code_name("event_kind", e.kind),
                        "note": e.note, "after_step": e.after_step} for e in events],
            "lines": lines,
            "count_differences": [{"earlier": a.step, "earlier_count": a.quantity, "later": b.step,
                                   "later_count": b.quantity} for a, b in flagged],
            "tolerance": tolerance()}


@bp.post("/steps")
@require("steps.record")
def record_step():
    """Start, finish, pass, fail or skip one step of one volume; idempotent on client_id."""
    body = json_body(STEP_BODY)
    where = services.location(body["location"]) if body.get("location") else None
    result = services.record_step(
        body["code"], body["step"], body["action"], actor=current_user.person, user=current_user._get_current_object(),
        device=body.get("device"), count=body.get("count"), reason=body.get("reason") or "", location=where,
        via="api", client_id=body["client_id"])
    row = result.row
    name = (row.step_zh if current_lang() == "zh_CN" else row.step_en) if row is not None else body["step"]
    outcome = code_name(codes.OUTCOMES, row.outcome) if row is not None else ""
    message = _("%(step)s: %(outcome)s", step=name, outcome=outcome)
    if row is not None and row.quantity is not None:
        message = _("%(step)s: %(outcome)s, %(count)d", step=name, outcome=outcome, count=row.quantity)
    if result.replayed:
        message = _("%(text)s (already recorded)", text=message)
    item = row.item if row is not None else None
    answer = {"ok": True, "replayed": result.replayed, "event_id": result.event.id, "message": message,
              "item": {"code": item.code, "archive_no": item.archive_no} if item is not None else None,
              "step": row_json(row) if row is not None else None}
    return jsonify(answer), 200 if result.replayed else 201


@bp.get("/steps")
@require("steps.view")
def list_steps():
    """The site's steps in order."""
    return jsonify({"steps": [{"code": s.code, "name_zh": s.name_zh, "name_en": s.name_en, "position": s.position,
                               "needs_device": s.needs_device, "counts": s.counts, "may_skip": s.may_skip,
                               "rework_to": s.rework_to, "is_active": s.is_active}
                              for s in services.definitions()]})


@bp.get("/items/<code>/sheet")
@require("steps.view")
def item_sheet(code):
    """A volume's process flow sheet."""
    return jsonify(sheet_json(code))


@bp.get("/steps/board")
@require("steps.board")
def steps_board():
    """Volumes at each step now, the longest there first, rework counts."""
    steps, finished, reworks = board.step_counts()
    return jsonify({"steps": steps, "finished": finished, "reworks": reworks,
                    "oldest": [{**r, "since": r["since"].isoformat()} for r in board.oldest(int_arg(
                        "limit", 50, minimum=1, maximum=500))]})


@bp.get("/steps/output")
@require("steps.board")
def steps_output():
    """Pages and images finished per day, per operator and per device."""
    return jsonify(board.output(int_arg("days", 7, minimum=1, maximum=92)))


_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_NINT = {"type": ["integer", "null"]}
openapi.add_schemas({
    "SheetRow": {"type": "object", "properties": {
        "step": _STR, "name_zh": _STR, "name_en": _STR, "round": {"type": "integer"},
        "outcome": {"enum": list(codes.OUTCOMES)}, "outcome_name": _STR, "device": _NSTR, "count": _NINT,
        "counts": {"enum": list(codes.COUNTS)}, "handler": _NSTR, "started_at": _STR, "finished_at": _NSTR,
        "reason": _NSTR, "reopened": {"type": "boolean"}, "allowed_by": _NSTR}},
    "StepRecorded": {"type": "object", "properties": {
        "ok": {"type": "boolean"}, "replayed": {"type": "boolean"}, "event_id": {"type": "integer"},
        "message": {"type": "string", "description": "One sentence in the caller's language."},
        "item": {"type": ["object", "null"]},
        "step": {"$ref": openapi.ref("SheetRow")}}},
    "Sheet": {"type": "object", "properties": {
        "code": _STR, "archive_no": _STR, "title": _STR,
        "steps": {"type": "array", "items": {"$ref": openapi.ref("SheetRow")}},
        "events": {"type": "array", "description": "The volume's custody events (not the steps' own), by time.",
                   "items": {"type": "object", "properties": {
                       "id": {"type": "integer"}, "at": _STR, "kind": _STR, "kind_name": _STR, "note": _STR,
                       "after_step": {"type": ["integer", "null"], "description":
                                      "Index in `steps` of the step line this event follows (null: before the "
                                      "first step)."}}}},
        "lines": {"type": "array", "description": "The sheet in the order things happened: each line is "
                                                  "`{\"step\": index in steps}` or `{\"event\": event id}`.",
                  "items": {"type": "object"}},
        "count_differences": {"type": "array", "items": {"type": "object"}}, "tolerance": {"type": "integer"}}},
    "StepBoard": {"type": "object", "properties": {
        "steps": {"type": "array", "items": {"type": "object", "properties": {
            "step": _STR, "in_progress": {"type": "integer"}, "waiting": {"type": "integer"},
            "rework": {"type": "integer"}}}},
        "finished": {"type": "integer"}, "reworks": {"type": "integer"},
        "oldest": {"type": "array", "items": {"type": "object"}}}},
})
openapi.add_tag("steps", "The process flow sheet (流程单): step scans at workstations, each volume's sheet, the "
                         "work-in-progress board.")
_CODE = openapi.path_parameter("code", "A volume's code (any scan form).", "V00012345")


def _get(summary, permission, schema, params=(), query=()):
    return openapi.operation(summary, permission=permission, tag="steps", parameters=[*params, *query],
                             errors=(401, 403, 404), responses={"200": openapi.json_response(
                                 summary, {"$ref": openapi.ref(schema)} if schema else {"type": "object"})})


openapi.add_paths({
    "/api/v1/steps": {
        "post": openapi.operation(
            "Record a step scan", permission="steps.record", tag="steps", body=STEP_BODY, write=True,
            errors=(400, 401, 403, 404, 409, 422),
            description="201 when recorded, 200 when the client_id was already recorded (nothing new). Refusals: "
                        "`step_out_of_order`, `step_state`, `device_needed`, `count_needed`, `device_not_in_service`, "
                        "`device_elsewhere`, `quarantined`, `not_your_organisation`, `skip_not_allowed`.",
            responses={"201": openapi.json_response("Recorded", {"$ref": openapi.ref("StepRecorded")}),
                       "200": openapi.json_response("Already recorded", {"$ref": openapi.ref("StepRecorded")})}),
        "get": _get("The site's steps", "steps.view", None)},
    "/api/v1/items/{code}/sheet": {"get": _get("A volume's flow sheet", "steps.view", "Sheet", params=[_CODE])},
    "/api/v1/steps/board": {"get": _get("Work in progress", "steps.board", "StepBoard", query=[
        openapi.query_parameter("limit", "How many of the oldest volumes (1-500).", {"type": "integer"})])},
    "/api/v1/steps/output": {"get": _get("Pages and images per day", "steps.board", None, query=[
        openapi.query_parameter("days", "How many days back (1-92).", {"type": "integer"})])},
})
