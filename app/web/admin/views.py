"""Administration: users and roles, locations, settings (administrator only; no logs here)."""
import secrets

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN, prefetch

from app.custody import accounts, clock, places, settings
from app.custody.errors import CustodyError
from app.custody.models import Location, Person, User, UserRole
from app.custody.people import roles as people_roles
from app.security import require
from app.web.confirm import ask, confirmed
from app.web.helpers import client_ip, flash_error

from . import bp
from .forms import CreateUserForm, LocationForm, MoveForm, RenameForm, RolesForm, SiteForm

# no 0/O, 1/l/I: a one-time password is read off a screen and typed on a handheld
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """A random 14-character password in three groups, e.g. 'k7mp-2xqr-9hfz' (about 59 bits)."""
    return "-".join("".join(secrets.choice(_OTP_ALPHABET) for _ in range(4)) for _ in range(3))


def _form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")


def _no_store(response):
    # a page carrying a one-time password must not be kept in any cache or history
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def _now():
    return {"now_utc": clock.now()}


# ---------------------------------------------------------------- users and roles

def _users_page(form=None, otp=None, status=200):
    users = (User.select(User, Person).join(Person, JOIN.LEFT_OUTER, on=(User.person == Person.id))
             .order_by(User.username))
    users = prefetch(users, UserRole.select())
    return _no_store((render_template("admin/users.html", users=users, form=form or CreateUserForm(prefix="new"),
                                      otp=otp), status))


@bp.route("/users")
@require("admin.users")
def users():
    return _users_page()


