"""Login lockout, idle sessions, CSRF refusals and the append-only logs."""
import re
from datetime import timedelta

import pytest
from peewee import DatabaseError

from app.custody import clock, services
from app.custody.models import AuditLog, Event, Location, User
from app.db import db
from tests import factories as f
from tests.conftest import csrf_token

FLASH_RE = re.compile(r'class="flash flash-(\w+)"[^>]*>([^<]+)<')


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def login_attempt(client, username, password):
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    messages = FLASH_RE.findall(response.get_data(as_text=True))
    return response, messages


def test_five_wrong_passwords_lock_for_fifteen_minutes_with_one_message(client, site):
    user = f.user("operator", username="zhang")
    failures = []
    for _ in range(5):
        response, messages = login_attempt(client, "zhang", "wrong password!")
        assert response.status_code == 401
        failures.append(messages)
    locked = User.get_by_id(user.id)
    assert locked.locked_until is not None
    minutes = (locked.locked_until - clock.now()).total_seconds() / 60
    assert 14 < minutes <= 15
    row = AuditLog.select().where(AuditLog.action == "user.locked").get()
    assert row.target == "user:zhang" and '"minutes":15' in row.detail
    # locked: the right password fails too, with the very same message as any other failure
    right_while_locked = login_attempt(client, "zhang", f.PASSWORD)
    unknown_user = login_attempt(client, "nobody-here", f.PASSWORD)
    assert right_while_locked[0].status_code == unknown_user[0].status_code == 401
    assert right_while_locked[1] == unknown_user[1] == failures[0] == failures[4]
    assert failures[0] == [("error", "Invalid username or password.")]
    assert "_user_id" not in dict(client.session_transaction().__enter__())
    # fifteen minutes later (the lock moved into the past) the right password works again
    User.update(locked_until=clock.now() - timedelta(seconds=1)).where(User.id == user.id).execute()
    response, _messages = login_attempt(client, "zhang", f.PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_idle_session_ends_and_lands_on_login_with_a_message(app, client, site, login):
    login("supervisor")
    assert client.get("/").status_code == 200
    idle = app.config["IDLE_TIMEOUT_MINUTES"] * 60
    with client.session_transaction() as session:
        session["_seen"] = int(clock.aware_now().timestamp()) - idle - 5
    response = client.get("/items")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert ("info", "Your session ended after a period of inactivity. Please log in again.") in \
        FLASH_RE.findall(page.get_data(as_text=True))
    assert client.get("/items").status_code == 302  # still logged out


def test_recent_activity_keeps_the_session(app, client, site, login):
    login("supervisor")
    idle = app.config["IDLE_TIMEOUT_MINUTES"] * 60
    with client.session_transaction() as session:
        session["_seen"] = int(clock.aware_now().timestamp()) - idle + 30
    assert client.get("/items").status_code == 200


def test_form_post_without_csrf_token_is_refused_and_changes_nothing(client, site, login):
    login("administrator")
    before = (User.select().count(), AuditLog.select().count(), Location.select().count())
    response = client.post("/admin/users", data={"new-username": "intruder", "new-roles": ["administrator"]},
                           headers={"Referer": "http://localhost/admin/users"})
    assert response.status_code == 400
    assert "missing its security token" in response.get_data(as_text=True)
    response = client.post("/admin/locations", data={"new-code": "EVIL", "new-name": "x", "new-kind": "shelf",
                                                     "csrf_token": "forged-token"})
    assert response.status_code == 400
    assert (User.select().count(), AuditLog.select().count(), Location.select().count()) == before


def test_a_junk_bearer_header_beside_a_session_does_not_skip_csrf(client, site, login):
    # a bearer request skips the CSRF check, so the token — never the cookie sent with it — must say who it is
    login("administrator")
    before = (User.select().count(), Location.select().count())
    response = client.post("/admin/locations", data={"new-code": "EVIL", "new-name": "x", "new-kind": "shelf"},
                           headers={"Authorization": "Bearer ct_not-a-token", "Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"
    assert (User.select().count(), Location.select().count()) == before


def test_json_write_with_session_needs_the_csrf_header(client, site, login):
    login("administrator")
    before = Location.select().count()
    response = client.post("/admin/locations", json={"new-code": "EVIL"}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf"
    assert Location.select().count() == before


@pytest.mark.parametrize("table, model", [("event", Event), ("audit_log", AuditLog)])
def test_the_application_cannot_update_or_delete_a_log_row(site, table, model):
    vol = f.item()
    services.check_out(vol.code, to=f.loc("WS-01"), holder=f.person(), actor=None)
    f.user("operator")
    row = model.select().order_by(model.id).first()
    with pytest.raises(DatabaseError, match="append-only"):
        with db.atomic():
            model.update(prev_hash="0" * 64).where(model.id == row.id).execute()
    with pytest.raises(DatabaseError, match="append-only"):
        with db.atomic():
            model.delete().where(model.id == row.id).execute()
    assert model.get_by_id(row.id).hash == row.hash
