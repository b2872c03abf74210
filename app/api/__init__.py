"""JSON API under /api/v1: one module per resource, each describing its routes in the OpenAPI document.

To add endpoints: create app/api/<area>.py with `from . import bp, openapi`, decorate the views with
@bp.route + @require(...) (or @public), call openapi.add_paths({...}) for every route, and import the
module at the bottom of this file. tests/api/test_openapi.py fails while a route is undocumented.
"""
from flask import Blueprint, jsonify

from app.i18n import translate_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.record_once
def _readable_json(state):
    # archive numbers, titles and messages are Chinese: send UTF-8 text, not \uXXXX escapes
    state.app.json.ensure_ascii = False


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
from . import alerts, custody, docs, handovers, imports, items, media, people, places, readers, scans, steps  # noqa: E402,F401,I001
