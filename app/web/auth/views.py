"""Login, logout, language, and the account page (password, personal API tokens)."""
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.custody import accounts
from app.custody.errors import CustodyError, LoginFailedError
from app.custody.models import ApiToken
from app.security import public, require, restamp_session, start_session
from app.web.helpers import client_ip, flash_error

from . import bp
from .forms import LoginForm, PasswordForm, TokenForm


def _safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (another host, "\\", CR/LF, control characters,
    a path too long for a Location header) goes to the dashboard."""
    if (target and len(target) <= 2000 and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and target.isprintable() and " " not in target and not urlsplit(target).netloc):
        return target
    return _home()


def _home() -> str:
    """Where a login lands: an operator's day is the scan page; everyone else starts on the dashboard."""
    if current_user.is_authenticated and current_user.roles == {"operator"} and \
            "scanning.scan" in current_app.view_functions:
        return url_for("scanning.scan")
    return url_for("custody.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(_home())
    form = LoginForm()
    if session.pop("_expired", False):
        flash(_("Your session ended after a period of inactivity. Please log in again."), "info")
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                form.username.data, form.password.data, ip=client_ip(),
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        except LoginFailedError as err:
            flash_error(err)
            return render_template("auth/login.html", form=form), 401
        lang = session.get("lang")
        session.clear()  # a fresh session on login: no fixation
        if lang:
            session["lang"] = lang
        start_session(user)
        if user.must_change_password:
            flash(_("This was a one-time password: choose your own now."), "info")
            return redirect(url_for("auth.account"))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@require()
def logout():
    # every session of the account ends, not only this browser's (a copied cookie stops working too)
    accounts.end_sessions(current_user._get_current_object(), by=current_user, reason="logout")
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            accounts.set_locale(current_user._get_current_object(), code)
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account", methods=["GET"])
@require()
def account():
    tokens = (ApiToken.select().where((ApiToken.user == current_user.id) & ApiToken.revoked_at.is_null())
              .order_by(ApiToken.created_at.desc()))
    return render_template("auth/account.html", password_form=PasswordForm(), token_form=TokenForm(),
                           tokens=tokens, new_token=session.pop("_new_token", None))


@bp.route("/account/password", methods=["POST"])
@require()
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.authenticate(current_user.username, form.current.data, ip=client_ip(),
                                  max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                                  lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            accounts.set_password(current_user, form.new.data, by=current_user, ip=client_ip())
            restamp_session(current_user)  # this session stays; every other one has ended
        except LoginFailedError:
            flash(_("The current password is not right."), "error")
        except CustodyError as err:
            flash_error(err)
        else:
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("custody.dashboard"))
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    return render_template("auth/account.html", password_form=form, token_form=TokenForm(),
                           tokens=[], new_token=None), 422


@bp.route("/account/tokens", methods=["POST"])
@require()
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        _token, secret = accounts.create_token(current_user, form.name.data or "", by=current_user, ip=client_ip())
        session["_new_token"] = secret
        flash(_("Token created. Copy it now: it is shown only once."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@require()
def revoke_token(token_id):
    token = ApiToken.get_or_none((ApiToken.id == token_id) & (ApiToken.user == current_user.id))
    if token is not None:
        accounts.revoke_token(token, by=current_user, ip=client_ip())
        flash(_("Token revoked."), "success")
    return redirect(url_for("auth.account"))
