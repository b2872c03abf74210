"""Batches, handover lists (交接单), the quarantine and damage registers over JSON.

Each write calls the same service as the pages (app.custody.handovers); a refusal is the usual JSON
envelope with the refusal's code (not_in_batch, already_handed_over, unresolved_differences, same_person,
wrong_organisation, quarantined, handover_confirmed …) and changes nothing.
"""
import io

from flask import jsonify, request, send_file
from flask_babel import gettext
from flask_login import current_user

from app.custody import handovers
from app.custody.handovers import pdf
from app.custody.handovers.codes import (
    BATCH_STAGES,
    CONDITIONS,
    DAMAGE_SOURCES,
    DAMAGE_STATUSES,
    DIFFERENCES,
    DIRECTIONS,
    HANDOVER_STATUSES,
    QUARANTINE_STATUSES,
    SIDES,
)
from app.custody.handovers.models import DamageNote, DamageRecord
from app.custody.models import Item
from app.security import require

from . import bp, openapi
from .payload import json_body
from .schemas import iso

TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
NOTE = {"type": "string", "maxLength": 2000}
NUMBER_PARAM = openapi.path_parameter("number", "The handover's number, e.g. JJ20261204-001.")
BATCH_PARAM = openapi.path_parameter("number", "The batch's number, e.g. PC20261204-001.")
CODE_PARAM = openapi.path_parameter("code", "An item's code (any scan form).", "V00012345")
RECORD_PARAM = {"name": "record_id", "in": "path", "required": True, "description": "The damage record's id.",
                "schema": {"type": "integer"}}
ERRORS = (400, 401, 403, 404, 409, 422)


def _obj(required, **props) -> dict:
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": props}


BATCH_BODY = _obj((), title={"type": "string", "maxLength": 200}, note=NOTE,
                  entries={"type": "array", "maxItems": 5000, "items": TEXT,
                           "description": "Codes, archive numbers, or ranges of archive numbers (`A ~ B`)."},
                  text={"type": "string", "maxLength": 200000,
                        "description": "A pasted list, one entry per line (as on the page)."})
HANDOVER_BODY = _obj(("direction",), direction={"enum": list(DIRECTIONS)},
                     batch={**TEXT, "description": "The batch's number."},
                     location={**TEXT, "description": "Where it happens (a location code); default: the first "
                                                      "workroom (outgoing) or storage room (return)."},
                     corrects={**TEXT, "description": "The confirmed handover this one corrects."}, note=NOTE)
LINE_BODY = _obj(("code",), code=TEXT, side={"enum": list(SIDES),
                                             "description": "Default: the side of the caller's organisation."},
                 pages={"type": "integer", "minimum": 0, "maximum": 1_000_000,
                        "description": "Default: the catalogue's page count."},
                 condition={"enum": list(CONDITIONS), "default": "intact"}, note=NOTE)
ACCEPT_BODY = _obj(("code", "note"), code=TEXT, note={**NOTE, "minLength": 1})
CONFIRM_BODY = _obj((), side={"enum": list(SIDES)})
SECRECY_BODY = _obj((), pages={"type": "string", "maxLength": 200}, note=NOTE,
                    location={**TEXT, "description": "Where it was found; default: where the volume is."})
REASON_BODY = _obj(("reason",), reason={**NOTE, "minLength": 1})
DAMAGE_BODY = _obj(("description",), description={**NOTE, "minLength": 1},
                   pages={"type": "string", "maxLength": 200, "description": "Which pages, e.g. `3-5, 12`."},
                   handover={**TEXT, "description": "The handover on whose check it was found."},
                   source={"enum": list(DAMAGE_SOURCES), "description": "Where it was recorded; default `api` "
                                                                      "(`handover` when a handover is named)."})
NOTE_BODY = _obj(("text",), text={**NOTE, "minLength": 1})
REPAIR_BODY = _obj(("repaired_by", "how"), repaired_by={**TEXT, "maxLength": 100}, how={**NOTE, "minLength": 1})


def _who() -> dict:
    return {"actor": current_user.person if current_user.person_id is not None else None,
            "user": current_user._get_current_object()}


