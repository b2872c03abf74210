"""/api/v1/media: the media register (list, register, get), loans, counts, unsealings, repairs, disposals.

Every write is one call of an app.custody.media service; refusals come back in the JSON envelope.
"""
from datetime import UTC, date, datetime

from flask import jsonify
from flask_login import current_user

from app.custody import media
from app.custody.errors import N_
from app.custody.media import codes
from app.custody.media.models import (
    MediaCount,
    MediaCountLine,
    MediaDisposal,
    MediaLoan,
    MediaRecord,
    MediaRepair,
    MediaSeal,
    MediaUnsealing,
)
from app.custody.models import Item
from app.security import require

from . import bp, openapi
from .errors import InvalidFieldError
from .payload import choice_arg, int_arg, json_body


def _iso(moment) -> str | None:
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


def _when(body: dict, name: str, *, required: bool = True) -> datetime | None:
    raw = body.get(name)
    if raw in (None, ""):
        if required:
            raise InvalidFieldError(N_("Missing field: %(field)s."), field=name)
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidFieldError(N_("%(field)s is not valid."), field=name) from None
    if moment.tzinfo is None:
        raise InvalidFieldError(N_("%(field)s needs a time zone (Z or +08:00)."), field=name)
    return moment.astimezone(UTC).replace(tzinfo=None)


def _actor():
    return current_user.person if current_user.is_authenticated else None


def _name(person):
    return person.name if person is not None else None


def record_json(record: MediaRecord) -> dict:
    item = record.item
    return {
        "code": item.code, "kind": item.kind, "category": record.category, "make": record.make,
        "serial_no": item.serial_no, "capacity": item.capacity, "owner_org": record.owner_org,
        "keeper": record.keeper.badge_code if record.keeper_id else None,
        "cabinet": record.cabinet.code if record.cabinet_id else None,
        "device": record.device.code if record.device_id else None,
        "checked_on": record.checked_on.isoformat() if record.checked_on else None,
        "checked_by": record.checked_by.badge_code if record.checked_by_id else None,
        "status": record.status, "state": item.state, "registered_at": _iso(record.registered_at),
    }


def loan_json(loan: MediaLoan) -> dict:
    return {
        "id": loan.id, "code": loan.item.code, "borrower": loan.borrower.badge_code,
        "borrower_name": loan.borrower.name, "reason": loan.reason, "starts_at": _iso(loan.starts_at),
        "due_at": _iso(loan.due_at), "approved_by": loan.approved_by.badge_code if loan.approved_by_id else None,
        "returned_at": _iso(loan.returned_at), "condition": loan.return_condition,
        "action": loan.return_action or None, "keeper_confirmed_at": _iso(loan.keeper_confirmed_at),
        "borrower_confirmed_at": _iso(loan.borrower_confirmed_at), "status": loan.status,
    }


def count_json(count: MediaCount, lines: bool = False) -> dict:
    body = {"id": count.id, "cabinet": count.cabinet.code, "status": count.status,
            "started_at": _iso(count.started_at), "closed_at": _iso(count.closed_at),
            "registered": count.registered, "present": count.present, "on_loan": count.on_loan,
            "missing": count.missing, "unexpected": count.unexpected}
    if lines:
        body["lines"] = [{"code": line.item.code, "result": line.result, "explanation": line.explanation}
                         for line in MediaCountLine.select().where(MediaCountLine.count == count.id)
                         .order_by(MediaCountLine.id)]
        if count.status == "open":
            body["differences"] = [{"code": item.code, "result": result, "explanation": auto}
                                   for item, result, auto in media.count_differences(count)]
    return body


def unsealing_json(row: MediaUnsealing) -> dict:
    return {"id": row.id, "device": row.device.code, "port": row.port, "reason": row.reason,
            "medium": row.medium.code if row.medium_id else None, "planned_start": _iso(row.planned_start),
            "planned_end": _iso(row.planned_end), "status": row.status,
            "approved_by": _name(row.approved_by), "supervisor": _name(row.supervisor),
            "started_at": _iso(row.started_at), "old_seal": row.old_seal or None, "new_seal": row.new_seal or None,
            "ended_at": _iso(row.ended_at)}


