"""Who may do what in the handover area, role by role (the HTTP side: tests/web/test_permissions.py walks
every route against these same permissions)."""
import pytest

from app.custody.models import ROLES
from app.custody.permissions import allowed

EXPECTED = {
    "batches.manage": {"archivist"},
    "handovers.view": {"operator", "archivist", "supervisor", "security_officer", "auditor"},
    "handovers.work": {"operator", "archivist", "supervisor"},
    "quarantine.raise": {"operator", "archivist", "supervisor", "security_officer"},
    "quarantine.release": {"security_officer"},
    "quarantine.view": {"archivist", "supervisor", "security_officer", "auditor"},
    "damage.record": {"operator", "archivist", "supervisor"},
    "damage.manage": {"archivist", "supervisor"},
    "damage.view": {"operator", "archivist", "supervisor", "security_officer", "auditor"},
}


@pytest.mark.parametrize("permission", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_holds_exactly_the_handover_permissions_of_its_job(role, permission):
    assert allowed({role}, permission) == (role in EXPECTED[permission])


def test_the_administrator_has_no_part_in_handovers():
    assert not any(allowed({"administrator"}, p) for p in EXPECTED)
