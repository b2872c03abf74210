"""JSON API under /api/v1: one module per resource, each describing its routes in the OpenAPI document.

To add endpoints: create app/api/<area>.py with `from . import bp, openapi`, decorate the views with
@bp.route + @require(...) (or @public), call openapi.add_paths({...}) for every route, and import the
module at the bottom of this file. tests/api/test_openapi.py fails while a route is undocumented.
"""
from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user

from app.custody import accounts
from app.i18n import translate_error
from app.security import PUBLIC_ATTR

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.record_once
def _readable_json(state):
    # archive numbers, titles and messages are Chinese: send UTF-8 text, not \uXXXX escapes
    state.app.json.ensure_ascii = False


@bp.before_request
def _refuse_bad_token():
    """A bearer header that names no valid token is refused outright, even when the request also carries
    a session cookie (flask-login prefers the session and would never look at the token)."""
    header = request.headers.get("Authorization", "")
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if header[:7].lower() != "bearer " or getattr(view, PUBLIC_ATTR, False):
        return None  # public views (reader ingest with its reader token, the document) judge for themselves
    current_user._get_current_object()  # loads the user: from the session, else from the token
    if not g.get("auth_via_token"):
        user = accounts.user_for_token(header[7:].strip())
        if user is None:
            from .errors import InvalidTokenError

            raise InvalidTokenError()
        # the token, not the cookie, says who this request is (and no CSRF check was made for it)
        g._login_user = user
        g.auth_via_token = True
    return None


@bp.after_request
def _challenge(response):
    # RFC 6750: a 401 names the scheme the client should use
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="custody"')
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _field_error(err):
    return jsonify({"error": {"code": err.code, "message": translate_error(err), "field": err.field}}), err.status


from .errors import InvalidFieldError  # noqa: E402

bp.register_error_handler(InvalidFieldError, _field_error)

# one module per resource; alerts (the board), readers (ingest, reads, door passes), scans (handhelds)
from . import alerts, custody, docs, items, people, places, readers, scans  # noqa: E402,F401,I001