@bp.route("/users", methods=["POST"])
@require("admin.users")
def create_user():
    form = CreateUserForm(prefix="new")
    if not form.validate_on_submit():
        _form_errors(form)
        return _users_page(form, status=422)
    password = one_time_password()
    try:
        person = Person.by_badge(form.badge.data) if form.badge.data else None
        user, proposal = people_roles.create_account(form.username.data, form.roles.data, by=current_user,
                                                     person=person, password=password, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return _users_page(form, status=422)
    if proposal is not None:
        # 三员分离: no password for the creator; the approver hands the holder an enrolment code
        flash(_("Account %(name)s created without a password; the role waits for a second privileged person's "
                "approval, who gives the holder an enrolment code.", name=user.username), "success")
        return redirect(url_for("admin.users"))
    flash(_("Account %(name)s created.", name=user.username), "success")
    return _users_page(otp={"username": user.username, "password": password})


def _user_or_404(user_id: int) -> User:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        abort(404)
    return user


def _user_page(user, form=None, otp=None, status=200):
    if form is None:
        form = RolesForm(prefix="roles", data={"roles": sorted(user.roles)})
    return _no_store((render_template("admin/user.html", user=user, form=form, otp=otp), status))


@bp.route("/users/<int:user_id>")
@require("admin.users")
def user(user_id):
    return _user_page(_user_or_404(user_id))


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@require("admin.users")
def set_roles(user_id):
    user = _user_or_404(user_id)
    form = RolesForm(prefix="roles")
    if not form.validate_on_submit():
        _form_errors(form)
        return _user_page(user, form, status=422)
    try:
        proposals = people_roles.change_roles(user, form.roles.data, by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return _user_page(user, form, status=err.status if err.status >= 400 else 422)
    flash(_("Roles of %(name)s saved.", name=user.username), "success")
    if proposals:
        flash(_("The privileged role change waits for a second privileged person's approval."), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>/<any(enable, disable):action>", methods=["POST"])
@require("admin.users")
def set_active(user_id, action):
    user = _user_or_404(user_id)
    if action == "disable" and not confirmed():
        return ask(_("Disable the account %(name)s?", name=user.username),
                   _("The account can no longer log in until an administrator enables it again."),
                   button=_("Disable the account"),
                   back=url_for("admin.user", user_id=user.id))
    try:
        accounts.set_active(user, action == "enable", by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return _user_page(user, status=err.status)
    flash(_("Account %(name)s enabled.", name=user.username) if action == "enable"
          else _("Account %(name)s disabled.", name=user.username), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
@require("admin.users")
def end_sessions(user_id):
    user = _user_or_404(user_id)
    try:
        accounts.end_sessions(user, by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return _user_page(user, status=err.status)
    flash(_("Every session of %(name)s has ended.", name=user.username), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@require("admin.users")
def reset_password(user_id):
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash(_("Change your own password on your account page."), "error")
        return _user_page(user, status=403)
    if people_roles.privileged(user.roles):
        try:
            people_roles.propose(user, "reenrol", by=current_user, ip=client_ip())
        except CustodyError as err:
            flash_error(err)
            return _user_page(user, status=err.status)
        flash(_("The reset waits for a second privileged person's approval; %(name)s then sets a new password "
                "with an enrolment code.", name=user.username), "success")
        return redirect(url_for("admin.user", user_id=user.id))
    password = one_time_password()
    try:
        accounts.set_password(user, password, by=current_user, must_change=True, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return _user_page(user, status=err.status)
    flash(_("Password of %(name)s reset.", name=user.username), "success")
    return _user_page(user, otp={"username": user.username, "password": password})


# ---------------------------------------------------------------- locations

def _tree():
    rows = list(Location.select().order_by(Location.code))
    children: dict = {}
    for loc in rows:
        children.setdefault(loc.parent_id, []).append(loc)
    return rows, children


def _locations_page(form=None, status=200):
    rows, children = _tree()
    if form is None:
        form = LocationForm(prefix="new")
    form.parent.choices = [("", _("(top level)"))] + [(loc.code, f"{loc.code} · {loc.name}")
                                                        for loc in rows if loc.is_active]
    return render_template("admin/locations.html", form=form, children=children, rows=rows,
                           rename_form=RenameForm(prefix="rn"), move_form=MoveForm(prefix="mv")), status


def _location_or_404(location_id: int) -> Location:
    location = Location.get_or_none(Location.id == location_id)
    if location is None:
        abort(404)
    return location


@bp.route("/locations")
@require("admin.locations")
def locations():
    return _locations_page()


@bp.route("/locations", methods=["POST"])
@require("admin.locations")
def create_location():
    form = LocationForm(prefix="new")
    form.parent.choices = []
    if not form.validate_on_submit():
        _form_errors(form)
        return _locations_page(form, 422)
    try:
        location = places.create_location(form.code.data, form.name.data, form.kind.data,
                                          parent_code=form.parent.data, by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return _locations_page(form, err.status if err.status != 404 else 422)
    flash(_("Location %(code)s created.", code=location.code), "success")
    return redirect(url_for("admin.locations", _anchor=f"loc-{location.id}"))


@bp.route("/locations/<int:location_id>/rename", methods=["POST"])
@require("admin.locations")
def rename_location(location_id):
    location = _location_or_404(location_id)
    form = RenameForm(prefix="rn")
    if not form.validate_on_submit():
        _form_errors(form)
        return _locations_page(status=422)
    try:
        places.rename_location(location, form.name.data, by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return _locations_page(status=err.status)
    flash(_("Location %(code)s renamed.", code=location.code), "success")
    return redirect(url_for("admin.locations", _anchor=f"loc-{location.id}"))


@bp.route("/locations/<int:location_id>/move", methods=["POST"])
@require("admin.locations")
def move_location(location_id):
    location = _location_or_404(location_id)
    form = MoveForm(prefix="mv")
    if not form.validate_on_submit():
        _form_errors(form)
        return _locations_page(status=422)
    try:
        places.move_location(location, form.parent.data, by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return _locations_page(status=err.status)
    flash(_("Location %(code)s moved.", code=location.code), "success")
    return redirect(url_for("admin.locations", _anchor=f"loc-{location.id}"))


@bp.route("/locations/<int:location_id>/<any(activate, deactivate):action>", methods=["POST"])
@require("admin.locations")
def set_location_active(location_id, action):
    location = _location_or_404(location_id)
    try:
        places.set_location_active(location, action == "activate", by=current_user, ip=client_ip())
    except CustodyError as err:
        flash_error(err)
        return _locations_page(status=err.status)
    flash(_("Location %(code)s reactivated.", code=location.code) if action == "activate"
          else _("Location %(code)s deactivated.", code=location.code), "success")
    return redirect(url_for("admin.locations", _anchor=f"loc-{location.id}"))


# ---------------------------------------------------------------- settings

@bp.route("/settings", methods=["GET", "POST"], endpoint="settings")
@require("admin.settings")
def settings_page():
    site = settings.current_site()
    form = SiteForm(obj=site)
    status = 200
    if form.validate_on_submit():
        changes = {field.name: field.data for field in form if field.name in settings.SITE_FIELDS}
        try:
            settings.update_site(changes, by=current_user, ip=client_ip())
        except CustodyError as err:
            flash_error(err)
            status = 422
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("admin.settings"))
    elif form.is_submitted():
        _form_errors(form)
        status = 422
    return render_template("admin/settings.html", form=form, site=site), status
