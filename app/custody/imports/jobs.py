"""Import jobs: an uploaded file processed (often on a background thread) with its progress kept.

The job row holds the status, the rows done/total and the errors. The rows are loaded in short
chunks under a pending load (staging.py); the live count goes to a small JSON file beside the upload
(written atomically), and the job row turns `done` inside the switch-in transaction itself: the rows
become visible and the outcome is recorded together.
"""
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from app.db import db, write_tx

from .. import clock
from ..errors import N_
from ..models import ImportJob, ImportLoad
from .codes import IMPORT_KINDS
from .loading import run_import
from .results import ImportResult, RowError, dump_errors

log = logging.getLogger(__name__)
DB_EVERY = 1.0  # seconds between progress writes to the job row (validation phase)
FILE_EVERY = 0.2  # seconds between progress-file writes


def create_job(kind: str, filename: str, *, user=None, size: int = 0, sha256: str = "") -> ImportJob:
    """Record a queued import job for an uploaded file; raises ValueError for an unknown kind."""
    IMPORT_KINDS.check(kind)
    with write_tx():
        return ImportJob.create(kind=kind, filename=filename[:255], created_by=user, size=size,
                                sha256=sha256, status="queued")


def save_upload(stream, folder: Path, filename: str) -> tuple[Path, int, str]:
    """Stream an uploaded file into folder under a fresh name (keeping its suffix), hashing it on the way;
    returns (path, size, sha256)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"upload-{uuid.uuid4().hex}{Path(filename or '').suffix.lower()}"
    digest, size = hashlib.sha256(), 0
    with open(path, "wb") as out:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return path, size, digest.hexdigest()


def progress_file(folder: Path, job_id: int) -> Path:
    """Where a background job writes its live progress."""
    return folder / f"job-{job_id}.progress"


def _write_progress(path: Path | None, data: dict) -> None:
    if path is None:
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)  # readers see the old or the new file, never half of one


def read_progress(path: Path | None) -> dict | None:
    """The live progress written by a running job, or None."""
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _finish(job_id: int, result: ImportResult, status: str) -> None:
    ImportJob.update(status=status, rows_total=result.rows, rows_done=result.rows if status == "done" else 0,
                     imported=result.imported, error_count=result.error_count, errors=dump_errors(result),
                     summary=json.dumps(result.summary(), ensure_ascii=False), finished_at=clock.now(),
                     sha256=result.sha256 or ImportJob.sha256).where(ImportJob.id == job_id).execute()


def process_job(job_id: int, upload: Path, *, dry_run: bool = False, progress_file: Path | None = None,
                ip: str = "", remove_upload: bool = True, skip_existing: bool = False,
                existing: str | None = None) -> ImportJob:
    """Run the import for a queued job; record progress and the outcome on the job row.

    Never raises for bad input (the errors go on the job); an unexpected failure marks the job failed
    and is logged.
    """
    job = ImportJob.get_by_id(job_id)
    with write_tx():
        ImportJob.update(status="validating", started_at=clock.now()).where(ImportJob.id == job_id).execute()
    marks = {"db": 0.0, "file": 0.0}

    def progress(phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if phase == "import" and done == 0:
            # the last moment before the import transaction: the job row can still be written
            with write_tx():
                ImportJob.update(status="importing", rows_done=0, rows_total=total).where(
                    ImportJob.id == job_id).execute()
        elif phase == "validate" and now - marks["db"] >= DB_EVERY:
            marks["db"] = now
            with write_tx():
                ImportJob.update(rows_done=done, rows_total=total).where(ImportJob.id == job_id).execute()
        if now - marks["file"] >= FILE_EVERY or done == total:
            marks["file"] = now
            # the moment of this sign of life, from the one clock (not the file's mtime: another clock)
            _write_progress(progress_file, {"phase": phase, "done": done, "total": total,
                                            "at": clock.now().isoformat()})

    def committed(result: ImportResult) -> None:
        _finish(job_id, result, "done")

    try:
        result = run_import(upload, job.kind, filename=job.filename, user=job.created_by, dry_run=dry_run,
                            skip_existing=skip_existing, existing=existing, progress=progress, ip=ip,
                            on_commit=committed,
                            job_id=job_id)
        if not result.ok:
            with write_tx():
                _finish(job_id, result, "failed")
        elif dry_run:
            with write_tx():
                _finish(job_id, result, "done")
    except Exception:  # the thread's boundary: record the failure instead of dying silently
        log.exception("import job %s failed", job_id)
        result = ImportResult(kind=job.kind, filename=job.filename)
        result.add_error(RowError(None, N_("The import stopped on an unexpected error. Nothing was imported.")))
        with write_tx():
            _finish(job_id, result, "failed")
    finally:
        for path in ((upload,) if remove_upload else ()) + ((progress_file,) if progress_file else ()):
            try:
                path.unlink()
            except OSError:
                pass
    return ImportJob.get_by_id(job_id)


def fail_if_stale(job: ImportJob, progress_file: Path | None, *, stale_after: float = 600,
                  now: datetime | None = None) -> ImportJob:
    """Mark a job failed when it has shown no sign of life for stale_after seconds (its process died).

    An import's rows become visible in one transaction, so an interrupted job imported nothing: saying so is
    true (its invisible rows are deleted by the next import).
    """
    if job.is_finished:
        return job
    now = now or clock.now()
    beats = [job.started_at or job.created_at]
    live = read_progress(progress_file) or {}
    if live.get("at"):
        beats.append(datetime.fromisoformat(live["at"]))
    if (now - max(beats)).total_seconds() < stale_after:
        return job
    result = ImportResult(kind=job.kind, filename=job.filename)
    result.add_error(RowError(None, N_("The import was interrupted before it finished (was the server "
                                       "restarted?). Nothing was imported: upload the file again.")))
    with write_tx():
        # only if it is still unfinished: a job finishing right now wins
        ImportJob.update(status="failed", error_count=1, errors=dump_errors(result), finished_at=now).where(
            (ImportJob.id == job.id) & ImportJob.status.not_in(["done", "failed"])).execute()
    return ImportJob.get_by_id(job.id)


def job_status(job: ImportJob, progress_file: Path | None = None) -> dict:
    """The job's progress as plain data (live figures from the progress file while it runs)."""
    done, total, phase = job.rows_done, job.rows_total, job.status
    if not job.is_finished:
        live = read_progress(progress_file)
        if live:
            done, total, phase = live["done"], live["total"], live["phase"]
            phase = "validating" if phase == "validate" else "importing"
    return {"id": job.id, "kind": job.kind, "status": job.status, "phase": phase, "done": done, "total": total,
            "imported": job.imported, "error_count": job.error_count, "finished": job.is_finished}


