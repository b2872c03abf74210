"""Bundle exports started from the auditor's page: run in a background thread, progress in a status file.

The status lives beside the zip in the exports folder (not in memory), so any web worker can show it.
"""
import json
import logging
import threading
import uuid
from pathlib import Path

from app.db import db

from .. import clock
from .bundle import all_models, export_project

log = logging.getLogger("custody.completion")
_NAME_OK = set("0123456789abcdef-")


def _status_path(folder: Path, job_id: str) -> Path:
    return folder / f"{job_id}.json"


def _write(folder: Path, job_id: str, **status) -> None:
    path = _status_path(folder, job_id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(status), encoding="utf-8")
    tmp.replace(path)


def start_export(folder: Path, *, site_name: str, signer, user: str, documents=()) -> str:
    """Start writing a bundle into folder in a background thread; returns the job id."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    job_id = f"{clock.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
    total = len(all_models())
    _write(folder, job_id, state="running", done=0, total=total, user=user, file=f"bundle-{job_id}.zip")

    def run() -> None:
        done = 0

        def progress(_table: str) -> None:
            nonlocal done
            done += 1
            _write(folder, job_id, state="running", done=done, total=total, user=user, file=f"bundle-{job_id}.zip")

        try:
            with db.connection_context():
                result = export_project(folder / f"bundle-{job_id}.zip", site_name=site_name, signer=signer,
                                        progress=progress, documents=documents)
            _write(folder, job_id, state="done", done=total, total=total, user=user,
                   file=f"bundle-{job_id}.zip", rows=result.rows, signed=result.signed)
        except Exception as exc:  # the page says it failed, the log keeps why; the thread ends cleanly
            log.exception("bundle export %s failed", job_id)
            _write(folder, job_id, state="failed", done=done, total=total, user=user, file="",
                   error=type(exc).__name__)

    threading.Thread(target=run, name=f"bundle-{job_id}", daemon=True).start()
    return job_id


def job_status(folder: Path, job_id: str) -> dict | None:
    """A job's status, or None for an unknown (or malformed) id."""
    if not job_id or set(job_id) - _NAME_OK:
        return None
    path = _status_path(Path(folder), job_id)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def recent_jobs(folder: Path, limit: int = 10) -> list[tuple[str, dict]]:
    """The newest export jobs, newest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    ids = sorted((p.stem for p in folder.glob("*.json")), reverse=True)[:limit]
    return [(i, s) for i in ids if (s := job_status(folder, i)) is not None]