def batch_json(batch) -> dict:
    return {"number": batch.number, "title": batch.title, "created_at": iso(batch.created_at),
            "counts": handovers.batch_counts(batch),
            "volumes": [{"code": item.code, "archive_no": item.archive_no, "shelf": shelf}
                        for item, shelf in handovers.pick_list(batch)]}


def handover_json(handover) -> dict:
    shown = handovers.summary(handover)
    sums = shown.totals

    def side(name):
        who = shown.people.get(getattr(handover, f"{name}_person_id"))
        return {"organisation": getattr(handover, f"{name}_org") or None,
                "person": {"badge_code": who.badge_code, "name": who.name} if who else None,
                "confirmed_at": iso(getattr(handover, f"{name}_confirmed_at"))}

    return {
        "number": handover.number, "direction": handover.direction, "status": handover.status,
        "batch": handover.batch.number if handover.batch_id else None,
        "corrects": handover.corrects.number if handover.corrects_id else None,
        "created_at": iso(handover.created_at), "from": side("from"), "to": side("to"),
        "totals": {"volumes": sums.volumes, "pages": sums.pages, "damaged": sums.damaged},
        "unresolved": shown.unresolved,
        "lines": [line_json(line, diffs) for line, diffs, _o in shown.lines],
    }


def line_json(line, diffs=None) -> dict:
    def side(name):
        if not getattr(line, f"{name}_condition"):
            return None
        condition = getattr(line, f"{name}_condition")
        return {"pages": getattr(line, f"{name}_pages"), "condition": condition,
                "condition_name": gettext(CONDITIONS.msgid(condition)),
                "note": getattr(line, f"{name}_note"), "at": iso(getattr(line, f"{name}_at"))}

    return {"code": line.item.code, "archive_no": line.item.archive_no, "title": line.item.title,
            "from": side("from"), "to": side("to"),
            "differences": diffs if diffs is not None else handovers.rules.differences(line),
            "resolution": line.resolution or None, "resolution_note": line.resolution_note or None,
            "event_id": line.event_id, "side": getattr(line, "scanned_side", None)}


def quarantine_json(record) -> dict:
    return {"id": record.id, "code": record.item.code, "archive_no": record.item.archive_no,
            "status": record.status, "found_at": iso(record.found_at),
            "found_by": record.found_by.name if record.found_by_id else None,
            "location": record.location.code if record.location_id else None, "pages": record.pages,
            "note": record.note, "closed_at": iso(record.closed_at),
            "handover": record.handover.number if record.handover_id else None, "closing_note": record.closing_note}


def damage_json(record) -> dict:
    return {"id": record.id, "code": record.item.code, "archive_no": record.item.archive_no,
            "status": record.status, "source": record.source, "found_at": iso(record.found_at),
            "description": record.description, "pages": record.pages, "has_photo": bool(record.photo),
            "repaired_at": iso(record.repaired_at), "repaired_by": record.repaired_by or None,
            "repair_how": record.repair_how or None,
            "notes": [{"at": iso(n.at), "text": n.text} for n in record.notes.order_by(DamageNote.at)]}


def _created(body: dict, location: str):
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


# ---------------------------------------------------------------- batches


@bp.post("/batches")
@require("batches.manage")
def create_batch():
    """Make a batch from codes, archive numbers or ranges."""
    body = json_body(BATCH_BODY)
    entries = list(body.get("entries") or []) + handovers.rules.parse_entries(body.get("text") or "")
    batch = handovers.make_batch(entries, user=current_user._get_current_object(), title=body.get("title", ""),
                                 note=body.get("note", ""))
    return _created(batch_json(batch), f"/api/v1/batches/{batch.number}")


@bp.get("/batches/<number>")
@require("handovers.view")
def get_batch(number):
    """A batch with its counts and volumes in pick order."""
    return jsonify(batch_json(handovers.get_batch(number)))


# ---------------------------------------------------------------- handovers


@bp.post("/handovers")
@require("handovers.work")
def create_handover():
    """Open a handover list."""
    body = json_body(HANDOVER_BODY)
    found = handovers.open_handover(body["direction"], user=current_user._get_current_object(),
                                    batch=body.get("batch"), location=body.get("location"),
                                    corrects=body.get("corrects"), note=body.get("note", ""))
    return _created(handover_json(found), f"/api/v1/handovers/{found.number}")