def seal_json(row: MediaSeal) -> dict:
    return {"id": row.id, "port": row.port, "number": row.number, "sealed_at": _iso(row.sealed_at),
            "removed_at": _iso(row.removed_at), "checked_at": _iso(row.checked_at), "check_note": row.check_note}


def repair_json(row: MediaRepair) -> dict:
    return {"id": row.id, "code": row.item.code, "approval_ref": row.approval_ref,
            "approved_by": row.approved_by.badge_code, "supervisor": row.supervisor.badge_code,
            "repairer": row.repairer, "fault": row.fault, "sent_at": _iso(row.sent_at), "status": row.status,
            "back_at": _iso(row.back_at), "check_note": row.check_note}


def disposal_json(row: MediaDisposal) -> dict:
    return {"id": row.id, "code": row.item.code, "kind": row.kind, "method": row.method,
            "verification": row.verification, "witness": _name(row.witness), "certificate_no": row.certificate_no,
            "receiver": _name(row.receiver), "handover_no": row.handover_no or None, "result": row.result or None,
            "done_by": _name(row.done_by), "done_at": _iso(row.done_at)}


def _text(max_length: int = 200, min_length: int = 0) -> dict:
    schema = {"type": "string", "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    return schema


INSTANT = {"type": "string", "format": "date-time", "description": "ISO 8601 with a zone, e.g. 2026-05-01T09:00:00+08:00"}
BADGE = {"type": "string", "maxLength": 32, "description": "A badge code."}

REGISTER_BODY = {"type": "object", "additionalProperties": False, "required": ["category", "serial_no"], "properties": {
    "category": {"type": "string", "enum": list(codes.CATEGORIES)}, "serial_no": _text(100, 1),
    "make": _text(), "capacity": _text(50), "owner_org": {"type": "string", "enum": list(codes.OWNER_ORGS)},
    "keeper": BADGE, "cabinet": _text(64), "device": _text(32), "checked_on": {"type": "string", "format": "date"},
    "checked_by": BADGE, "code": _text(32), "note": _text(2000)}}
LOAN_BODY = {"type": "object", "additionalProperties": False,
             "required": ["code", "borrower", "reason", "due_at", "approved_by"], "properties": {
                 "code": _text(100, 1), "borrower": BADGE, "reason": _text(2000, 1), "starts_at": INSTANT,
                 "due_at": INSTANT, "approved_by": BADGE, "note": _text(2000)}}
RETURN_BODY = {"type": "object", "additionalProperties": False, "required": ["condition", "action"], "properties": {
    "condition": _text(200, 1), "action": {"type": "string", "enum": list(codes.RETURN_ACTIONS)},
    "note": _text(2000)}}
SEAL_BODY = {"type": "object", "additionalProperties": False, "required": ["port", "number"],
             "properties": {"port": _text(100, 1), "number": _text(100, 1)}}
COUNT_BODY = {"type": "object", "additionalProperties": False, "required": ["cabinet"],
              "properties": {"cabinet": _text(64, 1)}}
SCAN_BODY = {"type": "object", "additionalProperties": False, "required": ["code"],
             "properties": {"code": _text(100, 1)}}
CLOSE_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "explanations": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 2000},
                     "description": "Item code → why it is missing or unexpected."}}}
UNSEALING_BODY = {"type": "object", "additionalProperties": False,
                  "required": ["device", "port", "reason", "planned_start", "planned_end"], "properties": {
                      "device": _text(100, 1), "port": _text(100, 1), "reason": _text(2000, 1),
                      "medium": _text(100), "planned_start": INSTANT, "planned_end": INSTANT}}
STEP_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "supervisor": BADGE, "new_seal": _text(100), "note": _text(2000)}}
REPAIR_BODY = {"type": "object", "additionalProperties": False, "required": ["code"], "properties": {
    "code": _text(100, 1), "approval_ref": _text(), "approved_by": BADGE, "supervisor": BADGE,
    "repairer": _text(), "fault": _text(2000)}}
