"""Pages of the flow sheet: the site's steps, devices, a volume's sheet (page and PDF), assignments,
the work-in-progress board (page and CSV).

Thin: validate the form → one call into app.custody.flow → flash and redirect; a refusal is flashed in
the user's language and changes nothing.
"""
import csv
import io

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.custody.errors import CustodyError
from app.custody.flow import assignments, board, codes, pdf, rules, services
from app.custody.flow import devices as device_services
from app.custody.flow.models import Device
from app.custody.models import Item
from app.security import require
from app.web.helpers import actor_person, flash_error

from . import bp
from .forms import AssignForm, DeviceForm, DeviceImportForm, DeviceStateForm, StepForm


def _tolerance() -> int:
    return int(current_app.config.get("FLOW_COUNT_TOLERANCE", 0))


@bp.get("/")
@require("steps.view")
def index():
    """The site's steps in order."""
    return render_template("flow/index.html", steps=services.definitions(), form=StepForm(), codes=codes)


@bp.post("/steps")
@require("steps.define")
def define_step():
    """Add or change a step (logged in the admin log; past sheets keep their copies)."""
    form = StepForm()
    if form.validate_on_submit():
        try:
            services.define_step(form.code.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                                 position=form.position.data, needs_device=form.needs_device.data,
                                 counts=form.counts.data, may_skip=form.may_skip.data,
                                 rework_to=form.rework_to.data or None, is_active=form.is_active.data,
                                 user=current_user._get_current_object())
            flash(_("Step saved: %(code)s", code=form.code.data), "success")
        except CustodyError as err:
            flash_error(err)
    else:
        flash(_("Check the form: %(fields)s", fields=", ".join(str(getattr(form, f).label.text)
                                                               for f in form.errors)), "error")
    return redirect(url_for("flow.index"))


@bp.get("/devices")
@require("devices.view")
def devices():
    """The registered devices with their workstation and state."""
    rows = list(Device.select(Device, Item).join(Item).order_by(Item.code))
    return render_template("flow/devices.html", devices=rows, form=DeviceForm(), state_form=DeviceStateForm(),
                           import_form=DeviceImportForm(), codes=codes)


@bp.post("/devices/import")
@require("devices.manage")
def import_devices():
    """Register several devices from CSV lines (all or nothing)."""
    form = DeviceImportForm()
    if form.validate_on_submit():
        try:
            made = device_services.import_devices(form.rows.data, user=current_user._get_current_object())
            flash(_("%(count)d devices registered.", count=len(made)), "success")
        except CustodyError as err:
            flash_error(err)
    return redirect(url_for("flow.devices"))


@bp.post("/devices")
@require("devices.manage")
def register_device():
    """Register a device at a workstation."""
    form = DeviceForm()
    if form.validate_on_submit():
        try:
            where = device_services.location(form.workstation.data) if form.workstation.data else None
            device = device_services.register_device(form.name.data, workstation=where, serial_no=form.serial_no.data or "",
                                              code=form.code.data or "", user=current_user._get_current_object())
            flash(_("Device registered: %(code)s", code=device.item.code), "success")
        except CustodyError as err:
            flash_error(err)
    return redirect(url_for("flow.devices"))


@bp.post("/devices/<code>/state")
@require("devices.manage")
def change_device(code):
    """Put a device in service, under repair or retired, or move it to another workstation."""
    form = DeviceStateForm()
    if form.validate_on_submit():
        try:
            where = device_services.location(form.workstation.data) if form.workstation.data else None
            device_services.change_device(code, status=form.status.data, workstation=where,
                                   user=current_user._get_current_object())
            flash(_("Device changed: %(code)s", code=code), "success")
        except CustodyError as err:
            flash_error(err)
    return redirect(url_for("flow.devices"))


@bp.get("/sheet/<code>")
@require("steps.view")
def sheet(code):
    """A volume's flow sheet: steps in order, custody events between them, counts that disagree."""
    try:
        item, rows, events = services.sheet(code)
    except CustodyError:
        abort(404)
    flagged = rules.count_differences(rows, _tolerance())
    return render_template("flow/sheet.html", item=item, lines=rules.interleave(rows, events), flagged=flagged,
                           flagged_ids={r.id for pair in flagged for r in pair}, codes=codes)


