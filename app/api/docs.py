"""GET /api/v1/openapi.json: the OpenAPI 3.1 document of every /api/v1 route; GET /api/v1/docs renders it."""
from flask import current_app, jsonify, render_template

from app.security import public

from . import bp, openapi

# the reference page loads only this server's files: Swagger UI's vendored bundle and one script file
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


@bp.route("/openapi.json")
@public
def openapi_document():
    return jsonify(openapi.document(cookie_name=current_app.config.get("SESSION_COOKIE_NAME", "session")))


@bp.route("/docs")
@public
def openapi_page():
    """The API reference: the OpenAPI document rendered by the vendored Swagger UI (no CDN)."""
    return render_template("api/docs.html"), 200, {"Content-Security-Policy": DOCS_CSP}


openapi.add_tag("meta", "About the API itself.")
openapi.add_paths({"/api/v1/openapi.json": {"get": openapi.operation(
    "This OpenAPI document", permission=None, public=True, tag="meta", operation_id="openapi",
    responses={"200": openapi.json_response("OpenAPI 3.1", {"type": "object"})}, errors=())},
    "/api/v1/docs": {"get": openapi.operation(
        "This document as a page (Swagger UI, served from this server)", permission=None, public=True, tag="meta",
        operation_id="openapi_page", errors=(),
        responses={"200": {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}})},
})
