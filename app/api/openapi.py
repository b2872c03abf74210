"""The OpenAPI 3.1 document for /api/v1, assembled from what each API module contributes.

Every API module describes its own routes next to its views, at import time:

    from app.api import openapi
    openapi.add_schemas({"Alert": {...}})
    openapi.add_paths({"/api/v1/alerts": {"get": openapi.operation(
        "List alerts", permission="alerts.view", tag="alerts",
        responses={"200": openapi.json_response("The alerts", {"$ref": openapi.ref("AlertPage")})},
        errors=(401, 403, 422))}})

A test compares the document with app.url_map, so a route without a description fails the suite.
"""
import copy
import re

from app.custody.permissions import PERMISSIONS

OPENAPI_VERSION = "3.1.0"
API_PREFIX = "/api/v1"

_paths: dict[str, dict] = {}
_schemas: dict[str, dict] = {}
_tags: dict[str, str] = {}

# the JSON envelope every refusal uses, one reusable response per status
ERROR_RESPONSES = {
    400: ("BadRequest", "The body is not valid JSON, or the CSRF header is missing on a session write "
                        "(codes `bad_json`, `csrf`)."),
    401: ("Unauthorized", "Not logged in, or the bearer token is unknown or revoked "
                          "(codes `unauthorized`, `invalid_token`)."),
    403: ("Forbidden", "The account's roles do not allow this (code `forbidden`)."),
    404: ("NotFound", "Unknown item code, badge or other path parameter (codes `unknown_code`, "
                      "`unknown_person`, `not_found`)."),
    409: ("Conflict", "The item's state does not allow this now (codes `quarantined`, `already_there`, "
                      "`conflict`)."),
    422: ("Invalid", "A field is missing or wrong, or the domain refuses the input (codes `invalid`, "
                     "`unknown_location`, `unknown_person`, `destination_not_allowed`, `badge_not_active`, "
                     "`idempotency_key_reused`)."),
}


def ref(schema: str) -> str:
    """The JSON reference to a component schema."""
    return f"#/components/schemas/{schema}"


def add_schemas(schemas: dict[str, dict]) -> None:
    """Register component schemas; raises ValueError if a name is taken by a different schema."""
    for name, schema in schemas.items():
        if name in _schemas and _schemas[name] != schema:
            raise ValueError(f"OpenAPI schema {name!r} is already defined differently")
        _schemas[name] = copy.deepcopy(schema)


def add_tag(name: str, description: str) -> None:
    """Register a tag (a group of operations in the document)."""
    _tags[name] = description


def add_paths(paths: dict[str, dict]) -> None:
    """Register path items keyed by full path ("/api/v1/items/{code}"); raises ValueError on a duplicate
    method for the same path."""
    for path, item in paths.items():
        if not path.startswith(API_PREFIX + "/"):
            raise ValueError(f"OpenAPI path {path!r} is not under {API_PREFIX}")
        existing = _paths.setdefault(path, {})
        for method, operation in item.items():
            if method in existing and existing[method] != operation:
                raise ValueError(f"OpenAPI operation {method.upper()} {path} is already defined")
            existing[method] = copy.deepcopy(operation)


def json_response(description: str, schema: dict, headers: dict | None = None) -> dict:
    """A response object carrying a JSON body of the given schema."""
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _roles_sentence(permission: str | None) -> str:
    if permission is None:
        return "Any logged-in user."
    roles = sorted(PERMISSIONS.get(permission, ()))
    return f"Permission `{permission}`: roles " + ", ".join(f"`{r}`" for r in roles) + "."


def operation(summary: str, *, permission: str | None, tag: str, responses: dict, errors=(401, 403),
              description: str = "", parameters: list | None = None, body: dict | None = None,
              write: bool = False, operation_id: str | None = None, public: bool = False) -> dict:
    """An operation object with the security requirements, the roles sentence and the error responses."""
    op = {"summary": summary, "tags": [tag],
          "description": (description + "\n\n" if description else "")
          + ("Open to everyone." if public else _roles_sentence(permission)),
          "responses": dict(responses)}
    if operation_id:
        op["operationId"] = operation_id
    if permission:
        op["x-permission"] = permission
    if public:
        op["security"] = [{}]
    else:
        # a session write must also send the CSRF token; a bearer token needs nothing else
        op["security"] = [{"bearerAuth": []}, {"cookieAuth": [], "csrfHeader": []} if write else {"cookieAuth": []}]
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    statuses = set(errors) | ({400} if write or body is not None else set())
    for status in sorted(statuses):
        name, _ = ERROR_RESPONSES[status]
        op["responses"].setdefault(str(status), {"$ref": f"#/components/responses/{name}"})
    return op


def path_parameter(name: str, description: str, example: str | None = None) -> dict:
    param = {"name": name, "in": "path", "required": True, "description": description,
             "schema": {"type": "string"}}
    if example is not None:
        param["example"] = example
    return param


def query_parameter(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def openapi_path(rule: str) -> str:
    """A Werkzeug rule ("/api/v1/items/<code>") as an OpenAPI path ("/api/v1/items/{code}")."""
    return _RULE_ARG.sub(r"{\1}", rule)


def document(*, cookie_name: str = "session", title: str = "Custody tracker API") -> dict:
    """The whole OpenAPI document as a dict (a fresh copy; callers may change it)."""
    responses = {name: json_response(text, {"$ref": ref("Error")}) for name, text in ERROR_RESPONSES.values()}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title, "version": "1",
            "description": (
                "Custody of archive volumes, media and devices. Authenticate with a personal API token "
                "(`Authorization: Bearer ct_…`, created on the account page or with `custody create-token "
                "USER`; it carries its owner's roles and no more) or with the session cookie of a logged-in "
                "browser, which must send the page's CSRF token in the `X-CSRFToken` header on every write. "
                "Every error is `{\"error\": {\"code\", \"message\"}}`, the message in the caller's language "
                "(`Accept-Language: zh-CN` or `en`). A refused request changes nothing."),
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": name, "description": text} for name, text in sorted(_tags.items())],
        "paths": {path: copy.deepcopy(item) for path, item in sorted(_paths.items())},
        "components": {
            "schemas": copy.deepcopy(_schemas),
            "responses": responses,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "A personal API token (`ct_…`)."},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": cookie_name,
                               "description": "The session cookie of a logged-in browser."},
                "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                               "description": "The CSRF token from the page's `<meta name=\"csrf-token\">`; "
                                              "required with the session cookie on every write."},
            },
        },
    }


add_schemas({
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable.", "examples": ["unknown_code"]},
                "message": {"type": "string", "description": "A sentence in the caller's language."},
                "field": {"type": "string", "description": "The request field at fault, when there is one."},
            },
        }},
    },
})
