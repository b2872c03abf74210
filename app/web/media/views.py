"""The media register's pages: register, item page with its actions, loans, counts, unsealings,
reconciliation, exports (CSV/PDF, zh and en), import from a sheet, and the area's settings."""
import csv
import io
import tempfile
from pathlib import Path

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN

from app.custody import accounts, clock, media
from app.custody.errors import CustodyError, LoginFailedError
from app.custody.media import codes, sheet
from app.custody.media.models import (
    MediaCount,
    MediaCountLine,
    MediaDisposal,
    MediaLoan,
    MediaRecord,
    MediaRepair,
    MediaSeal,
    MediaUnsealing,
)
from app.custody.media.pdf import table_pdf
from app.custody.models import ROLES, Item, Location, Person
from app.i18n import translate_error
from app.security import require
from app.web.helpers import actor_person, client_ip, flash_error

from . import bp
from .forms import day, local_datetime, text, to_local_input


def _names(code_set) -> dict:
    return {code: _(msgid) for code, msgid in code_set.items()}


@bp.app_context_processor
def _inject():
    return {"media_names": _MediaNames()}


class _MediaNames:
    """The area's code sets, translated when a template reads them."""

    def __getattr__(self, name):
        return _names(getattr(codes, name.upper()))


def _done(message: str, endpoint: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def _refused(err: CustodyError, endpoint: str, **values):
    flash_error(err)
    return redirect(url_for(endpoint, **values))


def _locations():
    return [loc for loc in Location.select().where(Location.is_active == True).order_by(Location.code)  # noqa: E712
            if loc.kind not in ("site", "door")]


# ---------------------------------------------------------------- register

@bp.route("/")
@require("media.view")
def register():
    category = request.args.get("category") or ""
    status = request.args.get("status") or ""
    query = (MediaRecord.select(MediaRecord, Item, Location, Person)
             .join(Item, on=(MediaRecord.item == Item.id))
             .switch(MediaRecord).join(Location, JOIN.LEFT_OUTER, on=(MediaRecord.cabinet == Location.id))
             .switch(MediaRecord).join(Person, JOIN.LEFT_OUTER, on=(MediaRecord.keeper == Person.id))
             .order_by(Item.kind.desc(), Item.code))
    if category in codes.CATEGORIES:
        query = query.where(MediaRecord.category == category)
    if status in codes.STATUSES:
        query = query.where(MediaRecord.status == status)
    return render_template("media/register.html", rows=list(query), category=category, status=status)


@bp.route("/new", methods=["GET", "POST"])
@require("media.register")
def new():
    if request.method == "POST":
        try:
            record = media.register(
                category=text("category"), serial_no=text("serial_no"), make=text("make"),
                capacity=text("capacity"), owner_org=text("owner_org") or "archive", keeper=text("keeper"),
                cabinet=text("cabinet"), device=text("device") or None, checked_on=day("checked_on"),
                checked_by=text("checked_by"), code=text("code"), note=text("note"), actor=actor_person(),
                user=current_user)
        except CustodyError as err:
            flash_error(err)
            return render_template("media/new.html", form=request.form, locations=_locations()), err.status
        return _done(_("%(code)s registered.", code=record.item.code), "media.item", code=record.item.code)
    return render_template("media/new.html", form={"device": request.args.get("device", "")},
                           locations=_locations())


@bp.route("/import", methods=["POST"])
@require("media.register")
def import_sheet():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a .csv or .xlsx file."), "error")
        return redirect(url_for("media.new"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("upload" + Path(upload.filename).suffix.lower()[:8])
        upload.save(path)
        try:
            records = sheet.import_sheet(path, upload.filename, actor=actor_person(), user=current_user)
        except sheet.SheetError as err:
            for line, problem in err.problems[:50]:
                flash(_("Row %(row)s: %(problem)s", row=line, problem=translate_error(problem)), "error")
            return redirect(url_for("media.new"))
        except CustodyError as err:
            return _refused(err, "media.new")
    return _done(_("%(n)d registered from %(file)s.", n=len(records), file=upload.filename), "media.register")


@bp.route("/i/<code>")
@require("media.view")
def item(code):
    try:
        record = media.record_of(code)
    except CustodyError as err:
        return render_template("error.html", status=err.status, code=err.code, message=translate_error(err)), \
            err.status
    item = record.item
    ctx = {
        "record": record, "item": item,
        "loans": list(MediaLoan.select().where(MediaLoan.item == item.id).order_by(MediaLoan.id.desc())),
        "repairs": list(MediaRepair.select().where(MediaRepair.item == item.id).order_by(MediaRepair.id.desc())),
        "seals": list(MediaSeal.select().where(MediaSeal.device == item.id).order_by(MediaSeal.id.desc())),
        "unsealings": list(MediaUnsealing.select().where(MediaUnsealing.device == item.id)
                           .order_by(MediaUnsealing.id.desc())),
        "disposals": list(MediaDisposal.select().where(MediaDisposal.item == item.id).order_by(MediaDisposal.id)),
        "disks": list(MediaRecord.select(MediaRecord, Item).join(Item, on=(MediaRecord.item == Item.id))
                      .where(MediaRecord.device == item.id)),
        "open_loan": MediaLoan.get_or_none((MediaLoan.item == item.id) & MediaLoan.returned_at.is_null()),
        "local_input": to_local_input,
    }
    return render_template("media/item.html", **ctx)


@bp.route("/i/<code>/lend", methods=["POST"])
@require("media.lend")
def lend(code):
    try:
        media.lend(code, borrower=text("borrower"), reason=text("reason"), due_at=local_datetime("due_at"),
                      starts_at=local_datetime("starts_at", required=False), approved_by=text("approved_by"),
                      actor=actor_person(), user=current_user, note=text("note"))
    except CustodyError as err:
        return _refused(err, "media.item", code=code)
    return _done(_("%(code)s lent.", code=code), "media.item", code=code)


@bp.route("/loans/<int:loan_id>/return", methods=["POST"])
@require("media.lend")
def take_back(loan_id):
    try:
        loan = media.take_back(loan_id, condition=text("condition"), action=text("action"),
                                  actor=actor_person(), user=current_user, note=text("note"))
    except CustodyError as err:
        loan = MediaLoan.get_or_none(MediaLoan.id == loan_id)
        return _refused(err, "media.item", code=loan.item.code) if loan else _refused(err, "media.loans")
    return _done(_("Return recorded; the borrower confirms with their own login."), "media.item",
                 code=loan.item.code)


@bp.route("/loans/<int:loan_id>/confirm", methods=["POST"])
@require("media.confirm")
def confirm_return(loan_id):
    """The borrower signs the return: their own username and password (or their own session)."""
    loan = MediaLoan.get_or_none(MediaLoan.id == loan_id)
    back = ("media.item", {"code": loan.item.code}) if loan else ("media.loans", {})
    try:
        who = current_user._get_current_object()
        if text("username"):
            who = accounts.authenticate(text("username"), request.form.get("password") or "", ip=client_ip())
        media.confirm_return(loan_id, by=who)
    except LoginFailedError as err:
        return _refused(err, back[0], **back[1])
    except CustodyError as err:
        return _refused(err, back[0], **back[1])
    return _done(_("Return confirmed."), back[0], **back[1])


@bp.route("/i/<code>/repair", methods=["POST"])
@require("media.repair")
def send_for_repair(code):
    try:
        media.send_for_repair(code, approval_ref=text("approval_ref"), approved_by=text("approved_by"),
                                 supervisor=text("supervisor"), repairer=text("repairer"), fault=text("fault"),
                                 actor=actor_person(), user=current_user)
    except CustodyError as err:
        return _refused(err, "media.item", code=code)
    return _done(_("%(code)s is under repair.", code=code), "media.item", code=code)


@bp.route("/repairs/<int:repair_id>/back", methods=["POST"])
@require("media.repair")
def repair_back(repair_id):
    repair = MediaRepair.get_or_none(MediaRepair.id == repair_id)
    code = repair.item.code if repair else ""
    try:
        media.repair_back(repair_id, check_note=text("check_note"), actor=actor_person(), user=current_user)
    except CustodyError as err:
        return _refused(err, "media.item", code=code) if code else _refused(err, "media.register")
    return _done(_("%(code)s is back from repair.", code=code), "media.item", code=code)


@bp.route("/i/<code>/seals", methods=["POST"])
@require("media.unseal")
def register_seal(code):
    try:
        media.register_seal(code, port=text("port"), number=text("number"), actor=actor_person(),
                               user=current_user)
    except CustodyError as err:
        return _refused(err, "media.item", code=code)
    return _done(_("Seal registered."), "media.item", code=code)


@bp.route("/seals/<int:seal_id>/check", methods=["POST"])
@require("media.unseal")
def check_seal(seal_id):
    seal = MediaSeal.get_or_none(MediaSeal.id == seal_id)
    try:
        media.check_seal(seal_id, intact=text("intact") == "yes", note=text("note"), actor=actor_person(),
                            user=current_user)
    except CustodyError as err:
        return _refused(err, "media.register")
    return _done(_("Seal inspection recorded."), "media.item", code=seal.device.code)


@bp.route("/i/<code>/dispose", methods=["POST"])
@require("media.dispose")
def dispose(code):
    try:
        rows = media.dispose(code, kind=text("kind"), done_by=text("done_by") or actor_person(),
                                method=text("method"), verification=text("verification"), witness=text("witness"),
                                certificate_no=text("certificate_no"), receiver=text("receiver"),
                                note=text("note"), user=current_user)
    except CustodyError as err:
        return _refused(err, "media.item", code=code)
    if rows[0].handover_no:
        return _done(_("Handed over on list %(no)s.", no=rows[0].handover_no), "media.item", code=code)
    return _done(_("End recorded."), "media.item", code=code)


@bp.route("/handover", methods=["POST"])
@require("media.dispose")
def hand_over():
    """Hand several media over to the archive department on one list (codes one per line)."""
    found = [c for c in text("codes").replace(",", "\n").split() if c]
    try:
        rows = media.dispose(found, kind="handed_over", done_by=text("done_by") or actor_person(),
                                receiver=text("receiver"), note=text("note"), user=current_user)
    except CustodyError as err:
        return _refused(err, "media.reconciliation")
    return _done(_("Handed over on list %(no)s.", no=rows[0].handover_no), "media.reconciliation")


@bp.route("/i/<code>/residual", methods=["POST"])
@require("media.dispose")
def check_residual(code):
    try:
        media.check_residual(code, result=text("result"), done_by=text("done_by") or actor_person(),
                                note=text("note"), user=current_user)
    except CustodyError as err:
        return _refused(err, "media.item", code=code)
    return _done(_("Residual information check recorded."), "media.item", code=code)


# ---------------------------------------------------------------- loans

@bp.route("/loans")
@require("media.view")
def loans():
    rows = list(MediaLoan.select(MediaLoan, Item).join(Item, on=(MediaLoan.item == Item.id))
                .order_by(MediaLoan.id.desc()).limit(500))
    return render_template("media/loans.html", rows=rows)


# ---------------------------------------------------------------- counts

@bp.route("/counts", methods=["POST"])
@require("media.count")
def start_count():
    try:
        count = media.start_count(text("cabinet"), keeper=actor_person(), user=current_user)
    except CustodyError as err:
        return _refused(err, "media.counts")
    return redirect(url_for("media.count", count_id=count.id))


@bp.route("/counts")
@require("media.view")
def counts():
    rows = list(MediaCount.select(MediaCount, Location).join(Location, on=(MediaCount.cabinet == Location.id))
                .order_by(MediaCount.id.desc()).limit(200))
    cabinets = sorted({r.cabinet for r in MediaRecord.select(MediaRecord, Location)
                       .join(Location, on=(MediaRecord.cabinet == Location.id))}, key=lambda loc: loc.code)
    return render_template("media/counts.html", rows=rows, cabinets=cabinets)


@bp.route("/counts/<int:count_id>")
@require("media.view")
def count(count_id):
    try:
        row = media.count_of(count_id)
    except CustodyError as err:
        return _refused(err, "media.counts")
    lines = list(MediaCountLine.select(MediaCountLine, Item).join(Item, on=(MediaCountLine.item == Item.id))
                 .where(MediaCountLine.count == row.id).order_by(MediaCountLine.id.desc()))
    diffs = media.count_differences(row) if row.status == "open" else []
    if row.status == "open":  # the figures as they stand, before the count is closed
        tally = {result: sum(1 for _i, r, _a in diffs if r == result) for result in codes.COUNT_RESULTS}
        tally["present"] = sum(1 for line in lines if line.result == "present")
    else:
        tally = {result: getattr(row, result) for result in codes.COUNT_RESULTS}
    return render_template("media/count.html", count=row, lines=lines, diffs=diffs, tally=tally)


@bp.route("/counts/<int:count_id>/scan", methods=["POST"])
@require("media.count")
def count_scan(count_id):
    try:
        line = media.count_scan(count_id, text("code"))
    except CustodyError as err:
        return _refused(err, "media.count", count_id=count_id)
    flash(f"{line.item.code}: {_(codes.COUNT_RESULTS[line.result])}",
          "success" if line.result == "present" else "error")
    return redirect(url_for("media.count", count_id=count_id))


@bp.route("/counts/<int:count_id>/readers", methods=["POST"])
@require("media.count")
def count_readers(count_id):
    try:
        added = media.count_from_readers(count_id)
    except CustodyError as err:
        return _refused(err, "media.count", count_id=count_id)
    return _done(_("%(n)d read by the shelf readers.", n=added), "media.count", count_id=count_id)


@bp.route("/counts/<int:count_id>/close", methods=["POST"])
@require("media.count")
def close_count(count_id):
    explanations = {k[len("why-"):]: v for k, v in request.form.items() if k.startswith("why-")}
    try:
        media.close_count(count_id, explanations=explanations, user=current_user)
    except CustodyError as err:
        return _refused(err, "media.count", count_id=count_id)
    return _done(_("Count closed."), "media.count", count_id=count_id)


# ---------------------------------------------------------------- unsealings

@bp.route("/unsealings", methods=["POST"])
@require("media.unseal")
def request_unsealing():
    try:
        media.request_unsealing(text("device"), port=text("port"), reason=text("reason"),
                                   medium=text("medium") or None, planned_start=local_datetime("planned_start"),
                                   planned_end=local_datetime("planned_end"), requested_by=actor_person(),
                                   user=current_user)
    except CustodyError as err:
        return _refused(err, "media.unsealings")
    return _done(_("Unsealing requested."), "media.unsealings")


@bp.route("/unsealings")
@require("media.view")
def unsealings():
    rows = list(MediaUnsealing.select().order_by(MediaUnsealing.id.desc()).limit(300))
    devices = list(MediaRecord.select(MediaRecord, Item).join(Item, on=(MediaRecord.item == Item.id))
                   .where((Item.kind == "device") & (MediaRecord.status != "ended")).order_by(Item.code))
    return render_template("media/unsealings.html", rows=rows, devices=devices)


@bp.route("/unsealings/<int:unsealing_id>/approve", methods=["POST"])
@require("media.approve")
def approve_unsealing(unsealing_id):
    try:
        media.approve_unsealing(unsealing_id, approver=actor_person(), user=current_user)
    except CustodyError as err:
        return _refused(err, "media.unsealings")
    return _done(_(codes.UNSEALING_STATUSES["approved"]), "media.unsealings")


@bp.route("/unsealings/<int:unsealing_id>/<any(start, end):step>", methods=["POST"])
@require("media.unseal")
def unsealing_step(unsealing_id, step):
    try:
        if step == "start":
            media.start_unsealing(unsealing_id, supervisor=text("supervisor"), actor=actor_person(),
                                     user=current_user)
        else:
            media.end_unsealing(unsealing_id, new_seal=text("new_seal"), note=text("note"),
                                   actor=actor_person(), user=current_user)
    except CustodyError as err:
        return _refused(err, "media.unsealings")
    return _done(_(codes.UNSEALING_STATUSES["open" if step == "start" else "closed"]), "media.unsealings")


# ---------------------------------------------------------------- reconciliation and exports

@bp.route("/reconciliation")
@require("media.view")
def reconciliation():
    rows, open_ = media.reconciliation()
    return render_template("media/reconciliation.html", rows=rows, open_count=open_,
                           end_state=lambda r, e: media.end_state(r, {r.item_id: e} if e else {}))


def _person_name(person_id) -> str:
    if not person_id:
        return ""
    person = Person.get_or_none(Person.id == person_id)
    return person.name if person else ""


def _fmt(moment) -> str:
    from .forms import site_tz

    if not moment:
        return ""
    from zoneinfo import ZoneInfo

    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(site_tz()).strftime("%Y-%m-%d %H:%M")


def _register_table():
    headings = [_("Code"), _("Category"), _("Make"), _("Serial number"), _("Capacity"), _("Owner"), _("Keeper"),
                _("Cabinet"), _("In device"), _("Checked on"), _("Checked by"), _("Status")]
    rows = []
    for record in (MediaRecord.select(MediaRecord, Item).join(Item, on=(MediaRecord.item == Item.id))
                   .order_by(Item.kind.desc(), Item.code)):
        rows.append([record.item.code, _(codes.CATEGORIES.msgid(record.category)), record.make,
                     record.item.serial_no, record.item.capacity, _(codes.OWNER_ORGS.msgid(record.owner_org)),
                     _person_name(record.keeper_id), record.cabinet.name if record.cabinet_id else "",
                     record.device.code if record.device_id else "",
                     record.checked_on.isoformat() if record.checked_on else "", _person_name(record.checked_by_id),
                     _(codes.STATUSES.msgid(record.status))])
    return _("Media register"), headings, rows


def _loans_table():
    headings = [_("Code"), _("Borrower"), _("Reason"), _("From"), _("Due"), _("Approved by"), _("Returned"),
                _("Condition"), _("Done with it"), _("Keeper confirmed"), _("Borrower confirmed")]
    rows = []
    for loan in MediaLoan.select(MediaLoan, Item).join(Item, on=(MediaLoan.item == Item.id)).order_by(MediaLoan.id):
        rows.append([loan.item.code, _person_name(loan.borrower_id), loan.reason, _fmt(loan.starts_at),
                     _fmt(loan.due_at), _person_name(loan.approved_by_id), _fmt(loan.returned_at),
                     loan.return_condition,
                     _(codes.RETURN_ACTIONS.msgid(loan.return_action)) if loan.return_action else "",
                     _fmt(loan.keeper_confirmed_at), _fmt(loan.borrower_confirmed_at)])
    return _("Media loan log"), headings, rows


def _disposal_rows(handover_no: str | None = None):
    rows, open_ = media.reconciliation()
    out = []
    for record, end in rows:
        if handover_no is not None and (end is None or end.handover_no != handover_no):
            continue
        state = media.end_state(record, {record.item_id: end} if end else {})
        name = (_(codes.END_KINDS[state]) if state in codes.END_KINDS else
                _("Checked: %(result)s", result=_(codes.RESIDUAL_RESULTS.msgid(end.result))) if state == "checked"
                else _("Open"))
        out.append([record.item.code, _(codes.CATEGORIES.msgid(record.category)), record.item.serial_no,
                    record.device.code if record.device_id else "", name,
                    end.method if end else "", end.verification if end else "",
                    _person_name(end.witness_id) if end else "", end.certificate_no if end else "",
                    _person_name(end.receiver_id) if end else "", end.handover_no if end else "",
                    _person_name(end.done_by_id) if end else "", _fmt(end.done_at) if end else ""])
    return out, open_


def _disposals_table():
    headings = [_("Code"), _("Category"), _("Serial number"), _("In device"), _("End"), _("Method"),
                _("Verification"), _("Witness"), _("Certificate number"), _("Receiver"), _("Handover list"),
                _("By"), _("When")]
    rows, open_ = _disposal_rows()
    title = _("Media disposal list") + (" — " + _("complete") if open_ == 0 else
                                        " — " + _("%(n)d without an end state", n=open_))
    return title, headings, rows


TABLES = {"register": _register_table, "loans": _loans_table, "disposals": _disposals_table}


@bp.route("/export/<any(register, loans, disposals):what>.<any(csv, pdf):fmt>")
@require("media.view")
def export(what, fmt):
    title, headings, rows = TABLES[what]()
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(headings)
        writer.writerows(rows)
        return Response("\ufeff" + buf.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=media-{what}.csv"})
    pdf = table_pdf(title, headings, rows, subtitle=_fmt(clock.now()) + _fingerprint_note())
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=media-{what}.pdf"})


def _fingerprint_note() -> str:
    """ · the site's signing-key fingerprint (docs/security.md), for the foot of a printed list."""
    from app.custody import seal

    fingerprint = seal.public_key_fingerprint()
    return f" · {_('Signing key fingerprint')}: {fingerprint}" if fingerprint else ""


@bp.route("/handover/<number>.pdf")
@require("media.view")
def handover_pdf(number):
    rows, _open = _disposal_rows(handover_no=number)
    if not rows:
        return render_template("error.html", status=404, code="not_found",
                               message=_("Unknown handover list: %(no)s", no=number)), 404
    headings = [_("Code"), _("Category"), _("Serial number"), _("In device"), _("End"), _("Method"),
                _("Verification"), _("Witness"), _("Certificate number"), _("Receiver"), _("Handover list"),
                _("By"), _("When")]
    pdf = table_pdf(_("Media handover list %(no)s", no=number), headings, rows,
                    subtitle=_("%(n)d item(s)", n=len(rows)) + _fingerprint_note(),
                    copies=[_("Copy 1 of 2: archive department"), _("Copy 2 of 2: service organisation")],
                    signatures=[_("Handed over by (service organisation):"),
                                _("Received by (archive department):"), _("Date:")])
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=media-handover-{number}.pdf"})


# ---------------------------------------------------------------- settings

@bp.route("/settings", methods=["POST"])
@require("media.settings")
def save_settings():
    try:
        media.update_settings(borrower_roles=request.form.getlist("borrower_roles"),
                                 borrower_badges=text("borrower_badges"),
                                 count_every_days=int(text("count_every_days") or 0), user=current_user)
    except ValueError:
        flash(_("Count every 1 to 366 days."), "error")
        return redirect(url_for("media.settings"))
    except CustodyError as err:
        return _refused(err, "media.settings")
    return _done(_("Settings saved."), "media.settings")


@bp.route("/settings")
@require("media.view")
def settings():
    return render_template("media/settings.html", current=media.settings(), roles=ROLES)
