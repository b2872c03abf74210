"""Pages for batches (调档), handover lists (交接单), the quarantine and damage registers.

Thin: validate the form → one call into app.custody.handovers → flash and redirect; a refusal is
flashed in the user's language and changes nothing.
"""
import csv
import io
import tempfile
import uuid
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.custody import handovers
from app.custody.errors import CustodyError
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
    RESOLUTIONS,
    SIDES,
)
from app.custody.handovers.models import (
    Batch,
    BatchItem,
    DamageNote,
    DamageRecord,
    Handover,
    HandoverLine,
    QuarantineRecord,
)
from app.security import can, require
from app.web.helpers import actor_person, flash_error

from . import bp
from .forms import (
    AcceptForm,
    BatchForm,
    DamageFilterForm,
    DamageForm,
    HandoverForm,
    NoteForm,
    ReleaseForm,
    RepairForm,
    ScanForm,
    SecrecyForm,
)

NAMES = {"DIRECTIONS": DIRECTIONS, "CONDITIONS": CONDITIONS, "DIFFERENCES": DIFFERENCES,
         "HANDOVER_STATUSES": HANDOVER_STATUSES, "BATCH_STAGES": BATCH_STAGES, "DAMAGE_STATUSES": DAMAGE_STATUSES,
         "DAMAGE_SOURCES": DAMAGE_SOURCES, "QUARANTINE_STATUSES": QUARANTINE_STATUSES,
         "RESOLUTIONS": RESOLUTIONS, "SIDES": SIDES}
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


@bp.context_processor
def _names():
    return NAMES


def volume_registers(item) -> dict:
    """A volume's handover lists, damage and quarantine records, newest first (for the item page)."""
    lists = list(Handover.select(Handover, HandoverLine).join(HandoverLine)
                 .where(HandoverLine.item == item.id).order_by(Handover.id.desc()).limit(20))
    damage = list(DamageRecord.select().where(DamageRecord.item == item.id).order_by(DamageRecord.id.desc()))
    quarantine = list(QuarantineRecord.select().where(QuarantineRecord.item == item.id)
                      .order_by(QuarantineRecord.id.desc()))
    return {"lists": lists, "damage": damage, "quarantine": quarantine}


@bp.app_context_processor
def _item_page():
    # the item page (another area's template) includes handovers/_item_actions.html, which reads these
    return {"volume_registers": volume_registers, "HANDOVER_NAMES": NAMES}


def _who() -> dict:
    return {"actor": actor_person(), "user": current_user._get_current_object()}


def _back(default: str):
    target = request.form.get("next", "")
    # only a path on this site: "//host" and "/\\host" would leave it
    safe = target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target
    return redirect(target if safe else default)


# ---------------------------------------------------------------- index, batches


@bp.route("/")
@require("handovers.view")
def index():
    """Recent batches and handover lists, with the forms to make new ones."""
    batches = list(Batch.select().order_by(Batch.id.desc()).limit(50))
    lists = list(Handover.select().order_by(Handover.id.desc()).limit(100))
    return render_template("handovers/index.html", batches=batches, lists=lists, batch_form=BatchForm(),
                           handover_form=HandoverForm())


@bp.route("/batches", methods=["POST"])
@require("batches.manage")
def create_batch():
    """Make a batch from a pasted list (codes, archive numbers, ranges) and/or a catalogue file."""
    form = BatchForm()
    if not form.validate_on_submit():
        flash(_("Check the form."), "error")
        return redirect(url_for("handovers.index"))
    entries = handovers.rules.parse_entries(form.entries.data or "")
    try:
        upload = form.catalogue.data
        if upload and upload.filename:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / ("catalogue" + Path(upload.filename).suffix.lower())
                upload.save(path)
                entries += handovers.entries_from_catalogue(path, upload.filename)
        batch = handovers.make_batch(entries, user=current_user._get_current_object(), title=form.title.data or "")
    except CustodyError as err:
        flash_error(err)
        return redirect(url_for("handovers.index"))
    flash(_("Batch %(number)s made.", number=batch.number), "success")
    return redirect(url_for("handovers.batch", number=batch.number))


@bp.route("/batches/<number>")
@require("handovers.view")
def batch(number):
    """A batch: counts by stage, its volumes in pick order, its handover lists."""
    try:
        found = handovers.get_batch(number)
    except CustodyError:
        abort(404)
    stages = {row.item_id: row.stage for row in BatchItem.select().where(BatchItem.batch == found.id)}
    rows = [(item, shelf, handovers.batch_stage(stages[item.id], item.state))
            for item, shelf in handovers.pick_list(found)]
    return render_template("handovers/batch.html", batch=found, rows=rows, counts=handovers.batch_counts(found),
                           lists=list(found.handovers.order_by(Handover.id)), handover_form=HandoverForm())


@bp.route("/batches/<number>/pick-list.pdf")
@require("handovers.view")
def pick_list_pdf(number):
    """The pick list as PDF, sorted by shelf."""
    try:
        found = handovers.get_batch(number)
    except CustodyError:
        abort(404)
    body = pdf.pick_list_pdf(found, handovers.pick_list(found))
    return send_file(io.BytesIO(body), mimetype="application/pdf", download_name=f"{found.number}.pdf")