@bp.get("/handovers/<number>")
@require("handovers.view")
def get_handover(number):
    """A handover list: both sides, every line with its differences, totals."""
    return jsonify(handover_json(handovers.get_handover(number)))


@bp.get("/handovers/<number>.pdf")
@require("handovers.view")
def handover_pdf(number):
    """The list in duplicate as PDF."""
    found = handovers.get_handover(number)
    body = pdf.handover_pdf(found, base_url=request.host_url.rstrip("/"))
    return send_file(io.BytesIO(body), mimetype="application/pdf", download_name=f"{found.number}.pdf")


@bp.post("/handovers/<number>/lines")
@require("handovers.work")
def scan_line(number):
    """One side's scan of a volume (pages, condition, note); a rescan corrects it."""
    body = json_body(LINE_BODY)
    line = handovers.scan_line(number, body["code"], side=body.get("side"), pages=body.get("pages"),
                               condition=body.get("condition", "intact"), note=body.get("note", ""), **_who())
    return _created(line_json(line), f"/api/v1/handovers/{line.handover.number}")


@bp.post("/handovers/<number>/accept")
@require("handovers.work")
def accept_difference(number):
    """Note and accept the differences on one line."""
    body = json_body(ACCEPT_BODY)
    line = handovers.accept_difference(number, body["code"], note=body["note"], **_who())
    return jsonify(line_json(line))


@bp.post("/handovers/<number>/confirm")
@require("handovers.work")
def confirm(number):
    """Confirm the caller's side; the second confirmation passes custody of every volume at once."""
    body = json_body(CONFIRM_BODY)
    found = handovers.confirm(number, side=body.get("side"), via="api", **_who())
    return jsonify(handover_json(found))


# ---------------------------------------------------------------- quarantine and damage registers


@bp.post("/items/<code>/secrecy-mark")
@require("quarantine.raise")
def raise_secrecy_mark(code):
    """Secrecy mark found: quarantine at once, critical alert, register entry."""
    body = json_body(SECRECY_BODY)
    record = handovers.raise_secrecy_mark(code, pages=body.get("pages", ""), note=body.get("note", ""),
                                          location=body.get("location"), via="api", **_who())
    return _created(quarantine_json(record), "/api/v1/quarantine-records")


@bp.post("/items/<code>/quarantine-release")
@require("quarantine.release")
def release_quarantine(code):
    """The security officer lifts a quarantine with a reason."""
    body = json_body(REASON_BODY)
    record = handovers.release_quarantine(code, reason=body["reason"], via="api", **_who())
    return jsonify(quarantine_json(record) if record is not None else {"code": Item.by_code(code).code})


@bp.get("/quarantine-records")
@require("quarantine.view")
def quarantine_records():
    """The quarantine register, newest first."""
    rows = handovers.quarantine_records(status=request.args.get("status", ""))
    return jsonify({"records": [quarantine_json(r) for r in rows.limit(1000)]})


@bp.post("/items/<code>/damage-records")
@require("damage.record")
def register_damage(code):
    """Register damage on a volume."""
    body = json_body(DAMAGE_BODY)
    record = handovers.register_damage(code, description=body["description"], pages=body.get("pages", ""),
                                       source=body.get("source") or ("handover" if body.get("handover") else "api"),
                                       handover=body.get("handover"), via="api", **_who())
    return _created(damage_json(record), f"/api/v1/damage-records/{record.id}")


@bp.get("/damage-records")
@require("damage.view")
def damage_records():
    """The damage register, newest first; ?status= open | repaired | accepted."""
    rows = handovers.damage_records(status=request.args.get("status", ""))
    return jsonify({"records": [damage_json(r) for r in rows.limit(1000)]})


@bp.post("/damage-records/<int:record_id>/notes")
@require("damage.manage")
def damage_note(record_id):
    """Add a note to a damage record."""
    body = json_body(NOTE_BODY)
    handovers.add_damage_note(record_id, user=current_user._get_current_object(), text=body["text"])
    return _created(damage_json(DamageRecord.get_by_id(record_id)), f"/api/v1/damage-records/{record_id}")