BACK_BODY = {"type": "object", "additionalProperties": False, "required": ["check_note"],
             "properties": {"check_note": _text(2000, 1)}}
DISPOSAL_BODY = {"type": "object", "additionalProperties": False, "required": ["codes", "kind"], "properties": {
    "codes": {"type": "array", "items": _text(100, 1), "minItems": 1, "maxItems": 500},
    "kind": {"type": "string", "enum": list(codes.DISPOSAL_KINDS)}, "done_by": BADGE,
    "method": _text(), "verification": _text(), "witness": BADGE, "certificate_no": _text(100),
    "receiver": BADGE, "result": {"type": "string", "enum": list(codes.RESIDUAL_RESULTS)}, "note": _text(2000)}}


def _limit():
    return int_arg("limit", 100, minimum=1, maximum=1000)


@bp.route("/media")
@require("media.view")
def list_media():
    category = choice_arg("category", codes.CATEGORIES.values_tuple)
    status = choice_arg("status", codes.STATUSES.values_tuple)
    query = (MediaRecord.select(MediaRecord, Item).join(Item, on=(MediaRecord.item == Item.id))
             .order_by(Item.code))
    if category:
        query = query.where(MediaRecord.category == category)
    if status:
        query = query.where(MediaRecord.status == status)
    rows = list(query.limit(_limit()))
    _rows, open_ = media.reconciliation()
    return jsonify({"media": [record_json(r) for r in rows], "total": query.count(), "open_ends": open_})


@bp.route("/media", methods=["POST"])
@require("media.register")
def register_media():
    body = json_body(REGISTER_BODY)
    checked_on = None
    if body.get("checked_on"):
        try:
            checked_on = date.fromisoformat(body["checked_on"])
        except ValueError:
            raise InvalidFieldError(N_("%(field)s is not valid."), field="checked_on") from None
    record = media.register(
        category=body["category"], serial_no=body["serial_no"], make=body.get("make", ""),
        capacity=body.get("capacity", ""), owner_org=body.get("owner_org", "archive"), keeper=body.get("keeper"),
        cabinet=body.get("cabinet"), device=body.get("device") or None, checked_on=checked_on,
        checked_by=body.get("checked_by"), code=body.get("code", ""), note=body.get("note", ""), actor=_actor(),
        user=current_user)
    return jsonify(record_json(media.record_of(record.item))), 201


@bp.route("/media/<code>")
@require("media.view")
def get_media(code):
    record = media.record_of(code)
    body = record_json(record)
    body["loans"] = [loan_json(loan) for loan in MediaLoan.select().where(MediaLoan.item == record.item_id)
                     .order_by(MediaLoan.id)]
    body["repairs"] = [repair_json(r) for r in MediaRepair.select().where(MediaRepair.item == record.item_id)]
    body["disposals"] = [disposal_json(d) for d in MediaDisposal.select().where(MediaDisposal.item == record.item_id)]
    body["seals"] = [seal_json(s) for s in MediaSeal.select().where(MediaSeal.device == record.item_id)
                     .order_by(MediaSeal.id)]
    return jsonify(body)


@bp.route("/media/<code>/seals", methods=["POST"])
@require("media.unseal")
def register_seal(code):
    body = json_body(SEAL_BODY)
    seal = media.register_seal(code, port=body["port"], number=body["number"], actor=_actor(), user=current_user)
    return jsonify(seal_json(seal)), 201


@bp.route("/media/loans")
@require("media.view")
def list_loans():
    query = MediaLoan.select().order_by(MediaLoan.id.desc())
    if (status := choice_arg("status", codes.LOAN_STATUSES.values_tuple)) == "out":
        query = query.where(MediaLoan.returned_at.is_null())
    rows = [loan_json(loan) for loan in query.limit(_limit())]
    if status in ("returned", "closed"):
        rows = [r for r in rows if r["status"] == status]
    return jsonify({"loans": rows})


