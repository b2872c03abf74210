"""The flow sheet (流程单) over JSON: step scans, a volume's sheet, the work-in-progress board.

POST /api/v1/steps calls the same service as the scan page and the station readers
(app.custody.flow.record_step); a refusal is the usual JSON envelope with its code
(step_out_of_order, device_not_in_service, device_elsewhere, quarantined, not_your_organisation,
skip_not_allowed, step_state, device_needed, count_needed) and changes nothing.
"""
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from app.custody.flow import assignments, board, codes, devices, rules, services
from app.custody.models import Person
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
    where = devices.location(body["location"]) if body.get("location") else None
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


ASSIGN_BODY = {"type": "object", "required": ["step"], "additionalProperties": False, "properties": {
    "step": {"type": "string", "minLength": 1, "maxLength": 32, "description": "A step code (GET /steps)."},
    "codes": {"type": "array", "maxItems": 2000, "items": {"type": "string", "minLength": 1, "maxLength": 200},
              "description": "Volumes (any scan form)."},
    "batch": {"type": ["string", "null"], "maxLength": 40, "description": "A batch number: all its volumes."},
    "person": {"type": ["string", "null"], "maxLength": 64, "description": "The operator's badge code."},
    "workstation": {"type": ["string", "null"], "maxLength": 64, "description": "A workstation's code."}}}


def assignment_json(a, steps: dict) -> dict:
    """One open assignment: the volume, the step (names in both languages and the caller's), to whom."""
    d = steps.get(a.step)
    zh, en = (d.name_zh, d.name_en) if d is not None else (a.step, a.step)
    return {"id": a.id, "code": a.item.code, "archive_no": a.item.archive_no, "title": a.item.title,
            "step": a.step, "name_zh": zh, "name_en": en, "step_name": zh if current_lang() == "zh_CN" else en,
            "person": {"badge": a.person.badge_code, "name": a.person.name} if a.person_id else None,
            "workstation": {"code": a.workstation.code, "name": a.workstation.name} if a.workstation_id else None,
            "assigned_at": a.assigned_at.isoformat()}


def _assignments(found) -> list[dict]:
    steps = {d.code: d for d in services.definitions()}
    return [assignment_json(a, steps) for a in found]


@bp.post("/steps/assignments")
@require("steps.assign")
def assign_steps():
    """Assign volumes (codes and/or a batch) to an operator or a workstation for a step."""
    body = json_body(ASSIGN_BODY)
    made = assignments.assign_named(body["step"], codes=body.get("codes") or [], batch=body.get("batch"),
                                 badge=body.get("person"), workstation_code=body.get("workstation"),
                                 user=current_user._get_current_object())
    return jsonify({"assigned": len(made), "message": _("%(count)d volumes assigned.", count=len(made)),
                    "assignments": _assignments(made)}), 201


@bp.get("/steps/assignments")
@require("steps.assign")
def list_assignments():
    """Open assignments not done yet, oldest first (filters: step, person, workstation)."""
    person = Person.by_badge(request.args["person"]) if request.args.get("person") else None
    where = devices.location(request.args["workstation"]) if request.args.get("workstation") else None
    found = assignments.open_assignments(person=person, workstation=where, step=request.args.get("step"),
                                      limit=int_arg("limit", 200, minimum=1, maximum=1000))
    return jsonify({"assignments": _assignments(found)})


@bp.get("/steps/assignments/mine")
@require("steps.record")
def my_assignments():
    """What is assigned to the caller and to the workstation they work at (?workstation=), not done yet."""
    where = devices.location(request.args["workstation"]) if request.args.get("workstation") else None
    if where is not None and where.kind != "workstation":
        where = None  # the scan page's location may be a workroom or a shelf: then only the caller's own
    found = assignments.assigned_to(current_user.person, where, limit=int_arg("limit", 200, minimum=1, maximum=1000))
    return jsonify({"workstation": {"code": where.code, "name": where.name} if where else None,
                    "assignments": _assignments(found)})


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
    "Assignment": {"type": "object", "properties": {
        "id": {"type": "integer"}, "code": _STR, "archive_no": _STR, "title": _STR, "step": _STR,
        "name_zh": _STR, "name_en": _STR, "step_name": {"type": "string", "description": "In the caller's language."},
        "person": {"type": ["object", "null"], "properties": {"badge": _STR, "name": _STR}},
        "workstation": {"type": ["object", "null"], "properties": {"code": _STR, "name": _STR}},
        "assigned_at": _STR}},
    "Assignments": {"type": "object", "properties": {
        "assigned": {"type": "integer", "description": "POST: how many volumes were assigned."},
        "message": _STR,
        "workstation": {"type": ["object", "null"], "description": "mine: the workstation asked about."},
        "assignments": {"type": "array", "items": {"$ref": openapi.ref("Assignment")}}}},
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
                        "`device_elsewhere`, `quarantined`, `not_your_organisation`, `skip_not_allowed`, "
                        "`idempotency_key_reused` (the login's client_id already used for another step scan).",
            responses={"201": openapi.json_response("Recorded", {"$ref": openapi.ref("StepRecorded")}),
                       "200": openapi.json_response("Already recorded", {"$ref": openapi.ref("StepRecorded")})}),
        "get": _get("The site's steps", "steps.view", None)},
    "/api/v1/steps/assignments": {
        "post": openapi.operation(
            "Assign volumes to an operator or a workstation", permission="steps.assign", tag="steps",
            body=ASSIGN_BODY, write=True, errors=(400, 401, 403, 404, 422),
            description="Name volumes (`codes`) and/or a `batch`, and an operator (`person`, a badge code) or a "
                        "`workstation`. A volume's open assignment for the same step is replaced. Logged in the admin "
                        "log (`step.assign`). Refusals: `unknown_step`, `unknown_code`, `unknown_batch`, "
                        "`unknown_person`, `unknown_location`, `invalid` (nobody named, no volume, not a volume, not "
                        "a workstation); nothing is assigned then.",
            responses={"201": openapi.json_response("Assigned", {"$ref": openapi.ref("Assignments")})}),
        "get": _get("Open assignments", "steps.assign", "Assignments", query=[
            openapi.query_parameter("step", "Only this step.", {"type": "string"}),
            openapi.query_parameter("person", "Only those to this badge.", {"type": "string"}),
            openapi.query_parameter("workstation", "Only those to this workstation.", {"type": "string"}),
            openapi.query_parameter("limit", "At most (1-1000).", {"type": "integer"})])},
    "/api/v1/steps/assignments/mine": {"get": _get(
        "What is assigned to me", "steps.record", "Assignments", query=[
            openapi.query_parameter("workstation", "The workstation I work at (the scan page's location): its "
                                    "assignments are listed too (a location that is no workstation is ignored; "
                                    "`workstation` is null then).", {"type": "string"}),
            openapi.query_parameter("limit", "At most (1-1000).", {"type": "integer"})])},
    "/api/v1/items/{code}/sheet": {"get": _get("A volume's flow sheet", "steps.view", "Sheet", params=[_CODE])},
    "/api/v1/steps/board": {"get": _get("Work in progress", "steps.board", "StepBoard", query=[
        openapi.query_parameter("limit", "How many of the oldest volumes (1-500).", {"type": "integer"})])},
    "/api/v1/steps/output": {"get": _get("Pages and images per day", "steps.board", None, query=[
        openapi.query_parameter("days", "How many days back (1-92).", {"type": "integer"})])},
})