# the background imports started in this process (tests join them; a server never needs to)
THREADS: list[threading.Thread] = []


def start(job_id: int, upload: Path, *, dry_run: bool = False, progress_file: Path | None = None,
          ip: str = "", remove_upload: bool = True, skip_existing: bool = False,
          existing: str | None = None) -> threading.Thread:
    """Run process_job on a background thread with its own database connection; returns the thread."""
    def target():
        with db.connection_context():
            process_job(job_id, upload, dry_run=dry_run, progress_file=progress_file, ip=ip,
                        remove_upload=remove_upload, skip_existing=skip_existing, existing=existing)

    thread = threading.Thread(target=target, name=f"import-job-{job_id}", daemon=True)
    THREADS.append(thread)
    thread.start()
    return thread


def job_that_created(item) -> ImportJob | None:
    """The finished catalogue import that created this item (its load; before migration 016 its id range and
    creation stamp), or None."""
    if item.import_load is not None:
        load = ImportLoad.get_or_none(ImportLoad.id == item.import_load)
        job = ImportJob.get_or_none(ImportJob.id == load.job_id) if load is not None and load.job_id else None
        return job if job is not None and job.status == "done" else None
    for job in (ImportJob.select().where((ImportJob.kind == "items") & (ImportJob.status == "done")
                                         & (ImportJob.imported > 0)).order_by(ImportJob.id.desc()).limit(500)):
        summary = json.loads(job.summary or "{}")
        first, last, stamp = summary.get("first_id"), summary.get("last_id"), summary.get("created_at")
        if first and last and first <= item.id <= last and stamp and datetime.fromisoformat(stamp) == item.created_at:
            return job
    return None
