"""The OpenAPI document: valid OpenAPI 3.1, covering every /api/v1 route, and true to what the views return."""
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource

from app.api import openapi

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any error


def test_every_api_route_is_documented_and_nothing_else(app, document):
    routes = {(openapi.openapi_path(rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods if method.lower() in METHODS}
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item if method in METHODS}
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented operations without a route"


def test_security_schemes_and_write_requirements(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert (schemes["csrfHeader"]["in"], schemes["csrfHeader"]["name"]) == ("header", "X-CSRFToken")
    assert schemes["cookieAuth"]["in"] == "cookie"
    check_out = document["paths"]["/api/v1/items/{code}/check-out"]["post"]
    assert {"cookieAuth": [], "csrfHeader": []} in check_out["security"] and {"bearerAuth": []} in check_out["security"]
    assert {"Item", "Event", "Location", "Error"} <= set(document["components"]["schemas"])


def _validator(document, ref_name):
    """A validator for one component schema, resolving #/components/... against the document."""
    resource = Resource.from_contents({**document, "$schema": "https://json-schema.org/draft/2020-12/schema"})
    registry = Registry().with_resource("urn:custody-openapi", resource)
    schema = {"$ref": f"urn:custody-openapi#/components/schemas/{ref_name}"}
    return Draft202012Validator(schema, registry=registry)


def _check(document, name, body):
    errors = list(_validator(document, name).iter_errors(body))
    assert not errors, [e.message for e in errors]


def test_responses_match_their_schemas(document, as_archivist, world):
    code = world.vol.code
    event = as_archivist.post(f"/api/v1/items/{code}/check-out", {"location": "WS-01", "person": world.op_badge})
    _check(document, "Event", event.get_json())
    damage = as_archivist.post(f"/api/v1/items/{code}/damage", {"description": "x", "pages": 3})
    _check(document, "Event", damage.get_json())
    _check(document, "ItemDetail", as_archivist.get(f"/api/v1/items/{code}").get_json())
    _check(document, "ItemPage", as_archivist.get("/api/v1/items?limit=1").get_json())
    _check(document, "Person", as_archivist.get(f"/api/v1/people/{world.op_badge}").get_json())
    for row in as_archivist.get("/api/v1/locations").get_json()["locations"]:
        _check(document, "Location", row)
    _check(document, "Error", as_archivist.get("/api/v1/items/V99999999").get_json())
    _check(document, "Error", as_archivist.post(f"/api/v1/items/{code}/move", {}).get_json())


def test_a_broken_response_would_fail_the_schema_check(document):
    """The check above can fail: an item without its state does not pass."""
    errors = list(_validator(document, "Item").iter_errors({"code": "V1", "kind": "volume"}))
    assert errors


def test_registry_refuses_conflicting_definitions():
    with pytest.raises(ValueError):
        openapi.add_paths({"/api/v1/items": {"get": {"summary": "another"}}})
    with pytest.raises(ValueError):
        openapi.add_paths({"/elsewhere": {"get": {"summary": "x"}}})
    with pytest.raises(ValueError):
        openapi.add_schemas({"Error": {"type": "string"}})
