"""The security officer's people pages: a person's vetting and badge, the personnel change register
(with CSV/PDF export), the area's settings; the privileged-role approvals and the enrolment page."""
import csv
import io

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from app.custody import clock, people, printing
from app.custody.errors import N_, CustodyError
from app.custody.media.pdf import table_pdf
from app.custody.models import Person
from app.custody.people import codes, roles, rules
from app.security import public, require
from app.web.helpers import client_ip, flash_error

from . import bp
from .forms import badge_fields, change_filters, field


def _names(code_set) -> dict:
    return {code: _(msgid) for code, msgid in code_set.items()}


def _person_or_404(person_id: int) -> Person:
    who = Person.get_or_none(Person.id == person_id)
    if who is None:
        abort(404)
    return who


def _no_store(response):
    # a page carrying a one-time enrolment code must not be kept in any cache or history
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- a person's vetting and badge

@bp.route("/people/<int:person_id>/vetting")
@require("people.view")
def vetting(person_id):
    who = _person_or_404(person_id)
    conf = people.settings()
    today = people.site_today()
    records = people.vetting_records(who)
    required = rules.required_for(who.org_kind, conf.required)
    gaps = {g.item: g.reason for g in rules.vetting_gaps(records, org_kind=who.org_kind, required=conf.required,
                                                        min_hours=conf.min_training_hours, today=today)}
    expiring = set(rules.expiring(records, today=today, warn_days=conf.warn_days))
    changes = list(people.change_query(person=who).limit(200))
    return render_template("people/vetting.html", person=who, records=records, required=required, gaps=gaps,
                           expiring=expiring, conf=conf, today=today, changes=changes,
                           holding=people.holdings(who), item_names=_names(codes.VETTING_ITEMS),
                           gap_names=_names(codes.GAP_REASONS), change_names=_names(codes.CHANGE_KINDS))


@bp.route("/people/<int:person_id>/vetting", methods=["POST"])
@require("people.vet")
def record_vetting(person_id):
    who = _person_or_404(person_id)
    item = field("item", 24)
    try:
        people.record_vetting(who, item, done_on=field("done_on", 20), reference=field("reference", 200),
                                hours=field("hours", 20) or None, expires_on=field("expires_on", 20) or None,
                                by=current_user)
    except CustodyError as err:
        flash_error(err)
    else:
        flash(_("%(item)s recorded for %(name)s.", item=_(codes.VETTING_ITEMS.msgid(item)), name=who.name),
              "success")
    return redirect(url_for("people.vetting", person_id=who.id))


BADGE_DONE = {
    "activate": N_("The badge of %(name)s is active."),
    "suspend": N_("The badge of %(name)s is suspended."),
    "reinstate": N_("The badge of %(name)s is active again."),
    "revoke": N_("The badge of %(name)s is revoked."),
    "lost": N_("The lost badge of %(name)s no longer opens any door; the new badge is %(code)s."),
}


@bp.route("/people/<int:person_id>/badge", methods=["POST"])
@require("people.vet")
def badge_action(person_id):
    who = _person_or_404(person_id)
    action = field("action", 16)
    if action not in codes.BADGE_ACTIONS:
        flash(_("Unknown badge action: %(action)s", action=action), "error")
        return redirect(url_for("people.vetting", person_id=who.id))
    try:
        who = people.badge_action(who, action, by=current_user, **badge_fields())
    except CustodyError as err:
        flash_error(err)
    else:
        flash(_(BADGE_DONE[action], name=who.name, code=who.badge_code), "success")
        if action == "lost" and who.badge_status == "active":
            return redirect(url_for("people.vetting", person_id=who.id, print=1))
    return redirect(url_for("people.vetting", person_id=who.id))


