"""三员分离 that holds: a privileged role needs a second privileged person of another role; the creator of
a privileged account never sees its password; a privileged reset never shows the resetter a secret; the
auditor's role cannot be touched by the administrator alone; all of it is in the admin log."""
import re

import pytest

from app.custody import accounts
from app.custody.errors import LoginFailedError, NotAllowedError
from app.custody.models import AuditLog, User
from app.custody.people import roles
from app.custody.people.roles import EnrolmentFailedError
from tests import factories


@pytest.fixture
def trio(site):
    """The site's bootstrap: three privileged accounts made from the command line."""
    return (factories.user("administrator", username="admin"), factories.user("security_officer", username="sec"),
            factories.user("auditor", username="aud"))


def _actions():
    return [a.action for a in AuditLog.select().order_by(AuditLog.id)]


def test_grant_needs_a_second_person_of_another_role(trio):
    admin, sec, aud = trio
    other_admin = factories.user("administrator", username="admin2")
    user, req = roles.create_account("new_auditor", ["auditor"], by=admin)
    assert req is not None and "auditor" not in User.get_by_id(user.id).roles
    # the proposer, another administrator, and the account itself cannot approve; the auditor is not the
    # configured approver; the security officer is
    for who in (admin, other_admin, user):
        with pytest.raises(NotAllowedError):
            roles.approve(req, by=who)
    with pytest.raises(NotAllowedError):
        roles.approve(req, by=aud)
    code = roles.approve(req, by=sec)
    assert User.get_by_id(user.id).roles == frozenset({"auditor"})
    assert "role.propose" in _actions() and "role.approve" in _actions()
    row = AuditLog.select().where(AuditLog.action == "role.approve").get()
    assert row.user_id == sec.id and '"proposed_by":"admin"' in row.detail.replace(" ", "")
    roles.enrol("new_auditor", code, "a brand new pass phrase")
    assert accounts.authenticate("new_auditor", "a brand new pass phrase").id == user.id


def test_administrator_cannot_grant_or_remove_alone(trio):
    admin, sec, aud = trio
    plain = factories.user("operator")
    with pytest.raises(NotAllowedError):
        accounts.create_user("sneaky", factories.PASSWORD, ["auditor"], by=admin)
    with pytest.raises(NotAllowedError):
        accounts.set_roles(plain, ["security_officer"], by=admin)
    with pytest.raises(NotAllowedError):
        accounts.set_roles(aud, [], by=admin)  # the auditor's role stays
    assert User.get_by_id(aud.id).roles == frozenset({"auditor"})
    proposals = roles.change_roles(aud, ["operator"], by=admin)
    assert [p.kind for p in proposals] == ["remove"]
    assert User.get_by_id(aud.id).roles == frozenset({"auditor", "operator"})  # ordinary role at once
    with pytest.raises(NotAllowedError):
        roles.approve(proposals[0], by=aud)  # the account concerned does not approve its own change
    roles.approve(proposals[0], by=sec)
    assert User.get_by_id(aud.id).roles == frozenset({"operator"})


def test_privileged_reset_shows_the_resetter_no_secret_and_the_old_password_stops(trio):
    admin, sec, aud = trio
    with pytest.raises(NotAllowedError):
        accounts.set_password(sec, "chosen by the administrator", by=admin)
    req = roles.propose(sec, "reenrol", by=admin)
    with pytest.raises(NotAllowedError):
        roles.approve(req, by=sec)  # not their own reset
    code = roles.approve(req, by=aud)  # the security officer's own account: another privileged role approves
    with pytest.raises(LoginFailedError):
        accounts.authenticate("sec", factories.PASSWORD)
    with pytest.raises(EnrolmentFailedError):
        roles.enrol("sec", "wrong-code-here", "my own new password")
    roles.enrol("sec", code, "my own new password")
    with pytest.raises(EnrolmentFailedError):
        roles.enrol("sec", code, "used once more, again")  # one time only
    assert accounts.authenticate("sec", "my own new password").id == sec.id


def test_configured_approver_role(trio):
    admin, sec, aud = trio
    from app.custody import people

    people.update_settings({"approver_role": "auditor"}, by=sec)
    _user, req = roles.create_account("new_sec", ["security_officer"], by=admin)
    with pytest.raises(NotAllowedError):
        roles.approve(req, by=sec)
    assert roles.approve(req, by=aud)


def test_creator_never_sees_the_password_through_the_pages(trio, client, login, post):
    login("administrator")
    resp = post("/admin/users", {"new-username": "auditor2", "new-roles": ["auditor"]}, token_from="/admin/users")
    assert resp.status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    assert "auditor2" in page and 'one-time-password' not in page
    user = User.get(User.username == "auditor2")
    assert user.roles == frozenset()
    # the administrator cannot log in as the new account with anything they were shown
    with pytest.raises(LoginFailedError):
        accounts.authenticate("auditor2", "")
    # resetting the security officer's password shows nothing either
    sec = User.get(User.username == "sec")
    resp = post(f"/admin/users/{sec.id}/password", {}, token_from=f"/admin/users/{sec.id}")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "等待" in page and not re.search(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", page)


def test_approver_sees_the_code_once_and_the_holder_enrols_through_the_page(trio, app):
    admin, sec, aud = trio
    _user, req = roles.create_account("officer2", ["security_officer"], by=admin)
    approver = app.test_client()
    from tests.conftest import csrf_token

    approver.post("/login", data={"username": "sec", "password": factories.PASSWORD,
                                  "csrf_token": csrf_token(approver)})
    resp = approver.post(f"/people/roles/{req.id}/approve",
                         data={"csrf_token": csrf_token(approver, "/people/roles")})
    assert resp.headers.get("Cache-Control") == "no-store"
    code = re.search(r'data-field="enrolment-code">([^<]+)<', resp.get_data(as_text=True)).group(1)
    holder = app.test_client()
    bad = holder.post("/enrol", data={"username": "officer2", "code": code, "password": "short", "password2": "short",
                                      "csrf_token": csrf_token(holder, "/enrol")})
    assert bad.status_code == 422
    ok = holder.post("/enrol", data={"username": "officer2", "code": code, "password": "blue whale tango 42",
                                     "password2": "blue whale tango 42", "csrf_token": csrf_token(holder, "/enrol")})
    assert ok.status_code == 302
    assert holder.post("/login", data={"username": "officer2", "password": "blue whale tango 42",
                                       "csrf_token": csrf_token(holder)}).status_code == 302
    # the auditor reads all of it in the admin log
    auditor = app.test_client()
    auditor.post("/login", data={"username": "aud", "password": factories.PASSWORD, "csrf_token": csrf_token(auditor)})
    log = auditor.get("/audit/admin-log?per_page=200").get_data(as_text=True)
    for action in ("role.propose", "role.approve", "user.enrol"):
        assert action in log, action