@bp.post("/damage-records/<int:record_id>/repair")
@require("damage.manage")
def damage_repair(record_id):
    """Record the repair (who, how): the record is closed as repaired."""
    body = json_body(REPAIR_BODY)
    record = handovers.record_repair(record_id, user=current_user._get_current_object(),
                                     repaired_by=body["repaired_by"], how=body["how"])
    return jsonify(damage_json(record))


@bp.post("/damage-records/<int:record_id>/accept")
@require("damage.manage")
def damage_accept(record_id):
    """Close a damage record as accepted as is."""
    body = json_body(NOTE_BODY)
    record = handovers.accept_damage(record_id, user=current_user._get_current_object(), note=body["text"])
    return jsonify(damage_json(record))


# ---------------------------------------------------------------- the OpenAPI description

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_SIDE = {"type": ["object", "null"], "properties": {"pages": {"type": ["integer", "null"]},
                                                     "condition": {"enum": list(CONDITIONS)},
                                                     "condition_name": {"type": "string",
                                                                        "description": "In the caller's language."},
                                                     "note": _STR, "at": _STR}}
openapi.add_schemas({
    "Batch": {"type": "object", "required": ["number", "counts", "volumes"], "properties": {
        "number": _STR, "title": _STR, "created_at": _STR,
        "counts": {"type": "object", "properties": {stage: {"type": "integer"} for stage in BATCH_STAGES}},
        "volumes": {"type": "array", "items": {"type": "object", "properties": {
            "code": _STR, "archive_no": _STR, "shelf": _STR}}}}},
    "HandoverLine": {"type": "object", "required": ["code", "differences"], "properties": {
        "code": _STR, "archive_no": _STR, "title": _STR, "from": _SIDE, "to": _SIDE,
        "differences": {"type": "array", "items": {"enum": list(DIFFERENCES)}},
        "resolution": {"type": ["string", "null"]}, "resolution_note": _NSTR,
        "event_id": {"type": ["integer", "null"], "description": "The custody event this line's confirmation wrote."},
        "side": {"type": ["string", "null"], "enum": [*SIDES, None],
                 "description": "On a scan's answer: the side this scan recorded."}}},
    "Handover": {"type": "object", "required": ["number", "direction", "status", "lines"], "properties": {
        "number": _STR, "direction": {"enum": list(DIRECTIONS)}, "status": {"enum": list(HANDOVER_STATUSES)},
        "batch": _NSTR, "corrects": _NSTR, "created_at": _STR,
        "from": {"type": "object"}, "to": {"type": "object"},
        "totals": {"type": "object", "properties": {"volumes": {"type": "integer"}, "pages": {"type": "integer"},
                                                     "damaged": {"type": "integer"}}},
        "unresolved": {"type": "integer"},
        "lines": {"type": "array", "items": {"$ref": openapi.ref("HandoverLine")}}}},
    "QuarantineRecord": {"type": "object", "properties": {
        "id": {"type": "integer"}, "code": _STR, "archive_no": _STR, "status": {"enum": list(QUARANTINE_STATUSES)},
        "found_at": _STR, "found_by": _NSTR, "location": _NSTR, "pages": _STR, "note": _STR, "closed_at": _NSTR,
        "handover": _NSTR, "closing_note": _STR}},
    "DamageRecord": {"type": "object", "properties": {
        "id": {"type": "integer"}, "code": _STR, "archive_no": _STR, "status": {"enum": list(DAMAGE_STATUSES)},
        "source": _STR, "found_at": _STR, "description": _STR, "pages": _STR, "has_photo": {"type": "boolean"},
        "repaired_at": _NSTR, "repaired_by": _NSTR, "repair_how": _NSTR,
        "notes": {"type": "array", "items": {"type": "object", "properties": {"at": _STR, "text": _STR}}}}},
})
openapi.add_tag("handovers", "Batches (调档), handover lists (交接单) checked and confirmed by both sides, the "
                             "quarantine register (secrecy marks) and the damage register.")


def _op(summary, permission, schema, *, body=None, params=(), status="200", description="", write=None):
    responses = {status: openapi.json_response(summary, {"$ref": openapi.ref(schema)} if schema else
                                               {"type": "object"})}
    return openapi.operation(summary, permission=permission, tag="handovers", body=body, parameters=list(params),
                             responses=responses, errors=ERRORS if body is not None or write else (401, 403, 404),
                             write=bool(body is not None or write), description=description)