# ---------------------------------------------------------------- handover lists


@bp.route("/new", methods=["POST"])
@require("handovers.work")
def create_handover():
    """Open a handover list (draft)."""
    form = HandoverForm()
    if not form.validate_on_submit():
        flash(_("Check the form."), "error")
        return redirect(url_for("handovers.index"))
    try:
        found = handovers.open_handover(form.direction.data, user=current_user._get_current_object(),
                                        batch=form.batch.data or None, location=form.location.data or None,
                                        corrects=form.corrects.data or None, note=form.note.data or "")
    except CustodyError as err:
        flash_error(err)
        return _back(url_for("handovers.index"))
    return redirect(url_for("handovers.handover", number=found.number))


def _get_handover(number) -> Handover:
    try:
        return handovers.get_handover(number)
    except CustodyError:
        abort(404)


def _my_side(found: Handover) -> str | None:
    person = actor_person()
    if person is None or person.org_kind not in ("archive", "service"):
        return None
    return next(s for s in ("from", "to") if handovers.rules.side_org(found.direction, s) == person.org_kind)


@bp.route("/<number>")
@require("handovers.view")
def handover(number):
    """The handover page: scan on either side, every difference, acceptance, both confirmations."""
    found = _get_handover(number)
    shown = handovers.summary(found)
    return render_template("handovers/handover.html", handover=found, lines=shown.lines, totals=shown.totals,
                           people=shown.people, open_count=shown.unresolved,
                           side=_my_side(found), scan_form=ScanForm(formdata=None, condition="intact"),
                           accept_form=AcceptForm(formdata=None),
                           corrections=list(found.corrections), handover_form=HandoverForm(formdata=None))


@bp.route("/<number>/scan", methods=["POST"])
@require("handovers.work")
def scan(number):
    """One side's scan of a volume: pages, condition, note."""
    found = _get_handover(number)
    form = ScanForm()
    if not form.validate_on_submit():
        flash(_("Scan or type a code."), "error")
        return redirect(url_for("handovers.handover", number=found.number))
    try:
        line = handovers.scan_line(found, form.code.data, pages=form.pages.data, condition=form.condition.data,
                                   note=form.note.data or "", **_who())
    except CustodyError as err:
        flash_error(err)
    else:
        flash(_("%(code)s recorded: %(pages)s pages, %(condition)s.", code=line.item.code,
                pages=line.from_pages if line.from_at and not line.to_at else line.to_pages,
                condition=_(CONDITIONS[form.condition.data])), "success")
    return redirect(url_for("handovers.handover", number=found.number))


@bp.route("/<number>/accept", methods=["POST"])
@require("handovers.work")
def accept(number):
    """Note and accept the differences on one line."""
    found = _get_handover(number)
    form = AcceptForm()
    if form.validate_on_submit():
        try:
            handovers.accept_difference(found, form.code.data, note=form.note.data or "", **_who())
        except CustodyError as err:
            flash_error(err)
    return redirect(url_for("handovers.handover", number=found.number))


@bp.route("/<number>/confirm", methods=["POST"])
@require("handovers.work")
def confirm(number):
    """Confirm the caller's side with their own login; the second confirmation passes custody."""
    found = _get_handover(number)
    try:
        done = handovers.confirm(found, **_who())
    except CustodyError as err:
        flash_error(err)
    else:
        if done.status == "confirmed":
            flash(_("Handover %(number)s confirmed by both sides: custody has passed.", number=done.number),
                  "success")
        else:
            flash(_("Your side is confirmed; waiting for the other side."), "success")
    return redirect(url_for("handovers.handover", number=found.number))


@bp.route("/<number>.pdf")
@require("handovers.view")
def handover_pdf(number):
    """The list in duplicate (第一联, 第二联) as PDF."""
    found = _get_handover(number)
    body = pdf.handover_pdf(found, base_url=request.host_url.rstrip("/"))
    return send_file(io.BytesIO(body), mimetype="application/pdf", download_name=f"{found.number}.pdf")


# ---------------------------------------------------------------- quarantine register (6.5)


@bp.route("/quarantine")
@require("quarantine.view")
def quarantine_register():
    """Every volume quarantined for a secrecy mark: who found it, when, where, which pages, how it ended."""
    rows = list(handovers.quarantine_records().limit(500))
    return render_template("handovers/quarantine.html", rows=rows, form=SecrecyForm(formdata=None),
                           release_form=ReleaseForm(formdata=None))


@bp.route("/quarantine", methods=["POST"])
@require("quarantine.raise")
def raise_secrecy_mark():
    """Secrecy mark found: stop the volume at once and register it."""
    form = SecrecyForm()
    if form.validate_on_submit():
        try:
            handovers.raise_secrecy_mark(form.code.data, pages=form.pages.data or "", note=form.note.data or "",
                                         location=form.location.data or None, **_who())
        except CustodyError as err:
            flash_error(err)
        else:
            flash(_("Quarantined: the supervisor and the security officer are alerted."), "success")
    return _back(url_for("handovers.quarantine_register") if can("quarantine.view") else url_for("custody.dashboard"))


