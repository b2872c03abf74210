"""/api/v1/imports: upload a catalogue (items) or staff list (people) as an import job, and follow the job.

The same jobs as the upload pages (app.custody.imports.jobs): small files run during the request, larger
ones on a background thread; `existing` says what rows already registered do (error | skip | update).
"""
import json
from pathlib import Path

from flask import abort, current_app, jsonify, request
from flask_login import current_user

from app.custody.errors import N_
from app.custody.imports import IMPORT_EXISTING, existing_choices, load_errors
from app.custody.imports import jobs as import_jobs
from app.custody.imports.codes import IMPORT_KINDS, IMPORT_STATUSES
from app.custody.models import ImportJob
from app.i18n import translate_error
from app.security import require

from . import bp, openapi
from .errors import InvalidFieldError
from .schemas import iso


def _ip() -> str:
    return (request.remote_addr or "")[:64]


def _folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _job_json(job: ImportJob) -> dict:
    summary = json.loads(job.summary or "{}")
    status = import_jobs.job_status(job, import_jobs.progress_file(_folder(), job.id))
    return {
        **status, "filename": job.filename, "sha256": job.sha256, "created_at": iso(job.created_at),
        "finished_at": iso(job.finished_at), "dry_run": bool(summary.get("dry_run")),
        "existing": summary.get("existing") or ("skip" if summary.get("skip_existing") else "error"),
        "rows": summary.get("rows"), "added": summary.get("added", job.imported), "updated": summary.get("updated", 0),
        "unchanged": summary.get("unchanged", 0), "skipped": summary.get("skipped", 0),
        "generated": summary.get("generated", 0),
        "changes": [{"line": line, "code": code, "fields": {name: {"old": old, "new": new}
                                                              for name, (old, new) in fields.items()}}
                    for line, code, fields in summary.get("changes", [])],
        "errors": [{"line": e.line, "message": translate_error(e)} for e in load_errors(job.errors)],
    }


def _create(kind: str):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidFieldError(field="file")
    existing = request.form.get("existing") or "error"
    if existing not in IMPORT_EXISTING:
        raise InvalidFieldError(field="existing")
    if existing not in existing_choices(kind):
        raise InvalidFieldError(N_("Only a catalogue's registered rows can be updated (a staff list: error or "
                                   "skip)."), field="existing")
    dry_run = (request.form.get("dry_run") or "").lower() in ("1", "true", "yes", "on")
    path, size, sha = import_jobs.save_upload(upload.stream, _folder(), upload.filename)
    job = import_jobs.create_job(kind, upload.filename, user=current_user._get_current_object(), size=size,
                                 sha256=sha)
    if size <= current_app.config.get("IMPORT_INLINE_BYTES", 256 * 1024):
        job = import_jobs.process_job(job.id, path, dry_run=dry_run, ip=_ip(), existing=existing)
        return jsonify(_job_json(job)), 201
    import_jobs.start(job.id, path, dry_run=dry_run, progress_file=import_jobs.progress_file(_folder(), job.id),
                      ip=_ip(), existing=existing)
    return jsonify(_job_json(ImportJob.get_by_id(job.id))), 202


def _get(kind: str, job_id: int):
    job = ImportJob.get_or_none((ImportJob.id == job_id) & (ImportJob.kind == kind))
    if job is None:
        abort(404)
    return jsonify(_job_json(job))


@bp.route("/imports/items", methods=["POST"])
@require("items.import")
def create_items_import():
    return _create("items")


@bp.route("/imports/people", methods=["POST"])
@require("people.import")
def create_people_import():
    return _create("people")


@bp.route("/imports/items/jobs/<int:job_id>")
@require("items.import")
def get_items_import(job_id):
    return _get("items", job_id)


@bp.route("/imports/people/jobs/<int:job_id>")
@require("people.import")
def get_people_import(job_id):
    return _get("people", job_id)


openapi.add_schemas({"ImportJob": {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(IMPORT_KINDS)},
    "status": {"type": "string", "enum": list(IMPORT_STATUSES)},
    "phase": {"type": "string"}, "done": {"type": "integer"}, "total": {"type": ["integer", "null"]},
    "finished": {"type": "boolean"}, "filename": {"type": "string"}, "sha256": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
    "finished_at": {"type": ["string", "null"], "format": "date-time"},
    "dry_run": {"type": "boolean", "description": "A check only: nothing was imported."},
    "existing": {"type": "string", "enum": list(IMPORT_EXISTING)},
    "rows": {"type": ["integer", "null"], "description": "Data rows read."},
    "imported": {"type": "integer"},
    "added": {"type": "integer", "description": "Rows that add (a check: will add) a new record."},
    "updated": {"type": "integer", "description": "existing=update: rows that change (will change) a registered "
                                                  "item's catalogue fields."},
    "unchanged": {"type": "integer", "description": "existing=update: rows naming a registered item already as the "
                                                    "file says."},
    "skipped": {"type": "integer", "description": "existing=skip: rows left out."},
    "generated": {"type": "integer", "description": "Codes generated for rows that had none."},
    "changes": {"type": "array", "description": "The first 200 updates: each field that changes, old → new "
                                                "(home: location codes).",
                "items": {"type": "object", "properties": {
                    "line": {"type": "integer"}, "code": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {
                        "type": "object", "properties": {"old": {}, "new": {}}}}}}},
    "errors": {"type": "array", "description": "Why nothing was imported (first 1,000), in the caller's language.",
               "items": {"type": "object", "properties": {"line": {"type": ["integer", "null"]},
                                                          "message": {"type": "string"}}}},
}}})


def _create_op(kind: str, permission: str) -> dict:
    op = openapi.operation(
        "Upload a catalogue" if kind == "items" else "Upload a staff list", permission=permission, tag="imports",
        operation_id="createItemsImport" if kind == "items" else "createPeopleImport", write=True,
        description="All or nothing: the whole file is checked first. Files up to 256 kB are imported during the "
                    "request (201); larger ones on a background thread (202: follow the job). `existing`: what "
                    "rows already registered do — `error` (the default), `skip`"
                    + (", or `update` their catalogue fields (archive number, title, pages, home location; "
                       "never custody state; each change in the admin log)" if kind == "items" else "") + ".",
        responses={"201": openapi.json_response("The finished job", {"$ref": openapi.ref("ImportJob")}),
                   "202": openapi.json_response("The job, running", {"$ref": openapi.ref("ImportJob")})},
        errors=(401, 403, 422))
    op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": ".xlsx or .csv"},
            "dry_run": {"type": "boolean", "description": "Only check the file (a preview of what would change)."},
            "existing": {"type": "string", "enum": list(IMPORT_EXISTING), "default": "error",
                         "description": "update: catalogues only (a staff list answers 422)."}}}}}}
    return op


def _get_op(kind: str, permission: str) -> dict:
    return openapi.operation(
        "An import job", permission=permission, tag="imports",
        operation_id="getItemsImport" if kind == "items" else "getPeopleImport",
        parameters=[openapi.path_parameter("job_id", "The job's id", "1")],
        responses={"200": openapi.json_response("The job", {"$ref": openapi.ref("ImportJob")})},
        errors=(401, 403, 404))


openapi.add_tag("imports", "Catalogue and staff-list imports")
openapi.add_paths({
    "/api/v1/imports/items": {"post": _create_op("items", "items.import")},
    "/api/v1/imports/people": {"post": _create_op("people", "people.import")},
    "/api/v1/imports/items/jobs/{job_id}": {"get": _get_op("items", "items.import")},
    "/api/v1/imports/people/jobs/{job_id}": {"get": _get_op("people", "people.import")},
})
