"""GET /api/v1/openapi.json: the OpenAPI 3.1 document of every /api/v1 route."""
from flask import current_app, jsonify

from app.security import public

from . import bp, openapi


@bp.route("/openapi.json")
@public
def openapi_document():
    return jsonify(openapi.document(cookie_name=current_app.config.get("SESSION_COOKIE_NAME", "session")))


openapi.add_tag("meta", "About the API itself.")
openapi.add_paths({"/api/v1/openapi.json": {"get": openapi.operation(
    "This OpenAPI document", permission=None, public=True, tag="meta", operation_id="openapi",
    responses={"200": openapi.json_response("OpenAPI 3.1", {"type": "object"})}, errors=())}})
