"""Readers page (administrator), door log and unknown tags (security officer, supervisor, auditor)."""
import json

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN, fn

from app.custody import clock
from app.custody import readers as reader_area
from app.custody.errors import N_, CustodyError, ValidationError
from app.custody.models import AccessEvent, Location, Person, Reader, ReaderRead, ReaderStatus
from app.i18n import code_choices
from app.security import require
from app.web.confirm import ask, confirmed
from app.web.helpers import client_ip, flash_error

from . import bp
from .forms import PROTOCOL_NAMES, ConfirmForm, ReaderForm

PAGE_SIZE = 100


def _offline_seconds() -> int:
    return int(current_app.config.get("READER_OFFLINE_SECONDS", reader_area.DEFAULT_OFFLINE_SECONDS))


def _form() -> ReaderForm:
    form = ReaderForm()
    form.location.choices = [(loc.code, f"{loc.code} · {loc.name}") for loc in
                             Location.select().where(Location.is_active == True).order_by(Location.code)]  # noqa: E712
    none = [("", "—")]
    form.side_a.choices = form.side_b.choices = form.station_location.choices = none + form.location.choices
    form.station_action.choices = code_choices("station_action")
    return form


def _settings(form: ReaderForm) -> dict:
    """The reader's settings from the form's fields (only those its mode uses) over the JSON box."""
    try:
        settings = json.loads(form.settings.data or "{}")
    except ValueError:
        raise ValidationError(N_("The reader settings are not valid JSON.")) from None
    if not isinstance(settings, dict):
        raise ValidationError(N_("The reader settings must be a JSON object."))
    mode = form.mode.data
    if mode == "internal_door":
        for key in ("side_a", "side_b"):
            if getattr(form, key).data:
                settings[key] = getattr(form, key).data
    if mode == "station":
        settings["action"] = form.station_action.data or settings.get("action", "return_to_storage")
        if form.station_location.data:
            settings["location"] = form.station_location.data
    if form.offline_seconds.data:
        settings["offline_seconds"] = form.offline_seconds.data
    if mode == "shelf" and form.departure_grace_minutes.data:
        settings["departure_grace_minutes"] = form.departure_grace_minutes.data
    if form.spool_max_hours.data:
        settings["spool_max_hours"] = form.spool_max_hours.data
    return settings


def _page(form, status=200):
    now = clock.now()
    readers = list(Reader.select(Reader, Location).join(Location).order_by(Reader.name))
    health = {s.reader_id: json.loads(s.stats or "{}") for s in ReaderStatus.select()}
    rows = [{"reader": r, "online": reader_area.is_online(r, now, _offline_seconds()), "health": health.get(r.id, {})}
            for r in readers]
    return render_template("readers/readers.html", rows=rows, form=form, confirm=ConfirmForm(),
                           PROTOCOL_NAMES=PROTOCOL_NAMES), status


@bp.route("/admin/readers")
@require("admin.readers")
def readers():
    return _page(_form())


