"""Authentication and authorisation wiring: sessions with an idle limit, bearer tokens, CSRF, roles.

Every view is denied unless it declares a permission with @require(...) or is marked @public.
"""
from functools import wraps

from flask import abort, current_app, g, request, session
from flask_login import current_user, logout_user

from .custody import accounts, clock
from .custody.models import User
from .custody.permissions import allowed
from .extensions import csrf, login_manager

PUBLIC_ATTR = "_custody_public"
# the only pages open to an account that must first replace its one-time password
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.account", "auth.change_password", "auth.logout", "auth.set_language"})
PERMISSION_ATTR = "_custody_permission"


def public(view):
    """Mark a view as open to anonymous users (login page, static, health)."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def require(permission: str | None = None):
    """Allow a view to logged-in users holding the permission (None: any logged-in user)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if permission is not None and not may(current_user.roles, permission):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, PERMISSION_ATTR, permission or "*")
        return wrapped

    return decorator


SAFE_METHODS = frozenset({"GET", "HEAD"})


def may(roles, permission: str) -> bool:
    """Whether these roles may reach a view needing `permission` with this request's method.

    The auditor reads every page (and changes nothing): on GET/HEAD any view is open to the
    auditor; every other method needs the permission itself.
    """
    if allowed(roles, permission):
        return True
    return "auditor" in roles and request.method in SAFE_METHODS


def can(permission: str) -> bool:
    return current_user.is_authenticated and allowed(current_user.roles, permission)


@login_manager.user_loader
def _load_user(user_id: str):
    user = User.get_or_none(User.id == int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


def _authenticate_bearer() -> None:
    """The token, never a cookie sent beside it, says who a bearer request is (no CSRF check was made
    for it); a header naming no valid token is refused outright."""
    from .custody.errors import InvalidTokenError

    user = accounts.user_for_token(request.headers.get("Authorization", "")[7:].strip())
    if user is None:
        raise InvalidTokenError()
    g._login_user = user
    g.auth_via_token = True


def _guard():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if request.endpoint == "static" or view is None:
        return None
    # a bearer-token request carries no cookie for a forger to ride on: no CSRF check
    bearer = request.headers.get("Authorization", "")[:7].lower() == "bearer "
    if not bearer:
        if session.get("_user_id"):
            last = session.get("_seen", 0)
            idle = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
            now = int(clock.aware_now().timestamp())
            if last and now - last > idle:
                logout_user()
                session.clear()
                session["_expired"] = True
            else:
                session["_seen"] = now
                session.permanent = True
        # an API call without a logged-in session has no cookie to forge: it gets the API's 401, not a CSRF 400
        anonymous_api = request.path.startswith("/api/") and not session.get("_user_id")
        if (request.method not in ("GET", "HEAD", "OPTIONS") and current_app.config.get("WTF_CSRF_ENABLED", True)
                and not anonymous_api):
            csrf.protect()
    if getattr(view, PUBLIC_ATTR, False):
        return None  # public views (reader ingest with its reader token, the OpenAPI document) judge for themselves
    if bearer:
        _authenticate_bearer()
    if not getattr(view, PERMISSION_ATTR, None):
        abort(403)  # deny unless a role allows: a view without a declaration is closed
    if (not bearer and current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS):
        from flask import redirect, url_for

        return redirect(url_for("auth.account"))
    return None  # deny unless a role allows: a view without a declaration is closed


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    # the cheap hashing profile exists for the test suite only
    accounts.use_password_profile("fast" if app.config.get("TESTING") and app.config.get("PASSWORD_PROFILE") == "fast"
                                  else "default")
    app.before_request(_guard)

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import redirect, url_for
        from flask_babel import gettext

        from .errors import error_response, wants_json

        if wants_json():
            return error_response("unauthorized", gettext("Please log in."), 401)
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))

    app.extensions.setdefault("custody_nav", [])

    @app.context_processor
    def _inject():
        return {"can": can, "nav_links": nav_links, "has_endpoint": lambda e: e in current_app.view_functions}


def add_nav(app, endpoint: str, label, permission: str, order: int = 50) -> None:
    """Add a main-navigation link shown to users holding the permission (blueprints call this)."""
    app.extensions.setdefault("custody_nav", []).append((order, endpoint, label, permission))


def nav_links() -> list[dict]:
    from flask import url_for

    return [{"url": url_for(endpoint), "label": label}
            for _order, endpoint, label, permission in sorted(current_app.extensions.get("custody_nav", []),
                                                              key=lambda t: t[0])
            if can(permission) or _auditor_reads(permission)]


def _auditor_reads(permission: str) -> bool:
    # the auditor's navigation also lists the administrator's pages, which it may read (not change)
    return permission.startswith("admin.") and current_user.is_authenticated and current_user.has_role("auditor")