@bp.route("/quarantine/<code>/release", methods=["POST"])
@require("quarantine.release")
def release(code):
    """The security officer lifts a quarantine with a reason."""
    form = ReleaseForm()
    if form.validate_on_submit():
        try:
            handovers.release_quarantine(code, reason=form.reason.data or "", **_who())
        except CustodyError as err:
            flash_error(err)
        else:
            flash(_("Released from quarantine."), "success")
    return redirect(url_for("handovers.quarantine_register"))


# ---------------------------------------------------------------- damage register (6.1, 6.3)


def _damage_rows(form: DamageFilterForm):
    return handovers.damage_records(status=form.status.data or "", q=form.q.data or "")


@bp.route("/damage")
@require("damage.view")
def damage_register():
    """Every damaged volume with its notes, repair and state; filters."""
    form = DamageFilterForm(request.args)
    form.validate()
    rows = list(_damage_rows(form).limit(500))
    return render_template("handovers/damage.html", rows=rows, filters=form, form=DamageForm(formdata=None),
                           note_form=NoteForm(formdata=None), repair_form=RepairForm(formdata=None))


@bp.route("/damage.csv")
@require("damage.view")
def damage_csv():
    """The damage register (under the page's filters) as CSV."""
    form = DamageFilterForm(request.args)
    form.validate()
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(out)
    writer.writerow([_("Code"), _("Archive number"), _("Title"), _("Found"), _("Source"), _("What is damaged"),
                     _("Pages"), _("State"), _("Repaired"), _("Repaired by"), _("How"), _("Notes")])
    for r in _damage_rows(form):
        notes = " | ".join(f"{n.at:%Y-%m-%d %H:%M} {n.text}" for n in r.notes.order_by(DamageNote.at))
        writer.writerow([r.item.code, r.item.archive_no, r.item.title, f"{r.found_at:%Y-%m-%d %H:%M}",
                         _(DAMAGE_SOURCES.msgid(r.source)), r.description, r.pages, _(DAMAGE_STATUSES.msgid(r.status)),
                         f"{r.repaired_at:%Y-%m-%d %H:%M}" if r.repaired_at else "", r.repaired_by, r.repair_how,
                         notes])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=damage-register.csv"})


def _save_photo(storage) -> str:
    if storage is None or not storage.filename:
        return ""
    suffix = Path(storage.filename).suffix.lower()
    if suffix not in PHOTO_SUFFIXES:
        return ""
    folder = Path(current_app.instance_path) / "damage"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}{suffix}"
    storage.save(folder / name)
    return name


@bp.route("/damage", methods=["POST"])
@require("damage.record")
def record_damage():
    """Register damage on a volume (what, pages, optional photo)."""
    form = DamageForm()
    if form.validate_on_submit():
        source = request.form.get("source", "item")
        try:
            handovers.register_damage(form.code.data, description=form.description.data or "",
                                      pages=form.pages.data or "", photo=_save_photo(form.photo.data),
                                      source=source if source in DAMAGE_SOURCES else "item",
                                      handover=request.form.get("handover") or None, **_who())
        except CustodyError as err:
            flash_error(err)
        else:
            flash(_("Damage registered."), "success")
    return _back(url_for("handovers.damage_register") if can("damage.view") else url_for("custody.dashboard"))


@bp.route("/damage/<int:record_id>/photo")
@require("damage.view")
def damage_photo(record_id):
    """The photo taken of a damage."""
    record = DamageRecord.get_or_none(DamageRecord.id == record_id)
    if record is None or not record.photo:
        abort(404)
    return send_file(Path(current_app.instance_path) / "damage" / record.photo)


def _damage_action(record_id, call):
    try:
        call()
    except CustodyError as err:
        flash_error(err)
    return redirect(url_for("handovers.damage_register") + f"#damage-{record_id}")


@bp.route("/damage/<int:record_id>/note", methods=["POST"])
@require("damage.manage")
def damage_note(record_id):
    """Add a note to a damage record."""
    form = NoteForm()
    form.validate_on_submit()
    return _damage_action(record_id, lambda: handovers.add_damage_note(
        record_id, user=current_user._get_current_object(), text=form.text.data or ""))


@bp.route("/damage/<int:record_id>/repair", methods=["POST"])
@require("damage.manage")
def damage_repair(record_id):
    """Record the repair (who, how)."""
    form = RepairForm()
    form.validate_on_submit()
    return _damage_action(record_id, lambda: handovers.record_repair(
        record_id, user=current_user._get_current_object(), repaired_by=form.repaired_by.data or "",
        how=form.how.data or ""))


@bp.route("/damage/<int:record_id>/accept", methods=["POST"])
@require("damage.manage")
def damage_accept(record_id):
    """Close a damage as accepted as is."""
    form = NoteForm()
    form.validate_on_submit()
    return _damage_action(record_id, lambda: handovers.accept_damage(
        record_id, user=current_user._get_current_object(), note=form.text.data or ""))