def _pdf_response(codes_, name):
    size = request.args.get("size", "A4").upper()
    lang = request.args.get("lang", "zh")
    if size not in pdf.SIZES or lang not in pdf.LANGS:
        abort(400)
    try:
        body = pdf.sheets_pdf(codes_, size=size, lang=lang, tolerance=_tolerance())
    except CustodyError:
        abort(404)
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


@bp.get("/sheet/<code>.pdf")
@require("steps.view")
def sheet_pdf(code):
    """The sheet as a PDF (?size=A4|A5&lang=zh|en) with a QR code back to the live sheet."""
    return _pdf_response([code], f"sheet-{code}")


@bp.get("/sheets.pdf")
@require("steps.view")
def sheets_pdf():
    """Several volumes' sheets in one PDF: ?batch=<number> or ?codes=V1,V2 (plus size, lang)."""
    wanted = [c for c in request.args.get("codes", "").replace("\n", ",").split(",") if c.strip()]
    if request.args.get("batch"):
        wanted = _batch_codes(request.args["batch"])
    if not wanted or len(wanted) > 2000:
        abort(400)
    return _pdf_response(wanted, "sheets")


def _batch_codes(number: str) -> list[str]:
    try:
        return assignments.batch_codes(number)
    except CustodyError:
        abort(404)


@bp.get("/board", endpoint="board")
@require("steps.board")
def board_page():
    """Work in progress: volumes at each step, the longest there first, reworks; output charts."""
    steps, finished, reworks = board.step_counts()
    return render_template("flow/board.html", steps=steps, finished=finished, reworks=reworks,
                           oldest=board.oldest(50), codes=codes)



@bp.get("/board.csv")
@require("steps.board")
def board_csv():
    """The board's counts per step, the volumes longest at a step, and the output per operator and device per
    (local) day, as CSV."""
    steps, finished, _reworks = board.step_counts()
    days = request.args.get("days", "7")
    out = board.output(min(int(days), 92) if days.isdigit() and int(days) > 0 else 7)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["step", "name_zh", "name_en", "in_progress", "waiting", "rework"])
    for s in steps:
        writer.writerow([s["step"], s["name_zh"], s["name_en"], s["in_progress"], s["waiting"], s["rework"]])
    writer.writerow(["finished", "", "", finished, "", ""])
    writer.writerow([])
    writer.writerow(["code", "archive_no", "step", "outcome", "since_utc", "hours", "reworks"])
    for r in board.oldest(50):
        writer.writerow([r["code"], r["archive_no"], r["step"], r["outcome"], r["since"].isoformat(timespec="seconds"),
                         r["hours"], r["reworks"]])
    writer.writerow([])
    writer.writerow(["who", "name", *out["days"]])
    for o in out["operators"]:
        writer.writerow(["operator", o["name"], *o["per_day"]])
    for d in out["devices"]:
        writer.writerow(["device", f'{d["code"]} {d["name"]}', *d["per_day"]])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="work-in-progress.csv"'})


@bp.route("/assign", methods=["GET", "POST"])
@require("steps.assign")
def assign():
    """Assign volumes (or a batch) to an operator or a workstation for a step."""
    form = AssignForm()
    form.step.choices = [(s.code, f"{s.name_zh} / {s.name_en}") for s in services.definitions(active_only=True)]
    if form.validate_on_submit():
        try:
            made = assignments.assign_named(form.step.data, codes=(form.codes.data or "").splitlines(),
                                         batch=form.batch.data, badge=form.person.data,
                                         workstation_code=form.workstation.data,
                                         user=current_user._get_current_object())
            flash(_("%(count)d volumes assigned.", count=len(made)), "success")
            return redirect(url_for("flow.assign"))
        except CustodyError as err:
            flash_error(err)
    return render_template("flow/assign.html", form=form)


@bp.get("/mine")
@require("steps.record")
def mine():
    """What is assigned to me (or my workstation) and not done yet."""
    where = None
    if request.args.get("workstation"):
        try:
            where = assignments.workstation(request.args["workstation"])
        except CustodyError as err:
            flash_error(err)
    return render_template("flow/mine.html", tasks=assignments.assigned_to(actor_person(), where), workstation=where,
                           steps={d.code: d for d in services.definitions()}, codes=codes)
