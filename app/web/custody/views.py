"""The live picture: dashboard, items (list, page, custody actions), people, locations."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN, fn

from app.custody import history, services
from app.custody.codes import EVENT_KINDS, normalize_scan
from app.custody.errors import CustodyError
from app.custody.imports.jobs import job_that_created
from app.custody.models import BADGE_STATUSES, AccessEvent, Alert, Event, Item, Location, Person
from app.custody.people import waiting_for_vetting
from app.custody.scans import home_of
from app.custody.search import archive_pattern
from app.i18n import code_name
from app.security import can, require
from app.web.helpers import actor_person, flash_error

from . import bp
from .forms import CheckOutForm, DamageForm, MoveForm, ReasonForm, ReturnForm

PAGE_SIZE = 50


def history_query(**where):
    """Events with their people and places joined, newest first."""
    query = history.events()
    for field, value in where.items():
        query = query.where(getattr(Event, field) == value)
    return query


@bp.route("/")
@require()
def dashboard():
    stats = None
    recent = []
    if can("items.view"):
        volumes = Item.select().where(Item.kind == "volume")
        stats = {
            "out": Item.out_of_storage("volume").count(),
            "in_storage": volumes.where(Item.state == "in_storage").count(),
            "quarantined": volumes.where(Item.state == "quarantined").count(),
            "alerts": Alert.select().where(Alert.status == "open").count(),
        }
        recent = list(history_query().limit(15))
    out_now = list(Item.out_of_storage("volume").join(Person, JOIN.LEFT_OUTER, on=(Item.holder == Person.id))
                   .switch(Item).join(Location, JOIN.LEFT_OUTER, on=(Item.location == Location.id))
                   .select(Item, Person, Location).limit(20)) if can("items.view") else []
    waiting = waiting_for_vetting().count() if can("people.vet") else None
    return render_template("custody/dashboard.html", stats=stats, recent=recent, out_now=out_now, waiting=waiting)


@bp.route("/items")
@require("items.view")
def items():
    q = (request.args.get("q") or "").strip()
    state = request.args.get("state") or ""
    kind = request.args.get("kind") or ""
    page = max(1, request.args.get("page", 1, type=int))
    query = (Item.select(Item, Location, Person)
             .join(Location, JOIN.LEFT_OUTER, on=(Item.location == Location.id))
             .switch(Item).join(Person, JOIN.LEFT_OUTER, on=(Item.holder == Person.id)))
    if q:
        code = normalize_scan(q)
        like = f"%{q}%"
        cond = (Item.code == code) | (Item.code.startswith(code)) | (Item.archive_no.contains(q)) | (Item.title ** like)
        if (pattern := archive_pattern(q)) is not None:  # "J012-WS.2018" finds "J012-WS·2018-…"
            cond |= Item.archive_no ** pattern
        query = query.where(cond)
    if state:
        query = query.where(Item.state == state)
    if kind:
        query = query.where(Item.kind == kind)
    total = query.count()
    rows = list(query.order_by(Item.code).paginate(page, PAGE_SIZE))
    if q and total == 1 and page == 1:
        return redirect(url_for("custody.item", code=rows[0].code))
    return render_template("custody/items.html", rows=rows, q=q, state=state, kind=kind, page=page,
                           total=total, pages=(total + PAGE_SIZE - 1) // PAGE_SIZE)


def _location_choices(storage: bool | None):
    query = Location.select().where(Location.is_active == True).order_by(Location.code)  # noqa: E712
    choices = []
    for loc in query:
        if loc.kind in ("site", "door"):
            continue
        if storage is None or loc.is_storage == storage:
            choices.append((loc.code, f"{loc.code} · {loc.name}"))
    return choices


def _forms(item: Item | None = None):
    out = CheckOutForm(prefix="co")
    out.location.choices = _location_choices(False)
    mv = MoveForm(prefix="mv")
    mv.location.choices = _location_choices(False)
    rt = ReturnForm(prefix="rt")
    rt.location.choices = _location_choices(True)
    if item is not None and not rt.location.data and (home := home_of(item)) is not None:
        rt.location.data = home.code  # its shelf, not the first storage place in the list
    return {"checkout": out, "move": mv, "return": rt, "quarantine": ReasonForm(prefix="qu"),
            "release": ReasonForm(prefix="re"), "damage": DamageForm(prefix="dm")}


@bp.route("/i/<code>")
@require("items.view")
def item(code):
    norm = normalize_scan(code)
    item = Item.get_or_none(Item.code == norm)
    if item is None:
        return render_template("error.html", status=404, code="unknown_code",
                               message=_("Unknown code: %(code)s", code=norm)), 404
    if norm != code:
        return redirect(url_for("custody.item", code=norm))
    history = list(history_query(item=item.id))
    return render_template("custody/item.html", item=item, history=history, forms=_forms(item),
                           open_alerts=list(item.alerts.where(Alert.status != "resolved")), people=_people(),
                           home=home_of(item), origin=_origin(item))


def _origin(item: Item) -> dict | None:
    """The history's first line for an imported item: when, from which file, by whom, to which place."""
    job = job_that_created(item)
    if job is None:
        return None
    home = item.home if item.home_id is not None else None
    return {"at": item.created_at, "file": job.filename, "job": job.id,
            "by": job.created_by.username if job.created_by_id else "", "location": home.name if home else ""}


