"""The supervisors' alert board, its live feed and charts, the overnight report, the night-rule settings."""
import time
from datetime import UTC, date, timedelta

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.custody import clock, codes
from app.custody.errors import CustodyError
from app.custody.models import Location, Person, Site
from app.custody.nights import board as boardq
from app.custody.nights import calendar, rule
from app.custody.nights.codes import WEEKDAYS
from app.custody.nights.report import night_report, out_through_days, unreturned_per_night
from app.custody.readers.codes import ACCESS_REASONS
from app.i18n import code_names, site_timezone, translate_error
from app.security import can, require
from app.web.helpers import client_ip, flash_error

from . import bp
from .forms import NightRuleForm

PAGE_SIZE = 50
REPORT_ROWS_SHOWN = 1000  # on screen; the PDF lists every row


def _site() -> Site | None:
    return Site.select().order_by(Site.id).first()


def _filters():
    try:
        return boardq.parse_filters(request.args), None
    except CustodyError as err:
        return boardq.Filters(), translate_error(err)


class _Names:
    """The display names the rows need, translated once per request (lazy strings cost per use)."""

    def __init__(self):
        self.kinds = code_names(codes.ALERT_KINDS)
        self.statuses = code_names(codes.ALERT_STATUSES)
        self.severities = code_names(codes.ALERT_SEVERITIES)
        self.events = code_names(codes.EVENT_KINDS)
        self.resolutions = code_names(codes.AUTO_RESOLUTIONS)
        self.reasons = code_names(ACCESS_REASONS)
        self.due = _("Due back")


def _ctx():
    return {"alert_data": boardq.data, "can_manage": can("alerts.manage"), "names": _Names()}


@bp.app_template_filter("local_dt")
def local_dt(moment) -> str:
    """A naive-UTC datetime as 'YYYY-MM-DD HH:MM' in the site's time zone (cheaper than Babel per row)."""
    if not moment:
        return "—"
    return calendar.local_time(moment, site_timezone()).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("utc_text")
def utc_text(value):
    """'2026-11-16T08:00:00' (as stored in alert data) → datetime, or None."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@bp.route("/")
@require("alerts.view")
def board():
    f, problem = _filters()
    if problem:
        flash(problem, "error")
    tz = site_timezone()
    page = max(1, request.args.get("page", 1, type=int))
    rows = boardq.page(f, tz, page, PAGE_SIZE)
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    holders = boardq.overnight_by_holder(f, tz) if f.kind in ("", "overnight") else []
    people = {p.id: p.name for p in Person.select(Person.id, Person.name).where(
        Person.id.in_([h for h, _n, _c in holders] + ([f.holder] if f.holder else [])))}
    return render_template(
        "alerts/board.html", rows=rows, f=f, page=page, has_next=has_next, counts=boardq.counts(f, tz),
        holders=holders, people=people, latest_id=boardq.latest_id(), kinds=boardq.KINDS,
        severities=boardq.SEVERITIES, statuses=boardq.STATUS_FILTERS,
        locations=list(Location.select(Location.id, Location.name, Location.kind).order_by(Location.code)),
        args=f.as_args(), group=f.kind == "overnight", **_ctx())


@bp.route("/feed.json")
@require("alerts.view")
def feed():
    """Anything new since ?after=<id>: the matching new alerts as rendered rows, the open counts, the
    board's per-status counts under its filters; with ?shown=<id>:<status>,… the shown rows whose status
    changed meanwhile, rendered again (by id)."""
    f, problem = _filters()
    if problem:
        return jsonify({"error": {"code": "invalid", "message": problem}}), 422
    after = request.args.get("after", 0, type=int)
    open_n, critical = boardq.active_count()
    latest = boardq.latest_id()
    body = {"latest_id": latest, "open": open_n, "critical_open": critical, "new": 0, "new_critical": 0,
            "rows_html": "", "changed": {}, "counts": boardq.counts(f, site_timezone())}
    shown = _shown(request.args.get("shown", ""))
    for alert in boardq.changed_since_shown(shown, site_timezone()):
        body["changed"][str(alert.id)] = render_template("alerts/_rows.html", rows=[alert], **_ctx())
    if latest > after:
        new = boardq.newer_than(after, f, site_timezone())
        body["new"] = len(new)
        body["new_critical"] = sum(1 for a in new if a.severity == "critical")
        body["rows_html"] = render_template("alerts/_rows.html", rows=new, fresh=True, **_ctx())
    return jsonify(body)


def _shown(text: str) -> dict[int, str]:
    """'12:open,13:acknowledged' → {12: 'open', 13: 'acknowledged'}; anything malformed is left out."""
    shown = {}
    for part in text.split(",")[:boardq.SHOWN_MAX]:
        ident, _sep, status = part.partition(":")
        if ident.isdigit() and status in boardq.STATUSES:
            shown[int(ident)] = status
    return shown


@bp.route("/count.json")
@require()
def count():
    """The navigation badge: open alerts (zero for users who may not see alerts)."""
    if not can("alerts.view"):
        return jsonify({"open": 0, "critical_open": 0, "latest_id": 0})
    open_n, critical = boardq.active_count()
    return jsonify({"open": open_n, "critical_open": critical, "latest_id": boardq.latest_id()})


@bp.route("/act", methods=["POST"])
@require("alerts.manage")
def act():
    """Acknowledge or resolve the ticked alerts (or the one whose button was pressed), with a note."""
    only = request.form.get("only", "")
    if only:
        action, _sep, one = only.partition(":")
        ids = [one]
    else:
        action, ids = request.form.get("action", ""), request.form.getlist("ids")
    # a row's own button takes the row's own note (on a phone the shared note box is pages away)
    note = (request.form.get(f"note-{ids[0]}", "") if only else "") or request.form.get("note", "")
    back = request.form.get("next") or url_for("alerts.board")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("alerts.board")
    try:
        result = boardq.act(action, ids, user=current_user._get_current_object(), note=note)
    except CustodyError as err:
        flash_error(err)
        return redirect(back)
    # no plural forms: the catalog tooling reads singular msgids only, and Chinese has none
    if action == "acknowledge":
        msg = _("Alerts acknowledged: %(num)d.", num=len(result.done))
    else:
        msg = _("Alerts resolved: %(num)d.", num=len(result.done))
    flash(msg, "success")
    if result.skipped:
        flash(_("Skipped, no longer open: %(num)d.", num=len(result.skipped)), "info")
    return redirect(back)


@bp.route("/charts.json")
@require("alerts.view")
def charts():
    """Series for the two charts above the board (epoch seconds, UTC)."""
    site = _site()
    if site is None:
        return jsonify({"out": {"t": [], "n": []}, "nights": {"t": [], "unreturned": [], "late": []}})
    # a week of the log replayed costs up to a second on a large site: every board in the building
    # shares one computation per minute (per worker process)
    key = (site.id, site.timezone, int(time.monotonic() // CHART_TTL))
    cached = _chart_cache.get(key)
    if cached is None:
        _chart_cache.clear()
        cached = _chart_cache[key] = _chart_data(site)
    return jsonify(cached)


CHART_TTL = 60
_chart_cache: dict = {}


def _chart_data(site: Site) -> dict:
    times, counts = out_through_days(site)
    nights = unreturned_per_night(site)

    def epoch(d):
        return int(calendar.night_of(site, d).cutoff_at.replace(tzinfo=UTC).timestamp())

    return {
        "out": {"t": [int(t.replace(tzinfo=UTC).timestamp()) for t in times], "n": counts},
        "nights": {"t": [epoch(n) for n, *_r in nights], "unreturned": [u for _n, u, _l, _s in nights],
                   "late": [late for _n, _u, late, _s in nights]},
        "tz": site.timezone,
    }


def _night_arg(site: Site) -> date:
    value = request.args.get("night")
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            flash(_("Not a date (YYYY-MM-DD): %(value)s", value=value), "error")
    return calendar.night_for_moment(site, clock.now())


@bp.route("/report")
@require("alerts.view")
def report():
    """The overnight report of a chosen night (default: the last night whose cutoff has passed)."""
    site = _site()
    if site is None:
        abort(404)
    night = _night_arg(site)
    rep = night_report(site, night)
    return render_template("alerts/report.html", rep=rep, night=night, prev=night - timedelta(days=1),
                           next=night + timedelta(days=1), shown=REPORT_ROWS_SHOWN, **_ctx())


@bp.route("/report.pdf")
@require("alerts.view")
def report_pdf():
    """The overnight report as a printable PDF in the reader's language."""
    from .pdf import render_report

    site = _site()
    if site is None:
        abort(404)
    night = _night_arg(site)
    data = render_report(night_report(site, night))
    return data, 200, {"Content-Type": "application/pdf",
                       "Content-Disposition": f'inline; filename="overnight-{night.isoformat()}.pdf"'}


