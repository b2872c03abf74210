"""Reader endpoints: POST /api/v1/reader-events (reader token), GET /api/v1/reads and /access-events."""


from flask import current_app, jsonify, request
from flask_babel import gettext

from app.custody import readers
from app.custody.codes import normalize_scan
from app.custody.models import AccessEvent, Person, Reader, ReaderRead
from app.custody.readers.codes import ACCESS_REASONS, READ_KINDS, RESOLVED_KINDS, TAG_SCHEMES
from app.errors import error_response
from app.i18n import translate_error
from app.security import public, require

from . import bp, openapi

MAX_LIMIT = 500


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


@bp.route("/reader-events", methods=["POST"])
@public  # authenticated by the reader's own token below, not by a user session
def reader_events():
    reader = readers.reader_for_token(_bearer())
    if reader is None:
        return error_response("invalid_reader_token", gettext("Unknown or revoked reader token."), 401)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return error_response("bad_request", gettext("Send a JSON object with an 'events' list."), 400)
    try:
        result = readers.ingest(reader, payload.get("events", []), payload.get("heartbeat"))
    except readers.BatchError as err:
        translate = gettext  # the row messages are msgids marked with N_ in app.custody.readers
        rows = [{"index": r["index"], "seq": r["seq"], "field": r["field"],
                 "message": translate(r["message"], **r["params"]) if r["params"] else translate(r["message"])}
                for r in err.rows]
        body = {"error": {"code": err.code, "message": gettext(err.template, n=len(rows)), "rows": rows}}
        return jsonify(body), 422
    except readers.SeqConflictError as err:
        body = {"error": {"code": err.code, "message": translate_error(err)}, "last_seq": err.params["last_seq"]}
        return jsonify(body), 409
    return jsonify({"accepted": result.accepted, "duplicates": result.duplicates, "last_seq": result.last_seq,
                    "outcomes": [{"seq": s, "outcome": o} for s, o in result.outcomes]})


def _limit() -> int:
    return max(1, min(MAX_LIMIT, request.args.get("limit", 100, type=int)))


def _time_arg(name: str):
    value = request.args.get(name)
    return readers.parse_time(value) if value else None


def read_json(r: ReaderRead) -> dict:
    return {"id": r.id, "reader": r.reader.name, "seq": r.seq, "kind": r.kind,
            "read_at": r.read_at.isoformat() + "Z", "received_at": r.received_at.isoformat() + "Z",
            "tag": r.tag, "scheme": r.scheme, "symbology": r.symbology, "resolved": r.resolved_kind,
            "item": r.item.code if r.item_id else None, "person": r.person.name if r.person_id else None,
            "badge": r.person.badge_code if r.person_id else None,
            "location": r.location.code if r.location_id else None, "outcome": r.outcome,
            "event_id": r.event_id}


@bp.route("/reads")
@require("doors.view")
def reads():
    """Raw reads, newest first: ?reader=NAME&tag=…&resolved=unknown|item|person&since=…&before_id=…&limit=…"""
    query = (ReaderRead.select(ReaderRead, Reader).join(Reader).order_by(ReaderRead.id.desc()).limit(_limit()))
    if request.args.get("reader"):
        query = query.where(Reader.name == request.args["reader"])
    if request.args.get("tag"):
        query = query.where(ReaderRead.tag == request.args["tag"].strip())
    if request.args.get("resolved"):
        query = query.where(ReaderRead.resolved_kind == request.args["resolved"])
    if _time_arg("since"):
        query = query.where(ReaderRead.read_at >= _time_arg("since"))
    if request.args.get("before_id", type=int):
        query = query.where(ReaderRead.id < request.args.get("before_id", type=int))
    return jsonify({"reads": [read_json(r) for r in query]})


def access_json(a: AccessEvent) -> dict:
    return {"id": a.id, "at": a.at.isoformat() + "Z", "reader": a.reader.name,
            "location": a.reader.location.code, "person": a.person.name if a.person_id else None,
            "badge": a.person.badge_code if a.person_id else None, "credential": a.credential,
            "direction": a.direction, "allowed": a.allowed, "reason": a.reason}


@bp.route("/access-events")
@require("doors.view")
def access_events():
    """Door passes, newest first: ?badge=…&reader=NAME&allowed=0|1&since=…&before_id=…&limit=…"""
    query = AccessEvent.select(AccessEvent, Reader).join(Reader).order_by(AccessEvent.id.desc()).limit(_limit())
    if request.args.get("badge"):
        person = Person.get_or_none(Person.badge_code == normalize_scan(request.args["badge"]))
        query = query.where(AccessEvent.person == (person.id if person else 0))
    if request.args.get("reader"):
        query = query.where(Reader.name == request.args["reader"])
    if request.args.get("allowed") in ("0", "1"):
        query = query.where(AccessEvent.allowed == (request.args["allowed"] == "1"))
    if _time_arg("since"):
        query = query.where(AccessEvent.at >= _time_arg("since"))
    if request.args.get("before_id", type=int):
        query = query.where(AccessEvent.id < request.args.get("before_id", type=int))
    return jsonify({"access_events": [access_json(a) for a in query]})


def offline_seconds() -> int:
    return int(current_app.config.get("READER_OFFLINE_SECONDS", readers.DEFAULT_OFFLINE_SECONDS))





# ---------------------------------------------------------------- OpenAPI description

