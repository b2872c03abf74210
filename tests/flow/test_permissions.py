"""Who may do what on the flow sheet, per role (the route-wide matrix is tests/web/test_permissions.py)."""
import pytest

from app.custody.permissions import allowed

ROLES = ("operator", "archivist", "supervisor", "security_officer", "auditor", "administrator")
EXPECTED = {
    "steps.record": {"operator", "archivist", "supervisor"},
    "steps.view": {"operator", "archivist", "supervisor", "security_officer", "auditor", "administrator"},
    "steps.define": {"administrator"},
    "steps.assign": {"supervisor"},
    "steps.board": {"supervisor", "auditor"},
    "devices.manage": {"administrator"},
}


@pytest.mark.parametrize("permission", sorted(EXPECTED))
def test_each_role_has_exactly_the_expected_flow_permissions(permission):
    assert {r for r in ROLES if allowed((r,), permission)} == EXPECTED[permission]


@pytest.mark.parametrize("role,status", [("operator", 403), ("auditor", 403), ("administrator", 403),
                                         ("supervisor", 302)])
def test_only_a_supervisor_assigns(login, post, client, role, status):
    login(role)
    response = post("/flow/assign", {"step": "scan", "codes": "V1"}, token_from="/")
    assert response.status_code in ((status,) if status != 302 else (200, 302))


@pytest.mark.parametrize("role,status", [("auditor", 403), ("administrator", 403), ("security_officer", 403),
                                         ("operator", 404)])
def test_the_auditor_and_administrator_record_no_steps(login, client, role, status):
    from tests.conftest import csrf_token

    login(role)
    token = csrf_token(client, "/")
    response = client.post("/api/v1/steps", json={"code": "V99999999", "step": "out", "action": "start",
                                                  "client_id": f"p-{role}"}, headers={"X-CSRFToken": token})
    assert response.status_code == status
