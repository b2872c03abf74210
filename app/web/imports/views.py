"""Upload pages for catalogue (items) and staff-list (people) imports, with live progress.

Small files are imported during the request; larger ones on a background thread while the job
page polls a JSON status endpoint. The rules are all in app.custody.imports: this only moves bytes.
"""
import hashlib
import uuid
from pathlib import Path

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.custody.imports import describe_columns, imported_items, imported_people, load_errors
from app.custody.imports import jobs as import_jobs
from app.custody.models import ImportJob
from app.i18n import translate_error
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
    return _folder() / f"job-{job_id}.progress"


def translate_row_error(error) -> str:
    """A RowError's reason in the user's language."""
    return translate_error(error)


def _limit_mb() -> str:
    return f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):g}"


def _save_upload(storage) -> tuple[Path, int, str]:
    """Stream the upload to the instance folder, hashing it on the way."""
    suffix = Path(storage.filename or "").suffix.lower()
    path = _folder() / f"upload-{uuid.uuid4().hex}{suffix}"
    digest, size = hashlib.sha256(), 0
    with open(path, "wb") as out:
        for chunk in iter(lambda: storage.stream.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return path, size, digest.hexdigest()


def _upload(kind: str):
    form = UploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        path, size, sha = _save_upload(storage)
        job = import_jobs.create_job(kind, storage.filename or path.name, user=current_user._get_current_object(),
                                     size=size, sha256=sha)
        if size <= current_app.config.get("IMPORT_INLINE_BYTES", 256 * 1024):
            import_jobs.process_job(job.id, path, dry_run=form.dry_run.data, ip=client_ip())
        else:
            # a large file goes on in the background (the page shows its progress)
            import_jobs.start(job.id, path, dry_run=form.dry_run.data, progress_file=_progress_file(job.id),
                              ip=client_ip())
        return redirect(url_for(f"imports.job_{kind}", job_id=job.id))
    status = 422 if form.is_submitted() else 200
    return _upload_page(kind, form), status


def _upload_page(kind: str, form):
    jobs = list(ImportJob.select().where(ImportJob.kind == kind).order_by(ImportJob.id.desc()).limit(10))
    return render_template("imports/upload.html", kind=kind, form=form, jobs=jobs, columns=describe_columns(kind),
                           limit_mb=_limit_mb())


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_err):
    kind = "people" if request.path.startswith(url_for("imports.upload_people")) else "items"
    form = UploadForm(formdata=None)
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
    import json

    job = _job(kind, job_id)
    summary = json.loads(job.summary or "{}")
    errors = [(e.line, translate_row_error(e)) for e in load_errors(job.errors)]
    page = max(1, request.args.get("page", 1, type=int))
    rows, pages = [], 0
    if job.status == "done" and job.imported:
        query = imported_items(summary) if kind == "items" else imported_people(summary)
        pages = (job.imported + PAGE_SIZE - 1) // PAGE_SIZE
        rows = list(query.order_by(query.model.id).paginate(page, PAGE_SIZE))
    return render_template("imports/job.html", kind=kind, job=job, summary=summary, errors=errors, rows=rows,
                           page=page, pages=pages,
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


@bp.route("/items/jobs/<int:job_id>/status")
@require("items.import")
def status_items(job_id):
    return _job_status("items", job_id)


@bp.route("/people/jobs/<int:job_id>/status")
@require("people.import")
def status_people(job_id):
    return _job_status("people", job_id)
