"""Sessions end when they should: logout, a password change, a role change, disabling the account and the
administrator's "end sessions" each end every session of that account at once — a copied cookie (the
finding: the old cookie still opened / and /api/v1/items after logout, /items after a password change)
stops working for pages and for the token-less API alike."""
import pytest

from app.custody import accounts
from app.custody.models import AuditLog, User
from tests import factories as f
from tests.conftest import csrf_token


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def second_browser(app, user):
    """Another browser logged in as the same account (or a copy of the first one's cookie)."""
    other = app.test_client()
    token = csrf_token(other, "/login")
    response = other.post("/login", data={"username": user.username, "password": f.PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return other


def works(client) -> bool:
    pages = client.get("/items").status_code == 200
    api = client.get("/api/v1/items", headers={"Accept": "application/json"}).status_code == 200
    assert pages == api
    return pages


def copy_of(app, client):
    """A second client carrying the same session cookie as `client` (a stolen or copied cookie)."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie(cookie.key, cookie.value)
    return other


def test_logout_ends_the_copied_cookie_and_other_sessions(app, client, login):
    user = login("archivist")
    copied, elsewhere = copy_of(app, client), second_browser(app, user)
    assert works(copied) and works(elsewhere)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert not works(copied) and not works(elsewhere)


def test_own_password_change_keeps_this_session_and_ends_the_others(app, client, login, post):
    user = login("archivist")
    elsewhere = second_browser(app, user)
    response = post("/account/password", {"current": f.PASSWORD, "new": "a much longer new passphrase",
                                          "repeat": "a much longer new passphrase"}, token_from="/account")
    assert response.status_code == 302
    assert works(client) and not works(elsewhere)


@pytest.mark.parametrize("change", ["roles", "disable", "reset", "end"])
def test_administrator_changes_end_the_accounts_sessions(app, client, login, site, change):
    target = f.user("archivist", username="target")
    theirs = second_browser(app, target)
    assert works(theirs)
    admin = User.get(User.username == login("administrator", username="admin").username)
    if change == "roles":
        accounts.set_roles(target, ["operator"], by=admin)
    elif change == "disable":
        accounts.set_active(target, False, by=admin)
    elif change == "reset":
        accounts.set_password(target, "a one-time password here", by=admin, must_change=True)
    else:
        token = csrf_token(client, f"/admin/users/{target.id}")
        page = client.post(f"/admin/users/{target.id}/end-sessions", data={"csrf_token": token}, follow_redirects=True)
        assert "Every session of target has ended." in page.get_data(as_text=True)
        assert AuditLog.select().where(AuditLog.action == "user.end_sessions").count() == 1
    assert not works(theirs)
    assert theirs.get("/items").headers["Location"].startswith("/login")


def test_only_the_administrator_ends_sessions(client, login, site):
    target = f.user("archivist", username="t2")
    with pytest.raises(Exception, match="not allowed|Not allowed|permission"):
        accounts.end_sessions(target, by=f.user("supervisor"))