@bp.route("/media/loans", methods=["POST"])
@require("media.lend")
def create_loan():
    body = json_body(LOAN_BODY)
    loan = media.lend(body["code"], borrower=body["borrower"], reason=body["reason"],
                         due_at=_when(body, "due_at"), starts_at=_when(body, "starts_at", required=False),
                         approved_by=body["approved_by"], note=body.get("note", ""), actor=_actor(),
                         user=current_user)
    return jsonify(loan_json(loan)), 201


@bp.route("/media/loans/<int:loan_id>/return", methods=["POST"])
@require("media.lend")
def return_loan(loan_id):
    body = json_body(RETURN_BODY)
    loan = media.take_back(loan_id, condition=body["condition"], action=body["action"],
                              note=body.get("note", ""), actor=_actor(), user=current_user)
    return jsonify(loan_json(loan))


@bp.route("/media/loans/<int:loan_id>/confirm", methods=["POST"])
@require("media.confirm")
def confirm_loan(loan_id):
    json_body({"type": "object", "additionalProperties": False, "properties": {}})
    return jsonify(loan_json(media.confirm_return(loan_id, by=current_user._get_current_object())))


@bp.route("/media/counts")
@require("media.view")
def list_counts():
    return jsonify({"counts": [count_json(c) for c in MediaCount.select().order_by(MediaCount.id.desc())
                               .limit(_limit())]})


@bp.route("/media/counts", methods=["POST"])
@require("media.count")
def create_count():
    body = json_body(COUNT_BODY)
    count = media.start_count(body["cabinet"], keeper=_actor(), user=current_user)
    return jsonify(count_json(count, lines=True)), 201


@bp.route("/media/counts/<int:count_id>")
@require("media.view")
def get_count(count_id):
    return jsonify(count_json(media.count_of(count_id), lines=True))


@bp.route("/media/counts/<int:count_id>/scans", methods=["POST"])
@require("media.count")
def count_scan(count_id):
    body = json_body(SCAN_BODY)
    line = media.count_scan(count_id, body["code"], via="api")
    return jsonify({"code": line.item.code, "result": line.result}), 201


@bp.route("/media/counts/<int:count_id>/close", methods=["POST"])
@require("media.count")
def close_count(count_id):
    body = json_body(CLOSE_BODY)
    count = media.close_count(count_id, explanations=body.get("explanations") or {}, user=current_user)
    return jsonify(count_json(count, lines=True))


@bp.route("/media/unsealings")
@require("media.view")
def list_unsealings():
    return jsonify({"unsealings": [unsealing_json(u) for u in MediaUnsealing.select()
                                   .order_by(MediaUnsealing.id.desc()).limit(_limit())]})


@bp.route("/media/unsealings", methods=["POST"])
@require("media.unseal")
def create_unsealing():
    body = json_body(UNSEALING_BODY)
    row = media.request_unsealing(body["device"], port=body["port"], reason=body["reason"],
                                     medium=body.get("medium") or None, planned_start=_when(body, "planned_start"),
                                     planned_end=_when(body, "planned_end"), requested_by=_actor(), user=current_user)
    return jsonify(unsealing_json(row)), 201


@bp.route("/media/unsealings/<int:unsealing_id>/approve", methods=["POST"])
@require("media.approve")
def approve_unsealing(unsealing_id):
    json_body(STEP_BODY)
    return jsonify(unsealing_json(media.approve_unsealing(unsealing_id, approver=_actor(), user=current_user)))


@bp.route("/media/unsealings/<int:unsealing_id>/start", methods=["POST"])
@require("media.unseal")
def start_unsealing(unsealing_id):
    body = json_body(STEP_BODY)
    return jsonify(unsealing_json(media.start_unsealing(unsealing_id, supervisor=body.get("supervisor", ""),
                                                           actor=_actor(), user=current_user)))


@bp.route("/media/unsealings/<int:unsealing_id>/end", methods=["POST"])
@require("media.unseal")
def end_unsealing(unsealing_id):
    body = json_body(STEP_BODY)
    return jsonify(unsealing_json(media.end_unsealing(unsealing_id, new_seal=body.get("new_seal", ""),
                                                         note=body.get("note", ""), actor=_actor(),
                                                         user=current_user)))