@bp.route("/admin/readers", methods=["POST"])
@require("admin.readers")
def create_reader():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        reader, secret = reader_area.register_reader(
            form.name.data, location=Location.by_code(form.location.data), mode=form.mode.data,
            protocol=form.protocol.data, settings=_settings(form), by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return _page(form, err.status)
    # shown once, in this response only: never in a URL, a flash message or the session
    return render_template("readers/token.html", reader=reader, secret=secret, created=True)


def _reader_or_404(reader_id: int) -> Reader:
    reader = Reader.get_or_none(Reader.id == reader_id)
    if reader is None:
        abort(404)
    return reader


@bp.route("/admin/readers/<int:reader_id>/rotate", methods=["POST"])
@require("admin.readers")
def rotate_token(reader_id):
    reader = _reader_or_404(reader_id)
    if not confirmed():
        return ask(_("A new token for %(name)s?", name=reader.name),
                   _("The reader's current token stops working at once: it sends nothing until its configuration "
                     "has the new token."), button=_("Make a new token"), back=url_for("readers.readers"))
    secret = reader_area.rotate_token(reader, by=current_user, ip=client_ip())
    return render_template("readers/token.html", reader=reader, secret=secret, created=False)


@bp.route("/admin/readers/<int:reader_id>/revoke", methods=["POST"])
@require("admin.readers")
def revoke_token(reader_id):
    reader = _reader_or_404(reader_id)
    if not confirmed():
        return ask(_("Revoke the token of %(name)s?", name=reader.name),
                   _("The reader can no longer send reads until it is given a new token."),
                   button=_("Revoke the token"), back=url_for("readers.readers"))
    try:
        reader_area.revoke_token(reader, by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
    else:
        flash(_("The token of %(name)s is revoked: the reader can no longer send reads.", name=reader.name),
              "success")
    return redirect(url_for("readers.readers"))


@bp.route("/doors/readers")
@require("readers.approve")
def approvals():
    """The security officer's list of readers: which are approved, and the reads of those awaiting it."""
    readers = list(Reader.select(Reader, Location).join(Location).order_by(Reader.name))
    waiting = [r for r in readers if r.approved_at is None and r.token_hash]
    reads = {r.id: list(ReaderRead.select().where(ReaderRead.reader == r.id).order_by(ReaderRead.id.desc())
                        .limit(20)) for r in waiting}
    return render_template("readers/approvals.html", readers=readers, waiting=waiting, reads=reads,
                           confirm=ConfirmForm())


@bp.route("/doors/readers/<int:reader_id>/approve", methods=["POST"])
@require("readers.approve")
def approve_reader(reader_id):
    reader = _reader_or_404(reader_id)
    try:
        reader_area.approve_reader(reader, by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
    else:
        flash(_("%(name)s is approved: its reads now change custody.", name=reader.name), "success")
    return redirect(url_for("readers.approvals"))


@bp.route("/doors")
@require("doors.view")
def door_log():
    allowed = request.args.get("allowed", "")
    reader_id = request.args.get("reader", type=int)
    before = request.args.get("before_id", type=int)
    query = (AccessEvent.select(AccessEvent, Reader, Person).join(Reader)
             .switch(AccessEvent).join(Person, JOIN.LEFT_OUTER)
             .order_by(AccessEvent.id.desc()).limit(PAGE_SIZE))
    if allowed in ("0", "1"):
        query = query.where(AccessEvent.allowed == (allowed == "1"))
    if reader_id:
        query = query.where(AccessEvent.reader == reader_id)
    if before:
        query = query.where(AccessEvent.id < before)
    rows = list(query)
    door_readers = list(Reader.select().where(Reader.mode.in_(("perimeter_door", "internal_door")))
                        .order_by(Reader.name))
    return render_template("readers/door_log.html", rows=rows, allowed=allowed, reader_id=reader_id,
                           door_readers=door_readers,
                           next_before=rows[-1].id if len(rows) == PAGE_SIZE else None)


@bp.route("/doors/unknown-tags")
@require("doors.view")
def unknown_tags():
    rows = list(ReaderRead.select(ReaderRead.tag, ReaderRead.scheme, fn.COUNT(ReaderRead.id).alias("n"),
                                  fn.MIN(ReaderRead.read_at).alias("first"), fn.MAX(ReaderRead.read_at).alias("last"),
                                  fn.MAX(ReaderRead.reader).alias("reader_id"))
                .where((ReaderRead.resolved_kind == "unknown") & (ReaderRead.kind == "read"))
                .group_by(ReaderRead.tag, ReaderRead.scheme)
                .order_by(fn.MAX(ReaderRead.read_at).desc()).limit(500).dicts())
    names = {r.id: r.name for r in Reader.select(Reader.id, Reader.name)}
    return render_template("readers/unknown_tags.html", rows=rows, reader_names=names)
