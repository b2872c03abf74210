"""Error responses: one JSON envelope for the API, translated pages for people. 500s say nothing inside."""
from flask import flash, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from peewee import DataError
from werkzeug.exceptions import HTTPException

from .custody.errors import N_, CustodyError
from .i18n import translate_error


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(code: str, message: str, status: int):
    if wants_json():
        return jsonify({"error": {"code": code, "message": message}}), status
    return render_template("error.html", code=code, message=message, status=status), status


HTTP_MESSAGES = {
    400: ("bad_request", N_("The request was not understood.")),
    401: ("unauthorized", N_("Please log in.")),
    403: ("forbidden", N_("You are not allowed to do this.")),
    404: ("not_found", N_("Not found.")),
    405: ("method_not_allowed", N_("This method is not allowed here.")),
    413: ("too_large", N_("The upload is too large.")),
    429: ("too_many_requests", N_("Too many attempts. Wait a minute and try again.")),
    500: ("internal", N_("Something went wrong on the server. Nothing was changed.")),
}


def init_app(app) -> None:
    @app.errorhandler(CustodyError)
    def _custody(err: CustodyError):
        return error_response(err.code, translate_error(err), err.status)

    @app.errorhandler(CSRFError)
    def _csrf(err):
        msg = gettext("The form has expired or is missing its security token. Reload the page and try again.")
        if not wants_json() and request.method == "POST" and request.referrer:
            flash(msg, "error")
        return error_response("csrf", msg, 400)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        code, text = HTTP_MESSAGES.get(err.code, ("http_error", err.name))
        body, status = error_response(code, gettext(text), err.code)
        # keep the exception's own headers (a 405's Allow, RFC 9110), not its content type
        return body, status, [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(err):
        # a number (or text) the database cannot hold reached a query (a paging parameter ≥ 2^63 …):
        # the request was wrong, not the server
        return error_response("out_of_range", gettext("A value in the request is out of range."), 400)

    @app.errorhandler(Exception)
    def _internal(err):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        code, text = HTTP_MESSAGES[500]
        return error_response(code, gettext(text), 500)