@bp.route("/media/repairs")
@require("media.view")
def list_repairs():
    return jsonify({"repairs": [repair_json(r) for r in MediaRepair.select().order_by(MediaRepair.id.desc())
                                .limit(_limit())]})


@bp.route("/media/repairs", methods=["POST"])
@require("media.repair")
def create_repair():
    body = json_body(REPAIR_BODY)
    row = media.send_for_repair(body["code"], approval_ref=body.get("approval_ref", ""),
                                   approved_by=body.get("approved_by", ""), supervisor=body.get("supervisor", ""),
                                   repairer=body.get("repairer", ""), fault=body.get("fault", ""), actor=_actor(),
                                   user=current_user)
    return jsonify(repair_json(row)), 201


@bp.route("/media/repairs/<int:repair_id>/back", methods=["POST"])
@require("media.repair")
def repair_back(repair_id):
    body = json_body(BACK_BODY)
    return jsonify(repair_json(media.repair_back(repair_id, check_note=body["check_note"], actor=_actor(),
                                                    user=current_user)))


@bp.route("/media/disposals")
@require("media.view")
def list_disposals():
    rows, open_ = media.reconciliation()
    return jsonify({"complete": open_ == 0, "open": open_, "media": [
        {"code": record.item.code, "category": record.category, "serial_no": record.item.serial_no,
         "end": media.end_state(record, {record.item_id: end} if end else {}) or None,
         "disposal": disposal_json(end) if end else None} for record, end in rows]})


@bp.route("/media/disposals", methods=["POST"])
@require("media.dispose")
def create_disposal():
    body = json_body(DISPOSAL_BODY)
    done_by = body.get("done_by") or _actor()
    if body["kind"] == "residual_check":
        rows = [media.check_residual(code, result=body.get("result", ""), done_by=done_by,
                                        note=body.get("note", ""), user=current_user) for code in body["codes"]]
    else:
        rows = media.dispose(body["codes"], kind=body["kind"], done_by=done_by, method=body.get("method", ""),
                                verification=body.get("verification", ""), witness=body.get("witness"),
                                certificate_no=body.get("certificate_no", ""), receiver=body.get("receiver"),
                                note=body.get("note", ""), user=current_user)
    return jsonify({"disposals": [disposal_json(r) for r in rows]}), 201


def _op(summary, permission, responses, *, body=None, write=False, params=(), op_id, errors=(401, 403)):
    return openapi.operation(summary, permission=permission, tag="media", operation_id=op_id, body=body,
                             write=write, parameters=list(params) or None, responses=responses, errors=errors)


def _ok(description, status="200"):
    return {status: openapi.json_response(description, {"type": "object"})}


CODE = openapi.path_parameter("code", "The medium's or equipment's code (any scan form).", example="M00000001")


def _id(name):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


