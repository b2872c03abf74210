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


SESSION_VERSION_KEY = "_sv"


@login_manager.user_loader
def _load_user(user_id: str):
    user = User.get_or_none(User.id == int(user_id)) if user_id.isdigit() and len(user_id) < 19 else None
    if user is None or not user.is_active:
        return None
    # every session carries the account's session version from its login: logout, a password or role
    # change, disabling and the administrator's "end sessions" move it on, and this cookie is then refused
    if session.get(SESSION_VERSION_KEY) != user.session_version:
        session.clear()
        return None
    return user


def start_session(user: User) -> None:
    """Log the user in on this (fresh) session, stamped with the account's session version."""
    from flask_login import login_user

    login_user(user)
    session[SESSION_VERSION_KEY] = user.session_version


def restamp_session(user: User) -> None:
    """Keep this session after the account's version moved on (the user changed their own password here)."""
    session[SESSION_VERSION_KEY] = user.session_version


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


# No inline script or style anywhere (templates load static/js and static/css files only; data for scripts
# travels in <script type="application/json"> blocks, which never run): the strictest policy that fits
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                           "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _security_headers(response):
    """Headers every answer carries (docs/security.md); pages get the CSP, signed-in answers no-store."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.endpoint != "static" and (session.get("_user_id") or getattr(g, "auth_via_token", False)):
        # a signed-in answer (page, export, PDF) is never kept by the browser or a proxy
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


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
    app.after_request(_security_headers)
    # failed logins go to the admin log in batches (accounts.FailedLogins); tests write each at once
    accounts.FAILED_LOGINS.batch_seconds = float(app.config.get(
        "LOGIN_FAILURE_BATCH_SECONDS", 0 if app.config.get("TESTING") else 1.0))

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
        return {"can": can, "nav_links": nav_links, "nav_groups": nav_groups,
                "has_endpoint": lambda e: e in current_app.view_functions}


def add_nav(app, endpoint: str, label, permission: str | None, order: int = 50) -> None:
    """Add a main-navigation link shown to users holding the permission (None: every login; blueprints call
    this). The order also picks the link's group: < 40 daily work, 40–59 and 70–79 watch, 60–69 prepare,
    80+ administration; audit.* permissions go under audit."""
    app.extensions.setdefault("custody_nav", []).append((order, endpoint, label, permission))


NAV_GROUPS = ("work", "watch", "prepare", "audit", "admin")


def _nav_group(order: int, permission: str | None) -> str:
    if permission and permission.startswith("audit."):
        return "audit"
    if permission and permission.startswith("admin.") or order >= 80:
        return "admin"
    if order < 40:
        return "work"
    if 60 <= order < 70:
        return "prepare"
    return "watch"


def nav_links() -> list[dict]:
    """The navigation links this login may follow, in order: url, label, group, and whether it is this page."""
    from flask import request, url_for

    here = request.endpoint if request else None
    return [{"url": url_for(endpoint), "label": label, "group": _nav_group(order, permission),
             "current": endpoint == here}
            for order, endpoint, label, permission in sorted(current_app.extensions.get("custody_nav", []),
                                                             key=lambda t: t[0])
            if endpoint in current_app.view_functions
            and (permission is None or can(permission) or _auditor_reads(permission))]


def nav_groups() -> list[dict]:
    """The navigation by task: [{"name", "links", "current"}] in NAV_GROUPS order, empty groups left out."""
    links = nav_links()
    groups = []
    for name in NAV_GROUPS:
        members = [link for link in links if link["group"] == name]
        if members:
            groups.append({"name": name, "links": members, "current": any(m["current"] for m in members)})
    return groups


def _auditor_reads(permission: str) -> bool:
    # the auditor's navigation also lists the administrator's pages, which it may read (not change)
    return permission.startswith("admin.") and current_user.is_authenticated and current_user.has_role("auditor")


def _login_username() -> str:
    """The user name a login attempt names (the per-name limit's key)."""
    return "user:" + (request.form.get("username") or "").strip().lower()[:64]


def init_limits(app) -> None:
    """Throttle login attempts per client address and per user name (Flask-Limiter, in-memory counters).

    In memory, per worker process: counting in the database would take the write lock once per attempt,
    which is the very load a flood must not cause. With gunicorn's W workers an address gets at most W
    times the limit (3 x 20 a minute by default) — still far from a flood (docs/security.md).
    """
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", default_limits=[],
                      enabled=bool(app.config.get("LOGIN_RATE_LIMITS", True)), headers_enabled=False)
    app.extensions["custody_limiter"] = limiter
    view = app.view_functions["auth.login"]
    view = limiter.limit(app.config.get("LOGIN_RATE_PER_ADDRESS", "20 per minute"), methods=["POST"])(view)
    view = limiter.limit(app.config.get("LOGIN_RATE_PER_USERNAME", "10 per minute"), methods=["POST"],
                         key_func=_login_username)(view)
    app.view_functions["auth.login"] = view