def _hours_from_form(form) -> dict:
    return {d: [getattr(form, f"{d}_start").data or "", getattr(form, f"{d}_end").data or ""]
            for d in WEEKDAYS}


@bp.route("/settings", methods=["GET", "POST"])
@require("admin.settings")
def settings():
    """The site's nightly return rule (administrators); every change goes to the admin log."""
    site = _site()
    if site is None:
        flash(_("No site is set up yet."), "error")
        return redirect(url_for("custody.dashboard"))
    form = NightRuleForm()
    form.timezone.choices = [(z, z) for z in calendar.all_timezones()]
    status = 200
    if request.method == "GET":
        form.timezone.data = site.timezone
        form.cutoff.data = site.cutoff
        form.grace_minutes.data = site.grace_minutes
        form.holidays.data = "\n".join(d.isoformat() for d in calendar.holidays(site))
        form.sweep_nonworking.data = site.sweep_nonworking
        for day, (start, end) in calendar.working_hours(site).items():
            getattr(form, f"{day}_start").data, getattr(form, f"{day}_end").data = start, end
    elif form.validate_on_submit():
        try:
            changes = rule.update_night_rule(
                site, user=current_user._get_current_object(), timezone=form.timezone.data,
                cutoff=form.cutoff.data, grace_minutes=form.grace_minutes.data, hours=_hours_from_form(form),
                holiday_list=(form.holidays.data or "").splitlines(),
                sweep_nonworking=form.sweep_nonworking.data, ip=client_ip())
        except CustodyError as err:
            flash_error(err)
            status = 422
        else:
            flash(_("Night rule saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("alerts.settings"))
    else:
        status = 422
        # say what is wrong at the top too (a bare 422 page left the administrator guessing)
        for name, errors in form.errors.items():
            label = getattr(form, name).label.text if name in form and getattr(form, name).label.text else ""
            for message in errors:
                flash(f"{label}: {message}" if label else message, "error")
    preview = None
    if status == 200:
        preview = calendar.night_of(site, calendar.night_for_moment(site, clock.now()))
    return render_template("alerts/settings.html", form=form, site=site, weekdays=WEEKDAYS,
                           preview=preview), status