openapi.add_tag("media", "The media register: register, loans, counts, port unsealing, repairs, the end.")
openapi.add_paths({
    "/api/v1/media": {
        "get": _op("List the register", "media.view", _ok("Register entries"), op_id="listMedia", params=[
            openapi.query_parameter("category", "Only this category.", {"type": "string",
                                                                        "enum": list(codes.CATEGORIES)}),
            openapi.query_parameter("status", "Only this status.", {"type": "string", "enum": list(codes.STATUSES)}),
            openapi.query_parameter("limit", "At most this many.", {"type": "integer", "minimum": 1,
                                                                    "maximum": 1000})], errors=(401, 403, 422)),
        "post": _op("Register a medium or equipment", "media.register", _ok("The entry", "201"), body=REGISTER_BODY,
                    write=True, op_id="registerMedium", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/{code}": {"get": _op("A register entry with its loans, repairs, seals and end", "media.view",
                                        _ok("The entry"), params=[CODE], op_id="getMedium", errors=(401, 403, 404))},
    "/api/v1/media/{code}/seals": {"post": _op(
        "Register the seal (封条) on a port of a device", "media.unseal", _ok("The seal", "201"), body=SEAL_BODY,
        write=True, params=[CODE], op_id="registerSeal", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/loans": {
        "get": _op("The loan log", "media.view", _ok("Loans"), op_id="listMediaLoans", params=[
            openapi.query_parameter("status", "Only loans in this status.",
                                    {"type": "string", "enum": list(codes.LOAN_STATUSES)})], errors=(401, 403, 422)),
        "post": _op("Lend a medium", "media.lend", _ok("The loan", "201"), body=LOAN_BODY, write=True,
                    op_id="lendMedium", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/loans/{loan_id}/return": {"post": _op(
        "Take a medium back (the keeper's side confirmed)", "media.lend", _ok("The loan"), body=RETURN_BODY,
        write=True, params=[_id("loan_id")], op_id="returnMedium", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/loans/{loan_id}/confirm": {"post": _op(
        "The borrower confirms the return with their own credential", "media.confirm", _ok("The loan"),
        body={"type": "object"}, write=True, params=[_id("loan_id")], op_id="confirmMediumReturn",
        errors=(401, 403, 404, 409))},
    "/api/v1/media/counts": {
        "get": _op("Counts, newest first", "media.view", _ok("Counts"), op_id="listMediaCounts",
                   errors=(401, 403, 422)),
        "post": _op("Start counting a cabinet", "media.count", _ok("The count", "201"), body=COUNT_BODY, write=True,
                    op_id="startMediaCount", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/counts/{count_id}": {"get": _op("A count with its lines and differences", "media.view",
                                                   _ok("The count"), params=[_id("count_id")], op_id="getMediaCount",
                                                   errors=(401, 403, 404))},
    "/api/v1/media/counts/{count_id}/scans": {"post": _op(
        "Record a medium seen in the cabinet", "media.count", _ok("The line", "201"), body=SCAN_BODY, write=True,
        params=[_id("count_id")], op_id="scanMediaCount", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/counts/{count_id}/close": {"post": _op(
        "Close a count (every missing or unexpected medium explained)", "media.count", _ok("The count"),
        body=CLOSE_BODY, write=True, params=[_id("count_id")], op_id="closeMediaCount",
        errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/unsealings": {
        "get": _op("Port unsealings", "media.view", _ok("Unsealings"), op_id="listUnsealings", errors=(401, 403, 422)),
        "post": _op("Request a port unsealing", "media.unseal", _ok("The unsealing", "201"), body=UNSEALING_BODY,
                    write=True, op_id="requestUnsealing", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/unsealings/{unsealing_id}/approve": {"post": _op(
        "Approve (a person of the archive department)", "media.approve", _ok("The unsealing"), body=STEP_BODY,
        write=True, params=[_id("unsealing_id")], op_id="approveUnsealing", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/unsealings/{unsealing_id}/start": {"post": _op(
        "Open the port under a supervising person", "media.unseal", _ok("The unsealing"), body=STEP_BODY,
        write=True, params=[_id("unsealing_id")], op_id="startUnsealing", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/unsealings/{unsealing_id}/end": {"post": _op(
        "Re-seal the port with a new seal", "media.unseal", _ok("The unsealing"), body=STEP_BODY, write=True,
        params=[_id("unsealing_id")], op_id="endUnsealing", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/repairs": {
        "get": _op("Repairs", "media.view", _ok("Repairs"), op_id="listRepairs", errors=(401, 403, 422)),
        "post": _op("Send out for repair (written approval, supervising person)", "media.repair",
                    _ok("The repair", "201"), body=REPAIR_BODY, write=True, op_id="sendForRepair",
                    errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/repairs/{repair_id}/back": {"post": _op(
        "Back from repair and checked", "media.repair", _ok("The repair"), body=BACK_BODY, write=True,
        params=[_id("repair_id")], op_id="repairBack", errors=(401, 403, 404, 409, 422))},
    "/api/v1/media/disposals": {
        "get": _op("Every entry with its end state (the reconciliation)", "media.view", _ok("The list"),
                   op_id="listDisposals"),
        "post": _op("Record the end of media (or a residual check of equipment)", "media.dispose",
                    _ok("The disposals", "201"), body=DISPOSAL_BODY, write=True, op_id="recordDisposal",
                    errors=(401, 403, 404, 409, 422))},
})