def _people():
    """The people a volume can be checked out to, for the name picker (name · badge)."""
    if not can("custody.move"):
        return []
    return list(Person.select(Person.name, Person.badge_code).where(Person.badge_status == "active")
                .order_by(Person.name).limit(2000))


def _done(event) -> str:
    """The success sentence: what happened, to whom and where."""
    item, where = event.item, event.dst.name if event.dst_id is not None else "—"
    who = event.holder.name if event.holder_id is not None else ""
    if event.kind == "check_out":
        return _("%(code)s checked out to %(holder)s at %(location)s.", code=item.code, holder=who, location=where)
    if event.kind == "return":
        return _("%(code)s returned to %(location)s.", code=item.code, location=where)
    if event.kind == "move" and who:
        return _("%(code)s moved to %(location)s, still held by %(holder)s.", code=item.code, location=where,
                 holder=who)
    if event.kind == "move":
        return _("%(code)s moved to %(location)s.", code=item.code, location=where)
    return _("%(code)s: %(what)s.", code=item.code, what=code_name(EVENT_KINDS, event.kind))


def _act(code, key, call):
    """Validate the action's form, make the one service call, answer with a flash and a redirect."""
    forms = _forms(Item.get_or_none(Item.code == normalize_scan(code)))
    form = forms[key]
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return _item_again(code, forms, 422)
    try:
        event = call(form, actor_person())
    except CustodyError as err:
        flash_error(err)
        return _item_again(code, forms, err.status)
    flash(_done(event), "success")
    return redirect(url_for("custody.item", code=event.item.code))


# one route per action, each with its own permission (the security officer quarantines but moves nothing)
@bp.route("/i/<code>/checkout", methods=["POST"])
@require("custody.move")
def check_out(code):
    return _act(code, "checkout", lambda form, who: services.check_out(
        code, to=Location.by_code(form.location.data), holder=Person.by_name_or_badge(form.holder.data), actor=who,
        user=current_user.id, note=form.note.data or ""))


@bp.route("/i/<code>/move", methods=["POST"])
@require("custody.move")
def move(code):
    return _act(code, "move", lambda form, who: services.move(
        code, to=Location.by_code(form.location.data), actor=who, user=current_user.id, note=form.note.data or ""))


@bp.route("/i/<code>/return", methods=["POST"])
@require("custody.move")
def return_to_storage(code):
    return _act(code, "return", lambda form, who: services.return_to_storage(
        code, to=Location.by_code(form.location.data), actor=who, user=current_user.id, note=form.note.data or ""))


@bp.route("/i/<code>/quarantine", methods=["POST"])
@require("custody.quarantine")
def quarantine(code):
    return _act(code, "quarantine", lambda form, who: services.quarantine(
        code, actor=who, reason=form.reason.data, user=current_user.id))


@bp.route("/i/<code>/release", methods=["POST"])
@require("custody.release")
def release(code):
    return _act(code, "release", lambda form, who: services.release(
        code, actor=who, reason=form.reason.data, user=current_user.id))


@bp.route("/i/<code>/damage", methods=["POST"])
@require("custody.damage")
def record_damage(code):
    return _act(code, "damage", lambda form, who: services.record_damage(
        code, actor=who, description=form.description.data, pages=form.pages.data, user=current_user.id))


def _item_again(code, forms, status):
    item = Item.by_code(code)
    return render_template("custody/item.html", item=item, history=list(history_query(item=item.id)),
                           forms=forms, open_alerts=list(item.alerts.where(Alert.status != "resolved")),
                           people=_people(), home=home_of(item), origin=_origin(item)), status


@bp.route("/people")
@require("people.view")
def people():
    q = (request.args.get("q") or "").strip()
    status = request.args.get("status") or ""
    query = Person.select().order_by(Person.organisation, Person.name)
    if status == "waiting":  # waiting for vetting (people area)
        query = waiting_for_vetting().order_by(Person.organisation, Person.name)
    elif status in BADGE_STATUSES:
        query = query.where(Person.badge_status == status)
    if q:
        query = query.where((Person.name.contains(q)) | (Person.badge_code == normalize_scan(q))
                            | (Person.organisation.contains(q)))
    held = dict(Item.select(Item.holder, fn.COUNT(Item.id)).where(Item.state == "out")
                .group_by(Item.holder).tuples())
    return render_template("custody/people.html", rows=list(query), q=q, held=held, status=status)


@bp.route("/people/<int:person_id>")
@require("people.view")
def person(person_id):
    who = Person.get_or_none(Person.id == person_id)
    if who is None:
        abort(404)
    holding = list(Item.select(Item, Location).join(Location, JOIN.LEFT_OUTER, on=(Item.location == Location.id))
                   .where(Item.holder == who).order_by(Item.state_since))
    history = list(history_query(holder=who.id).limit(100)) if can("items.view") else []
    passes = list(AccessEvent.select().where(AccessEvent.person == who).order_by(AccessEvent.at.desc()).limit(50))
    return render_template("custody/person.html", person=who, holding=holding, history=history, passes=passes)


@bp.route("/locations")
@require("locations.view")
def locations():
    nodes = list(Location.select().order_by(Location.code))
    counts = dict(Item.select(Item.location, fn.COUNT(Item.id)).group_by(Item.location).tuples())
    children: dict[int | None, list[Location]] = {}
    for loc in nodes:
        children.setdefault(loc.parent_id, []).append(loc)
    return render_template("custody/locations.html", children=children, counts=counts,
                           show_counts=can("items.view"))
