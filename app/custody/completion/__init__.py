"""Project completion (7.1, 7.5): inspections and playback checks, the special security acceptance,
and the bundle the archive department receives, verifiable offline.

Public surface: record_inspection, record_playback, mark_video_deleted, update_settings,
open_overdue_alerts (a scheduler job), acceptance(now); export_project(path, …) writes the bundle and
verify_bundle(path, key) checks one.
"""
from .acceptance import AcceptanceItem, acceptance
from .bundle import DOCUMENTS, ExportResult, all_models, export_project
from .services import (
    due_dates,
    mark_video_deleted,
    open_overdue_alerts,
    record_inspection,
    record_playback,
    update_settings,
)
from .verify import BundleReport, verify_bundle

__all__ = ["DOCUMENTS", "AcceptanceItem", "BundleReport", "ExportResult", "acceptance", "all_models", "due_dates",
           "export_project", "mark_video_deleted", "open_overdue_alerts", "record_inspection", "record_playback",
           "update_settings", "verify_bundle"]

from .. import scheduler as _scheduler  # noqa: E402

_scheduler.register_job("inspections-overdue", 3600, open_overdue_alerts)