_PDF = openapi.operation("The handover list in duplicate (PDF)", permission="handovers.view", tag="handovers",
                         parameters=[NUMBER_PARAM], errors=(401, 403, 404), responses={"200": {
                             "description": "A4 PDF: 第一联 (archive department) then 第二联 (service organisation).",
                             "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
_LIST = {"type": "object", "properties": {"records": {"type": "array"}}}
openapi.add_schemas({"QuarantineRecords": {**_LIST, "properties": {"records": {
    "type": "array", "items": {"$ref": openapi.ref("QuarantineRecord")}}}},
    "DamageRecords": {**_LIST, "properties": {"records": {
        "type": "array", "items": {"$ref": openapi.ref("DamageRecord")}}}}})
_STATUS_QUERY = [openapi.query_parameter("status", "Only records in this state.", {"type": "string"})]
openapi.add_paths({
    "/api/v1/batches": {"post": _op("Make a batch", "batches.manage", "Batch", body=BATCH_BODY, status="201")},
    "/api/v1/batches/{number}": {"get": _op("A batch", "handovers.view", "Batch", params=[BATCH_PARAM])},
    "/api/v1/handovers": {"post": _op("Open a handover list", "handovers.work", "Handover", body=HANDOVER_BODY,
                                      status="201")},
    "/api/v1/handovers/{number}": {"get": _op("A handover list", "handovers.view", "Handover",
                                              params=[NUMBER_PARAM])},
    "/api/v1/handovers/{number}.pdf": {"get": _PDF},
    "/api/v1/handovers/{number}/lines": {"post": _op(
        "Scan a volume on one side", "handovers.work", "HandoverLine", body=LINE_BODY, params=[NUMBER_PARAM],
        status="201", description="Refusals: `not_in_batch`, `already_handed_over`, `not_handed_over`, "
                                  "`quarantined`, `wrong_organisation`, `handover_locked`, `handover_confirmed`.")},
    "/api/v1/handovers/{number}/accept": {"post": _op(
        "Note and accept a line's differences", "handovers.work", "HandoverLine", body=ACCEPT_BODY,
        params=[NUMBER_PARAM])},
    "/api/v1/handovers/{number}/confirm": {"post": _op(
        "Confirm one side", "handovers.work", "Handover", body=CONFIRM_BODY, params=[NUMBER_PARAM],
        description="With the caller's own login. The second confirmation passes custody of every volume in one "
                    "transaction. Refusals: `unresolved_differences`, `same_person`, `wrong_organisation`, "
                    "`already_confirmed`, `already_handed_over`, `quarantined`.")},
    "/api/v1/items/{code}/secrecy-mark": {"post": _op(
        "Secrecy mark found", "quarantine.raise", "QuarantineRecord", body=SECRECY_BODY, params=[CODE_PARAM],
        status="201", description="Quarantines the volume at once and opens a critical alert (6.5).")},
    "/api/v1/items/{code}/quarantine-release": {"post": _op(
        "Release from quarantine (security officer)", "quarantine.release", "QuarantineRecord", body=REASON_BODY,
        params=[CODE_PARAM])},
    "/api/v1/quarantine-records": {"get": _op("The quarantine register", "quarantine.view", "QuarantineRecords",
                                              params=_STATUS_QUERY)},
    "/api/v1/items/{code}/damage-records": {"post": _op(
        "Register damage", "damage.record", "DamageRecord", body=DAMAGE_BODY, params=[CODE_PARAM], status="201")},
    "/api/v1/damage-records": {"get": _op("The damage register", "damage.view", "DamageRecords",
                                          params=_STATUS_QUERY)},
    "/api/v1/damage-records/{record_id}/notes": {"post": _op(
        "Add a note to a damage record", "damage.manage", "DamageRecord", body=NOTE_BODY, params=[RECORD_PARAM],
        status="201")},
    "/api/v1/damage-records/{record_id}/repair": {"post": _op(
        "Record the repair", "damage.manage", "DamageRecord", body=REPAIR_BODY, params=[RECORD_PARAM])},
    "/api/v1/damage-records/{record_id}/accept": {"post": _op(
        "Accept a damage as is", "damage.manage", "DamageRecord", body=NOTE_BODY, params=[RECORD_PARAM])},
})