@bp.route("/people/<int:person_id>/card.pdf")
@require("badges.print")
def badge_card(person_id):
    who = _person_or_404(person_id)
    from app.web.labels.views import captions
    from labels.sheets import SHEETS

    try:
        cards = printing.build_badges([who], captions(), void=request.args.get("void") == "1")
        job = printing.render_job(cards, SHEETS["cr80"], "pdf", name=f"badge-{who.badge_code}")
    except CustodyError as err:
        flash_error(err)
        return redirect(url_for("people.vetting", person_id=who.id))
    return Response(job.data, mimetype=job.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{job.filename}"'})


@bp.route("/people/<int:person_id>/leave", methods=["POST"])
@require("people.vet")
def leave(person_id):
    who = _person_or_404(person_id)
    try:
        people.leave(who, by=current_user, on=field("on", 20) or None, reason=field("reason", 200))
    except CustodyError as err:
        flash_error(err)
    else:
        flash(_("%(name)s has left; the badge is revoked.", name=who.name), "success")
    return redirect(url_for("people.vetting", person_id=who.id))


@bp.route("/people/<int:person_id>/post", methods=["POST"])
@require("people.vet")
def change_post(person_id):
    who = _person_or_404(person_id)
    start, end = field("valid_from", 20) or None, field("valid_until", 20) or None
    try:
        people.change_post(who, position=field("position", 200), organisation=field("organisation", 300),
                             by=current_user)
        if (start or "", end or "") != (str(who.valid_from or ""), str(who.valid_until or "")):
            people.set_validity(who, valid_from=start, valid_until=end, by=current_user)
    except CustodyError as err:
        flash_error(err)
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("people.vetting", person_id=who.id))


# ---------------------------------------------------------------- the register

def _register_rows(filters: dict):
    return list(people.change_query(**filters).limit(5000))


def _table(rows):
    names = _names(codes.CHANGE_KINDS)
    headings = [_("When"), _("Name"), _("Badge"), _("Organisation"), _("Change"), _("Before"), _("After"),
                _("By"), _("Note")]
    body = [[format_datetime(r.at, "yyyy-MM-dd HH:mm"), r.person.name, r.person.badge_code, r.person.organisation,
             names.get(r.kind, r.kind), r.before, r.after, r.by_name, _note(r)] for r in rows]
    return headings, body


def _note(row) -> str:
    if row.kind == "vetting" and row.note in codes.VETTING_ITEMS:
        return _(codes.VETTING_ITEMS[row.note])
    return row.note


def export_register(rows, fmt: str) -> tuple[bytes, str, str]:
    """The register rows as CSV (UTF-8 with BOM) or PDF in the current language: (data, mimetype, filename)."""
    headings, body = _table(rows)
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8
        writer = csv.writer(out)
        writer.writerow(headings)
        writer.writerows(body)
        return out.getvalue().encode("utf-8"), "text/csv", "personnel-changes.csv"
    pdf = table_pdf(_("Personnel change register"), headings, body, subtitle=_("%(n)s changes", n=len(body)))
    return pdf, "application/pdf", "personnel-changes.pdf"


@bp.route("/people/changes")
@require("people.changes")
def changes():
    filters = change_filters(request.args)
    fmt = request.args.get("format", "")
    try:
        rows = _register_rows(filters)
    except CustodyError as err:
        flash_error(err)
        filters, rows = {"kind": "", "q": "", "since": "", "until": ""}, _register_rows({})
    if fmt in ("csv", "pdf"):
        data, mimetype, filename = export_register(rows, fmt)
        return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return render_template("people/changes.html", rows=rows[:500], total=len(rows), filters=filters,
                           change_names=_names(codes.CHANGE_KINDS), note=_note)


# ---------------------------------------------------------------- settings

@bp.route("/people/settings", methods=["GET", "POST"])
@require("people.settings")
def settings_page():
    if request.method == "POST":
        try:
            people.update_settings({"required_items": request.form.getlist("required_items"),
                                      "min_training_hours": field("min_training_hours", 20),
                                      "warn_days": field("warn_days", 20),
                                      "approver_role": field("approver_role", 24)},
                                     by=current_user, ip=client_ip())
        except CustodyError as err:
            flash_error(err)
        else:
            flash(_("Saved."), "success")
        return redirect(url_for("people.settings_page"))
    return render_template("people/settings.html", conf=people.settings(),
                           item_names=_names(codes.VETTING_ITEMS), approver_names=_names(codes.APPROVER_ROLES))