openapi.add_tag("readers", "Serial RFID and barcode readers: batched reads in, raw reads and door passes out.")
openapi.add_schemas({
    "ReaderEvent": {
        "type": "object", "required": ["seq", "tag", "scheme", "read_at"],
        "properties": {
            "seq": {"type": "integer", "minimum": 1, "description": "The reader's own increasing sequence number: "
                    "the idempotency key (each (reader, seq) is recorded once)."},
            "kind": {"type": "string", "enum": list(READ_KINDS), "default": "read",
                     "description": "`departed`: a shelf reader no longer sees the tag."},
            "tag": {"type": "string", "maxLength": 200, "examples": ["62E3086CED"]},
            "scheme": {"type": "string", "enum": list(TAG_SCHEMES)},
            "symbology": {"type": "string", "maxLength": 4, "description": "AIM identifier of a barcode, e.g. ]C0."},
            "read_at": {"type": "string", "format": "date-time", "description": "When the reader saw it (UTC)."},
        },
    },
    "ReaderBatch": {
        "type": "object", "required": ["events"],
        "properties": {
            "events": {"type": "array", "maxItems": 500, "items": {"$ref": openapi.ref("ReaderEvent")},
                       "description": "In sequence order; an empty list is a heartbeat."},
            "heartbeat": {"type": "object", "description": "Health figures (frames, rejected_frames, pending, "
                          "port_open, …) shown on the readers page."},
        },
    },
    "ReaderBatchResult": {
        "type": "object",
        "properties": {
            "accepted": {"type": "integer"}, "duplicates": {"type": "integer"},
            "last_seq": {"type": "integer", "description": "The highest sequence number the server holds."},
            "outcomes": {"type": "array", "items": {"type": "object", "properties": {
                "seq": {"type": "integer"}, "outcome": {"type": "string", "examples": [
                    "allowed", "denied:after_hours", "exit_alarm", "moved", "returned", "present", "unknown"]}}}},
        },
    },
    "RawRead": {"type": "object", "properties": {
        "id": {"type": "integer"}, "reader": {"type": "string"}, "seq": {"type": "integer"},
        "kind": {"type": "string"}, "read_at": {"type": "string", "format": "date-time"},
        "received_at": {"type": "string", "format": "date-time"}, "tag": {"type": "string"},
        "scheme": {"type": "string"}, "symbology": {"type": "string"},
        "resolved": {"type": "string", "enum": list(RESOLVED_KINDS)},
        "item": {"type": ["string", "null"]}, "person": {"type": ["string", "null"]},
        "badge": {"type": ["string", "null"]}, "location": {"type": ["string", "null"]},
        "outcome": {"type": "string"}, "event_id": {"type": ["integer", "null"]}}},
    "AccessEvent": {"type": "object", "properties": {
        "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "reader": {"type": "string"},
        "location": {"type": "string"}, "person": {"type": ["string", "null"]}, "badge": {"type": ["string", "null"]},
        "credential": {"type": "string"}, "direction": {"type": "string"}, "allowed": {"type": "boolean"},
        "reason": {"type": "string", "enum": ["", *ACCESS_REASONS]}}},
})
_PAGE = [openapi.query_parameter("limit", "At most this many (1–500, default 100).", {"type": "integer"}),
         openapi.query_parameter("before_id", "Only rows older than this id (paging).", {"type": "integer"}),
         openapi.query_parameter("since", "Only rows at or after this time (ISO 8601).",
                                 {"type": "string", "format": "date-time"}),
         openapi.query_parameter("reader", "Reader name.", {"type": "string"})]
openapi.add_paths({
    "/api/v1/reader-events": {"post": openapi.operation(
        "Record a batch of reads from a reader", permission=None, tag="readers", public=True,
        description="Authenticated by the reader's own token (`Authorization: Bearer rdr_…`, from `custody "
                    "add-reader` or the readers page), not by a user. A malformed batch is refused whole with "
                    "one message per bad row in `error.rows`; a replayed batch records nothing twice.",
        body={"$ref": openapi.ref("ReaderBatch")},
        responses={"200": openapi.json_response("Recorded", {"$ref": openapi.ref("ReaderBatchResult")}),
                   "401": {"$ref": "#/components/responses/Unauthorized"},
                   "409": openapi.json_response(
                       "`seq_conflict`: a sequence number the server holds for a different read (the reader lost "
                       "its spool); `last_seq` says where to continue. Nothing recorded.",
                       {"$ref": openapi.ref("Error")}),
                   "422": {"$ref": "#/components/responses/Invalid"}},
        errors=(400, 401, 422))},
    "/api/v1/reads": {"get": openapi.operation(
        "Raw reads, newest first", permission="doors.view", tag="readers",
        parameters=_PAGE + [openapi.query_parameter("tag", "Exactly this tag.", {"type": "string"}),
                            openapi.query_parameter("resolved", "item, person, location or unknown.",
                                                    {"type": "string"})],
        responses={"200": openapi.json_response("The reads", {"type": "object", "properties": {
            "reads": {"type": "array", "items": {"$ref": openapi.ref("RawRead")}}}})})},
    "/api/v1/access-events": {"get": openapi.operation(
        "Door passes, newest first", permission="doors.view", tag="readers",
        parameters=_PAGE + [openapi.query_parameter("badge", "Badge code (any scan form).", {"type": "string"}),
                            openapi.query_parameter("allowed", "1: allowed only, 0: denied only.",
                                                    {"type": "string", "enum": ["0", "1"]})],
        responses={"200": openapi.json_response("The passes", {"type": "object", "properties": {
            "access_events": {"type": "array", "items": {"$ref": openapi.ref("AccessEvent")}}}})})},
})
