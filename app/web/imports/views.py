"""Upload pages for catalogue (items) and staff-list (people) imports, with live progress.

Small files are imported during the request; larger ones on a background thread while the job
page polls a JSON status endpoint. The rules are all in app.custody.imports: this only moves bytes.
"""
import json
import uuid
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.custody.imports import (
    FIELD_NAMES,
    IMPORT_EXISTING,
    describe_columns,
    existing_choices,
    file_sha256,
    imported_items,
    imported_people,
    load_errors,
    preview_rows,
)
from app.custody.imports import jobs as import_jobs
from app.custody.models import ImportJob
from app.i18n import code_choices, translate_error
from app.security import require
from app.web.helpers import client_ip

from . import bp
from .forms import UploadForm

PERMISSION = {"items": "items.import", "people": "people.import"}
PAGE_SIZE = 100


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _progress_file(job_id: int) -> Path:
    return import_jobs.progress_file(_folder(), job_id)


def translate_row_error(error) -> str:
    """A RowError's reason in the user's language."""
    return translate_error(error)


def _limit_mb() -> str:
    return f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):g}"


def _save_upload(storage) -> tuple[Path, int, str]:
    """Stream the upload to the instance folder, hashing it on the way."""
    return import_jobs.save_upload(storage.stream, _folder(), storage.filename or "")


def _checked_file(job: ImportJob) -> Path:
    """Where a check-only run keeps its file, so that "import this file now" needs no second upload."""
    return _folder() / f"checked-{job.id}{Path(job.filename).suffix.lower()}"


def _existing_choices(kind: str) -> list[tuple[str, str]]:
    return [(code, name) for code, name in code_choices(IMPORT_EXISTING) if code in existing_choices(kind)]


def _upload(kind: str):
    form = UploadForm()
    form.existing.choices = _existing_choices(kind)
    if form.validate_on_submit():
        storage = form.file.data
        path, size, sha = _save_upload(storage)
        job = import_jobs.create_job(kind, storage.filename or path.name, user=current_user._get_current_object(),
                                     size=size, sha256=sha)
        if form.dry_run.data:  # kept: a clean check offers to import this very file
            path = path.rename(_checked_file(job))
        _start(job, path, dry_run=form.dry_run.data, existing=form.existing.data)
        return redirect(url_for(f"imports.job_{kind}", job_id=job.id))
    status = 422 if form.is_submitted() else 200
    return _upload_page(kind, form), status


def _start(job: ImportJob, path: Path, *, dry_run: bool, existing: str = "error") -> None:
    if job.size <= current_app.config.get("IMPORT_INLINE_BYTES", 256 * 1024):
        import_jobs.process_job(job.id, path, dry_run=dry_run, ip=client_ip(), remove_upload=not dry_run,
                                existing=existing)
    else:
        # a large file goes on in the background (the page shows its progress)
        import_jobs.start(job.id, path, dry_run=dry_run, progress_file=_progress_file(job.id), ip=client_ip(),
                          remove_upload=not dry_run, existing=existing)


def _import_checked(kind: str, job_id: int):
    """Import the file a clean check-only run kept, without uploading it again (the same bytes: its hash)."""
    checked = _job(kind, job_id)
    summary = json.loads(checked.summary or "{}")
    path = _checked_file(checked)
    if not (checked.status == "done" and summary.get("dry_run") and path.exists()
            and file_sha256(path) == checked.sha256):
        flash(gettext("This file is no longer kept: upload it again."), "error")
        return redirect(url_for(f"imports.upload_{kind}"))
    job = import_jobs.create_job(kind, checked.filename, user=current_user._get_current_object(),
                                 size=checked.size, sha256=checked.sha256)
    upload = path.rename(_folder() / f"upload-{uuid.uuid4().hex}{path.suffix}")
    _start(job, upload, dry_run=False,
           existing=summary.get("existing") or ("skip" if summary.get("skip_existing") else "error"))
    return redirect(url_for(f"imports.job_{kind}", job_id=job.id))


def _upload_page(kind: str, form):
    jobs = list(ImportJob.select().where(ImportJob.kind == kind).order_by(ImportJob.id.desc()).limit(10))
    return render_template("imports/upload.html", kind=kind, form=form, jobs=jobs, columns=describe_columns(kind),
                           limit_mb=_limit_mb())


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_err):
    kind = "people" if request.path.startswith(url_for("imports.upload_people")) else "items"
    form = UploadForm(formdata=None)
    form.existing.choices = _existing_choices(kind)
    form.file.errors = [gettext("The file is too large: at most %(mb)s MB can be uploaded. Split the list into "
                                "several files.", mb=_limit_mb())]
    return _upload_page(kind, form), 413


def _job(kind: str, job_id: int) -> ImportJob:
    job = ImportJob.get_or_none((ImportJob.id == job_id) & (ImportJob.kind == kind))
    if job is None:
        abort(404)
    return import_jobs.fail_if_stale(job, _progress_file(job.id),
                                     stale_after=current_app.config.get("IMPORT_STALE_SECONDS", 600))


def _job_page(kind: str, job_id: int):
    job = _job(kind, job_id)
    summary = json.loads(job.summary or "{}")
    found = load_errors(job.errors)
    errors = [(e.line, translate_row_error(e)) for e in found]
    # a catalogue imported before: offer the way through instead of a wall of "already in the database"
    registered = any("is already in the database" in e.template for e in found)
    page = max(1, request.args.get("page", 1, type=int))
    rows, pages = [], 0
    if job.status == "done" and job.imported:
        query = imported_items(summary) if kind == "items" else imported_people(summary)
        pages = (job.imported + PAGE_SIZE - 1) // PAGE_SIZE
        rows = list(query.order_by(query.model.id).paginate(page, PAGE_SIZE))
    preview_fields, preview = [], []
    if job.status == "done" and summary.get("dry_run") and _checked_file(job).exists():
        preview_fields, preview = preview_rows(_checked_file(job), kind, filename=job.filename)
    return render_template("imports/job.html", kind=kind, job=job, summary=summary, errors=errors, rows=rows,
                           page=page, pages=pages, preview=preview, preview_fields=preview_fields,
                           can_import_now=bool(preview_fields), registered=registered, field_names=FIELD_NAMES,
                           status=import_jobs.job_status(job, _progress_file(job.id)))


def _job_status(kind: str, job_id: int):
    job = _job(kind, job_id)
    data = import_jobs.job_status(job, _progress_file(job.id))
    data["url"] = url_for(f"imports.job_{kind}", job_id=job.id)
    return jsonify(data)


@bp.route("/items", methods=["GET", "POST"])
@require("items.import")
def upload_items():
    return _upload("items")


@bp.route("/people", methods=["GET", "POST"])
@require("people.import")
def upload_people():
    return _upload("people")


@bp.route("/items/jobs/<int:job_id>")
@require("items.import")
def job_items(job_id):
    return _job_page("items", job_id)


@bp.route("/people/jobs/<int:job_id>")
@require("people.import")
def job_people(job_id):
    return _job_page("people", job_id)


@bp.route("/items/jobs/<int:job_id>/import", methods=["POST"])
@require("items.import")
def import_checked_items(job_id):
    return _import_checked("items", job_id)


@bp.route("/people/jobs/<int:job_id>/import", methods=["POST"])
@require("people.import")
def import_checked_people(job_id):
    return _import_checked("people", job_id)


@bp.route("/items/jobs/<int:job_id>/status")
@require("items.import")
def status_items(job_id):
    return _job_status("items", job_id)


@bp.route("/people/jobs/<int:job_id>/status")
@require("people.import")
def status_people(job_id):
    return _job_status("people", job_id)