# ---------------------------------------------------------------- three-role separation

@bp.route("/people/roles")
@require("roles.approve")
def roles_page():
    pending = list(roles.pending())
    decided = list(roles.decided().limit(50))
    return render_template("people/roles.html", pending=pending, decided=decided, can_decide=roles.can_decide,
                           kind_names=_names(codes.ROLE_REQUEST_KINDS),
                           status_names=_names(codes.ROLE_REQUEST_STATUSES))


@bp.route("/people/roles/<int:request_id>/<any(approve, refuse):decision>", methods=["POST"])
@require("roles.approve")
def decide_role(request_id, decision):
    try:
        req = roles.get_request(request_id)
        if decision == "refuse":
            roles.refuse(req, by=current_user, note=field("note", 500), ip=client_ip())
            flash(_("Refused."), "success")
            return redirect(url_for("people.roles_page"))
        code = roles.approve(req, by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return redirect(url_for("people.roles_page"))
    if code is None:
        flash(_("Approved."), "success")
        return redirect(url_for("people.roles_page"))
    return _no_store(make_response(render_template("people/enrolment_code.html", req=req, code=code,
                                                   hours=roles.ENROL_HOURS)))


@bp.route("/enrol", methods=["GET", "POST"])
@public
def enrol():
    if current_user.is_authenticated:
        # enrolment sets the password of an account nobody is logged in to: never from another's session
        abort(403)
    if request.method == "POST":
        try:
            if field("password", 200) != field("password2", 200):
                raise roles.PasswordsDifferError()
            roles.enrol(field("username", 64), field("code", 64), field("password", 200), ip=client_ip())
        except CustodyError as err:
            flash_error(err)
            return render_template("people/enrol.html", username=field("username", 64)), err.status
        flash(_("Your password is set. Log in with it."), "success")
        return redirect(url_for("auth.login"))
    return render_template("people/enrol.html", username="")



# ---------------------------------------------------------------- visitors

@bp.route("/people/visitors")
@require("doors.view")
def visitors():
    from app.custody.models import AccessEvent
    from app.custody.people.models import Visitor
    from app.web.media.forms import to_local_input

    rows = list(Visitor.select(Visitor, Person).join(Person).order_by(Visitor.expected_at.desc()).limit(200))
    codes_ = [v.pass_code for v in rows]
    passes: dict[str, list] = {}
    if codes_:
        for a in AccessEvent.select().where(AccessEvent.credential.in_(codes_)).order_by(AccessEvent.at):
            passes.setdefault(a.credential, []).append(a)
    return render_template("people/visitors.html", rows=rows, passes=passes,
                           default_time=to_local_input(clock.now()),
                           reason_names=_names(codes.VISITOR_ACCESS_REASONS))


@bp.route("/people/visitors", methods=["POST"])
@require("visitors.register")
def register_visitor():
    from app.web.media.forms import local_datetime

    try:
        visitor = people.register_visitor(
            name=field("name", 100), id_last4=field("id_last4", 8), organisation=field("organisation", 200),
            reason=field("reason", 500), escort=field("escort", 64) or "-", expected_at=local_datetime("expected_at"),
            by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
    else:
        flash(_("Visitor %(name)s registered: pass %(code)s.", name=visitor.name, code=visitor.pass_code), "success")
    return redirect(url_for("people.visitors"))


@bp.route("/people/visitors/<int:visitor_id>/end", methods=["POST"])
@require("visitors.register")
def end_visit(visitor_id):
    from app.custody.people.models import Visitor

    visitor = Visitor.get_or_none(Visitor.id == visitor_id)
    if visitor is None:
        abort(404)
    try:
        people.end_visit(visitor, by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
    else:
        flash(_("Visit ended: the pass no longer opens any door."), "success")
    return redirect(url_for("people.visitors"))
