"""Inspections and playback checks (phone first), the special security acceptance, and the bundle export."""
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.custody import clock, completion, signing
from app.custody.completion import jobs
from app.custody.completion.codes import ACCEPTANCE_ITEMS, CHECK_RESULTS, CHECKS, INSPECTION_KINDS
from app.custody.completion.models import CompletionSettings, Inspection, VideoDeletion
from app.custody.errors import N_, CustodyError, ValidationError
from app.custody.models import Site
from app.custody.nights.calendar import local_time
from app.i18n import site_timezone
from app.security import can, require
from app.web.helpers import actor_person, flash_error

from . import bp


def _codes(codes) -> dict[str, str]:
    return {k: _(v) for k, v in codes.items()}


def _local_input(name: str) -> datetime | None:
    """A datetime-local form field (site time) as naive UTC; None when empty; ValidationError when malformed."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(N_("Give a date and time such as 2027-03-01 09:30.")) from None
    if local.tzinfo is not None or not 2000 <= local.year <= 2200:
        raise ValidationError(N_("Give a date and time such as 2027-03-01 09:30."))
    return local.replace(tzinfo=ZoneInfo(site_timezone())).astimezone(UTC).replace(tzinfo=None)


@bp.route("/inspections")
@require("inspections.view")
def inspections():
    rows = list(Inspection.select().order_by(Inspection.at.desc()).limit(200))
    deletions = list(VideoDeletion.select().order_by(VideoDeletion.at.desc()).limit(50))
    return render_template("completion/inspections.html", rows=rows, deletions=deletions,
                           due=completion.due_dates(), settings=CompletionSettings.current(),
                           kinds=_codes(INSPECTION_KINDS), can_record=can("inspections.record"),
                           can_settle=can("inspections.settings"), checks=_codes(CHECKS),
                           results=_codes(CHECK_RESULTS), loads=json.loads, now=clock.now())


@bp.route("/inspections/new", methods=["GET", "POST"])
@require("inspections.record")
def new_inspection():
    values = request.form if request.method == "POST" else {}
    if request.method == "POST":
        checklist = {c: {"result": request.form.get(f"result-{c}", ""), "note": request.form.get(f"note-{c}", "")}
                     for c in CHECKS}
        try:
            completion.record_inspection(user=current_user, inspector=actor_person(), checklist=checklist,
                                         findings=request.form.get("findings", ""),
                                         follow_up=request.form.get("follow_up", ""),
                                         at=_local_input("at"))
        except CustodyError as err:
            flash_error(err)
            return render_template("completion/inspection_form.html", checks=_codes(CHECKS),
                                   results=_codes(CHECK_RESULTS), values=values), err.status
        flash(_("Site inspection recorded."), "success")
        return redirect(url_for("completion.inspections"))
    return render_template("completion/inspection_form.html", checks=_codes(CHECKS), results=_codes(CHECK_RESULTS),
                           values=values)


@bp.route("/inspections/playback", methods=["GET", "POST"])
@require("inspections.record")
def new_playback():
    values = request.form if request.method == "POST" else {}
    if request.method == "POST":
        try:
            completion.record_playback(user=current_user, inspector=actor_person(),
                                       cameras=request.form.get("cameras", ""),
                                       period_from=_local_input("period_from"), period_to=_local_input("period_to"),
                                       findings=request.form.get("findings", ""),
                                       follow_up=request.form.get("follow_up", ""), at=_local_input("at"))
        except CustodyError as err:
            flash_error(err)
            return render_template("completion/playback_form.html", values=values), err.status
        flash(_("Playback check recorded."), "success")
        return redirect(url_for("completion.inspections"))
    return render_template("completion/playback_form.html", values=values)


@bp.route("/inspections/video-deleted", methods=["POST"])
@require("inspections.record")
def mark_video_deleted():
    try:
        completion.mark_video_deleted(user=current_user, camera=request.form.get("camera", ""),
                                      period_from=_local_input("period_from"), period_to=_local_input("period_to"),
                                      note=request.form.get("note", ""))
    except CustodyError as err:
        flash_error(err)
        return redirect(url_for("completion.inspections")), 303
    flash(_("The video period is recorded as deleted."), "success")
    return redirect(url_for("completion.inspections"))


@bp.route("/inspections/settings", methods=["POST"])
@require("inspections.settings")
def inspection_settings():
    try:
        completion.update_settings(user=current_user, inspection_every_days=request.form.get("inspection_every_days"),
                                   playback_every_days=request.form.get("playback_every_days"),
                                   video_retention_days=request.form.get("video_retention_days"))
    except CustodyError as err:
        flash_error(err)
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("completion.inspections"))


def _exports_folder() -> Path:
    return Path(current_app.instance_path) / "exports"


def _acceptance_context():
    site = Site.select().order_by(Site.id).first()
    pem = _public_pem()
    return {"items": completion.acceptance(), "names": _codes(ACCEPTANCE_ITEMS), "site": site,
            "fingerprint": signing.fingerprint(pem) if pem else ""}


def _public_pem() -> bytes | None:
    try:
        return signing.public_pem(current_app.instance_path)
    except FileNotFoundError:
        return None


@bp.route("/completion")
@require("completion.view")
def acceptance():
    ctx = _acceptance_context()
    return render_template("completion/acceptance.html", **ctx, can_export=can("export.read"),
                           jobs=jobs.recent_jobs(_exports_folder()) if can("export.read") else [])


def acceptance_record() -> tuple[str, bytes]:
    """The acceptance record as the bundle's document: (file name, PDF bytes) in the current language."""
    from .pdf import acceptance_pdf as render

    ctx = _acceptance_context()
    return "acceptance-record.pdf", render(ctx["items"], site=ctx["site"], fingerprint=ctx["fingerprint"],
                                           tz=site_timezone())


@bp.route("/completion/acceptance.pdf")
@require("completion.view")
def acceptance_pdf():
    _name, data = acceptance_record()
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name="acceptance.pdf")


@bp.route("/completion/bundle", methods=["POST"])
@require("export.read")
def start_bundle():
    site = Site.select().order_by(Site.id).first()
    job_id = jobs.start_export(_exports_folder(), site_name=site.name if site else "",
                               signer=signing.signer(current_app.instance_path), user=current_user.username,
                               documents=[acceptance_record()])
    return redirect(url_for("completion.bundle_job", job_id=job_id))


@bp.route("/completion/bundle/<job_id>")
@require("export.read")
def bundle_job(job_id):
    status = jobs.job_status(_exports_folder(), job_id)
    if status is None:
        abort(404)
    return render_template("completion/bundle.html", job_id=job_id, status=status)


@bp.route("/completion/bundle/<job_id>/download")
@require("export.read")
def bundle_download(job_id):
    status = jobs.job_status(_exports_folder(), job_id)
    if status is None or status.get("state") != "done":
        abort(404)
    return send_file(_exports_folder() / status["file"], mimetype="application/zip", as_attachment=True,
                     download_name=status["file"])


@bp.app_template_filter("site_dt")
def site_dt(moment) -> str:
    """A naive-UTC datetime as 'YYYY-MM-DD HH:MM' site time."""
    if not moment:
        return "—"
    return local_time(moment, site_timezone()).strftime("%Y-%m-%d %H:%M")
